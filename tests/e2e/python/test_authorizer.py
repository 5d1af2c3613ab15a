"""Dynamic authorization end to end with Autobahn|Python: an authorizer component registers the
procedure the router calls as authorize(session, uri, action, options) for every action of the
sessions of a role with "authorizer". Allow and deny for each action, disclose, cache (asked
once), an authorizer that raises, one that answers late while the client already sent its next
messages (they keep their order), one that never answers (ERROR after the role's timeout while
other sessions are served)."""

import asyncio
import os
import signal
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from autobahn.wamp.exception import ApplicationError  # noqa: E402
from autobahn.wamp.types import CallOptions, PublishOptions, RegisterOptions  # noqa: E402

import junction_harness as h  # noqa: E402
from test_auth import ALL  # noqa: E402

CONFIG = {"version": 2, "workers": [{
    "type": "router",
    "realms": [{"name": h.REALM, "roles": [
        {"name": "anonymous", "permissions": [ALL]},
        {"name": "dyn", "authorizer": "com.example.authorize", "authorizer-timeout": 1000}]}],
    "transports": [{
        "type": "web",
        "endpoint": {"type": "tcp", "port": 0, "interface": "127.0.0.1"},
        "paths": {
            "/": {"type": "nodeinfo"},
            "ws": {"type": "websocket"},
            "dyn": {"type": "websocket",
                    "auth": {"anonymous": {"type": "static", "role": "dyn"}}},
        },
    }]}]}


class Authorizer(h.Client):
    """Decides by URI prefix; what it was asked is in self.seen."""

    async def onJoin(self, details):
        self.seen = []

        async def authorize(session, uri, action, options):
            self.seen.append((session, uri, action, options))
            if uri.startswith("com.allowed."):
                return True
            if uri.startswith("com.cached."):
                return {"allow": True, "cache": True}
            if uri.startswith("com.disclose."):
                return {"allow": True, "disclose": True}
            if uri.startswith("com.raise."):
                raise ApplicationError("com.example.authorizer_broken", "the rules are unreadable")
            if uri.startswith("com.slow.") and action == "subscribe":
                await asyncio.sleep(0.5)
                return True
            if uri.startswith("com.slow."):
                return True
            if uri.startswith("com.silent."):
                await asyncio.get_event_loop().create_future()  # never answers
            return False

        await self.register(authorize, "com.example.authorize")
        super().onJoin(details)


