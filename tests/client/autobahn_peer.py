"""Autobahn|Python peer for the C++ client's interop test (tests/client/client_e2e_test.cpp).

Usage: /usr/bin/python3 autobahn_peer.py URL REALM

Calls the C++ session's cpp.echo (args + kwargs) and publishes to cpp.topic, registers py.add2,
py.fail (an ApplicationError with args and kwargs) and py.count (progressive results), announces
itself on py.ready and leaves when it gets py.stop. Exit code 0 when every check passed; the whole
run is bounded by a 30-second timeout.
"""

import asyncio
import sys

import txaio

txaio.use_asyncio()

from autobahn.asyncio.wamp import ApplicationRunner, ApplicationSession  # noqa: E402
from autobahn.wamp.exception import ApplicationError  # noqa: E402
from autobahn.wamp.types import CallResult, PublishOptions, RegisterOptions  # noqa: E402

URL, REALM = sys.argv[1], sys.argv[2]
STATUS = {"code": 1}


class Peer(ApplicationSession):
    async def onJoin(self, details):
        try:
            res = await asyncio.wait_for(self.call("cpp.echo", 1, "two", k=3), 10)
            assert isinstance(res, CallResult), repr(res)
            assert list(res.results) == [1, "two"], res.results
            assert res.kwresults == {"k": 3}, res.kwresults
            await self.publish("cpp.topic", 42, "from python",
                               options=PublishOptions(acknowledge=True))

            def add2(a, b):
                return a + b

            def fail():
                raise ApplicationError("com.py.error", "bad", code=7)

            async def count(n, details=None):
                for i in range(n):
                    if details and details.progress:
                        details.progress(i)
                return "done"

            await self.register(add2, "py.add2")
            await self.register(fail, "py.fail")
            await self.register(count, "py.count", options=RegisterOptions(details_arg="details"))
            stop = asyncio.get_running_loop().create_future()
            await self.subscribe(lambda *a, **k: stop.done() or stop.set_result(True), "py.stop")
            await self.publish("py.ready", options=PublishOptions(acknowledge=True))
            await asyncio.wait_for(stop, 20)
            STATUS["code"] = 0
        except Exception as e:  # noqa: BLE001
            print("autobahn peer: FAIL %r" % (e,), file=sys.stderr)
        self.leave()

    def onDisconnect(self):
        asyncio.get_event_loop().stop()


def main():
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    loop.call_later(30, loop.stop)
    ApplicationRunner(URL, REALM).run(Peer)
    sys.exit(STATUS["code"])


if __name__ == "__main__":
    main()
