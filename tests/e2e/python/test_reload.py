"""SIGHUP reloads roles and permissions without dropping a session (Autobahn|Python): a joined
session's rights change at once for its next action; a config that does not load (a syntax
error, an unknown key) is refused with a log line and the roles in force stay; a realm added or
removed in the file is logged as needing a restart.
"""

import json
import os
import signal
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import junction_harness as h  # noqa: E402
from junction_harness import JunctionTestCase, default_config, main, within  # noqa: E402

NOT_AUTHORIZED = "wamp.error.not_authorized"


def config(allow_call):
    cfg = default_config()
    role = cfg["workers"][0]["realms"][0]["roles"][0]
    role["permissions"] = [
        {"uri": "com.reload.", "match": "prefix",
         "allow": {"call": allow_call, "register": True, "publish": True, "subscribe": True}},
    ]
    return cfg


class ReloadTest(JunctionTestCase):
    router_config = config(allow_call=True)

    def rewrite(self, cfg_or_text):
        path = os.path.join(self.router.tmpdir, "config.json")
        with open(path, "w") as f:
            f.write(cfg_or_text if isinstance(cfg_or_text, str) else json.dumps(cfg_or_text))

    async def reload(self, expect):
        self.router.proc.send_signal(signal.SIGHUP)
        self.assertTrue(self.router.wait_for_log(expect, timeout=10), self.router.log_tail())

    async def test_roles_reloaded_session_kept(self):
        callee = await self.connect()
        caller = await self.connect()
        await within(callee.register(lambda: "hi", "com.reload.hello"))
        self.assertEqual(await within(caller.call("com.reload.hello")), "hi")

        self.rewrite(config(allow_call=False))
        await self.reload("SIGHUP: roles and permissions reloaded (realm1)")
        await self.assertWampError(caller.call("com.reload.hello"), NOT_AUTHORIZED)
        self.assertTrue(caller.is_attached() and callee.is_attached())

        # A file that does not load changes nothing.
        self.rewrite("{ not json")
        await self.reload("SIGHUP: config not reloaded")
        await self.assertWampError(caller.call("com.reload.hello"), NOT_AUTHORIZED)
        bad = config(allow_call=True)
        bad["workers"][0]["realms"][0]["roles"][0]["permisions"] = []
        self.rewrite(bad)
        await self.reload("unknown key 'permisions'")
        await self.assertWampError(caller.call("com.reload.hello"), NOT_AUTHORIZED)

        # Back to calls allowed; a realm added in the file needs a restart (logged).
        cfg = config(allow_call=True)
        extra = json.loads(json.dumps(cfg["workers"][0]["realms"][0]))
        extra["name"] = "realm_new"
        cfg["workers"][0]["realms"].append(extra)
        self.rewrite(cfg)
        await self.reload("realm 'realm_new' was added")
        self.assertEqual(await within(caller.call("com.reload.hello")), "hi")
        self.assertTrue(caller.is_attached() and callee.is_attached())


if __name__ == "__main__":
    main()
