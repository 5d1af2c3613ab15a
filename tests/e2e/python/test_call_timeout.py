"""Call timeouts and the bounded `kill` cancel end to end with Autobahn|Python (22.7.1).

CALL.Options.timeout (ms) runs on the dealer: the caller gets exactly one ERROR
wamp.error.timeout, the callee (Autobahn|Python announces callee.call_canceling) gets INTERRUPT
{mode: killnowait, reason: wamp.error.timeout}, and a late YIELD is dropped. A CANCEL with mode
`kill` waits for the callee's answer at most the realm's options.cancel_kill_grace (400 ms here),
then the router answers wamp.error.canceled itself: an Autobahn|Python callee whose task is
cancelled sends nothing back (see test_advanced.py), so without the grace period such a caller
would wait for ever.

Autobahn|Python's CallOptions(timeout=...) is documented in seconds but sent as given; the spec
and Junction read milliseconds, so the tests pass milliseconds.
"""

import asyncio
import os
import random
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from autobahn.wamp import message  # noqa: E402
from autobahn.wamp.types import CallOptions  # noqa: E402

from junction_harness import JunctionTestCase, default_config, main, within  # noqa: E402
from test_advanced import Rec  # noqa: E402  (a Client that records what it receives)

KILL_GRACE_MS = 400


def config_with_short_grace():
    cfg = default_config()
    cfg["workers"][0]["realms"][0]["options"] = {"cancel_kill_grace": KILL_GRACE_MS}
    return cfg


