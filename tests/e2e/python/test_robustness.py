"""Raw protocol robustness: malformed and out-of-place WAMP messages, oversize frames,
subprotocol negotiation and the HTTP side, each on a raw WebSocket (python3-websocket) or raw TCP
connection, while an established Autobahn|Python session on the same router keeps working."""

import asyncio
import http.client
import json
import os
import struct
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import websocket  # noqa: E402  (Debian python3-websocket)

from junction_harness import (  # noqa: E402
    MAX_MESSAGE_SIZE, JunctionTestCase, RawWebSocket, main, within)

RAW_TIMEOUT = 5.0
HELLO = [1, "realm1", {"roles": {"caller": {}, "callee": {}, "publisher": {}, "subscriber": {}}}]
WELCOME, ABORT, RESULT, ERROR = 2, 3, 50, 8


class RawWamp:
    """A WAMP-over-WebSocket peer that sends exactly the frames a test gives it."""

    def __init__(self, url, subprotocols=("wamp.2.json",)):
        self.ws = websocket.create_connection(url, subprotocols=list(subprotocols),
                                              timeout=RAW_TIMEOUT)
        self.subprotocol = self.ws.getsubprotocol()

    def send_text(self, text):
        self.ws.send(text, opcode=websocket.ABNF.OPCODE_TEXT)

    def send(self, msg):
        self.send_text(json.dumps(msg))

    def next_frame(self):
        """(opcode, data) of the next data or close frame; pings are skipped."""
        while True:
            op, frame = self.ws.recv_data_frame(control_frame=True)
            if op in (websocket.ABNF.OPCODE_PING, websocket.ABNF.OPCODE_PONG):
                continue
            return op, frame.data

    def recv(self):
        """The next WAMP message; fails on a close or a non-text frame."""
        op, data = self.next_frame()
        if op != websocket.ABNF.OPCODE_TEXT:
            raise AssertionError("expected a text frame, got opcode %d: %r" % (op, data[:200]))
        return json.loads(data.decode("utf-8"))

    def hello(self):
        self.send(HELLO)
        msg = self.recv()
        if msg[0] != WELCOME:
            raise AssertionError("expected WELCOME, got %r" % (msg,))
        return msg

    def read_until_closed(self):
        """Reads every message up to the server's close frame. Returns (messages, close code);
        close code None means the TCP connection ended without a WebSocket close frame."""
        msgs = []
        while True:
            try:
                op, data = self.next_frame()
            except websocket.WebSocketConnectionClosedException:
                return msgs, None
            except ConnectionError:
                return msgs, None
            if op == websocket.ABNF.OPCODE_CLOSE:
                code = struct.unpack("!H", data[:2])[0] if len(data) >= 2 else 1005
                return msgs, code
            if op == websocket.ABNF.OPCODE_TEXT:
                msgs.append(json.loads(data.decode("utf-8")))
            else:
                msgs.append(("opcode", op, data[:100]))

    def close(self):
        try:
            self.ws.close(timeout=1)
        except Exception:
            pass
        self.ws.shutdown()  # the socket itself, even if the close handshake failed


def http_upgrade_status(host, port, path="/ws", protocols=None):
    """Sends a WebSocket upgrade request on a raw socket; returns (status, headers dict)."""
    with RawWebSocket(host, port, path, protocol=protocols, timeout=RAW_TIMEOUT) as ws:
        return ws.status, ws.headers


