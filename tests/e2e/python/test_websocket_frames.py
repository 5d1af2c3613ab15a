"""RFC 6455 / RFC 7692 conformance of Junction's WebSocket server, frame by frame: every client
frame is built bit by bit (junction_harness.ws_frame: masked unless a test says otherwise, any
RSV bits, opcode, length encoding) and sent on a plain socket (junction_harness.RawWebSocket), so
that the router sees exactly what a test means — fragments of any size, frames pipelined behind the upgrade request, frames split
across TCP writes, reserved bits, bad lengths, bad close frames, compressed messages made with
Python's zlib.

Covered: the opening handshake (accept key, subprotocol, refusals with 400/426, frames sent in
the same TCP segment as the request); fragmentation (1-byte fragments, a fragment boundary inside
a UTF-8 character, control frames between fragments); ping/pong; every kind of protocol error,
answered with the right close code (1002, 1007, 1009) and the end of the TCP connection; nothing
after a protocol error reaches the router; the closing handshake both ways; frame types against
the WAMP serializer (binary on JSON, text on msgpack); 1 MB messages in one frame, in 64 KB
fragments and in odd TCP pieces through an Autobahn|Python callee; a subscriber that never reads;
permessage-deflate (negotiation, declined offers, context takeover, window bits, fragments,
corrupt data, a compression bomb).
"""

import asyncio
import base64
import concurrent.futures
import json
import os
import socket
import sys
import threading
import time
import unittest
import zlib

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import msgpack  # noqa: E402  (Debian python3-msgpack)

from autobahn.wamp.types import PublishOptions  # noqa: E402

from junction_harness import (  # noqa: E402
    OP_BINARY, OP_CLOSE, OP_CONT, OP_PING, OP_PONG, OP_TEXT, REALM, RSV1, RSV2, RSV3,
    JunctionTestCase, RawWebSocket, close_code_of, default_config, main, within, ws_accept,
    ws_frame)

HELLO_DETAILS = {"roles": {"caller": {}, "callee": {}, "publisher": {}, "subscriber": {}},
                 "agent": "junction-e2e frames \u00e9\u20ac\U0001d11e"}  # 2-, 3- and 4-byte UTF-8
HELLO = [1, REALM, HELLO_DETAILS]
WELCOME, ABORT, GOODBYE, ERROR = 2, 3, 6, 8
PUBLISH, PUBLISHED, SUBSCRIBE, SUBSCRIBED, EVENT = 16, 17, 32, 33, 36
CALL, RESULT = 48, 50

SMALL_MAX = 64 * 1024  # max_message_size of the routers that test the limit
CLOSE_HANDSHAKE_TIMEOUT = 1.0  # seconds; the router's default close_handshake_timeout
CLOSED_WITHIN = CLOSE_HANDSHAKE_TIMEOUT + 2.0  # the TCP connection must end within this
PROMPT = 0.5  # "at once", for a TCP close that must not wait for anything
TAIL = b"\x00\x00\xff\xff"  # RFC 7692 §7.2.1


def config(max_message_size=SMALL_MAX, serializers=("json", "msgpack"), ws_options=None,
           paths=None):
    """The harness config: /ws with this max_message_size and `ws_options`, plus `paths`
    (name -> WebSocket options) with the same max_message_size."""
    cfg = default_config(max_message_size=max_message_size, serializers=serializers)
    all_paths = cfg["workers"][0]["transports"][0]["paths"]
    all_paths["ws"]["options"].update(ws_options or {})
    for name, options in (paths or {}).items():
        opts = {"max_message_size": max_message_size}
        opts.update(options)
        all_paths[name] = {"type": "websocket", "serializers": list(serializers), "options": opts}
    return cfg


