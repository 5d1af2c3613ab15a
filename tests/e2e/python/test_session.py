"""Session lifecycle with Autobahn|Python: realms, WELCOME, GOODBYE."""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from junction_harness import (AbortError, JunctionTestCase, connect, default_config, main,  # noqa: E402
                              within)

MAX_ID = 2 ** 53


class SessionTest(JunctionTestCase):
    router_config = default_config(realms=("realm1", "realm2"))

    async def test_unknown_realm_is_aborted(self):
        with self.assertRaises(AbortError) as cm:
            await connect(self.router, realm="no.such.realm")
        self.assertEqual(cm.exception.reason, "wamp.error.no_such_realm")

    async def test_welcome(self):
        a = await self.connect()
        b = await self.connect(realm="realm2")
        for s, realm in ((a, "realm1"), (b, "realm2")):
            d = s.join_details
            self.assertEqual(d.realm, realm)
            self.assertIsInstance(d.session, int)
            self.assertTrue(1 <= d.session <= MAX_ID, d.session)
            self.assertEqual(d.authrole, "anonymous")
            self.assertIn("broker", s._router_roles)
            self.assertIn("dealer", s._router_roles)
        self.assertNotEqual(a.join_details.session, b.join_details.session)

    async def test_realms_are_separate(self):
        a = await self.connect(realm="realm1")
        b = await self.connect(realm="realm2")
        await within(a.register(lambda: "realm1", "com.example.session.where"))
        await within(b.register(lambda: "realm2", "com.example.session.where"))
        a2 = await self.connect(realm="realm1")
        self.assertEqual(await within(a2.call("com.example.session.where")), "realm1")
        self.assertEqual(await within(b.call("com.example.session.where")), "realm2")

    async def test_goodbye_and_out(self):
        s = await self.connect()
        s.leave()
        details = await within(s.left, 5)
        self.assertEqual(details.reason, "wamp.close.goodbye_and_out")
        await within(s.disconnected, 5)
        # The router is still fine afterwards.
        s2 = await self.connect()
        await within(s2.register(lambda: 1, "com.example.session.after_goodbye"))
        self.assertEqual(await within(s2.call("com.example.session.after_goodbye")), 1)


if __name__ == "__main__":
    main()
