"""WAMP over RawSocket end to end: Autobahn|Python's Twisted RawSocket client over TCP and over a
Unix domain socket talking to Autobahn|Python WebSocket clients (RPC and PubSub, every
serializer), hand-made handshakes for every error reply, oversize frames, PING/PONG, and the
universal listener serving RawSocket, WebSocket and plain HTTP on one port."""

import asyncio
import os
import signal
import socket
import sys
import tempfile
import time
import unittest
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from autobahn.wamp.types import CallResult, PublishOptions  # noqa: E402

import junction_harness as h  # noqa: E402
import rawsocket_helpers as rs  # noqa: E402

LIMITED = {"type": "rawsocket", "id": "rs_limited",
           "endpoint": {"type": "tcp", "port": 0, "interface": "127.0.0.1"},
           "serializers": ["json"], "max_message_size": 1024,
           "options": {"max_connections": 2}}

PINGING = {"type": "rawsocket", "id": "rs_ping",
           "endpoint": {"type": "tcp", "port": 0, "interface": "127.0.0.1"},
           "options": {"auto_ping_interval": 1000, "auto_ping_timeout": 1000}}

ARGS = [1, "two", [3, 4.5], {"five": None}, True, "Grüße 🎉"]
KWARGS = {"a": 1, "b": {"c": [False, -7]}}


def echo(*args, **kwargs):
    return CallResult(*args, **kwargs)


