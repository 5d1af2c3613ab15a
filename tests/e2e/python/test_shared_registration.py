"""Shared registrations end to end with Autobahn|Python (22.7.1): REGISTER.Options.invoke
(single, first, last, roundrobin, random), wamp.error.procedure_exists_with_different_invocation_policy,
and a callee leaving mid-call: only its own calls fail, the next call goes to a live callee.
"""

import asyncio
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from autobahn.wamp.types import RegisterOptions  # noqa: E402

from junction_harness import JunctionTestCase, main, within  # noqa: E402


class SharedRegistrationTest(JunctionTestCase):

    async def _callees(self, n, uri, invoke):
        sessions = [await self.connect() for _ in range(n)]
        regs = []
        for i, s in enumerate(sessions):
            regs.append(await within(s.register(lambda i=i: i, uri,
                                                options=RegisterOptions(invoke=invoke))))
        return sessions, regs

    async def test_router_announces_shared_registration(self):
        s = await self.connect()
        self.assertTrue(s.router_feature("dealer", "shared_registration"))

    async def test_roundrobin_cycles_in_registration_order(self):
        caller = await self.connect()
        _, regs = await self._callees(3, "com.shared.rr", "roundrobin")
        self.assertEqual(len({r.id for r in regs}), 1)  # one registration, three callees
        got = [await within(caller.call("com.shared.rr")) for _ in range(7)]
        self.assertEqual(got, [0, 1, 2, 0, 1, 2, 0])

    async def test_first_and_last(self):
        caller = await self.connect()
        first, _ = await self._callees(3, "com.shared.first", "first")
        await self._callees(3, "com.shared.last", "last")
        self.assertEqual([await within(caller.call("com.shared.first")) for _ in range(3)], [0, 0, 0])
        self.assertEqual([await within(caller.call("com.shared.last")) for _ in range(3)], [2, 2, 2])
        await first[0].close()  # hot standby: the next one takes over
        self.assertEqual(await within(caller.call("com.shared.first")), 1)

    async def test_random_reaches_every_callee(self):
        caller = await self.connect()
        await self._callees(3, "com.shared.random", "random")
        seen = {await within(caller.call("com.shared.random")) for _ in range(60)}
        self.assertEqual(seen, {0, 1, 2})  # each missed with odds (2/3)^60

    async def test_other_policy_is_refused(self):
        await self._callees(1, "com.shared.conflict", "roundrobin")
        other = await self.connect()
        await self.assertWampError(
            other.register(lambda: None, "com.shared.conflict", options=RegisterOptions(invoke="random")),
            "wamp.error.procedure_exists_with_different_invocation_policy")
        await self._callees(1, "com.shared.single", "single")
        await self.assertWampError(
            other.register(lambda: None, "com.shared.single", options=RegisterOptions(invoke="single")),
            "wamp.error.procedure_already_exists")

    async def test_callee_leaving_mid_call_fails_only_its_own_calls(self):
        caller = await self.connect()
        slow = await self.connect()
        fast = await self.connect()
        started = asyncio.get_running_loop().create_future()
        never = asyncio.get_running_loop().create_future()

        async def stuck():
            if not started.done():
                started.set_result(True)
            await never  # never answers; the session is dropped under it
            return "slow"

        await within(slow.register(stuck, "com.shared.leave", options=RegisterOptions(invoke="roundrobin")))
        await within(fast.register(lambda: "fast", "com.shared.leave",
                                   options=RegisterOptions(invoke="roundrobin")))
        pending = asyncio.ensure_future(caller.call("com.shared.leave"))  # -> slow
        await within(started)
        self.assertEqual(await within(caller.call("com.shared.leave")), "fast")  # -> fast
        slow.drop_transport()  # TCP gone, no GOODBYE
        err = await self.assertWampError(pending, "wamp.error.canceled")
        self.assertEqual(err.args, ("callee disconnected from in-flight request",))
        # Every later call goes to the live callee.
        for _ in range(3):
            self.assertEqual(await within(caller.call("com.shared.leave")), "fast")
        never.set_result(None)  # let the orphaned endpoint finish (its answer has nowhere to go)
        await asyncio.sleep(0)


if __name__ == "__main__":
    main()
