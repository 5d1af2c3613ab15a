"""WAMP-over-Long-Poll, the protocol pieces, driven by hand with http.client against a live
junction, with a live Autobahn|Python (WebSocket) peer: open and protocol choice, batched JSON and
MessagePack in both directions, unknown transport ids (404), malformed requests (400), the queue
limit closing a transport whose client stopped polling, a client that closes the connection of
its waiting /receive (the /receive is dropped at once and the next event waits for the next
/receive, not lost on the dead socket), and the notice page. (AutobahnJS over
long-poll in Chromium is tests/browser/longpoll.test.js.)

Run: /usr/bin/python3 test_web_longpoll.py path/to/junction
"""

import asyncio
import socket
import http.client
import json
import struct

import msgpack
from autobahn.wamp.types import PublishOptions

from junction_harness import JunctionTestCase, main, within

ANONYMOUS = {
    "name": "anonymous",
    "permissions": [{"uri": "", "match": "prefix",
                     "allow": {"call": True, "register": True, "publish": True, "subscribe": True},
                     "disclose": {"caller": False, "publisher": False}, "cache": True}],
}

CONFIG = {
    "version": 2,
    "workers": [{
        "type": "router",
        "realms": [{"name": "realm1", "roles": [ANONYMOUS]}],
        "transports": [{
            "type": "web",
            "endpoint": {"type": "tcp", "port": 0, "interface": "127.0.0.1"},
            "paths": {
                "ws": {"type": "websocket", "serializers": ["json"]},
                "lp": {"type": "longpoll", "options": {"request_timeout": 1}},
                "small": {"type": "longpoll",
                          "options": {"queue_limit_messages": 5, "request_timeout": 1}},
                "fixed": {"type": "longpoll", "options": {"debug_transport_id": "fixedid123"}},
                "lp10": {"type": "longpoll"},
            },
        }],
    }],
}

HELLO = [1, "realm1", {"roles": {"subscriber": {}, "publisher": {}, "caller": {}}}]
JSON_SEP = b"\x18"


def msgpack_batch(*messages):
    out = b""
    for m in messages:
        data = msgpack.packb(m, use_bin_type=True)
        out += struct.pack("!L", len(data)) + data
    return out


def msgpack_unbatch(body):
    out = []
    while body:
        n = struct.unpack("!L", body[:4])[0]
        out.append(msgpack.unpackb(body[4:4 + n], raw=False))
        body = body[4 + n:]
    return out