class RawSocketTest(rs.RawSocketTestCase):
    router_config = rs.node_config(extra_transports=[LIMITED, PINGING])

    async def rs_client(self, where, serializer="json"):
        return await self.start_client(rs.RawSocketClient(where, serializer=serializer))

    # -- WAMP between a RawSocket client and a WebSocket client ----------------------------------

    async def rpc_both_ways(self, where, serializer, tag):
        ws = await self.connect()
        rsc = await self.rs_client(where, serializer)
        # RawSocket callee, WebSocket caller.
        await rsc.register("com.rs.echo." + tag)
        res = await h.within(ws.call("com.rs.echo." + tag, *ARGS, **KWARGS))
        self.assertEqual(list(res.results), ARGS)
        self.assertEqual(res.kwresults, KWARGS)
        # WebSocket callee, RawSocket caller.
        await h.within(ws.register(echo, "com.ws.echo." + tag))
        res = await rsc.call("com.ws.echo." + tag, *ARGS, **KWARGS)
        self.assertEqual(res, {"args": ARGS, "kwargs": KWARGS})

    async def pubsub_both_ways(self, where, serializer, tag):
        ws = await self.connect()
        rsc = await self.rs_client(where, serializer)
        # WebSocket publisher, RawSocket subscriber.
        await rsc.subscribe("com.rs.topic." + tag)
        await h.within(ws.publish("com.rs.topic." + tag, *ARGS,
                                  options=PublishOptions(acknowledge=True), **KWARGS))
        event = await rsc.next_event()
        self.assertEqual(event, {"topic": "com.rs.topic." + tag, "args": ARGS, "kwargs": KWARGS})
        # RawSocket publisher, WebSocket subscriber.
        received = asyncio.get_running_loop().create_future()
        await h.within(ws.subscribe(
            lambda *a, **kw: received.done() or received.set_result((list(a), kw)),
            "com.ws.topic." + tag))
        await rsc.publish("com.ws.topic." + tag, *ARGS, **KWARGS)
        self.assertEqual(await h.within(received), (ARGS, KWARGS))

    async def test_rpc_over_tcp(self):
        await self.rpc_both_ways(self.ep["rs_tcp"], "json", "tcp")

    async def test_pubsub_over_tcp(self):
        await self.pubsub_both_ways(self.ep["rs_tcp"], "json", "tcp")

    async def test_rpc_over_unix_socket(self):
        self.assertTrue(self.ep["rs_unix"].startswith("unix:" + self.router.tmpdir))
        await self.rpc_both_ways(self.ep["rs_unix"], "json", "unix")

    async def test_pubsub_over_unix_socket(self):
        await self.pubsub_both_ways(self.ep["rs_unix"], "json", "unix")

    async def test_every_serializer(self):
        for serializer in ("msgpack", "cbor", "ubjson"):
            with self.subTest(serializer=serializer):
                await self.rpc_both_ways(self.ep["rs_tcp"], serializer, serializer)
                await self.pubsub_both_ways(self.ep["rs_unix"], serializer, serializer)

    async def test_binary_values_between_serializers(self):
        ws = await self.connect()
        rsc = await self.rs_client(self.ep["rs_tcp"], "msgpack")
        await rsc.register("com.rs.binary")
        blob = bytes(range(256))
        res = await h.within(ws.call("com.rs.binary", blob, b"", k=b"\x00\xff"))
        self.assertEqual(list(res.results), [blob, b""])
        self.assertEqual(res.kwresults, {"k": b"\x00\xff"})

    async def test_several_sessions_and_clean_leave(self):
        a = await self.rs_client(self.ep["rs_tcp"])
        b = await self.rs_client(self.ep["rs_unix"], "cbor")
        self.assertNotEqual(a.session_id, b.session_id)
        await a.register("com.rs.a")
        self.assertEqual(await b.call("com.rs.a", 42), {"args": [42], "kwargs": {}})
        a.proc.stdin.write(b'{"op": "leave"}\n')
        self.assertIn("left", await h.within(a.closed))
        await b.subscribe("com.rs.after")  # b is unaffected

    # -- the wire protocol, by hand ---------------------------------------------------------------

    def test_handshake_errors(self):
        cases = [
            ("serializer 0", dict(serializer_id=0), b"\x7f\x10\x00\x00"),
            ("serializer 15", dict(serializer_id=15), b"\x7f\x10\x00\x00"),
            ("serializer 5", dict(serializer_id=5), b"\x7f\x10\x00\x00"),
            ("msgpack not configured", dict(serializer_id=2), b"\x7f\x10\x00\x00"),
            ("reserved octet 3", dict(reserved=b"\x01\x00"), b"\x7f\x30\x00\x00"),
            ("reserved octet 4", dict(reserved=b"\x00\x80"), b"\x7f\x30\x00\x00"),
        ]
        for name, kwargs, expected in cases:
            with self.subTest(name):
                with rs.connect_raw(self.ep["rs_limited"]) as s:
                    self.assertEqual(rs.handshake(s, **kwargs), expected)
                    self.assertTrue(rs.closed_by_peer(s), "not closed after the error reply")
        self.assertTrue(self.router.wait_for_log("RawSocket handshake refused with error 3"))

    def test_success_reply_announces_our_limit(self):
        with rs.connect_raw(self.ep["rs_limited"]) as s:
            # max_message_size 1024 -> exponent 1 (2^10); JSON (1) echoed.
            self.assertEqual(rs.handshake(s, serializer_id=1, exponent=3), b"\x7f\x11\x00\x00")
        with rs.connect_raw(self.ep["rs_tcp"]) as s:
            self.assertEqual(rs.handshake(s, serializer_id=2), b"\x7f\x82\x00\x00")  # 128 KiB

    def test_max_connections(self):
        ep = self.ep["rs_limited"]
        a, b = rs.connect_raw(ep), rs.connect_raw(ep)
        try:
            self.assertEqual(rs.handshake(a), b"\x7f\x11\x00\x00")
            self.assertEqual(rs.handshake(b), b"\x7f\x11\x00\x00")
            with rs.connect_raw(ep) as c:
                self.assertEqual(rs.handshake(c), b"\x7f\x40\x00\x00")
                self.assertTrue(rs.closed_by_peer(c))
        finally:
            a.close()
        # Once one session is gone, a new one gets in.
        deadline = time.monotonic() + 5
        while True:
            with rs.connect_raw(ep) as d:
                reply = rs.handshake(d)
            if reply == b"\x7f\x11\x00\x00" or time.monotonic() > deadline:
                break
            time.sleep(0.05)
        b.close()
        self.assertEqual(reply, b"\x7f\x11\x00\x00")

    def test_not_rawsocket_is_closed(self):
        with rs.connect_raw(self.ep["rs_tcp"]) as s:
            s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
            self.assertEqual(rs.recv_exact(s, 1), b"")  # closed without a reply
        self.assertTrue(self.router.wait_for_log("not a RawSocket client (first byte 0x47"))

    def test_handshake_timeout_is_not_immediate(self):
        # Half a handshake: the router waits (up to 10 s) instead of closing at once.
        with rs.connect_raw(self.ep["rs_tcp"], timeout=1.0) as s:
            s.sendall(b"\x7f")
            self.assertFalse(rs.closed_by_peer(s))
            s.sendall(b"\xf1\x00\x00")
            s.settimeout(5)
            self.assertEqual(rs.recv_exact(s, 4), b"\x7f\x81\x00\x00")

    def test_oversize_frame_closes(self):
        with rs.connect_raw(self.ep["rs_limited"]) as s:
            self.assertEqual(rs.handshake(s), b"\x7f\x11\x00\x00")
            s.sendall(rs.frame(b"", length=2000))  # the header alone is enough
            self.assertTrue(rs.closed_by_peer(s))
        self.assertTrue(self.router.wait_for_log("frame of 2000 bytes is larger than the limit"))

    def test_reserved_frame_bits_close(self):
        for first in (0x08, 0x80, 0x03, 0x07):
            with self.subTest(first=hex(first)):
                with rs.connect_raw(self.ep["rs_tcp"]) as s:
                    self.assertEqual(rs.handshake(s), b"\x7f\x81\x00\x00")
                    s.sendall(bytes([first, 0, 0, 1]) + b"x")
                    self.assertTrue(rs.closed_by_peer(s))

    def test_ping_is_answered_with_pong(self):
        with rs.connect_raw(self.ep["rs_tcp"]) as s:
            self.assertEqual(rs.handshake(s), b"\x7f\x81\x00\x00")
            for payload in (b"", b"abc\x00\xff", bytes(range(256)) * 10):
                s.sendall(rs.frame(payload, frame_type=1))
                self.assertEqual(rs.read_frame(s), (2, payload))
            # The session still works: HELLO -> WELCOME.
            s.sendall(rs.frame(b'[1, "realm1", {"roles": {"caller": {}}}]'))
            kind, welcome = rs.read_frame(s)
            self.assertEqual(kind, 0)
            self.assertTrue(welcome.startswith(b"[2,"), welcome)

    def test_auto_ping(self):
        # A silent peer gets a PING after 1 s; one that answers with PONG stays.
        with rs.connect_raw(self.ep["rs_ping"]) as alive, rs.connect_raw(self.ep["rs_ping"]) as dead:
            self.assertEqual(rs.handshake(alive), b"\x7f\x81\x00\x00")
            self.assertEqual(rs.handshake(dead), b"\x7f\x81\x00\x00")
            started = time.monotonic()
            for _ in range(3):
                kind, payload = rs.read_frame(alive)
                self.assertEqual(kind, 1)
                alive.sendall(rs.frame(payload, frame_type=2))
            self.assertGreater(time.monotonic() - started, 2.5)
            kind, _ = rs.read_frame(dead)
            self.assertEqual(kind, 1)  # PING, left unanswered
            self.assertTrue(rs.closed_by_peer(dead))
            self.assertTrue(self.router.wait_for_log("no PONG within 1000 ms; closing"))
            # The live one is still served.
            alive.sendall(rs.frame(b'[1, "realm1", {"roles": {"caller": {}}}]'))
            while True:
                kind, payload = rs.read_frame(alive)
                if kind == 1:
                    alive.sendall(rs.frame(payload, frame_type=2))
                    continue
                self.assertEqual(kind, 0)
                self.assertTrue(payload.startswith(b"[2,"), payload)
                break

    async def test_message_larger_than_the_client_accepts_closes(self):
        ws = await self.connect()
        await h.within(ws.register(lambda: "x" * 2000, "com.ws.big"))
        s = rs.connect_raw(self.ep["rs_tcp"])
        try:
            # We take 1 KiB: room for the WELCOME (≈ 700 B with every feature it announces).
            self.assertEqual(rs.handshake(s, exponent=1), b"\x7f\x81\x00\x00")
            s.sendall(rs.frame(b'[1, "realm1", {"roles": {"caller": {}}}]'))
            self.assertEqual(rs.read_frame(s)[0], 0)  # WELCOME fits
            s.sendall(rs.frame(b'[48, 1, {}, "com.ws.big"]'))
            # The RESULT would be > 1 KiB: the router closes rather than drop it silently.
            closed = await asyncio.get_running_loop().run_in_executor(None, rs.closed_by_peer, s)
            self.assertTrue(closed)
        finally:
            s.close()
        self.assertTrue(self.router.wait_for_log("bytes the client accepts; closing"))

    # -- universal listener ------------------------------------------------------------------------

    async def test_universal_port_serves_rawsocket_websocket_and_http(self):
        uni = self.ep["uni"]
        host, port = rs.tcp_address(uni)
        ws = await h.connect("ws://%s:%d/ws" % (host, port))
        self._sessions.append(ws)
        rsc = await self.rs_client(uni, "cbor")
        await rsc.register("com.uni.echo")
        res = await h.within(ws.call("com.uni.echo", "via", "one", "port"))
        self.assertEqual(list(res.results), ["via", "one", "port"])

        def get():
            with urllib.request.urlopen("http://%s:%d/" % (host, port), timeout=5) as r:
                return r.status, r.headers.get("Content-Type"), r.read().decode()

        status, ctype, body = await asyncio.get_running_loop().run_in_executor(None, get)
        self.assertEqual(status, 200)
        self.assertIn("text/html", ctype)
        self.assertIn("/ws", body)

        # Hand-made RawSocket handshake on the same port, and an HTTP 404.
        with rs.connect_raw(uni) as s:
            self.assertEqual(rs.handshake(s, serializer_id=3), b"\x7f\x83\x00\x00")
        with rs.connect_raw(uni) as s:
            s.sendall(b"GET /nothing HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            self.assertTrue(rs.recv_exact(s, 12).startswith(b"HTTP/1.1 404"))


class UnixSocketFileTest(unittest.TestCase):
    """A stale socket file is replaced at start-up; the file is removed at shutdown."""

    def test_stale_file_replaced_and_removed_at_stop(self):
        with tempfile.TemporaryDirectory(prefix="junction-rs-") as d:
            path = os.path.join(d, "node.sock")
            stale = socket.socket(socket.AF_UNIX)
            stale.bind(path)  # leaves the file behind once closed, like a killed node
            stale.close()
            self.assertTrue(os.path.exists(path))
            router = h.RouterProcess(rs.node_config(unix_path=path), name="unix-file").start()
            try:
                self.assertEqual(rs.endpoints(router)["rs_unix"], "unix:" + path)
                self.assertTrue(router.wait_for_log("removing stale socket file " + path))
                with rs.connect_raw("unix:" + path) as s:
                    self.assertEqual(rs.handshake(s), b"\x7f\x81\x00\x00")
            finally:
                self.assertEqual(router.stop(), 0)
            self.assertFalse(os.path.exists(path))

    def test_shutdown_says_goodbye_over_rawsocket(self):
        router = h.RouterProcess(rs.node_config(), name="rs-shutdown").start()
        try:
            with rs.connect_raw(rs.endpoints(router)["rs_unix"]) as s:
                self.assertEqual(rs.handshake(s), b"\x7f\x81\x00\x00")
                s.sendall(rs.frame(b'[1, "realm1", {"roles": {"caller": {}}}]'))
                self.assertEqual(rs.read_frame(s)[0], 0)  # WELCOME
                router.signal(signal.SIGTERM)
                kind, goodbye = rs.read_frame(s)
                self.assertEqual(kind, 0)
                self.assertIn(b"wamp.close.system_shutdown", goodbye)
                s.sendall(rs.frame(b'[6, {}, "wamp.close.goodbye_and_out"]'))
                self.assertTrue(rs.closed_by_peer(s))
            self.assertEqual(router.wait(10), 0)
        finally:
            router.stop()


if __name__ == "__main__":
    h.main()
