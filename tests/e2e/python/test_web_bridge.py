"""The HTTP bridge (publisher, caller, webhook) with real HTTP clients and a live Autobahn|Python
subscriber and callee: signed and unsigned requests, Crossbar's answers and status codes, limits,
and the bridge's role checked by the realm's authorizer like any client's.

Run: /usr/bin/python3 test_web_bridge.py path/to/junction
"""

import asyncio
import base64
import datetime
import hashlib
import hmac
import http.client
import json
import urllib.parse

from autobahn.wamp.exception import ApplicationError

from junction_harness import JunctionTestCase, main, within

KEY, SECRET = "foobar", "secret123"
BRIDGE_ROLE = {
    "name": "bridge",
    "permissions": [{"uri": "com.example.", "match": "prefix",
                     "allow": {"call": True, "register": False, "publish": True,
                               "subscribe": False},
                     "disclose": {"caller": False, "publisher": False}, "cache": True}],
}
ANONYMOUS = {
    "name": "anonymous",
    "permissions": [{"uri": "", "match": "prefix",
                     "allow": {"call": True, "register": True, "publish": True, "subscribe": True},
                     "disclose": {"caller": False, "publisher": False}, "cache": True}],
}


def bridge(kind, **options):
    service = {"type": kind, "realm": "realm1", "role": "bridge"}
    if options:
        service["options"] = options
    return service


CONFIG = {
    "version": 2,
    "workers": [{
        "type": "router",
        "realms": [{"name": "realm1", "roles": [ANONYMOUS, BRIDGE_ROLE]}],
        "transports": [{
            "type": "web",
            "endpoint": {"type": "tcp", "port": 0, "interface": "127.0.0.1"},
            "paths": {
                "ws": {"type": "websocket", "serializers": ["json"]},
                "pub": bridge("publisher"),
                "signed": bridge("publisher", key=KEY, secret=SECRET, timestamp_delta_limit=60),
                "call": bridge("caller"),
                "limited": bridge("publisher", post_body_limit=200),
                "ipdenied": bridge("publisher", require_ip=["10.0.0.0/8", "fd00::/8"]),
                "ipok": bridge("publisher", require_ip=["127.0.0.0/8"]),
                "tlsonly": bridge("publisher", require_tls=True),
                "hook": bridge("webhook", topic="com.example.hook"),
            },
        }],
    }],
}