class RobustnessTest(JunctionTestCase):

    async def asyncSetUp(self):
        await super().asyncSetUp()
        asyncio.get_running_loop().slow_callback_duration = 2.0  # raw socket work in threads
        # An established session that must not notice anything the raw peers do.
        self.bystander = await self.connect()
        self.bystander_calls = 0

        def ping(x):
            self.bystander_calls += 1
            return ["pong", x]

        self.ping_reg = await within(self.bystander.register(ping, "com.example.robust.ping"))

    async def assert_bystander_works(self):
        self.assertTrue(self.bystander.is_attached())
        n = self.bystander_calls
        self.assertEqual(await within(self.bystander.call("com.example.robust.ping", n)), ["pong", n])
        self.assertEqual(self.bystander_calls, n + 1)

    async def raw(self, fn, *args):
        return await within(asyncio.to_thread(fn, *args), 15)

    async def expect_protocol_violation(self, steps):
        """Opens a raw WebSocket, runs steps(raw) (sends), then expects ABORT
        wamp.error.protocol_violation and the close of that connection."""
        def run():
            raw = RawWamp(self.router.url)
            try:
                steps(raw)
                return raw.read_until_closed()
            finally:
                raw.close()

        msgs, code = await self.raw(run)
        self.assertEqual(len(msgs), 1, "expected exactly one ABORT, got %r" % (msgs,))
        self.assertEqual(msgs[0][0], ABORT, msgs)
        self.assertIsInstance(msgs[0][1], dict, msgs)
        self.assertEqual(msgs[0][2], "wamp.error.protocol_violation", msgs)
        self.assertIsNotNone(code, "connection dropped without a WebSocket close frame")
        await self.assert_bystander_works()

    # -- malformed input --------------------------------------------------------------------
    async def test_malformed_json_before_hello(self):
        await self.expect_protocol_violation(lambda r: r.send_text('[1, "realm1", {'))

    async def test_malformed_json_after_welcome(self):
        def steps(r):
            r.hello()
            r.send_text('[48, 1, {}, "com.example.robust.ping", [1]')  # missing "]"
        await self.expect_protocol_violation(steps)

    async def test_invalid_utf8_text_frame(self):
        def steps(r):
            r.hello()
            r.ws.send(b'[48, 1, {}, "\xff\xfe"]', opcode=websocket.ABNF.OPCODE_TEXT)
        # Invalid UTF-8 in a text frame: the WebSocket layer may close with 1007 instead; either
        # way this connection ends and nobody else is affected.
        def run():
            raw = RawWamp(self.router.url)
            try:
                steps(raw)
                return raw.read_until_closed()
            finally:
                raw.close()
        msgs, code = await self.raw(run)
        self.assertTrue(code == 1007 or (len(msgs) == 1 and msgs[0][0] == ABORT
                                         and msgs[0][2] == "wamp.error.protocol_violation"),
                        "got %r, close code %r" % (msgs, code))
        await self.assert_bystander_works()

    async def test_json_that_is_not_a_wamp_message(self):
        for text in ['{"hello": 1}', '[]', '"HELLO"', '["1", "realm1", {}]', '[1]',
                     '[1, "realm1"]', '[1, 5, {}]', 'null']:
            with self.subTest(text=text):
                await self.expect_protocol_violation(lambda r, t=text: r.send_text(t))

    async def test_unknown_message_type(self):
        def steps(r):
            r.hello()
            r.send([999, 1, {}])
        await self.expect_protocol_violation(steps)

    async def test_unknown_message_type_before_hello(self):
        await self.expect_protocol_violation(lambda r: r.send([999, 1, {}]))

    # -- wrong message in the wrong state ---------------------------------------------------
    async def test_call_before_hello(self):
        await self.expect_protocol_violation(
            lambda r: r.send([48, 1, {}, "com.example.robust.ping", [1]]))

    async def test_hello_twice(self):
        def steps(r):
            r.hello()
            r.send(HELLO)
        await self.expect_protocol_violation(steps)

    async def test_router_message_from_client(self):
        def steps(r):
            r.hello()
            r.send([WELCOME, 12345, {"roles": {"broker": {}}}])  # only a router sends WELCOME
        await self.expect_protocol_violation(steps)

    # -- errors for unknown ids, WebSocket control frames ------------------------------------
    async def test_unknown_subscription_and_registration_ids(self):
        def run():
            raw = RawWamp(self.router.url)
            try:
                raw.hello()
                raw.send([34, 11, 123456789])  # UNSUBSCRIBE
                a = raw.recv()
                raw.send([66, 12, 123456789])  # UNREGISTER
                b = raw.recv()
                raw.send([48, 13, {}, "com.example.robust.ping", ["still here"]])
                c = raw.recv()
                return a, b, c
            finally:
                raw.close()
        a, b, c = await self.raw(run)
        # ERROR may carry a human-readable message in Arguments after the URI.
        self.assertEqual(a[:5], [ERROR, 34, 11, {}, "wamp.error.no_such_subscription"], a)
        self.assertEqual(b[:5], [ERROR, 66, 12, {}, "wamp.error.no_such_registration"], b)
        self.assertEqual(c, [RESULT, 13, {}, [["pong", "still here"]]])
        await self.assert_bystander_works()

    async def test_ping_answered_and_close_handshake(self):
        def run():
            raw = RawWamp(self.router.url)
            try:
                raw.hello()
                raw.ws.ping(b"junction-e2e")
                op, frame = raw.ws.recv_data_frame(control_frame=True)
                pong = (op, frame.data)
                raw.ws.send_close(1000, b"bye")
                op, frame = raw.ws.recv_data_frame(control_frame=True)
                closing = (op, struct.unpack("!H", frame.data[:2])[0] if len(frame.data) >= 2 else None)
                return pong, closing
            finally:
                raw.close()
        pong, closing = await self.raw(run)
        self.assertEqual(pong, (websocket.ABNF.OPCODE_PONG, b"junction-e2e"))
        self.assertEqual(closing, (websocket.ABNF.OPCODE_CLOSE, 1000))
        await self.assert_bystander_works()

    # -- size limit ---------------------------------------------------------------------------
    async def test_oversize_message_closes_with_1009(self):
        def run():
            raw = RawWamp(self.router.url)
            try:
                raw.hello()
                payload = "x" * (MAX_MESSAGE_SIZE + 1024)
                try:
                    raw.send([48, 1, {}, "com.example.robust.ping", [payload]])
                except (BrokenPipeError, ConnectionResetError) as e:
                    return None, "send failed: %r" % (e,)
                return raw.read_until_closed()
            finally:
                raw.close()
        msgs, code = await self.raw(run)
        self.assertEqual(code, 1009, "messages %r" % (msgs,))
        await self.assert_bystander_works()

    # -- codec details through a raw peer ---------------------------------------------------
    async def test_raw_escapes_and_binary_convention(self):
        got = []

        def record(*args, **kwargs):
            got.append((args, kwargs))
            return len(got)

        await within(self.bystander.register(record, "com.example.robust.record"))

        def run():
            raw = RawWamp(self.router.url)
            try:
                raw.hello()
                # JSON escapes (incl. a surrogate pair) and the binary convention "\0" + base64.
                raw.send_text('[48, 9, {}, "com.example.robust.record", '
                              '["\\u00e9\\ud83c\\udf89", "\\u0000AQID", "\\/"], {"k\\u00fc": 1}]')
                return raw.recv()
            finally:
                raw.close()

        msg = await self.raw(run)
        self.assertEqual(msg, [RESULT, 9, {}, [1]])
        self.assertEqual(got, [(("é🎉", b"\x01\x02\x03", "/"), {"kü": 1})])

    # -- WebSocket handshake and HTTP -------------------------------------------------------
    async def test_subprotocol_negotiation(self):
        h, p = self.router.host, self.router.port
        status, headers = await self.raw(http_upgrade_status, h, p, "/ws", None)
        self.assertEqual(status, 400, "no subprotocol offered")
        status, headers = await self.raw(http_upgrade_status, h, p, "/ws", "foo.bar")
        self.assertEqual(status, 400, "only an unknown subprotocol offered")
        status, headers = await self.raw(http_upgrade_status, h, p, "/ws", "wamp.2.msgpack")
        self.assertEqual(status, 400, "only a WAMP serializer this transport does not offer")
        status, headers = await self.raw(http_upgrade_status, h, p, "/ws",
                                         "foo.bar, wamp.2.msgpack, wamp.2.json")
        self.assertEqual(status, 101)
        self.assertEqual(headers.get("sec-websocket-protocol"), "wamp.2.json")
        self.assertEqual(headers.get("sec-websocket-accept"), "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=")
        await self.assert_bystander_works()

    async def test_http_pages(self):
        def get(path):
            c = http.client.HTTPConnection(self.router.host, self.router.port, timeout=RAW_TIMEOUT)
            try:
                c.request("GET", path)
                r = c.getresponse()
                return r.status, r.getheader("Content-Type", ""), r.read()
            finally:
                c.close()

        status, ctype, body = await self.raw(get, "/")
        self.assertEqual(status, 200)
        self.assertTrue(ctype.startswith("text/html"), ctype)
        self.assertIn(b"<html", body.lower())
        status, _, _ = await self.raw(get, "/nope")
        self.assertEqual(status, 404)
        await self.assert_bystander_works()


if __name__ == "__main__":
    main()
