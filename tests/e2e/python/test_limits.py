"""Realm limits end to end with Autobahn|Python (22.7.1): realm options max_sessions,
max_subscriptions_per_session and max_registrations_per_session (Junction's own keys). At the
limit things work; one past it gets ABORT / ERROR junction.error.limit_exceeded; a freed slot can
be used again; other sessions are not disturbed.
"""

import asyncio
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import junction_harness as h  # noqa: E402
from junction_harness import JunctionTestCase, default_config, main, within  # noqa: E402

LIMIT = "junction.error.limit_exceeded"


def limits_config():
    cfg = default_config()
    realm = dict(cfg["workers"][0]["realms"][0])
    realm["name"] = "limited"
    realm["options"] = {"max_sessions": 2, "max_subscriptions_per_session": 3,
                        "max_registrations_per_session": 2}
    cfg["workers"][0]["realms"].append(realm)
    return cfg


class LimitsTest(JunctionTestCase):
    router_config = limits_config()

    async def test_sessions_per_realm(self):
        a = await self.connect(realm="limited")
        await self.connect(realm="limited")
        with self.assertRaises(h.AbortError) as cm:
            await self.connect(realm="limited")
        self.assertEqual(cm.exception.reason, LIMIT)
        self.assertIn("max_sessions", cm.exception.message)
        # Other realms are not limited, and the full one serves its sessions.
        await self.connect()
        await within(a.subscribe(lambda: None, "com.limits.still_served"))
        await a.leave()
        for _ in range(50):  # the slot is freed once the router has seen the GOODBYE
            try:
                await self.connect(realm="limited")
                break
            except h.AbortError:
                await asyncio.sleep(0.05)
        else:
            self.fail("the slot of a session that left was not freed")

    async def test_subscriptions_and_registrations_per_session(self):
        s = await self.connect(realm="limited")
        subs = [await within(s.subscribe(lambda: None, "com.limits.t%d" % i)) for i in range(3)]
        await self.assertWampError(s.subscribe(lambda: None, "com.limits.t3"), LIMIT)
        await within(subs[0].unsubscribe())
        await within(s.subscribe(lambda: None, "com.limits.t3"))
        for i in range(2):
            await within(s.register(lambda: i, "com.limits.p%d" % i))
        err = await self.assertWampError(s.register(lambda: None, "com.limits.p2"), LIMIT)
        self.assertIn("max_registrations_per_session", err.args[0])
        self.assertEqual(await within(s.call("com.limits.p1")), 1)  # still a working callee


if __name__ == "__main__":
    main()