class CallTimeoutTest(JunctionTestCase):
    router_config = config_with_short_grace()

    async def asyncSetUp(self):
        await super().asyncSetUp()
        loop = asyncio.get_running_loop()

        # An interrupted Autobahn|Python invocation ends in "Exception in callback ...
        # CancelledError" from txaio: expected here, not printed.
        def quiet_cancelled(loop, context):
            if not isinstance(context.get("exception"), asyncio.CancelledError):
                loop.default_exception_handler(context)

        loop.set_exception_handler(quiet_cancelled)
        self.callee = await self.connect(cls=Rec)
        self.caller = await self.connect(cls=Rec)
        self.invoked = loop.create_future()
        self.interrupted = loop.create_future()
        self.release = loop.create_future()

    async def register_hang(self, uri):
        """A procedure that waits for self.release; cancelled by INTERRUPT, it answers nothing."""
        async def hang(x):
            if not self.invoked.done():
                self.invoked.set_result(x)
            try:
                return await self.release
            except asyncio.CancelledError:
                if not self.interrupted.done():
                    self.interrupted.set_result(time.monotonic())
                raise

        await within(self.callee.register(hang, uri))
        await within(self.callee.register(lambda: "pong", uri + ".ping"))

    def replies(self, request):
        return [m for m in self.caller.received
                if (isinstance(m, message.Result) and m.request == request)
                or (isinstance(m, message.Error) and m.request == request
                    and m.request_type == message.Call.MESSAGE_TYPE)]

    async def assert_one_reply(self, request, uri):
        """After a round trip through the router, exactly one RESULT or ERROR for `request`."""
        self.assertEqual(await within(self.caller.call(uri + ".ping")), "pong")
        (reply,) = self.replies(request)
        return reply

    def invocation_request(self):
        (invocation,) = self.callee.messages(message.Invocation)
        return invocation.request

    async def test_router_announces_call_timeout(self):
        self.assertTrue(self.caller.router_feature("dealer", "call_timeout"))

    async def test_timeout_answers_the_caller_and_interrupts_the_callee(self):
        uri = "com.example.timeout.hang"
        await self.register_hang(uri)
        t0 = time.monotonic()
        fut = self.caller.call(uri, 1, options=CallOptions(timeout=300))
        req = self.caller.call_request_id(fut)
        err = await self.assertWampError(fut, "wamp.error.timeout", timeout=5)
        elapsed = time.monotonic() - t0
        self.assertGreaterEqual(elapsed, 0.29)
        self.assertLess(elapsed, 3)
        self.assertEqual(len(err.args), 1)  # a one-line explanation
        await within(self.interrupted, 5)
        (intr,) = self.callee.messages(message.Interrupt)
        self.assertEqual((intr.request, intr.mode, intr.reason),
                         (self.invocation_request(), "killnowait", "wamp.error.timeout"))
        # A late YIELD from the callee is dropped: the caller had its one final answer.
        self.callee._transport.send(message.Yield(self.invocation_request(), args=["late"]))
        await self.assert_one_reply(req, uri)
        self.assertTrue(self.caller.is_attached())

    async def test_a_result_in_time_is_not_disturbed(self):
        uri = "com.example.timeout.quick"
        await self.register_hang(uri)
        fut = self.caller.call(uri, 2, options=CallOptions(timeout=5000))
        req = self.caller.call_request_id(fut)
        await within(self.invoked)
        self.release.set_result("done")
        self.assertEqual(await within(fut), "done")
        await asyncio.sleep(0)
        self.assertEqual(self.callee.messages(message.Interrupt), [])
        await self.assert_one_reply(req, uri)

    async def test_timeout_racing_the_result(self):
        # Answers that come just before, at, or just after the deadline: every call still ends
        # with exactly one RESULT or ERROR, and the caller's session stays healthy.
        uri = "com.example.timeout.race"

        async def jittery(i):
            await asyncio.sleep(random.uniform(0.0, 0.06))
            return i

        await within(self.callee.register(jittery, uri))
        await within(self.callee.register(lambda: "pong", uri + ".ping"))
        futs = [self.caller.call(uri, i, options=CallOptions(timeout=30)) for i in range(40)]
        reqs = [self.caller.call_request_id(f) for f in futs]
        outcomes = await within(asyncio.gather(*futs, return_exceptions=True), 10)
        for i, outcome in enumerate(outcomes):
            if isinstance(outcome, Exception):
                self.assertEqual(getattr(outcome, "error", None), "wamp.error.timeout", outcome)
            else:
                self.assertEqual(outcome, i)
        self.assertEqual(await within(self.caller.call(uri + ".ping")), "pong")
        for req in reqs:
            self.assertEqual(len(self.replies(req)), 1, req)
        self.assertTrue(self.caller.is_attached() and self.callee.is_attached())

    async def test_kill_is_answered_after_the_grace_period(self):
        uri = "com.example.timeout.kill"
        await self.register_hang(uri)
        fut = self.caller.call(uri, 3)
        req = self.caller.call_request_id(fut)
        await within(self.invoked)
        t0 = time.monotonic()
        self.caller._transport.send(message.Cancel(req, mode="kill"))
        # The callee is interrupted (mode kill) and, being Autobahn|Python, answers nothing ...
        await within(self.interrupted, 5)
        (intr,) = self.callee.messages(message.Interrupt)
        self.assertEqual(intr.mode, "kill")
        # ... so the router answers the caller once the grace period is over.
        await self.assertWampError(fut, "wamp.error.canceled", timeout=5)
        elapsed = time.monotonic() - t0
        self.assertGreaterEqual(elapsed, KILL_GRACE_MS / 1000 - 0.01)
        self.assertLess(elapsed, 3)
        self.callee._transport.send(message.Yield(self.invocation_request(), args=["late"]))
        await self.assert_one_reply(req, uri)
        self.assertTrue(self.caller.is_attached())

    async def test_callee_leaving_during_the_grace_period(self):
        uri = "com.example.timeout.kill_leave"
        await self.register_hang(uri)
        other = await self.connect(cls=Rec)  # serves the ping after the callee has gone
        await within(other.register(lambda: "pong", uri + ".ping2"))
        fut = self.caller.call(uri, 4, options=CallOptions(timeout=60000))
        req = self.caller.call_request_id(fut)
        await within(self.invoked)
        self.caller._transport.send(message.Cancel(req, mode="kill"))
        await within(self.interrupted, 5)
        self.callee.drop_transport()
        err = await self.assertWampError(fut, "wamp.error.canceled", timeout=5)
        # The callee's departure answers the call (not the end of the grace period).
        self.assertEqual(list(err.args), ["callee disconnected from in-flight request"])
        self.assertEqual(await within(self.caller.call(uri + ".ping2")), "pong")
        self.assertEqual(len(self.replies(req)), 1)


if __name__ == "__main__":
    main()