def utc_timestamp(offset_seconds=0):
    now = datetime.datetime.utcnow() + datetime.timedelta(seconds=offset_seconds)
    return now.strftime("%Y-%m-%dT%H:%M:%S.") + "%03dZ" % (now.microsecond // 1000)


def signed_query(body, key=KEY, secret=SECRET, timestamp=None, seq=1, nonce=7):
    timestamp = timestamp or utc_timestamp()
    hm = hmac.new(secret.encode(), None, hashlib.sha256)
    for part in (key, timestamp, str(seq), str(nonce)):
        hm.update(part.encode())
    hm.update(body)
    signature = base64.urlsafe_b64encode(hm.digest()).decode()
    return urllib.parse.urlencode({"key": key, "timestamp": timestamp, "seq": seq,
                                   "nonce": nonce, "signature": signature})


class BridgeTest(JunctionTestCase):
    router_config = CONFIG

    def post_sync(self, path, body, content_type="application/json", method="POST", headers=None):
        conn = http.client.HTTPConnection(self.router.host, self.router.port, timeout=10)
        try:
            h = dict(headers or {})
            if content_type:
                h["Content-Type"] = content_type
            if isinstance(body, (dict, list)):
                body = json.dumps(body).encode()
            conn.request(method, path, body=body, headers=h)
            r = conn.getresponse()
            data = r.read()
            return r.status, {k.lower(): v for k, v in r.getheaders()}, data
        finally:
            conn.close()

    async def post(self, *args, **kwargs):
        return await within(asyncio.to_thread(self.post_sync, *args, **kwargs), 15)

    async def subscribe(self, topic):
        s = await self.connect()
        queue = asyncio.Queue()
        await within(s.subscribe(lambda *a, **kw: queue.put_nowait((list(a), kw)), topic))
        return queue

    async def test_publish_reaches_subscriber(self):
        events = await self.subscribe("com.example.topic")
        status, headers, body = await self.post(
            "/pub", {"topic": "com.example.topic", "args": [1, "two"], "kwargs": {"three": 3}})
        self.assertEqual(status, 200, body)
        self.assertTrue(headers["content-type"].startswith("application/json"))
        self.assertIsInstance(json.loads(body)["id"], int)
        self.assertEqual(await within(events.get()), ([1, "two"], {"three": 3}))
        # No args at all is fine too.
        status, _, _ = await self.post("/pub", {"topic": "com.example.topic"})
        self.assertEqual(status, 200)
        self.assertEqual(await within(events.get()), ([], {}))
        # Args and kwargs go on as the body wrote them (spacing, number forms); empty ones are
        # none; integers past 64 bits arrive as floats, as they always did.
        status, _, data = await self.post(
            "/pub", b'{ "topic" : "com.example.topic", "args" : [ ] ,\n'
                    b' "kwargs" : { "n" : [ 1.50 , -0 , 1e2, "\\u00e9" ] } }')
        self.assertEqual(status, 200, data)
        self.assertEqual(await within(events.get()), ([], {"n": [1.5, 0, 100.0, "\u00e9"]}))
        status, _, data = await self.post(
            "/pub", b'{"topic": "com.example.topic", "args": [18446744073709551616, 1]}')
        self.assertEqual(status, 200, data)
        self.assertEqual(await within(events.get()), ([18446744073709551616.0, 1], {}))

    async def test_signed_requests(self):
        events = await self.subscribe("com.example.signed")
        body = json.dumps({"topic": "com.example.signed", "args": ["signed"]}).encode()
        status, _, data = await self.post("/signed?" + signed_query(body), body)
        self.assertEqual(status, 200, data)
        self.assertEqual(await within(events.get()), (["signed"], {}))
        # Unsigned, tampered, wrong key, wrong secret, stale, malformed timestamp.
        status, _, data = await self.post("/signed", body)
        self.assertEqual(status, 400)
        self.assertIn("missing", json.loads(data)["error"])
        status, _, _ = await self.post("/signed?" + signed_query(body), body + b" ")
        self.assertEqual(status, 401)
        status, _, _ = await self.post("/signed?" + signed_query(body, key="other"), body)
        self.assertEqual(status, 401)
        status, _, _ = await self.post("/signed?" + signed_query(body, secret="wrong"), body)
        self.assertEqual(status, 401)
        stale = utc_timestamp(-3600)
        status, _, data = await self.post("/signed?" + signed_query(body, timestamp=stale), body)
        self.assertEqual(status, 400, data)
        status, _, _ = await self.post("/signed?" + signed_query(body, timestamp="yesterday"),
                                       body)
        self.assertEqual(status, 400)
        self.assertTrue(events.empty())

    async def test_caller(self):
        s = await self.connect()
        await within(s.register(lambda a, b: a + b, "com.example.add"))

        def oops():
            raise ApplicationError("com.example.oops", 1, "two", detail=3)
        await within(s.register(oops, "com.example.oops"))
        status, _, data = await self.post("/call", {"procedure": "com.example.add",
                                                    "args": [2, 3]})
        self.assertEqual((status, json.loads(data)), (200, {"args": [5]}))
        status, _, data = await self.post("/call", {"procedure": "com.example.oops"})
        self.assertEqual(status, 200)
        self.assertEqual(json.loads(data), {"error": "com.example.oops", "args": [1, "two"],
                                            "kwargs": {"detail": 3}})
        status, _, data = await self.post("/call", {"procedure": "com.example.nothing"})
        self.assertEqual((status, json.loads(data)["error"]), (200, "wamp.error.no_such_procedure"))
        status, _, data = await self.post("/call", {"args": [1]})
        self.assertEqual(status, 400)

    async def test_bridge_role_is_authorized(self):
        status, _, data = await self.post("/pub", {"topic": "org.other.topic"})
        self.assertEqual((status, json.loads(data)["error"]), (200, "wamp.error.not_authorized"))
        status, _, data = await self.post("/call", {"procedure": "org.other.proc"})
        self.assertEqual((status, json.loads(data)["error"]), (200, "wamp.error.not_authorized"))

    async def test_bad_requests(self):
        self.assertEqual((await self.post("/pub", b"{", ))[0], 400)
        self.assertEqual((await self.post("/pub", b"[1, 2]"))[0], 400)
        self.assertEqual((await self.post("/pub", {"args": []}))[0], 400)
        self.assertEqual((await self.post("/pub", {"topic": "com.example.x"},
                                          content_type="text/plain"))[0], 400)
        self.assertEqual((await self.post("/pub", {"topic": "com.example.x"},
                                          content_type="application/json; charset=latin-1"))[0],
                         400)
        self.assertEqual((await self.post("/pub", b"\xff\xfe"))[0], 400)
        # Nesting past the router's JSON limit is refused (a body nested 100 000 deep once
        # crashed the node), and the node goes on.
        deep = b'{"topic": "com.example.x", "args": ' + b"[" * 100000 + b"]" * 100000 + b"}"
        status, _, data = await self.post("/pub", deep)
        self.assertEqual((status, json.loads(data)["error"]),
                         (400, "invalid request body: nesting deeper than 128 levels"))
        self.assertEqual((await self.post("/pub", {"topic": "com.example.x"}))[0], 200)
        status, headers, data = await self.post("/pub", b"", method="GET", content_type=None)
        self.assertEqual(status, 405)
        self.assertIn("POST", headers["allow"])
        big = {"topic": "com.example.x", "args": ["x" * 500]}
        self.assertEqual((await self.post("/limited", big))[0], 413)
        self.assertEqual((await self.post("/limited", {"topic": "com.example.x"}))[0], 200)
        self.assertEqual((await self.post("/ipdenied", {"topic": "com.example.x"}))[0], 400)
        self.assertEqual((await self.post("/ipok", {"topic": "com.example.x"}))[0], 200)
        self.assertEqual((await self.post("/tlsonly", {"topic": "com.example.x"}))[0], 400)
        # CORS preflight.
        status, headers, _ = await self.post("/pub", b"", method="OPTIONS", content_type=None,
                                             headers={"Origin": "http://app.example"})
        self.assertEqual(status, 200)
        self.assertEqual(headers["access-control-allow-origin"], "http://app.example")

    async def test_webhook(self):
        events = await self.subscribe("com.example.hook")
        status, _, data = await self.post("/hook", b"payload=1&x=2",
                                          content_type="application/x-www-form-urlencoded",
                                          headers={"X-Github-Event": "push"})
        self.assertEqual((status, data), (202, b"OK"))
        args, kwargs = await within(events.get())
        self.assertEqual(len(args), 1)
        self.assertEqual(args[0]["body"], "payload=1&x=2")
        headers = {k.lower(): v for k, v in args[0]["headers"].items()}
        self.assertEqual(headers["x-github-event"], ["push"])
        self.assertEqual(headers["content-type"], ["application/x-www-form-urlencoded"])


if __name__ == "__main__":
    main()