class AuthorizerTest(h.JunctionTestCase):
    router_config = CONFIG

    async def asyncSetUp(self):
        await super().asyncSetUp()
        self.authorizer = await self.connect(cls=Authorizer)

    async def dyn(self):
        url = "ws://%s:%d/dyn" % (self.router.host, self.router.port)
        s = await h.connect(url)
        self._sessions.append(s)
        self.assertEqual(s.join_details.authrole, "dyn")
        return s

    def asked(self, uri):
        return [x for x in self.authorizer.seen if x[1] == uri]

    async def test_allow_every_action_with_crossbars_arguments(self):
        s = await self.dyn()
        events = []
        await h.within(s.subscribe(lambda x: events.append(x), "com.allowed.topic"))
        await h.within(s.publish("com.allowed.topic", 1,
                                 options=PublishOptions(acknowledge=True, exclude_me=False)))
        await h.within(s.register(lambda x: x * 2, "com.allowed.double"))
        self.assertEqual(await h.within(s.call("com.allowed.double", 21)), 42)
        actions = [a for (_, uri, a, _) in self.authorizer.seen if uri.startswith("com.allowed.")]
        self.assertEqual(actions, ["subscribe", "publish", "register", "call"])
        session, uri, action, options = self.asked("com.allowed.topic")[0]
        self.assertEqual((session["session"], session["authrole"], session["authmethod"]),
                         (s.join_details.session, "dyn", "anonymous"))
        for _ in range(100):
            if events:
                break
            await asyncio.sleep(0.02)
        self.assertEqual(events, [1])

    async def test_deny_names_the_action_and_uri(self):
        s = await self.dyn()
        e = await self.assertWampError(s.call("com.nope.proc"), "wamp.error.not_authorized")
        self.assertIn("call", e.args[0])
        self.assertIn("com.nope.proc", e.args[0])
        await self.assertWampError(s.register(lambda: 1, "com.nope.proc"),
                                   "wamp.error.not_authorized")
        await self.assertWampError(s.subscribe(lambda: 1, "com.nope.topic"),
                                   "wamp.error.not_authorized")
        await self.assertWampError(s.publish("com.nope.topic",
                                             options=PublishOptions(acknowledge=True)),
                                   "wamp.error.not_authorized")

    async def test_an_authorizer_that_raises(self):
        s = await self.dyn()
        e = await self.assertWampError(s.call("com.raise.proc"), "wamp.error.authorization_failed")
        self.assertIn("com.example.authorizer_broken", e.args[0])
        self.assertIn("the rules are unreadable", e.args[0])

    async def test_cached_answer_is_asked_once(self):
        backend = await h.connect(self.router.url)
        self._sessions.append(backend)
        await h.within(backend.register(lambda: "ok", "com.cached.proc"))
        a, b = await self.dyn(), await self.dyn()
        for s in (a, b, a):
            self.assertEqual(await h.within(s.call("com.cached.proc")), "ok")
        self.assertEqual(len(self.asked("com.cached.proc")), 1)

    async def test_disclose_from_the_answer(self):
        backend = await h.connect(self.router.url)
        self._sessions.append(backend)
        await h.within(backend.register(lambda details: details.caller, "com.disclose.who",
                                        options=RegisterOptions(details_arg="details")))
        s = await self.dyn()
        self.assertEqual(await h.within(s.call("com.disclose.who")), s.join_details.session)

    async def test_a_late_answer_keeps_the_sessions_messages_in_order(self):
        s = await self.dyn()
        events = []
        # SUBSCRIBE waits 0.5 s for its answer; the PUBLISH sent right behind it (answered at
        # once) must not overtake it, or the session would miss its own event.
        subscribed = asyncio.ensure_future(s.subscribe(lambda x: events.append(x), "com.slow.t"))
        published = asyncio.ensure_future(
            s.publish("com.slow.t", "first", options=PublishOptions(acknowledge=True,
                                                                     exclude_me=False)))
        await h.within(asyncio.gather(subscribed, published))
        for _ in range(100):
            if events:
                break
            await asyncio.sleep(0.02)
        self.assertEqual(events, ["first"])
        self.assertEqual([a for (_, u, a, _) in self.authorizer.seen if u == "com.slow.t"],
                         ["subscribe", "publish"])

    async def test_a_silent_authorizer_times_out_without_blocking_others(self):
        s, other = await self.dyn(), await self.dyn()
        loop = asyncio.get_running_loop()
        started = loop.time()
        pending = asyncio.ensure_future(s.call("com.silent.proc"))
        await h.within(other.register(lambda: "fine", "com.allowed.fine"))
        self.assertEqual(await h.within(other.call("com.allowed.fine")), "fine")
        self.assertFalse(pending.done())
        e = await self.assertWampError(pending, "wamp.error.authorization_failed")
        self.assertIn("no answer within 1000 ms", e.args[0])
        self.assertGreaterEqual(loop.time() - started, 0.9)


class ShutdownTest(h.JunctionTestCase):
    """A router stops at once on SIGTERM even while an authorization and an authentication wait
    for answers that never come (their timeouts are cancelled, not waited for)."""

    router_config = {"version": 2, "workers": [{
        "type": "router",
        "realms": [{"name": h.REALM, "roles": [
            {"name": "anonymous", "permissions": [ALL]},
            {"name": "dyn", "authorizer": "com.example.authorize"}]}],
        "transports": [{
            "type": "web",
            "endpoint": {"type": "tcp", "port": 0, "interface": "127.0.0.1"},
            "paths": {
                "ws": {"type": "websocket"},
                "dyn": {"type": "websocket",
                        "auth": {"anonymous": {"type": "static", "role": "dyn"}}},
                "silent": {"type": "websocket", "auth": {"ticket": {
                    "type": "dynamic", "authenticator": "com.example.silent"}}},
            }}]}]}

    async def test_sigterm_while_answers_are_awaited(self):
        never = asyncio.get_running_loop().create_future()
        backend = await h.connect(self.router.url)
        self._sessions.append(backend)
        asked = []

        def silent(name):
            return lambda *a, **kw: asked.append(name) or never

        await h.within(backend.register(silent("authorize"), "com.example.authorize"))
        await h.within(backend.register(silent("authenticate"), "com.example.silent"))
        base = "ws://%s:%d/" % (self.router.host, self.router.port)
        s = await h.connect(base + "dyn")
        self._sessions.append(s)
        pending_call = asyncio.ensure_future(s.call("com.any"))
        from test_auth import auth_connect, ticket  # noqa: E402
        pending_auth = asyncio.ensure_future(auth_connect(base + "silent", ["ticket"],
                                                          ticket("t"), "joe"))
        for _ in range(250):
            if len(asked) == 2:
                break
            await asyncio.sleep(0.02)
        self.assertEqual(sorted(asked), ["authenticate", "authorize"])
        started = asyncio.get_running_loop().time()
        self.router.signal(signal.SIGTERM)
        code = await asyncio.get_running_loop().run_in_executor(None, self.router.wait, 5)
        self.assertEqual(code, 0)
        self.assertLess(asyncio.get_running_loop().time() - started, 2.0)
        for f in (pending_call, pending_auth):
            f.cancel()
        never.cancel()


if __name__ == "__main__":
    h.main()