def wamp_json(msg):
    return json.dumps(msg, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def pieces(data, sizes):
    """`data` cut into pieces of the given sizes (the last size repeats; the rest goes last)."""
    out, i, k = [], 0, 0
    while i < len(data):
        n = sizes[min(k, len(sizes) - 1)]
        out.append(data[i:i + n])
        i += n
        k += 1
    return out or [b""]


def fragments(opcode, parts, rsv=0):
    """A message as frames: `opcode` and `rsv` on the first, continuations after, FIN on the last."""
    return [ws_frame(opcode if i == 0 else OP_CONT, part, fin=i == len(parts) - 1,
                     rsv=rsv if i == 0 else 0) for i, part in enumerate(parts)]


def deflate(data, wbits=15, compressor=None):
    """A message compressed as RFC 7692 §7.2.1 says: raw deflate, sync flush, tail removed.
    With `compressor` (a zlib.compressobj) its context carries over between messages."""
    c = compressor or zlib.compressobj(6, zlib.DEFLATED, -wbits)
    out = c.compress(data) + c.flush(zlib.Z_SYNC_FLUSH)
    assert out.endswith(TAIL)
    return out[:-4]


def parse_extension(value):
    """"permessage-deflate; a; b=1" -> ("permessage-deflate", {"a": None, "b": "1"})."""
    parts = [p.strip() for p in value.split(";")]
    params = {}
    for p in parts[1:]:
        k, eq, v = p.partition("=")
        params[k.strip().lower()] = v.strip().strip('"') if eq else None
    return parts[0].lower(), params


def run_parallel(fns):
    """Calls every fn at once (each in its own thread); returns their results in order."""
    with concurrent.futures.ThreadPoolExecutor(len(fns)) as ex:
        return list(ex.map(lambda fn: fn(), fns))


class Peer:
    """A WAMP peer on a RawWebSocket: JSON (text frames) or msgpack (binary frames), and
    permessage-deflate when the server agreed to it (messages in are inflated with one context
    unless server_no_context_takeover was agreed)."""

    def __init__(self, router, path="/ws", serializer="json", extensions=None, after=b"",
                 **kwargs):
        headers = ["Sec-WebSocket-Extensions: " + extensions] if extensions else []
        self.ws = RawWebSocket(router.host, router.port, path, headers,
                               protocol=kwargs.pop("protocol", "wamp.2." + serializer),
                               after=after, **kwargs)
        if self.ws.status != 101:
            self.ws.close()
            raise AssertionError("upgrade refused: %d %r" % (self.ws.status, self.ws.body))
        self.serializer = serializer
        self.opcode = OP_TEXT if serializer == "json" else OP_BINARY
        ext = self.ws.headers.get("sec-websocket-extensions")
        self.deflate = parse_extension(ext)[1] if ext else None
        # Inflating with the window the server agreed to: zlib refuses a distance beyond it.
        self.server_bits = int((self.deflate or {}).get("server_max_window_bits") or 15)
        self.inflater = zlib.decompressobj(-self.server_bits)
        self.wire_size = 0  # payload bytes of the last message received
        self.controls = []  # ping/pong frames seen while waiting for messages

    def encode(self, msg):
        return wamp_json(msg) if self.serializer == "json" else msgpack.packb(msg)

    def decode(self, data):
        return json.loads(data.decode("utf-8")) if self.serializer == "json" else \
            msgpack.unpackb(data, raw=False)

    def frames(self, msg, sizes=None, compress=False):
        data = msg if isinstance(msg, bytes) else self.encode(msg)
        if compress:
            data = deflate(data)
        return fragments(self.opcode, pieces(data, sizes) if sizes else [data],
                         RSV1 if compress else 0)

    def send(self, msg, sizes=None, compress=False):
        """Sends a WAMP message (or bytes as they are) in fragments of `sizes`, compressed."""
        self.ws.send(b"".join(self.frames(msg, sizes, compress)))

    def recv_raw(self):
        """(opcode, rsv1, payload) of the next data message, its fragments joined and inflated
        when compressed; control frames go to self.controls, a close frame raises."""
        first, parts = None, []
        while True:
            frame = self.ws.read_frame()
            if frame.opcode in (OP_PING, OP_PONG):
                self.controls.append(frame)
                continue
            if frame.opcode == OP_CLOSE:
                raise AssertionError("close frame (code %r, %r) instead of a message"
                                     % (close_code_of(frame), frame.payload[2:]))
            if first is None:
                first = frame
            parts.append(frame.payload)
            if frame.fin:
                break
        data = b"".join(parts)
        self.wire_size = len(data)
        if first.rsv & RSV1:
            if self.deflate is None:
                raise AssertionError("RSV1 without permessage-deflate (RFC 6455 §5.2)")
            if "server_no_context_takeover" in self.deflate:
                self.inflater = zlib.decompressobj(-self.server_bits)
            data = self.inflater.decompress(data + TAIL)
        return first.opcode, bool(first.rsv & RSV1), data

    def recv(self):
        opcode, _, data = self.recv_raw()
        if opcode != self.opcode:
            raise AssertionError("a %s session got a message in opcode %d: %r"
                                 % (self.serializer, opcode, data[:200]))
        return self.decode(data)

    def hello(self, compress=False):
        self.send(HELLO, compress=compress)
        msg = self.recv()
        if msg[0] != WELCOME:
            raise AssertionError("expected WELCOME, got %r" % (msg,))
        return msg

    def pong(self):
        """The next control frame (a pong, normally)."""
        while not self.controls:
            frame = self.ws.read_frame()
            if frame.opcode == OP_CLOSE:
                raise AssertionError("close frame (code %r) instead of a pong"
                                     % (close_code_of(frame),))
            if frame.opcode in (OP_PING, OP_PONG):
                return frame
            raise AssertionError("a data frame instead of a pong: %r" % (frame,))
        return self.controls.pop(0)

    def close(self):
        self.ws.close()


class Failure:
    """What a connection did after a test sent it bad frames: the frames that came before the
    close frame, the close code, and when the server closed TCP."""

    def __init__(self, before, close, closed_after):
        self.before, self.close, self.closed_after = before, close, closed_after
        self.code = close_code_of(close) if close is not None else None

    def __repr__(self):
        return "<frames before %r, close code %r, TCP closed after %r s>" % (
            [(f.opcode, f.payload[:80]) for f in self.before], self.code, self.closed_after)


def provoke(router, frames, hello=True, reply=False, wait=CLOSED_WITHIN, **peer_args):
    """Opens a peer (with a WELCOME'd session unless `hello` is false), sends `frames` in one
    write, and reads up to the server's close frame; then (answering it with a close frame of its
    own if `reply`) waits for the server to close TCP."""
    peer = Peer(router, **peer_args)
    try:
        if hello:
            peer.hello(compress=bool(peer.deflate))
        try:
            peer.ws.send(b"".join(frames))
        except (BrokenPipeError, ConnectionResetError):
            pass
        before, close = peer.ws.read_until_close()
        if close is None:
            return Failure(before, None, 0.0)
        if reply:
            try:
                peer.ws.send_frame(OP_CLOSE, close.payload[:2])
            except OSError:
                pass
        return Failure(before, close, peer.ws.wait_closed(wait))
    finally:
        peer.close()


class FrameTestCase(JunctionTestCase):
    """Raw peers run in threads; every wait has a timeout."""

    async def asyncSetUp(self):
        await super().asyncSetUp()
        asyncio.get_running_loop().slow_callback_duration = 2.0

    async def raw(self, fn, *args, timeout=20):
        return await within(asyncio.to_thread(fn, *args), timeout)

    async def failures(self, cases, **kwargs):
        """Runs provoke() for every case ({name: frames}) at once; returns {name: Failure}."""
        names = list(cases)
        results = await self.raw(run_parallel, [
            (lambda n=n: provoke(self.router, cases[n], **kwargs)) for n in names])
        return dict(zip(names, results))

    def assertFailed(self, failure, code, name=""):
        """The server failed the connection (RFC 6455 §7.1.7): a close frame with `code` and no
        message before it, then the end of TCP."""
        self.assertIsNotNone(failure.close, "%s: no close frame: %r" % (name, failure))
        self.assertEqual(failure.code, code, "%s: %r" % (name, failure))
        self.assertEqual([f for f in failure.before if f.opcode not in (OP_PING, OP_PONG)], [],
                         "%s: messages before the close frame: %r" % (name, failure))
        self.assertIsNotNone(failure.closed_after,
                             "%s: TCP still open %.1f s after the close frame" % (name, CLOSED_WITHIN))

    async def expect_failures(self, cases, code, **kwargs):
        for name, failure in (await self.failures(cases, **kwargs)).items():
            with self.subTest(case=name):
                self.assertFailed(failure, code, name)


# -- the opening handshake -------------------------------------------------------------------

class HandshakeTest(FrameTestCase):
    router_config = config()

    def upgrade(self, **kwargs):
        with RawWebSocket(self.router.host, self.router.port, "/ws", **kwargs) as ws:
            return ws.status, ws.headers, ws.body

    async def test_valid_upgrade(self):
        for key in ("dGhlIHNhbXBsZSBub25jZQ==", "AAAAAAAAAAAAAAAAAAAAAA==",
                    base64.b64encode(os.urandom(16)).decode()):
            with self.subTest(key=key):
                status, headers, _ = await self.raw(
                    lambda: self.upgrade(key=key, protocol="foo.bar, wamp.2.json"))
                self.assertEqual(status, 101)  # RFC 6455 §4.2.2 item 5
                self.assertEqual(headers.get("upgrade", "").lower(), "websocket")
                self.assertIn("upgrade", headers.get("connection", "").lower())
                self.assertEqual(headers.get("sec-websocket-accept"), ws_accept(key))
                self.assertEqual(headers.get("sec-websocket-protocol"), "wamp.2.json")
        self.assertEqual(ws_accept("dGhlIHNhbXBsZSBub25jZQ=="), "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=")
        status, headers, _ = await self.raw(lambda: self.upgrade(protocol="wamp.2.msgpack"))
        self.assertEqual((status, headers.get("sec-websocket-protocol")), (101, "wamp.2.msgpack"))

    async def test_missing_or_invalid_key(self):
        # RFC 6455 §4.2.1 item 5: a base64-encoded 16-byte value; a request without one gets
        # an HTTP error such as 400 (§4.2.1, last paragraph).
        for key in (None, "", "abc", "dGhlIHNhbXBsZSBub25j", "dGhlIHNhbXBsZSBub25jZSE=",
                    "dGhlIHNhbXBsZSBub25jZQ", "!!!!!!!!!!!!!!!!!!!!!!==",
                    "dGhlIHNhbXBsZSBub25jZXh4eA=="):
            with self.subTest(key=key):
                status, headers, _ = await self.raw(lambda: self.upgrade(key=key))
                self.assertEqual(status, 400)
                self.assertNotIn("sec-websocket-accept", headers)

    async def test_unsupported_version(self):
        # RFC 6455 §4.2.2 item 4 / §4.4: 426 and the versions the server speaks.
        for version in ("8", "12", "14"):
            with self.subTest(version=version):
                status, headers, _ = await self.raw(lambda: self.upgrade(version=version))
                self.assertEqual(status, 426)
                self.assertEqual(headers.get("sec-websocket-version"), "13")
        status, _, _ = await self.raw(lambda: self.upgrade(version=None))
        self.assertIn(status, (400, 426), "no Sec-WebSocket-Version (RFC 6455 §4.2.1 item 6)")

    async def test_no_common_subprotocol(self):
        for offered in (None, "foo.bar", "wamp.2.cbor, wamp.2.ubjson"):
            with self.subTest(offered=offered):
                status, headers, body = await self.raw(lambda: self.upgrade(protocol=offered))
                self.assertEqual(status, 400)
                self.assertNotIn("sec-websocket-accept", headers)
                text = body.decode()
                self.assertIn("wamp.2.json", text)
                self.assertIn("wamp.2.msgpack", text)

    async def test_hello_in_the_same_segment_as_the_upgrade(self):
        def run(after, rest=b""):
            peer = Peer(self.router, after=after)
            try:
                if rest:
                    time.sleep(0.05)
                    peer.ws.send(rest)
                welcome = peer.recv()
                pong = peer.pong() if after[:1] == b"\x89" else None  # a ping went first
                return welcome, pong
            finally:
                peer.close()

        hello = ws_frame(OP_TEXT, wamp_json(HELLO))
        welcome, _ = await self.raw(run, hello)
        self.assertEqual(welcome[0], WELCOME)
        # Half a frame behind the request, the other half later.
        welcome, _ = await self.raw(run, hello[:5], hello[5:])
        self.assertEqual(welcome[0], WELCOME)
        # A ping and a fragmented HELLO, all behind the request.
        frames = ws_frame(OP_PING, b"early") + b"".join(
            fragments(OP_TEXT, pieces(wamp_json(HELLO), [3, 1, 50])))
        welcome, pong = await self.raw(run, frames)
        self.assertEqual(welcome[0], WELCOME)
        self.assertEqual((pong.opcode, pong.payload), (OP_PONG, b"early"))


# -- fragments, pings, the closing handshake, frame types -----------------------------------

class FramingTest(FrameTestCase):
    router_config = config()

    async def test_hello_in_fragments(self):
        data = wamp_json(HELLO)
        agent = data.index("\u20ac".encode())  # the 3-byte character; the 4-byte one follows it
        cases = {
            "1-byte fragments": pieces(data, [1]),
            "3 fragments": pieces(data, [10, 20]),
            "empty fragments": [b""] + pieces(data, [len(data) // 2]) + [b""],
            "boundary after byte 1 of a 3-byte character": [data[:agent + 1], data[agent + 1:]],
            "boundary after byte 2 of a 3-byte character": [data[:agent + 2], data[agent + 2:]],
            "boundaries inside a 4-byte character": [data[:agent + 4], data[agent + 4:agent + 5],
                                                     data[agent + 5:agent + 6], data[agent + 6:]],
            "boundary before a 2-byte character's last byte": [data[:agent - 1],
                                                                data[agent - 1:]],
        }

        def run(parts):
            peer = Peer(self.router)
            try:
                peer.ws.send(b"".join(fragments(OP_TEXT, parts)))
                return peer.recv()
            finally:
                peer.close()

        for name, parts in cases.items():
            with self.subTest(case=name):
                self.assertEqual(b"".join(parts), data)
                msg = await self.raw(run, parts)
                self.assertEqual(msg[0], WELCOME, msg)

        # The same on a msgpack session (binary frames, no UTF-8 rule).
        def run_msgpack():
            peer = Peer(self.router, serializer="msgpack")
            try:
                peer.send(HELLO, sizes=[1])
                return peer.recv()
            finally:
                peer.close()
        self.assertEqual((await self.raw(run_msgpack))[0], WELCOME)

    async def test_fragments_sent_one_by_one(self):
        def run():
            peer = Peer(self.router)
            peer.ws.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            try:
                for frame in fragments(OP_TEXT, pieces(wamp_json(HELLO), [7])):
                    for i in range(0, len(frame), 3):  # even the frame headers in pieces
                        peer.ws.send(frame[i:i + 3])
                        time.sleep(0.001)
                return peer.recv()
            finally:
                peer.close()
        self.assertEqual((await self.raw(run))[0], WELCOME)

    async def test_pings_between_fragments(self):
        def run():
            peer = Peer(self.router)
            try:
                parts = pieces(wamp_json(HELLO), [5, 1, 30])
                frames = fragments(OP_TEXT, parts)
                payloads = [b"first", b"", bytes(range(125)), b"\x00\xff"]
                out = []
                for i, frame in enumerate(frames):
                    out.append(frame)
                    if i < len(payloads) and i < len(frames) - 1:
                        out.append(ws_frame(OP_PING, payloads[i]))
                sent = payloads[:min(len(payloads), len(frames) - 1)]
                # An unsolicited pong (RFC 6455 §5.5.3) is ignored.
                out.insert(1, ws_frame(OP_PONG, b"unsolicited"))
                peer.ws.send(b"".join(out))
                welcome = peer.recv()
                pongs = [peer.pong() for _ in sent]
                return sent, welcome, pongs
            finally:
                peer.close()

        sent, welcome, pongs = await self.raw(run)
        self.assertEqual(welcome[0], WELCOME)
        self.assertEqual(len(sent), 4)
        # RFC 6455 §5.5.2/§5.5.3: a pong with the ping's "Application data", in order.
        self.assertEqual([(f.opcode, f.fin, f.rsv, f.payload) for f in pongs],
                         [(OP_PONG, True, 0, p) for p in sent])

    async def test_ping_sizes(self):
        def run():
            peer = Peer(self.router)
            try:
                got = []
                for payload in (b"", b"x", os.urandom(64), os.urandom(125), b"a" * 125):
                    peer.ws.send_frame(OP_PING, payload)
                    got.append((payload, peer.pong()))
                # Before HELLO as after it.
                peer.hello()
                peer.ws.send_frame(OP_PING, b"after welcome")
                got.append((b"after welcome", peer.pong()))
                return got
            finally:
                peer.close()

        for payload, pong in await self.raw(run):
            with self.subTest(size=len(payload)):
                self.assertEqual((pong.opcode, pong.payload), (OP_PONG, payload))

    async def test_client_close_is_answered(self):
        # RFC 6455 §5.5.1: a close frame is answered with a close frame, usually echoing the
        # code; §7.1.1: then the server closes TCP first.
        def run(payload, hello):
            peer = Peer(self.router)
            try:
                if hello:
                    peer.hello()
                peer.ws.send_frame(OP_CLOSE, payload)
                before, close = peer.ws.read_until_close()
                return before, close, peer.ws.wait_closed(CLOSED_WITHIN)
            finally:
                peer.close()

        cases = [(b"\x03\xe8bye", 1000, True), (b"\x03\xe8", 1000, False),
                 (b"\x0f\xa0going", 4000, True), (b"\x03\xe9", 1001, True),
                 (b"\x0b\xb8", 3000, True), (b"\x13\x87", 4999, True),
                 (b"\x03\xf3", 1011, True), (b"\x03\xe8" + "\u00e9t\u00e9 \U0001f389".encode(),
                                             1000, True),
                 (b"\x03\xe8" + b"r" * 123, 1000, True)]
        results = await self.raw(run_parallel, [
            (lambda p=p, h=h: run(p, h)) for p, _, h in cases])
        for (payload, code, _), (before, close, closed_after) in zip(cases, results):
            with self.subTest(code=code, reason=payload[2:12]):
                self.assertEqual(before, [])
                self.assertIsNotNone(close, "no close frame in answer")
                self.assertEqual(close_code_of(close), code)
                self.assertIsNotNone(closed_after, "TCP still open after the closing handshake")
                self.assertLess(closed_after, PROMPT, "the server must close TCP at once")

        # An empty close frame (no code): answered with a close frame, empty or 1000.
        before, close, closed_after = await self.raw(run, b"", True)
        self.assertIsNotNone(close)
        self.assertIn(close_code_of(close), (None, 1000))
        self.assertIsNotNone(closed_after)

    async def test_router_close_waits_for_ours(self):
        # The router ends the connection (its ABORT to a HELLO for an unknown realm, or after a
        # client's ABORT): close 1000, then the server waits for our close frame (RFC 6455 §7.1.2,
        # §5.5.1) and closes TCP when it arrives.
        def run(trigger, answer):
            peer = Peer(self.router)
            try:
                if trigger == "client abort":
                    peer.hello()
                    peer.send([ABORT, {}, "wamp.close.normal"])
                else:
                    peer.send([1, "no.such.realm", HELLO_DETAILS])
                msgs = []
                while True:
                    frame = peer.ws.read_frame()
                    if frame.opcode == OP_CLOSE:
                        break
                    msgs.append(json.loads(frame.payload))
                still_open = peer.ws.wait_closed(0.3) is None
                if answer:
                    peer.ws.send_frame(OP_CLOSE, frame.payload[:2])
                return msgs, frame, still_open, peer.ws.wait_closed(CLOSED_WITHIN)
            finally:
                peer.close()

        results = await self.raw(run_parallel, [
            lambda: run("unknown realm", True), lambda: run("client abort", True),
            lambda: run("unknown realm", False)])
        for name, (msgs, close, still_open, closed_after) in zip(
                ("unknown realm", "client abort", "unknown realm, no answer"), results):
            with self.subTest(case=name):
                if name.startswith("unknown realm"):
                    self.assertEqual([m[0] for m in msgs], [ABORT], msgs)
                    self.assertEqual(msgs[0][2], "wamp.error.no_such_realm")
                else:
                    self.assertEqual(msgs, [])
                self.assertEqual(close_code_of(close), 1000)
                self.assertTrue(still_open, "TCP closed before our close frame")
                self.assertIsNotNone(closed_after)
                if name.endswith("no answer"):
                    # close_handshake_timeout (1 s after the close frame) ends the wait.
                    self.assertGreater(0.3 + closed_after, CLOSE_HANDSHAKE_TIMEOUT - 0.2)
                else:
                    self.assertLess(closed_after, PROMPT)

    async def test_router_close_crossing_ours(self):
        close = ws_frame(OP_CLOSE, close_payload(1000))
        cases = {
            "HELLO for an unknown realm, our close in the same write": (
                False, [ws_frame(OP_TEXT, wamp_json([1, "no.such.realm", HELLO_DETAILS])), close],
                [ABORT]),
            "binary frame on JSON, our close in the same write": (
                True, [ws_frame(OP_BINARY, wamp_json([CALL, 1, {}, "com.x", []])), close],
                [ABORT]),
            "client ABORT, our close in the same write": (
                True, [ws_frame(OP_TEXT, wamp_json([ABORT, {}, "wamp.close.normal"])), close], []),
        }
        results = await self.raw(run_parallel, [
            (lambda h=h, f=f: provoke(self.router, f, hello=h)) for h, f, _ in cases.values()])
        for (name, (_, _, expect)), failure in zip(cases.items(), results):
            with self.subTest(case=name):
                self.assertEqual([json.loads(f.payload)[0] for f in failure.before], expect,
                                 failure)
                self.assertIsNotNone(failure.close, "no close frame: %r" % (failure,))
                self.assertEqual(failure.code, 1000)

    async def test_goodbye_keeps_the_transport(self):
        # WAMP: after GOODBYE the transport may carry a new session; no WebSocket close.
        def run():
            peer = Peer(self.router)
            try:
                first = peer.hello()
                peer.send([GOODBYE, {}, "wamp.close.normal"])
                goodbye = peer.recv()
                second = peer.hello()
                return first, goodbye, second
            finally:
                peer.close()
        first, goodbye, second = await self.raw(run)
        self.assertEqual(goodbye[0], GOODBYE)
        self.assertEqual(second[0], WELCOME)
        self.assertNotEqual(first[1], second[1])

    async def test_frame_type_must_match_the_serializer(self):
        # WAMP over WebSocket: JSON in text frames, msgpack in binary frames; the other kind is a
        # WAMP protocol violation (ABORT), not a WebSocket one.
        def run(serializer, hello_first, opcode, payload):
            peer = Peer(self.router, serializer=serializer)
            try:
                if hello_first:
                    peer.hello()
                peer.ws.send_frame(opcode, payload)
                msgs = []
                before, close = peer.ws.read_until_close()
                for f in before:
                    msgs.append((f.opcode, peer.decode(f.payload)))
                return msgs, close
            finally:
                peer.close()

        cases = {
            "binary frame on JSON before HELLO": ("json", False, OP_BINARY, wamp_json(HELLO)),
            "binary frame on JSON after WELCOME": ("json", True, OP_BINARY,
                                                   wamp_json([CALL, 1, {}, "com.x", []])),
            "text frame on msgpack before HELLO": ("msgpack", False, OP_TEXT, wamp_json(HELLO)),
            "text frame on msgpack after WELCOME": ("msgpack", True, OP_TEXT,
                                                    wamp_json([CALL, 1, {}, "com.x", []])),
        }
        results = await self.raw(run_parallel, [
            (lambda c=c: run(*c)) for c in cases.values()])
        for (name, (serializer, _, _, _)), (msgs, close) in zip(cases.items(), results):
            with self.subTest(case=name):
                self.assertEqual(len(msgs), 1, msgs)
                opcode, msg = msgs[0]
                self.assertEqual(opcode, OP_TEXT if serializer == "json" else OP_BINARY)
                self.assertEqual(msg[0], ABORT, msg)
                self.assertEqual(msg[2], "wamp.error.protocol_violation", msg)
                self.assertIsNotNone(close)
                self.assertEqual(close_code_of(close), 1000)


# -- protocol errors -------------------------------------------------------------------------

def close_payload(code, reason=b""):
    return code.to_bytes(2, "big") + reason


class ProtocolErrorTest(FrameTestCase):
    router_config = config()

    async def test_unmasked_frames(self):
        # RFC 6455 §5.1: a server MUST close the connection on an unmasked client frame.
        await self.expect_failures({
            "text": [ws_frame(OP_TEXT, wamp_json([CALL, 1, {}, "com.x", []]), mask=False)],
            "ping": [ws_frame(OP_PING, b"hi", mask=False)],
            "continuation": [ws_frame(OP_TEXT, b"[", fin=False),
                             ws_frame(OP_CONT, b"]", mask=False)],
            "before HELLO": [ws_frame(OP_TEXT, wamp_json(HELLO), mask=False)],
        }, 1002)

    async def test_reserved_bits_without_extension(self):
        # RFC 6455 §5.2: RSV1-3 MUST be 0 unless an extension defines them.
        msg = wamp_json([CALL, 1, {}, "com.x", []])
        await self.expect_failures({
            "RSV1": [ws_frame(OP_TEXT, msg, rsv=RSV1)],
            "RSV2": [ws_frame(OP_TEXT, msg, rsv=RSV2)],
            "RSV3": [ws_frame(OP_TEXT, msg, rsv=RSV3)],
            "all": [ws_frame(OP_TEXT, msg, rsv=7)],
            "RSV1 on a ping": [ws_frame(OP_PING, b"x", rsv=RSV1)],
            "RSV2 on a continuation": [ws_frame(OP_TEXT, b"[", fin=False),
                                       ws_frame(OP_CONT, b"]", rsv=RSV2)],
        }, 1002)

    async def test_unknown_opcodes(self):
        # RFC 6455 §5.2: reserved opcodes 3-7 and 0xB-0xF.
        await self.expect_failures(
            {"opcode %X" % op: [ws_frame(op, b"abc" if op < 8 else b"")]
             for op in (3, 4, 5, 6, 7, 0xB, 0xC, 0xD, 0xE, 0xF)}, 1002)

    async def test_bad_control_frames(self):
        # RFC 6455 §5.5: control frames are not fragmented and carry at most 125 bytes.
        await self.expect_failures({
            "fragmented ping": [ws_frame(OP_PING, b"a", fin=False), ws_frame(OP_CONT, b"b")],
            "fragmented pong": [ws_frame(OP_PONG, b"a", fin=False)],
            "fragmented close": [ws_frame(OP_CLOSE, close_payload(1000), fin=False),
                                 ws_frame(OP_CONT, b"")],
            "ping of 126 bytes": [ws_frame(OP_PING, b"p" * 126)],
            "pong of 126 bytes": [ws_frame(OP_PONG, b"p" * 126)],
            "close of 126 bytes": [ws_frame(OP_CLOSE, close_payload(1000, b"r" * 124))],
            "ping of 64 KB": [ws_frame(OP_PING, b"p" * 65536)],
            "ping of 126 bytes in a message": [ws_frame(OP_TEXT, b"[", fin=False),
                                               ws_frame(OP_PING, b"p" * 126)],
        }, 1002)

    async def test_bad_fragment_sequences(self):
        # RFC 6455 §5.4: a continuation continues a message; a new message waits for the last.
        call = wamp_json([CALL, 1, {}, "com.x", []])
        await self.expect_failures({
            "continuation without a start": [ws_frame(OP_CONT, call)],
            "unfinished continuation without a start": [ws_frame(OP_CONT, call, fin=False)],
            "continuation after a finished message": [  # a PUBLISH: no answer to race with
                ws_frame(OP_TEXT, wamp_json([PUBLISH, 1, {}, "com.x", []])),
                ws_frame(OP_CONT, b"[]")],
            "text while a text message is open": [ws_frame(OP_TEXT, call[:5], fin=False),
                                                  ws_frame(OP_TEXT, call)],
            "binary while a text message is open": [ws_frame(OP_TEXT, call[:5], fin=False),
                                                    ws_frame(OP_BINARY, call)],
            "text after a ping inside a message": [ws_frame(OP_TEXT, call[:5], fin=False),
                                                   ws_frame(OP_PING, b""),
                                                   ws_frame(OP_TEXT, call, fin=False)],
        }, 1002)

    async def test_bad_lengths(self):
        # RFC 6455 §5.2: the minimal length encoding, and the 64-bit length's top bit is 0.
        await self.expect_failures({
            "16-bit length for 5 bytes": [ws_frame(OP_TEXT, b"[1,2]", length_bytes=2)],
            "64-bit length for 200 bytes": [ws_frame(OP_TEXT, b"[" + b" " * 198 + b"]",
                                                     length_bytes=8)],
            "64-bit length with the top bit set": [
                ws_frame(OP_TEXT, b"[]", length=(1 << 63) + 2, length_bytes=8)],
        }, 1002)

    async def test_invalid_utf8(self):
        # RFC 6455 §8.1: a text message that is not UTF-8 fails the connection with 1007.
        def text(bad):
            return b'[48,1,{},"com.x",["' + bad + b'"]]'
        euro = "\u20ac".encode()
        await self.expect_failures({
            "0xff": [ws_frame(OP_TEXT, text(b"\xff"))],
            "lone continuation byte": [ws_frame(OP_TEXT, text(b"\x80"))],
            "overlong /": [ws_frame(OP_TEXT, text(b"\xc0\xaf"))],
            "overlong 3-byte": [ws_frame(OP_TEXT, text(b"\xe0\x80\xaf"))],
            "surrogate": [ws_frame(OP_TEXT, text(b"\xed\xa0\x80"))],
            "above U+10FFFF": [ws_frame(OP_TEXT, text(b"\xf4\x90\x80\x80"))],
            "truncated at the end": [ws_frame(OP_TEXT, b'["' + euro[:2])],
            "split across fragments": [ws_frame(OP_TEXT, text(b"")[:-3] + euro[:2], fin=False),
                                       ws_frame(OP_CONT, b"(" + b'"]]')],
            "truncated in the last fragment": [ws_frame(OP_TEXT, b'["abc', fin=False),
                                               ws_frame(OP_CONT, b'"]' + euro[:1])],
            "before HELLO": [ws_frame(OP_TEXT, b'[1,"realm1",{"agent":"\xff"}]')],
        }, 1007)

    async def test_message_too_big(self):
        # A message over max_message_size (64 KB here): 1009 (RFC 6455 §7.4.1), in one frame
        # (known from its header) or in fragments (when they add up to too much).
        big = wamp_json([CALL, 1, {}, "com.x", ["x" * SMALL_MAX]])
        await self.expect_failures({
            "one frame": [ws_frame(OP_TEXT, big)],
            "one frame, 64-bit length": [ws_frame(OP_TEXT, b"x" * (SMALL_MAX + 1))[:14]],
            "one binary frame": [ws_frame(OP_BINARY, b"\x00" * (SMALL_MAX + 1))],
            "8 KB fragments": fragments(OP_TEXT, pieces(big, [8192])),
            "a small start and a huge continuation": [
                ws_frame(OP_TEXT, b"[48,", fin=False), ws_frame(OP_CONT, b"1" * SMALL_MAX)],
        }, 1009)

    async def test_message_of_exactly_max_message_size(self):
        # The limit itself passes: 65536 bytes in one frame and in fragments.
        head = wamp_json([CALL, 7, {}, "com.example.frames.nobody", [""]])
        filler = SMALL_MAX - len(head)
        msg = head[:-3] + b"y" * filler + head[-3:]
        self.assertEqual(len(msg), SMALL_MAX)

        def run(sizes):
            peer = Peer(self.router)
            try:
                peer.hello()
                peer.send(msg, sizes=sizes)
                return peer.recv()
            finally:
                peer.close()
        for sizes in (None, [10000]):
            with self.subTest(sizes=sizes):
                reply = await self.raw(run, sizes)
                self.assertEqual(reply[:5], [ERROR, CALL, 7, {}, "wamp.error.no_such_procedure"])

    async def test_bad_close_frames(self):
        # RFC 6455 §5.5.1: a close body is a 2-byte code and a UTF-8 reason; §7.4.1/§7.4.2:
        # codes that must not be on the wire (1004-1006, 1015, below 1000) or that nothing
        # defines (the Autobahn testsuite's cases 7.9.x; and none above 4999). Protocol errors.
        cases = {"1-byte payload": [ws_frame(OP_CLOSE, b"\x03")]}
        for code in (0, 999, 1004, 1005, 1006, 1015, 1016, 1100, 2000, 2999, 5000, 65535):
            cases["code %d" % code] = [ws_frame(OP_CLOSE, close_payload(code))]
        await self.expect_failures(cases, 1002)

    async def test_close_reason_not_utf8(self):
        # RFC 6455 §5.5.1 (the reason is UTF-8) and §8.1: 1007 names the problem better, and
        # 1002 is what Junction sends; both end the connection as they must.
        results = await self.failures({
            "0xff": [ws_frame(OP_CLOSE, close_payload(1000, b"\xff"))],
            "truncated character": [ws_frame(OP_CLOSE, close_payload(1000, b"ok \xe2\x82"))],
            "surrogate": [ws_frame(OP_CLOSE, close_payload(4000, b"\xed\xa0\x80"))],
        })
        for name, failure in results.items():
            with self.subTest(case=name):
                self.assertIn(failure.code, (1002, 1007), failure)
                self.assertFailed(failure, failure.code, name)

    async def test_protocol_errors_before_hello(self):
        await self.expect_failures({
            "unmasked": [ws_frame(OP_TEXT, wamp_json(HELLO), mask=False)],
            "RSV1": [ws_frame(OP_TEXT, wamp_json(HELLO), rsv=RSV1)],
            "opcode 3": [ws_frame(3, b"")],
            "continuation": [ws_frame(OP_CONT, wamp_json(HELLO))],
        }, 1002, hello=False)

    async def test_close_frame_sent_when_ours_follows_at_once(self):
        close = ws_frame(OP_CLOSE, close_payload(1000))
        cases = {
            "invalid UTF-8, our close in the same write": (
                1007, [ws_frame(OP_TEXT, b'["\xff"]'), close]),
            "unmasked text, our close in the same write": (
                1002, [ws_frame(OP_TEXT, b"[]", mask=False), close]),
            "unmasked close": (1002, [ws_frame(OP_CLOSE, close_payload(1000), mask=False)]),
        }
        results = await self.failures({name: frames for name, (_, frames) in cases.items()})
        for name, failure in results.items():
            with self.subTest(case=name):
                self.assertFailed(failure, cases[name][0], name)

    async def test_failing_closes_tcp_at_once(self):
        results = await self.failures({
            "invalid UTF-8, no close frame from us": [ws_frame(OP_TEXT, b'["\xff"]')],
            "unmasked, no close frame from us": [ws_frame(OP_TEXT, b"[]", mask=False)],
            "reserved opcode, no close frame from us": [ws_frame(3, b"")],
        })
        results.update(await self.failures({
            "reserved opcode, then our close frame": [ws_frame(3, b"")],
            "control frame of 126 bytes, then our close frame": [ws_frame(OP_PING, b"p" * 126)],
        }, reply=True))
        for name, failure in results.items():
            with self.subTest(case=name):
                self.assertIsNotNone(failure.close, failure)
                self.assertIsNotNone(failure.closed_after, failure)
                self.assertLess(failure.closed_after, PROMPT,
                                "%s: TCP closed only %.2f s after the close frame"
                                % (name, failure.closed_after))


# -- nothing after a protocol error reaches the router ---------------------------------------

class DeliveryAfterErrorTest(FrameTestCase):
    router_config = config()

    async def asyncSetUp(self):
        await super().asyncSetUp()
        self.calls = []
        self.callee = await self.connect()
        await within(self.callee.register(lambda tag: self.calls.append(tag) or tag,
                                          "com.example.frames.record"))

    async def test_messages_after_an_error_are_dropped(self):
        def call(tag):
            return ws_frame(OP_TEXT, wamp_json([CALL, 1, {}, "com.example.frames.record", [tag]]))

        cases = {
            "unmasked frame": ws_frame(OP_TEXT, b"[]", mask=False),
            "reserved opcode": ws_frame(5, b""),
            "RSV1": ws_frame(OP_TEXT, b"[]", rsv=RSV1),
            "ping of 126 bytes": ws_frame(OP_PING, b"p" * 126),
            "continuation without a start": ws_frame(OP_CONT, b"[]"),
            "invalid UTF-8": ws_frame(OP_TEXT, b'["\xff"]'),
            "too big (header only)": ws_frame(OP_TEXT, b"x" * (SMALL_MAX + 1))[:14],
            "bad close code": ws_frame(OP_CLOSE, close_payload(1005)),
            "our close frame": ws_frame(OP_CLOSE, close_payload(1000)),
        }
        names = list(cases)

        def run(i, name):
            peer = Peer(self.router)
            try:
                peer.hello()
                # All in one write: a good CALL, the bad frame, then CALLs that must be dropped
                # (one of them fragmented around a ping).
                tail = call("after-%d" % i)
                peer.ws.send(call("before-%d" % i) + cases[name] + tail + ws_frame(OP_PING, b"?")
                             + b"".join(fragments(OP_TEXT, pieces(
                                 wamp_json([CALL, 2, {}, "com.example.frames.record",
                                            ["later-%d" % i]]), [9]))))
                before, close = peer.ws.read_until_close()
                return before, close, peer.ws.wait_closed(CLOSED_WITHIN)
            finally:
                peer.close()

        results = await self.raw(run_parallel, [
            (lambda i=i, n=n: run(i, n)) for i, n in enumerate(names)])
        # A barrier: anything a raw peer got through reached the callee before this call.
        await asyncio.sleep(0.2)
        self.assertEqual(await within(self.callee.call("com.example.frames.record", "barrier")),
                         "barrier")
        for i, name in enumerate(names):
            with self.subTest(case=name):
                before, close, closed_after = results[i]
                self.assertIsNotNone(close, "no close frame")
                self.assertIsNotNone(closed_after)
                # The RESULT of the good CALL may or may not make it before the close frame; no
                # pong and nothing else may.
                for f in before:
                    self.assertEqual(f.opcode, OP_TEXT, "after the error: %r" % (f,))
                    self.assertEqual(json.loads(f.payload)[0], RESULT)
                self.assertIn("before-%d" % i, self.calls)
                self.assertNotIn("after-%d" % i, self.calls)
                self.assertNotIn("later-%d" % i, self.calls)


# -- big messages, a slow reader -------------------------------------------------------------

BIG_MAX = 4 * 1024 * 1024


class BigMessageTest(FrameTestCase):
    router_config = config(max_message_size=BIG_MAX, serializers=("json",))

    async def asyncSetUp(self):
        await super().asyncSetUp()
        self.callee = await self.connect()
        await within(self.callee.register(lambda x: x, "com.example.frames.echo"))

    async def round_trip(self, send):
        """A 1 MB string (10^6 bytes of ASCII and 2-, 3-, 4-byte UTF-8; Autobahn|Python takes
        messages up to 1 MiB) through the echo callee: `send(peer, message)` sends the CALL."""
        unit = "junction \u00e9\u20ac\U0001f389 %06d "
        payload = "".join(unit % i for i in range(10 ** 6 // len((unit % 0).encode())))
        payload += "x" * (10 ** 6 - len(payload.encode()))
        self.assertEqual(len(payload.encode()), 10 ** 6)

        def run():
            peer = Peer(self.router)
            try:
                peer.hello()
                send(peer, wamp_json([CALL, 5, {}, "com.example.frames.echo", [payload]]))
                return peer.recv()
            finally:
                peer.close()

        result = await self.raw(run, timeout=30)
        self.assertEqual(result[:3], [RESULT, 5, {}])
        self.assertEqual(len(result[3][0]), len(payload))
        self.assertTrue(result[3][0] == payload, "the payload came back changed")
        await self.assert_callee_alive()

    async def assert_callee_alive(self):
        self.assertTrue(self.callee.is_attached())
        self.assertEqual(await within(self.callee.call("com.example.frames.echo", "ok")), "ok")

    async def test_one_frame(self):
        await self.round_trip(lambda peer, msg: peer.ws.send(ws_frame(OP_TEXT, msg)))

    async def test_64k_fragments_with_pings(self):
        def send(peer, msg):
            frames = fragments(OP_TEXT, pieces(msg, [65536]))
            peer.ws.send(b"".join(f + (ws_frame(OP_PING, b"%d" % i) if i % 5 == 0 else b"")
                                  for i, f in enumerate(frames[:-1])) + frames[-1])
        await self.round_trip(send)

    async def test_one_frame_in_odd_tcp_pieces(self):
        def send(peer, msg):
            peer.ws.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            data = ws_frame(OP_TEXT, msg)
            for part in pieces(data, [1, 1, 3, 9, 1000, 77777, 300000]):
                peer.ws.send(part)
                time.sleep(0.01)
        await self.round_trip(send)

    async def test_slow_reader_does_not_disturb_others(self):
        # A subscriber that never reads while a publisher floods its topic: the router queues
        # for it up to its limit (64 MB) and then drops it; meanwhile another subscriber gets
        # every event, and an RPC session keeps getting answers.
        topic = "com.example.frames.flood"
        events, event_size = 1200, 64 * 1024
        router = self.router

        def subscribe(rcvbuf=None):
            peer = Peer(router, rcvbuf=rcvbuf)
            peer.hello()
            peer.send([SUBSCRIBE, 1, {}, topic])
            assert peer.recv()[0] == SUBSCRIBED
            return peer

        slow = await self.raw(subscribe, 4096)
        fast = await self.raw(subscribe)
        counted = {"events": 0}

        def count_events():
            try:
                while counted["events"] < events:
                    frame = fast.ws.read_frame()
                    if frame.payload.startswith(b"[%d," % EVENT):
                        counted["events"] += 1
            except (OSError, EOFError):
                pass

        reader = threading.Thread(target=count_events, daemon=True)
        reader.start()
        # Set when the test ends: a failed assertion below must not leave the flood thread
        # pacing itself for the rest of its 1200 events (the event loop waits for that thread).
        test_over = threading.Event()

        def flood():
            peer = Peer(router)
            try:
                peer.hello()
                frame = ws_frame(OP_TEXT, wamp_json([PUBLISH, 2, {}, topic, ["e" * event_size]]))
                for i in range(events):
                    if test_over.is_set():
                        return None
                    # Never more than ~200 events (13 MB) ahead of the reading subscriber, so
                    # that only the one that does not read can reach the router's queue limit.
                    deadline = time.monotonic() + 10
                    while i - counted["events"] > 200 and time.monotonic() < deadline:
                        time.sleep(0.001)
                    peer.ws.send(frame)
                peer.send([PUBLISH, 3, {"acknowledge": True}, topic + ".done", []])
                return peer.recv()
            finally:
                peer.close()

        try:
            flooding = asyncio.ensure_future(self.raw(flood, timeout=30))
            caller = await self.connect()
            slowest = 0.0
            while not flooding.done():
                started = time.monotonic()
                self.assertEqual(await within(caller.call("com.example.frames.echo", "hi"), 5),
                                 "hi")
                slowest = max(slowest, time.monotonic() - started)
                await asyncio.sleep(0.02)
            self.assertEqual((await flooding)[:2], [PUBLISHED, 3])
            self.assertLess(slowest, 2.0, "an RPC took %.2f s during the flood" % slowest)
            await self.raw(reader.join, 20)
            self.assertEqual(counted["events"], events, "the reading subscriber missed events")
            self.assertTrue(router.wait_for_log("peer is not reading"), router.log_tail(20))
            closed_after = await self.raw(slow.ws.wait_closed, 10.0)
            self.assertIsNotNone(closed_after, "the slow reader was never disconnected")
            # The flood is over for everybody else too: the topic still works.
            await within(self.callee.publish(topic, "still", options=PublishOptions(acknowledge=True)))
        finally:
            test_over.set()
            slow.close()
            fast.close()


# -- permessage-deflate (RFC 7692) -----------------------------------------------------------

class DeflateTest(FrameTestCase):
    router_config = config(ws_options={"compression": {"deflate": {}}}, paths={
        "plain": {},
        "nct": {"compression": {"deflate": {"no_context_takeover": True}}},
        "bits10": {"compression": {"deflate": {"max_window_bits": 10}}},
    })

    def offer(self, extensions, path="/ws"):
        with RawWebSocket(self.router.host, self.router.port, path,
                          ["Sec-WebSocket-Extensions: " + extensions]) as ws:
            return ws.status, ws.headers.get("sec-websocket-extensions")

    async def test_negotiation(self):
        # RFC 7692 §5, §7.1: the response names permessage-deflate once, with only parameters a
        # server may send: client_max_window_bits only if the offer had it (§7.1.2.2),
        # server_max_window_bits the same or smaller than offered (§7.1.2.1),
        # server_no_context_takeover when asked for (§7.1.1.1).
        cases = [
            # (path, offer, parameters the response must have, largest server_max_window_bits)
            ("/ws", "permessage-deflate", {}, 15),
            ("/ws", "permessage-deflate; client_max_window_bits", {}, 15),
            ("/ws", "permessage-deflate; client_max_window_bits=12", {}, 15),
            ("/ws", "permessage-deflate; server_no_context_takeover",
             {"server_no_context_takeover": None}, 15),
            ("/ws", "permessage-deflate; client_no_context_takeover", {}, 15),
            ("/ws", "permessage-deflate; server_max_window_bits=10",
             {"server_max_window_bits": "10"}, 10),
            ("/ws", 'permessage-deflate; server_max_window_bits="12"',
             {"server_max_window_bits": "12"}, 12),
            ("/ws", "permessage-deflate; server_max_window_bits=8, permessage-deflate", {}, 15),
            ("/ws", "x-webkit-deflate-frame, permessage-deflate; client_max_window_bits", {}, 15),
            ("/ws", "PerMessage-Deflate; Server_No_Context_Takeover",
             {"server_no_context_takeover": None}, 15),
            ("/nct", "permessage-deflate", {"server_no_context_takeover": None}, 15),
            ("/bits10", "permessage-deflate", {"server_max_window_bits": "10"}, 10),
            ("/bits10", "permessage-deflate; server_max_window_bits=12",
             {"server_max_window_bits": "10"}, 10),
        ]
        allowed = {"server_no_context_takeover", "client_no_context_takeover",
                   "server_max_window_bits", "client_max_window_bits"}
        for path, offer, expect, max_bits in cases:
            with self.subTest(offer=offer, path=path):
                status, ext = await self.raw(self.offer, offer, path)
                self.assertEqual(status, 101)
                self.assertIsNotNone(ext, "offer not accepted")
                self.assertNotIn(",", ext, "more than one extension in the response")
                name, params = parse_extension(ext)
                self.assertEqual(name, "permessage-deflate")
                self.assertTrue(set(params) <= allowed, params)
                for k, v in expect.items():
                    self.assertIn(k, params)
                    self.assertEqual(params[k], v)
                if "client_max_window_bits" in params:
                    self.assertIn("client_max_window_bits", offer.lower())
                self.assertLessEqual(int(params.get("server_max_window_bits") or 15), max_bits)
                if path == "/ws" and "server_no_context_takeover" not in offer.lower():
                    self.assertNotIn("server_no_context_takeover", params)

    async def test_declined_offers(self):
        # RFC 7692 §5/§7.1: an offer with unknown, repeated or invalid parameters is declined;
        # a server that cannot use server_max_window_bits=8 declines it (§7.1.2.1).
        for offer in ("permessage-deflate; server_max_window_bits=8",
                      "permessage-deflate; foo=1", "permessage-deflate; foo",
                      "permessage-deflate; server_max_window_bits=16",
                      "permessage-deflate; server_max_window_bits=7",
                      "permessage-deflate; server_max_window_bits=010",
                      "permessage-deflate; server_max_window_bits",
                      "permessage-deflate; client_max_window_bits=16",
                      "permessage-deflate; client_max_window_bits=abc",
                      "permessage-deflate; server_no_context_takeover=1",
                      "permessage-deflate; server_no_context_takeover; server_no_context_takeover",
                      "permessage-deflate; client_max_window_bits; client_max_window_bits=10",
                      "x-webkit-deflate-frame", "deflate-frame", "permessage-deflate;;",
                      "permessage-deflate; server_max_window_bits=\"1"):
            with self.subTest(offer=offer):
                status, ext = await self.raw(self.offer, offer)
                self.assertEqual(status, 101)
                self.assertIsNone(ext, "accepted: %r" % ext)
        status, ext = await self.raw(self.offer, "permessage-deflate", "/plain")
        self.assertEqual((status, ext), (101, None), "compression is off on /plain")

    async def test_compressed_hello_and_welcome(self):
        def run(extensions, sizes, compress=True):
            peer = Peer(self.router, extensions=extensions)
            try:
                assert peer.deflate is not None, "not negotiated"
                peer.send(HELLO, sizes=sizes, compress=compress)
                opcode, compressed, data = peer.recv_raw()
                return opcode, compressed, json.loads(data)
            finally:
                peer.close()

        for extensions, sizes, compress in (
                ("permessage-deflate; client_max_window_bits", None, True),
                ("permessage-deflate", [1], True),
                ("permessage-deflate", [3, 1, 20], True),
                ("permessage-deflate", None, False)):  # an uncompressed message is fine too
            with self.subTest(extensions=extensions, sizes=sizes, compress=compress):
                opcode, compressed, welcome = await self.raw(run, extensions, sizes, compress)
                self.assertEqual(opcode, OP_TEXT)
                self.assertTrue(compressed, "WELCOME not compressed")
                self.assertEqual(welcome[0], WELCOME)

    async def test_deflate_block_variants(self):
        # RFC 7692 §7.2.3: other valid ways to compress a message than one sync-flushed stream.
        def final_block(data):  # BFINAL set, nothing stripped; the next message starts afresh
            c = zlib.compressobj(6, zlib.DEFLATED, -15)
            return c.compress(data) + c.flush(zlib.Z_FINISH)

        def stored(data):  # DEFLATE blocks with no compression
            return deflate(data, compressor=zlib.compressobj(0, zlib.DEFLATED, -15))

        def two_blocks(data):  # two sync-flushed pieces in one message
            c = zlib.compressobj(6, zlib.DEFLATED, -15)
            half = len(data) // 2
            out = c.compress(data[:half]) + c.flush(zlib.Z_SYNC_FLUSH) + \
                c.compress(data[half:]) + c.flush(zlib.Z_SYNC_FLUSH)
            return out[:-4]

        def run(extensions, encode, empty_last_fragment=False):
            peer = Peer(self.router, extensions=extensions)
            try:
                replies = []
                for msg in (HELLO, [SUBSCRIBE, 1, {}, "com.example.frames.v"],
                            [SUBSCRIBE, 2, {}, "com.example.frames.w"]):
                    parts = [encode(wamp_json(msg))]
                    if empty_last_fragment:
                        parts.append(b"")
                    peer.ws.send(b"".join(fragments(OP_TEXT, parts, RSV1)))
                    replies.append(peer.recv()[0])
                return replies
            finally:
                peer.close()

        for name, extensions, encode, empty in (
                ("BFINAL blocks", "permessage-deflate", final_block, False),
                ("BFINAL blocks, no client context", "permessage-deflate; "
                 "client_no_context_takeover", final_block, False),
                ("stored blocks", "permessage-deflate", stored, False),
                ("two blocks in one message", "permessage-deflate", two_blocks, False),
                ("an empty last fragment", "permessage-deflate", deflate, True)):
            with self.subTest(case=name):
                self.assertEqual(await self.raw(run, extensions, encode, empty),
                                 [WELCOME, SUBSCRIBED, SUBSCRIBED])

    def echo_session(self, extensions, path="/ws", wbits=15, context_takeover=True, count=3,
                     payload=None):
        """Subscribes to a topic and publishes `count` events to itself (exclude_me false),
        compressing with window `wbits` and, with `context_takeover`, one compressor for all.
        Every message from the server must be compressed; Peer inflates them with the agreed
        window and context. Returns (the agreed parameters, [(event args, compressed size)])."""
        peer = Peer(self.router, path=path, extensions=extensions)
        try:
            assert peer.deflate is not None, "not negotiated"
            compressor = zlib.compressobj(6, zlib.DEFLATED, -wbits)

            def send(msg):
                c = compressor if context_takeover else zlib.compressobj(6, zlib.DEFLATED, -wbits)
                peer.ws.send_frame(OP_TEXT, deflate(wamp_json(msg), compressor=c), rsv=RSV1)

            def recv():
                opcode, compressed, data = peer.recv_raw()
                assert opcode == OP_TEXT and compressed, (opcode, compressed)
                return json.loads(data)

            send(HELLO)
            assert recv()[0] == WELCOME
            send([SUBSCRIBE, 1, {}, "com.example.frames.z"])
            assert recv()[0] == SUBSCRIBED
            text = payload or os.urandom(500).hex()  # compresses only against its last copy
            out = []
            for i in range(count):
                send([PUBLISH, 10 + i, {"exclude_me": False}, "com.example.frames.z", [text, i]])
                msg = recv()
                assert msg[0] == EVENT, msg
                out.append((msg[4], peer.wire_size))
            return peer.deflate, out
        finally:
            peer.close()

    async def test_context_takeover(self):
        # Default: both sides keep their context; a repeated message shrinks to a few bytes.
        agreed, events = await self.raw(self.echo_session, "permessage-deflate")
        self.assertNotIn("server_no_context_takeover", agreed)
        self.assertEqual([e[0][1] for e in events], [0, 1, 2])
        self.assertLess(events[2][1], events[0][1] // 2, "the server did not keep its context")

    async def test_no_context_takeover(self):
        cases = [
            ("permessage-deflate; server_no_context_takeover", "/ws", True),
            ("permessage-deflate; client_no_context_takeover", "/ws", False),
            ("permessage-deflate; server_no_context_takeover; client_no_context_takeover",
             "/ws", False),
            ("permessage-deflate", "/nct", True),
        ]
        for extensions, path, server_nct in cases:
            with self.subTest(extensions=extensions, path=path):
                agreed, events = await self.raw(
                    self.echo_session, extensions, path, 15,
                    "client_no_context_takeover" not in extensions)
                self.assertEqual([e[0][1] for e in events], [0, 1, 2])
                if server_nct:
                    self.assertIn("server_no_context_takeover", agreed)
                    # Every EVENT decompressed on its own (echo_session checks), none shrank.
                    self.assertGreater(events[2][1], events[0][1] // 2)

    async def test_window_bits(self):
        # server_max_window_bits=10: no back-reference beyond 1 KB in what the server sends
        # (a 1 KB-window inflater would fail); client_max_window_bits=9: the server inflates
        # what we compress with a 512-byte window.
        text = os.urandom(1500).hex()[:1500]
        text = text + text  # repeats at a distance of 1500 bytes
        for extensions, path, wbits in (
                ("permessage-deflate; server_max_window_bits=10", "/ws", 15),
                ("permessage-deflate", "/bits10", 15),
                ("permessage-deflate; client_max_window_bits=9", "/ws", 9),
                ("permessage-deflate; client_max_window_bits", "/ws", 15)):
            with self.subTest(extensions=extensions, path=path):
                agreed, events = await self.raw(self.echo_session, extensions, path, wbits,
                                                True, 2, text)
                self.assertEqual([e[0] for e in events], [[text, 0], [text, 1]])
                if "server_max" in extensions or path == "/bits10":
                    self.assertEqual(agreed.get("server_max_window_bits"), "10")

    async def test_compressed_protocol_errors(self):
        hello = deflate(wamp_json(HELLO))
        ext = {"extensions": "permessage-deflate"}
        cases = {
            # RFC 7692 §6.1: RSV1 on the first frame only.
            "RSV1 on a continuation": (1002, [ws_frame(OP_TEXT, hello[:3], fin=False, rsv=RSV1),
                                              ws_frame(OP_CONT, hello[3:], rsv=RSV1)]),
            "RSV1 on an uncompressed message's continuation": (
                1002, [ws_frame(OP_TEXT, b"[", fin=False), ws_frame(OP_CONT, b"]", rsv=RSV1)]),
            # RFC 7692 §6: RSV1 only on data frames.
            "RSV1 on a ping": (1002, [ws_frame(OP_PING, b"", rsv=RSV1)]),
            "RSV2 with deflate": (1002, [ws_frame(OP_TEXT, hello, rsv=RSV1 | RSV2)]),
            "RSV3 with deflate": (1002, [ws_frame(OP_TEXT, b"[]", rsv=RSV3)]),
            # RFC 7692 §8 / RFC 6455 §7.4.1: data that does not inflate.
            "corrupt data": (1007, [ws_frame(OP_TEXT, b"\xff\xff\xff\xff", rsv=RSV1)]),
            "corrupt data in fragments": (1007, [
                ws_frame(OP_TEXT, b"\x07", fin=False, rsv=RSV1), ws_frame(OP_CONT, b"\xff")]),
            "invalid UTF-8 inside": (1007, [ws_frame(OP_TEXT, deflate(b'["\xff"]'), rsv=RSV1)]),
            # A compression bomb: 16 MB of spaces in 16 KB, far over max_message_size (64 KB).
            "bomb": (1009, [ws_frame(OP_TEXT, deflate(b"[" + b" " * (16 << 20) + b"]"),
                                     rsv=RSV1)]),
            "bomb in fragments": (1009, fragments(
                OP_TEXT, pieces(deflate(b" " * (4 << 20)), [100]), RSV1)),
        }
        for hello_first in (True, False):
            results = await self.failures({n: c[1] for n, c in cases.items()},
                                          hello=hello_first, **ext)
            for name, failure in results.items():
                with self.subTest(case=name, hello_first=hello_first):
                    self.assertFailed(failure, cases[name][0], name)

        # RSV1 where permessage-deflate was not agreed (RFC 6455 §5.2).
        results = await self.failures({
            "not offered": [ws_frame(OP_TEXT, hello, rsv=RSV1)],
        })
        results.update(await self.failures({
            "declined offer": [ws_frame(OP_TEXT, hello, rsv=RSV1)],
        }, extensions="permessage-deflate; server_max_window_bits=8"))
        results.update(await self.failures({
            "compression off on the path": [ws_frame(OP_TEXT, hello, rsv=RSV1)],
        }, extensions="permessage-deflate", path="/plain"))
        for name, failure in results.items():
            with self.subTest(case=name):
                self.assertFailed(failure, 1002, name)

    async def test_big_compressed_message_within_the_limit(self):
        # Exactly max_message_size once inflated, in 16-byte fragments: delivered.
        def run():
            peer = Peer(self.router, extensions="permessage-deflate")
            try:
                peer.hello(compress=True)
                head = wamp_json([CALL, 4, {}, "com.example.frames.nobody", [""]])
                msg = head[:-3] + b"z" * (SMALL_MAX - len(head)) + head[-3:]
                peer.send(msg, sizes=[16], compress=True)
                return peer.recv()
            finally:
                peer.close()
        reply = await self.raw(run)
        self.assertEqual(reply[:5], [ERROR, CALL, 4, {}, "wamp.error.no_such_procedure"])


# -- random input ------------------------------------------------------------------------------

def random_frames(rng):
    """Bytes a confused or hostile client might send after its upgrade: valid and broken frames
    mixed (any opcode, reserved bits, masked or not, fragments, control frames of any length,
    close frames with any payload, compressed bits on garbage, lengths announced but not sent) and
    plain garbage. Deterministic for a given rng."""
    out = []
    for _ in range(rng.randrange(1, 12)):
        kind = rng.random()
        if kind < 0.2:
            out.append(ws_frame(OP_TEXT, wamp_json(HELLO), rsv=rng.choice((0, 0, RSV1))))
        elif kind < 0.35:
            data = wamp_json(HELLO)
            out.extend(fragments(OP_TEXT, pieces(data, [rng.randrange(1, 9)] * 40)))
        elif kind < 0.55:
            payload = rng.randbytes(rng.choice((0, 1, 2, 5, 125, 126, 300)))
            out.append(ws_frame(rng.randrange(16), payload, fin=rng.random() < 0.8,
                                rsv=rng.randrange(8) if rng.random() < 0.3 else 0,
                                mask=rng.random() < 0.9))
        elif kind < 0.65:
            out.append(ws_frame(OP_CLOSE, rng.randbytes(rng.randrange(0, 8))))
        elif kind < 0.75:
            payload = rng.randbytes(rng.randrange(0, 40))
            out.append(ws_frame(OP_TEXT, payload, length=len(payload) + rng.randrange(1, 1 << 20)))
        elif kind < 0.85:
            out.append(ws_frame(OP_BINARY, deflate(rng.randbytes(rng.randrange(1, 200))), rsv=RSV1))
        else:
            out.append(rng.randbytes(rng.randrange(1, 64)))
    return b"".join(out)


class RandomInputTest(FrameTestCase):
    router_config = config(ws_options={"compression": {"deflate": {}}})

    async def test_random_frames_never_disturb_the_router(self):
        # 400 connections, 8 at a time, each sending a seeded mix of valid and broken frames in
        # odd-sized TCP pieces and reading whatever comes back for a moment. Afterwards the router
        # must be alive and serve a well-behaved client at once (under ASan in `make test` too).
        import random

        def one(seed):
            """What came back: the close code, or "open"/"reset" when there was none."""
            rng = random.Random(seed)
            offer = ["Sec-WebSocket-Extensions: permessage-deflate"] if rng.random() < 0.5 else []
            try:
                with RawWebSocket(self.router.host, self.router.port, "/ws", offer,
                                  protocol=rng.choice(("wamp.2.json", "wamp.2.msgpack")),
                                  timeout=1) as ws:
                    data = random_frames(rng)
                    for chunk in pieces(data, [rng.randrange(1, 200)] * len(data)):
                        ws.send(chunk)
                    _, close = ws.read_until_close()
                    return close_code_of(close) if close else "reset"
            except socket.timeout:
                return "open"  # e.g. still waiting for the rest of an announced frame
            except OSError:
                return "reset"  # closed while we were still sending

        def batch(start):
            return [one(seed) for seed in range(start, start + 50)]

        outcomes = [o for part in await self.raw(
            run_parallel, [lambda s=s: batch(s) for s in range(0, 400, 50)], timeout=120)
            for o in part]
        # Not vacuous: the router failed connections for several different reasons.
        self.assertGreaterEqual(len({o for o in outcomes if isinstance(o, int)}), 3, outcomes)
        self.assertIsNone(self.router.proc.poll(), "the router exited:\n" + self.router.log_tail(40))
        peer = await self.raw(Peer, self.router)
        try:
            self.assertEqual((await self.raw(peer.hello))[0], WELCOME)
        finally:
            peer.close()


if __name__ == "__main__":
    main()