class LongPollTest(JunctionTestCase):
    router_config = CONFIG

    def request_sync(self, path, body=b"", method="POST", headers=None):
        conn = http.client.HTTPConnection(self.router.host, self.router.port, timeout=10)
        try:
            if isinstance(body, (dict, list)):
                body = json.dumps(body).encode()
            conn.request(method, path, body=body, headers=dict(headers or {}))
            r = conn.getresponse()
            return r.status, {k.lower(): v for k, v in r.getheaders()}, r.read()
        finally:
            conn.close()

    async def request(self, *args, **kwargs):
        return await within(asyncio.to_thread(self.request_sync, *args, **kwargs), 15)

    async def open(self, protocols, base="/lp"):
        status, headers, body = await self.request(base + "/open", {"protocols": protocols})
        self.assertEqual(status, 200, body)
        self.assertTrue(headers["content-type"].startswith("application/json"))
        answer = json.loads(body)
        return answer["transport"], answer["protocol"]

    async def receive_until(self, base, transport, decode, want):
        """Polls until `want` messages arrived (each poll may bring several when batched)."""
        got = []
        for _ in range(20):
            status, headers, body = await self.request("%s/%s/receive" % (base, transport))
            if status == 204:
                continue
            self.assertEqual(status, 200, body)
            got.extend(decode(body))
            if len(got) >= want:
                return got, headers
        self.fail("only %d of %d messages arrived: %r" % (len(got), want, got))

    async def test_json_batched_both_ways_with_a_websocket_peer(self):
        peer = await self.connect()
        events = asyncio.Queue()
        await within(peer.subscribe(lambda x: events.put_nowait(x), "com.example.lp.up"))
        await within(peer.register(lambda a, b: a + b, "com.example.lp.add"))
        transport, protocol = await self.open(["wamp.2.foo", "wamp.2.json.batched", "wamp.2.json"])
        self.assertEqual(protocol, "wamp.2.json.batched")
        self.assertRegex(transport, r"^[A-Za-z0-9]{16}$")
        base = "/lp/" + transport
        status, _, body = await self.request(base + "/send", json.dumps(HELLO).encode() + JSON_SEP)
        self.assertEqual(status, 204, body)

        def decode(body):
            self.assertTrue(body.endswith(JSON_SEP), body)
            return [json.loads(x) for x in body.split(JSON_SEP)[:-1]]

        (welcome,), headers = await self.receive_until("/lp", transport, decode, 1)
        self.assertEqual(welcome[0], 2)
        self.assertEqual(headers["content-type"], "application/json")
        self.assertIn("no-store", headers["cache-control"])
        # Three messages in one POST: subscribe, publish (acknowledged), call.
        batch = b"".join(json.dumps(m).encode() + JSON_SEP for m in [
            [32, 1, {}, "com.example.lp.down"],
            [16, 2, {"acknowledge": True}, "com.example.lp.up", ["ünïcode ✓"]],
            [48, 3, {}, "com.example.lp.add", [2, 3]],
        ])
        status, _, body = await self.request(base + "/send", batch)
        self.assertEqual(status, 204, body)
        self.assertEqual(await within(events.get()), "ünïcode ✓")
        got, _ = await self.receive_until("/lp", transport, decode, 3)
        by_type = {m[0]: m for m in got}
        self.assertEqual(sorted(by_type), [17, 33, 50])  # PUBLISHED, SUBSCRIBED, RESULT
        self.assertEqual(by_type[50][1], 3)
        self.assertEqual(by_type[50][3], [5])
        # Events queued while nobody polls arrive batched in one answer.
        for i in range(5):
            peer.publish("com.example.lp.down", i)
        await asyncio.sleep(0.2)
        status, _, body = await self.request(base + "/receive")
        self.assertEqual(status, 200)
        events_got = [m[4][0] for m in decode(body) if m[0] == 36]
        self.assertEqual(events_got, [0, 1, 2, 3, 4])
        # GOODBYE, its answer, then close: the transport is gone.
        await self.request(base + "/send", json.dumps([6, {}, "wamp.close.normal"]).encode() + JSON_SEP)
        got, _ = await self.receive_until("/lp", transport, decode, 1)
        self.assertEqual(got[0][0], 6)
        status, _, _ = await self.request(base + "/close")
        self.assertIn(status, (204, 404))  # the router may have ended it already
        status, _, _ = await self.request(base + "/receive")
        self.assertEqual(status, 404)
        await peer.close()

    async def test_msgpack_batched_and_unbatched_json(self):
        transport, protocol = await self.open(["wamp.2.msgpack.batched"])
        self.assertEqual(protocol, "wamp.2.msgpack.batched")
        base = "/lp/" + transport
        status, _, _ = await self.request(base + "/send", msgpack_batch(
            HELLO, [32, 7, {}, "com.example.lp.mp"]))
        self.assertEqual(status, 204)
        got, headers = await self.receive_until("/lp", transport, msgpack_unbatch, 2)
        self.assertEqual([m[0] for m in got], [2, 33])
        self.assertEqual(headers["content-type"], "application/x-msgpack")
        await self.request(base + "/close")
        # Unbatched JSON (AutobahnJS's): one message per receive, even with several queued.
        transport, protocol = await self.open(["wamp.2.json"])
        self.assertEqual(protocol, "wamp.2.json")
        base = "/lp/" + transport
        await self.request(base + "/send", HELLO)
        await self.request(base + "/send", [32, 1, {}, "com.example.lp.a"])
        await self.request(base + "/send", [32, 2, {}, "com.example.lp.b"])
        got, _ = await self.receive_until("/lp", transport, lambda b: [json.loads(b)], 3)
        self.assertEqual([m[0] for m in got], [2, 33, 33])
        await self.request(base + "/close")

    async def test_closed_receive_connection_loses_no_event(self):
        peer = await self.connect()
        transport, _ = await self.open(["wamp.2.json"], base="/lp10")  # request_timeout 10 s
        base = "/lp10/" + transport
        await self.request(base + "/send", HELLO)
        await self.request(base + "/send", [32, 1, {}, "com.example.lp.gone"])
        got, _ = await self.receive_until("/lp10", transport, lambda b: [json.loads(b)], 2)
        self.assertEqual([m[0] for m in got], [2, 33])
        # A /receive whose client goes away while it waits.
        with socket.create_connection((self.router.host, self.router.port), 5) as s:
            s.sendall(b"POST %s/receive HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n"
                      % base.encode())
        self.assertTrue(await asyncio.to_thread(
            self.router.wait_for_log, "closed the connection of its waiting /receive", 5))
        await within(peer.publish("com.example.lp.gone", 42, options=PublishOptions(
            acknowledge=True)))
        # The event waited for this /receive (before: written to the closed connection, lost).
        status, _, body = await self.request(base + "/receive")
        self.assertEqual(status, 200, body)
        event = json.loads(body)
        self.assertEqual((event[0], event[4]), (36, [42]))
        await self.request(base + "/close")
        await peer.close()

    async def test_idle_receive_answers_204_after_request_timeout(self):
        transport, _ = await self.open(["wamp.2.json"])
        loop = asyncio.get_running_loop()
        started = loop.time()
        status, _, body = await self.request("/lp/%s/receive" % transport)
        self.assertEqual(status, 204, body)
        self.assertGreater(loop.time() - started, 0.8)
        await self.request("/lp/%s/close" % transport)

    async def test_bad_requests(self):
        status, _, body = await self.request("/lp/nosuchtransport/send", HELLO)
        self.assertEqual(status, 404)
        self.assertIn(b"no WAMP transport", body)
        status, _, body = await self.request("/lp/open", {"protocols": ["wamp.2.cbor"]})
        self.assertEqual(status, 400)
        self.assertIn(b"wamp.2.json", body)
        status, _, _ = await self.request("/lp/open", b"{not json")
        self.assertEqual(status, 400)
        status, _, _ = await self.request("/lp/open", {"no": "protocols"})
        self.assertEqual(status, 400)
        status, headers, _ = await self.request("/lp/open", method="GET")
        self.assertEqual(status, 405)
        status, headers, body = await self.request("/lp", method="GET")
        self.assertEqual(status, 200)
        self.assertIn(b"Long-Poll", body)
        transport, _ = await self.open(["wamp.2.json.batched"])
        status, _, body = await self.request("/lp/%s/send" % transport, b"[1,2]")  # no delimiter
        self.assertEqual(status, 400)
        self.assertIn(b"batch format error", body)
        status, _, _ = await self.request("/lp/%s/nonsense" % transport)
        self.assertEqual(status, 404)
        # A message that is not WAMP: 400, and the router ends the session (ABORT).
        status, _, _ = await self.request("/lp/%s/send" % transport, b"[1,{}\x18")
        self.assertEqual(status, 400)
        decode = lambda b: [json.loads(x) for x in b.split(JSON_SEP)[:-1]]
        got, _ = await self.receive_until("/lp", transport, decode, 1)
        self.assertEqual(got[0][0], 3)  # ABORT
        self.assertTrue(await asyncio.to_thread(self.router.wait_for_log, "ended (closed by the router)"))
        status, _, _ = await self.request("/lp/%s/receive" % transport)
        self.assertEqual(status, 404)
        # CORS preflight.
        status, headers, _ = await self.request("/lp/open", method="OPTIONS",
                                                headers={"Origin": "http://example.com",
                                                         "Access-Control-Request-Headers": "content-type"})
        self.assertEqual(status, 204)
        self.assertEqual(headers["access-control-allow-origin"], "http://example.com")
        self.assertEqual(headers["access-control-allow-headers"], "content-type")

    async def test_queue_limit_closes_a_transport_nobody_polls(self):
        peer = await self.connect()
        transport, _ = await self.open(["wamp.2.json"], base="/small")
        base = "/small/" + transport
        await self.request(base + "/send", HELLO)
        await self.request(base + "/send", [32, 1, {}, "com.example.lp.flood"])
        got, _ = await self.receive_until("/small", transport, lambda b: [json.loads(b)], 2)
        self.assertEqual([m[0] for m in got], [2, 33])
        for i in range(10):
            peer.publish("com.example.lp.flood", i)
        self.assertTrue(await asyncio.to_thread(self.router.wait_for_log, "queue_limit_messages 5"))
        self.assertTrue(await asyncio.to_thread(self.router.wait_for_log, "ended (queue limit)"))
        status, _, _ = await self.request(base + "/receive")
        self.assertEqual(status, 404)
        await peer.close()

    async def test_debug_transport_id(self):
        transport, _ = await self.open(["wamp.2.json"], base="/fixed")
        self.assertEqual(transport, "fixedid123")
        await self.request("/fixed/fixedid123/send", HELLO)
        got, _ = await self.receive_until("/fixed", transport, lambda b: [json.loads(b)], 1)
        self.assertEqual(got[0][0], 2)
        status, _, _ = await self.request("/fixed/fixedid123/close")
        self.assertEqual(status, 204)


if __name__ == "__main__":
    main()
