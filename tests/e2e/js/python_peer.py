"""An Autobahn|Python peer for the JavaScript end-to-end suites (wampy.test.js): binary values to
and from a client we did not write in another language.

    /usr/bin/python3 python_peer.py URL REALM SERIALIZER...

joins REALM at URL once per SERIALIZER (json, msgpack, cbor), each session under the prefix
com.pypeer.<serializer>, and prints "READY" once every session has registered and subscribed.
Exits when its standard input closes (the test's process ends) or on SIGTERM.

Per session (p = com.pypeer.<serializer>):
  p.describe(*args, **kwargs)  what Python received: each value as [type name, value], bytes as
                               ["bytes", hex]
  p.make_bytes()               returns bytes 00 01 fe ff and kwargs {blob: bytes 0..255}
  p.call_back(procedure)       calls `procedure` with bytes 00 01 fe ff and kwargs {blob: ff fe},
                               returns what that call returned, described
  topic p.to_python            each event is described and published to p.from_python, followed
                               by the bytes 00 01 fe ff
"""
import asyncio
import os
import signal
import sys

from autobahn.asyncio.wamp import ApplicationRunner, ApplicationSession
from autobahn.wamp.serializer import CBORSerializer, JsonSerializer, MsgPackSerializer
from autobahn.wamp.types import CallResult, PublishOptions

SERIALIZERS = {"json": JsonSerializer, "msgpack": MsgPackSerializer, "cbor": CBORSerializer}
BYTES = bytes([0, 1, 254, 255])


def describe(value):
    if isinstance(value, bytes):
        return ["bytes", value.hex()]
    if isinstance(value, (list, tuple)):
        return ["list", [describe(v) for v in value]]
    if isinstance(value, dict):
        return ["dict", {k: describe(v) for k, v in value.items()}]
    return [type(value).__name__, value]


def described(*args, **kwargs):
    return CallResult(*[describe(a) for a in args], **{k: describe(v) for k, v in kwargs.items()})


class Peer(ApplicationSession):
    ready = None  # asyncio.Queue, set before the runners start

    async def onJoin(self, details):
        p = "com.pypeer." + self.config.extra["serializer"]

        async def call_back(procedure):
            result = await self.call(procedure, BYTES, blob=b"\xff\xfe")
            if isinstance(result, CallResult):
                return described(*result.results, **result.kwresults)
            return described(result)

        def on_event(*args, **kwargs):
            self.publish(p + ".from_python",
                         [describe(a) for a in args], {k: describe(v) for k, v in kwargs.items()},
                         BYTES, options=PublishOptions(acknowledge=False))

        await self.register(described, p + ".describe")
        await self.register(lambda: CallResult(BYTES, blob=bytes(range(256))), p + ".make_bytes")
        await self.register(call_back, p + ".call_back")
        await self.subscribe(on_event, p + ".to_python")
        Peer.ready.put_nowait(p)


async def main(url, realm, names):
    Peer.ready = asyncio.Queue()
    for name in names:
        runner = ApplicationRunner(url, realm, extra={"serializer": name},
                                   serializers=[SERIALIZERS[name]()])
        await runner.run(Peer, start_loop=False)
    for _ in names:
        await asyncio.wait_for(Peer.ready.get(), 10)
    print("READY", flush=True)
    # Until stdin closes: the test that started us has ended, one way or another.
    loop = asyncio.get_running_loop()
    eof = loop.create_future()

    def on_stdin():
        if not os.read(0, 4096) and not eof.done():
            eof.set_result(None)

    loop.add_reader(0, on_stdin)
    await eof


if __name__ == "__main__":
    # No graceful shutdown to wait for: the router sees the connections drop.
    signal.signal(signal.SIGTERM, lambda *_: os._exit(0))
    asyncio.run(main(sys.argv[1], sys.argv[2], sys.argv[3:]))
    os._exit(0)
