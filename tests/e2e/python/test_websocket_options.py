"""WebSocket options (Crossbar's names and units) against a live junction: permessage-deflate on
and off, auto-ping dropping a dead peer while a live Autobahn|Python session stays, allowed_origins,
open_handshake_timeout, the status page of enable_webstatus, and external_port on the node info
page. Raw peers are plain TCP sockets speaking just enough HTTP/WebSocket; real clients are
Autobahn|Python (asyncio)."""

import asyncio
import http.client
import os
import socket
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import txaio  # noqa: E402


from autobahn.asyncio.websocket import WampWebSocketClientFactory  # noqa: E402
from autobahn.wamp.serializer import JsonSerializer  # noqa: E402
from autobahn.wamp.types import ComponentConfig  # noqa: E402
from autobahn.websocket.compress import (  # noqa: E402
    PerMessageDeflateOffer, PerMessageDeflateResponse, PerMessageDeflateResponseAccept)

from junction_harness import (  # noqa: E402
    OP_CLOSE, OP_PING, OP_PONG, REALM, Client, JunctionTestCase, RawWebSocket, default_config, main,
    wait_closed, within)

RAW_TIMEOUT = 8.0


def web_config(paths):
    """The harness config with the web transport's paths replaced by `paths`."""
    cfg = default_config()
    cfg["workers"][0]["transports"][0]["paths"] = paths
    return cfg


def websocket_transport_config(options):
    """A "websocket" transport (WAMP on every path) with these WebSocket options."""
    cfg = default_config()
    cfg["workers"][0]["transports"] = [{
        "type": "websocket",
        "endpoint": {"type": "tcp", "port": 0, "interface": "127.0.0.1"},
        "serializers": ["json"],
        "options": options,
    }]
    return cfg


def ws_path(options):
    return {"type": "websocket", "serializers": ["json"], "options": options}


def http_get(host, port, path, headers=None):
    c = http.client.HTTPConnection(host, port, timeout=RAW_TIMEOUT)
    try:
        c.request("GET", path, headers=headers or {})
        r = c.getresponse()
        return r.status, dict((k.lower(), v) for k, v in r.getheaders()), r.read()
    finally:
        c.close()


async def connect_deflate(router, path):
    """An Autobahn|Python session that offers permessage-deflate. Returns (session, protocol)."""
    loop = asyncio.get_running_loop()
    created = loop.create_future()

    def make():
        s = Client(ComponentConfig(realm=REALM))
        if not created.done():
            created.set_result(s)
        return s

    url = "ws://%s:%d%s" % (router.host, router.port, path)
    # Each test runs its own event loop; Autobahn's timers must use this one (ApplicationRunner
    # does the same).
    txaio.config.loop = loop
    factory = WampWebSocketClientFactory(make, url=url, serializers=[JsonSerializer()], loop=loop)

    def accept(response):
        if isinstance(response, PerMessageDeflateResponse):
            return PerMessageDeflateResponseAccept(response)

    factory.setProtocolOptions(perMessageCompressionOffers=[PerMessageDeflateOffer()],
                               perMessageCompressionAccept=accept)
    transport, protocol = await within(loop.create_connection(factory, router.host, router.port))
    try:
        session = await within(created)
        await within(asyncio.shield(session.joined))
    except BaseException:
        transport.abort()
        raise
    return session, protocol


