"""End-to-end: Autobahn|Python over WebSocket with every serializer Junction speaks (JSON,
MessagePack, CBOR, UBJSON), and the cross-serializer matrix: every publisher serializer x every
subscriber serializer, and every caller x every callee, with args/kwargs (binary, unicode, big
integers, floats, nesting) compared exactly on arrival.

Run: /usr/bin/python3 test_serializers.py <path to junction>
"""

import asyncio

import autobahn.asyncio.wamp  # noqa: F401  (selects txaio's asyncio backend before serializers exist)
from autobahn.wamp.serializer import (CBORSerializer, JsonSerializer, MsgPackSerializer,
                                      UBJSONSerializer)
from autobahn.wamp.types import CallResult, PublishOptions

from junction_harness import (OP_TIMEOUT, Client, JunctionTestCase, connect, default_config,
                              main, within)

SERIALIZERS = {
    "json": JsonSerializer,
    "msgpack": MsgPackSerializer,
    "cbor": CBORSerializer,
    "ubjson": UBJSONSerializer,
}

ARGS = [
    None, True, False, 0, -1, 255, -129, 65536,
    -2**63, 2**63 - 1, 2**64 - 1,          # int64 and uint64 extremes
    0.5, -1e300, 3.141592653589793, 1e-310,
    "", "h\u00e9llo \u20ac \U0001F600",
    b"", bytes(range(256)),                  # binary: bin / byte string / [$U# / "\0"+base64
    [[[1, b"\x00\x01"]], {"deep": [{}]}],
]
KWARGS = {
    "bin": b"\xff\xfe",
    "\u2713 unicode key": "v",
    "n": [1.25, 9007199254740993, -2**40],
    "nested": {"a": {"b": []}},
}


async def connect_with(router, serializer, timeout=OP_TIMEOUT):
    """An Autobahn|Python session that offers only `serializer` ("json", "msgpack", ...)."""
    return await connect(router, "realm1", Client, timeout,
                         serializers=[SERIALIZERS[serializer]()])


class Serializers(JunctionTestCase):
    router_config = default_config(serializers=("cbor", "msgpack", "ubjson", "json"))

    async def open(self, serializer):
        s = await connect_with(self.router, serializer)
        self._sessions.append(s)
        return s

    def assertSamePayload(self, args, kwargs, where):
        self.assertEqual(list(args), ARGS, where)
        self.assertEqual(kwargs, KWARGS, where)
        # bytes stay bytes (not lists of ints, not base64 text) whatever the route.
        self.assertIsInstance(args[18], bytes, where)
        self.assertIsInstance(kwargs["bin"], bytes, where)

    async def test_each_serializer_is_negotiated(self):
        for name in SERIALIZERS:
            with self.subTest(serializer=name):
                s = await self.open(name)
                self.assertEqual(s._transport.websocket_protocol_in_use, "wamp.2." + name)
                # RPC and pub/sub on one session of that serializer.
                await within(s.register(lambda *a, **kw: CallResult(*a, **kw),
                                        "com.ser.echo." + name))
                result = await within(s.call("com.ser.echo." + name, *ARGS, **KWARGS))
                self.assertSamePayload(result.results, result.kwresults, name)

    async def test_pubsub_matrix(self):
        subscribers = {name: await self.open(name) for name in SERIALIZERS}
        publishers = {name: await self.open(name) for name in SERIALIZERS}
        got = {(p, s): asyncio.get_running_loop().create_future()
               for p in SERIALIZERS for s in SERIALIZERS}

        for sub_name, sub in subscribers.items():
            def handler(*args, _sub=sub_name, **kwargs):
                publisher = kwargs.pop("publisher")
                fut = got[(publisher, _sub)]
                if not fut.done():
                    fut.set_result((args, kwargs))
            await within(sub.subscribe(handler, "com.ser.matrix"))

        for pub_name, pub in publishers.items():
            await within(pub.publish("com.ser.matrix", *ARGS, publisher=pub_name, **KWARGS,
                                     options=PublishOptions(acknowledge=True)))
        for (pub_name, sub_name), fut in got.items():
            with self.subTest(publisher=pub_name, subscriber=sub_name):
                args, kwargs = await within(fut)
                self.assertSamePayload(args, kwargs, "%s -> %s" % (pub_name, sub_name))

    async def test_rpc_matrix(self):
        callees = {name: await self.open(name) for name in SERIALIZERS}
        callers = {name: await self.open(name) for name in SERIALIZERS}
        seen = {}

        for callee_name, callee in callees.items():
            def echo(*args, _callee=callee_name, **kwargs):
                caller = kwargs.pop("caller")
                seen[(caller, _callee)] = (args, kwargs)
                return CallResult(*args, **kwargs)
            await within(callee.register(echo, "com.ser.matrix." + callee_name))

        for caller_name, caller in callers.items():
            for callee_name in SERIALIZERS:
                with self.subTest(caller=caller_name, callee=callee_name):
                    where = "%s -> %s" % (caller_name, callee_name)
                    result = await within(caller.call("com.ser.matrix." + callee_name, *ARGS,
                                                      caller=caller_name, **KWARGS))
                    args, kwargs = seen[(caller_name, callee_name)]
                    self.assertSamePayload(args, kwargs, "CALL " + where)
                    self.assertSamePayload(result.results, result.kwresults, "RESULT " + where)

    async def test_error_payload_crosses_serializers(self):
        callee = await self.open("ubjson")
        caller = await self.open("msgpack")

        from autobahn.wamp.exception import ApplicationError

        def fail(*args, **kwargs):
            raise ApplicationError("com.ser.failed", *ARGS, **KWARGS)
        await within(callee.register(fail, "com.ser.fail"))
        error = await self.assertWampError(caller.call("com.ser.fail"), "com.ser.failed")
        self.assertSamePayload(error.args, error.kwargs, "ERROR ubjson -> msgpack")


if __name__ == "__main__":
    main()