class CompressionTests(JunctionTestCase):
    router_config = web_config({
        "/": {"type": "nodeinfo"},
        "ws": ws_path({"compression": {"deflate": {}}}),
        "plain": ws_path({}),
    })

    async def raw(self, fn, *args):
        return await asyncio.get_running_loop().run_in_executor(None, fn, *args)

    async def test_negotiated_when_on(self):
        def handshake():
            ws = RawWebSocket(self.router.host, self.router.port, "/ws",
                       ["Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits"])
            ws.close()
            return ws.status, ws.headers

        status, headers = await self.raw(handshake)
        self.assertEqual(status, 101)
        self.assertTrue(headers.get("sec-websocket-extensions", "").startswith("permessage-deflate"),
                        headers)

    async def test_not_negotiated_when_off(self):
        def handshake():
            ws = RawWebSocket(self.router.host, self.router.port, "/plain",
                       ["Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits"])
            ws.close()
            return ws.status, ws.headers

        status, headers = await self.raw(handshake)
        self.assertEqual(status, 101)
        self.assertNotIn("sec-websocket-extensions", headers)

        session, protocol = await connect_deflate(self.router, "/plain")
        self._sessions.append(session)
        self.assertEqual(protocol.websocket_extensions_in_use, [])

    async def test_large_call_round_trips_compressed(self):
        callee, callee_proto = await connect_deflate(self.router, "/ws")
        self._sessions.append(callee)
        caller, caller_proto = await connect_deflate(self.router, "/ws")
        self._sessions.append(caller)
        for proto in (callee_proto, caller_proto):
            self.assertEqual([e.EXTENSION_NAME for e in proto.websocket_extensions_in_use],
                             ["permessage-deflate"])

        await within(callee.register(lambda x: x, "com.example.wsopt.echo"))
        # 200 KB of very compressible JSON text.
        payload = ("Junction compresses this line nicely. " * 6000)[:200 * 1024]
        before = caller_proto.trafficStats.incomingOctetsWireLevel
        result = await within(caller.call("com.example.wsopt.echo", payload))
        self.assertEqual(result, payload)
        wire = caller_proto.trafficStats.incomingOctetsWireLevel - before
        self.assertLess(wire, len(payload) // 10, "RESULT was not compressed on the wire")


class AutoPingTests(JunctionTestCase):
    router_config = websocket_transport_config({
        "auto_ping_interval": 1000, "auto_ping_timeout": 1000, "auto_ping_size": 16})

    async def test_dead_peer_dropped_live_session_stays(self):
        live = await self.connect()
        await within(live.register(lambda: "pong", "com.example.wsopt.alive"))
        router = self.router

        def dead_peer():
            ws = RawWebSocket(router.host, router.port, "/ws")
            assert ws.status == 101, ws.status
            opened = time.monotonic()
            pings = []
            try:
                while True:
                    _, _, op, data = ws.read_frame()  # never answered
                    if op == OP_PING:
                        pings.append((time.monotonic() - opened, len(data)))
            except (EOFError, ConnectionError):
                pass
            finally:
                ws.close()
            return pings, time.monotonic() - opened

        pings, closed_after = await asyncio.get_running_loop().run_in_executor(None, dead_peer)
        self.assertEqual(len(pings), 1, pings)
        self.assertAlmostEqual(pings[0][0], 1.0, delta=0.5)
        self.assertEqual(pings[0][1], 16, "auto_ping_size")
        self.assertGreater(closed_after, 1.7)
        self.assertLess(closed_after, 3.5)
        self.assertTrue(router.wait_for_log("no answer to a ping within 1000 ms"),
                        router.log_tail(30))

        # The Autobahn session answered every ping meanwhile and is still there.
        await asyncio.sleep(1.0)
        self.assertFalse(live.disconnected.done())
        self.assertEqual(await within(live.call("com.example.wsopt.alive")), "pong")

    async def test_pong_keeps_a_raw_peer(self):
        router = self.router

        def polite_peer():
            ws = RawWebSocket(router.host, router.port, "/ws")
            assert ws.status == 101, ws.status
            opened = time.monotonic()
            pings = 0
            while time.monotonic() - opened < 3.5:
                _, _, op, data = ws.read_frame()
                if op == OP_PING:
                    pings += 1
                    ws.send_frame(OP_PONG, data)
                elif op == OP_CLOSE:
                    raise AssertionError("closed although it answered every ping")
            ws.close()
            return pings

        pings = await asyncio.get_running_loop().run_in_executor(None, polite_peer)
        self.assertGreaterEqual(pings, 2)


class OriginTests(JunctionTestCase):
    router_config = web_config({
        "ws": ws_path({"allowed_origins": ["https://*.example.com", "http://localhost:8080"]}),
        "strict": ws_path({"allowed_origins": ["https://app.example.com"],
                           "allow_null_origin": False}),
    })

    async def status_for(self, path, origin):
        headers = ["Origin: " + origin] if origin is not None else []

        def run():
            ws = RawWebSocket(self.router.host, self.router.port, path, headers)
            ws.close()
            return ws.status

        return await asyncio.get_running_loop().run_in_executor(None, run)

    async def test_allowed_origins(self):
        self.assertEqual(await self.status_for("/ws", "https://app.example.com"), 101)
        self.assertEqual(await self.status_for("/ws", "http://localhost:8080"), 101)
        self.assertEqual(await self.status_for("/ws", None), 101, "no Origin: not a browser")
        self.assertEqual(await self.status_for("/ws", "null"), 101, "allow_null_origin default")
        self.assertEqual(await self.status_for("/ws", "https://evil.example.net"), 403)
        self.assertEqual(await self.status_for("/ws", "http://app.example.com"), 403)
        self.assertEqual(await self.status_for("/ws", "http://localhost:8081"), 403)
        self.assertTrue(self.router.wait_for_log(
            "origin 'https://evil.example.net' is not in allowed_origins"), self.router.log_tail(30))
        self.assertEqual(await self.status_for("/strict", "null"), 403)
        self.assertEqual(await self.status_for("/strict", "https://app.example.com"), 101)
        # A real client without Origin still gets in.
        s = await self.connect()
        self.assertTrue(s.is_attached())


class OpenHandshakeTimeoutTests(JunctionTestCase):
    router_config = websocket_transport_config({"open_handshake_timeout": 1000})

    async def test_silent_and_slow_clients_are_closed(self):
        router = self.router

        def silent():
            s = socket.create_connection((router.host, router.port), timeout=RAW_TIMEOUT)
            try:
                return wait_closed(s, 6.0)
            finally:
                s.close()

        def slow():
            s = socket.create_connection((router.host, router.port), timeout=RAW_TIMEOUT)
            try:
                s.sendall(b"GET /ws HTTP/1.1\r\nHost: x\r\n")  # and never the rest
                return wait_closed(s, 6.0)
            finally:
                s.close()

        loop = asyncio.get_running_loop()
        for fn in (silent, slow):
            took = await loop.run_in_executor(None, fn)
            self.assertIsNotNone(took, fn.__name__ + " was never closed")
            self.assertGreater(took, 0.8, fn.__name__)
            self.assertLess(took, 2.5, fn.__name__)
        self.assertTrue(router.wait_for_log("no WebSocket opening handshake within 1000 ms"),
                        router.log_tail(30))
        # A client that does not dawdle is unaffected.
        s = await self.connect()
        self.assertTrue(s.is_attached())


class WebStatusTests(JunctionTestCase):
    router_config = web_config({
        "/": {"type": "nodeinfo"},
        "ws": ws_path({"external_port": 9443}),
        "quiet": ws_path({"enable_webstatus": False}),
    })

    async def get(self, path, headers=None):
        return await asyncio.get_running_loop().run_in_executor(
            None, http_get, self.router.host, self.router.port, path, headers)

    async def test_status_page_and_426(self):
        status, headers, body = await self.get("/ws")
        self.assertEqual(status, 200)
        self.assertTrue(headers.get("content-type", "").startswith("text/html"), headers)
        text = body.decode()
        self.assertIn("Junction", text)
        self.assertIn("WAMP", text)
        self.assertIn("WebSocket endpoint", text)
        self.assertIn("wamp.2.json", text)

        status, headers, body = await self.get("/quiet")
        self.assertEqual(status, 426)
        self.assertEqual(headers.get("upgrade"), "websocket")

    async def test_external_port_on_pages(self):
        _, _, body = await self.get("/", {"Host": "node.example.com:8080"})
        text = body.decode()
        self.assertIn("ws://node.example.com:9443/ws", text)
        self.assertIn("ws://node.example.com:8080/quiet", text, "no external_port: as requested")
        _, _, body = await self.get("/ws", {"Host": "node.example.com:8080"})
        self.assertIn("ws://node.example.com:9443/ws", body.decode())


if __name__ == "__main__":
    main()
