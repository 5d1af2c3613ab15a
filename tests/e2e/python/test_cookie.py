"""Cookie tracking and cookie authentication end to end with Autobahn|Python (Crossbar's
"cookie" on a WebSocket path and "cookie" in its "auth"): the first connection is handed a
cookie (Set-Cookie on the 101) and logs in with a ticket; a second connection sending the cookie
and offering ["cookie", "ticket"] is welcomed at once with the same authid and role
(authprovider "cookie"); after a GOODBYE wamp.close.logout the cookie no longer authenticates
and every connection carrying it is closed.
On a path with tracking and no auth the anonymous authid is the cookie, and a logout closes the
cookie's connections all the same (as in Crossbar). No cookie value is ever
written to the router's (debug) log."""

import asyncio
import os
import re
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from autobahn.asyncio.wamp import ApplicationRunner  # noqa: E402
from autobahn.wamp.serializer import JsonSerializer  # noqa: E402

import junction_harness as h  # noqa: E402

TICKET = "tkt-cookie-5b1e"

CONFIG = {"version": 2, "workers": [{
    "type": "router",
    "realms": [{"name": h.REALM, "roles": [
        {"name": "user", "permissions": [{"uri": "", "match": "prefix", "allow": {
            "call": True, "register": True, "publish": True, "subscribe": True}}]},
        {"name": "anonymous", "permissions": []}]}],
    "transports": [{
        "type": "web",
        "endpoint": {"type": "tcp", "port": 0, "interface": "127.0.0.1"},
        "paths": {
            "/": {"type": "nodeinfo"},
            "ws": {"type": "websocket",
                   "cookie": {"name": "cbtid", "length": 24, "max_age": 3600,
                              "store": {"type": "file", "filename": "cookies.dat"}},
                   "auth": {"ticket": {"type": "static", "principals": {
                       "joe": {"ticket": TICKET, "role": "user",
                               "authextra": {"team": "blue"}}}},
                            "cookie": {}}},
            "anon": {"type": "websocket", "cookie": {"name": "sid", "length": 32}},
        }}]}]}

COOKIE_RE = re.compile(r"^cbtid=([A-Za-z0-9]{24}); Max-Age=3600; Path=/; HttpOnly$")


class CookieClient(h.Client):
    """Joins with config.extra's methods (and authid); answers a ticket challenge if it has one."""

    def onConnect(self):
        x = self.config.extra
        self.challenged = False
        self.join(self.config.realm, authmethods=x["methods"], authid=x.get("authid"))

    def onChallenge(self, challenge):
        self.challenged = True
        return self.config.extra.get("ticket") or ""


async def connect(router, methods, authid=None, ticket=None, cookie=None, path="ws"):
    """An Autobahn|Python session over the WebSocket path, sending `cookie` (a Cookie header
    value) if given; returns it once joined (AbortError on ABORT)."""
    url = "ws://%s:%d/%s" % (router.host, router.port, path)
    extra = {"methods": methods, "authid": authid, "ticket": ticket}
    loop = asyncio.get_running_loop()
    created = loop.create_future()

    def make(cfg):
        cfg.extra = extra
        s = CookieClient(cfg)
        if not created.done():
            created.set_result(s)
        return s

    runner = ApplicationRunner(url, h.REALM, serializers=[JsonSerializer()],
                               headers={"Cookie": cookie} if cookie else None)
    transport, _ = await h.within(runner.run(make, start_loop=False))
    try:
        session = await h.within(created)
        await h.within(asyncio.shield(session.joined))
    except BaseException:
        transport.abort()
        raise
    return session


def set_cookie(session):
    """The Set-Cookie header of the session's 101 response (None without)."""
    return session._transport.http_headers.get("set-cookie")


class CookieTest(h.JunctionTestCase):
    router_config = CONFIG

    async def test_ticket_login_then_cookie_login_then_logout(self):
        # 1. A new client: gets a cookie, logs in with its ticket ("cookie" has nothing yet).
        first = await connect(self.router, ["cookie", "ticket"], authid="joe", ticket=TICKET)
        self._sessions.append(first)
        header = set_cookie(first)
        m = COOKIE_RE.match(header or "")
        self.assertIsNotNone(m, "Set-Cookie: %r" % header)
        cbtid = m.group(1)
        self.assertTrue(first.challenged)
        self.assertEqual(first.join_details.authmethod, "ticket")
        self.assertEqual(first.join_details.authid, "joe")
        await first.close()

        # 2. It comes back with the cookie: welcomed without a challenge, as joe.
        second = await connect(self.router, ["cookie", "ticket"], cookie="other=1; cbtid=" + cbtid)
        self._sessions.append(second)
        self.assertIsNone(set_cookie(second))  # a known cookie is kept, not replaced
        self.assertFalse(second.challenged)
        d = second.join_details
        self.assertEqual((d.authid, d.authrole, d.authprovider, d.authmethod),
                         ("joe", "user", "cookie", "ticket"))
        self.assertEqual(d.authextra.get("team"), "blue")
        # It acts as joe's role allows (anonymous may do nothing here).
        await h.within(second.register(lambda: 7, "com.cookie.seven"))
        self.assertEqual(await h.within(second.call("com.cookie.seven")), 7)

        # Another tab of the same browser, and a stranger with a cookie of its own.
        tab = await connect(self.router, ["cookie", "ticket"], cookie="cbtid=" + cbtid)
        self._sessions.append(tab)
        self.assertEqual(tab.join_details.authprovider, "cookie")
        stranger = await connect(self.router, ["cookie", "ticket"], authid="joe", ticket=TICKET)
        self._sessions.append(stranger)
        self.assertIsNotNone(set_cookie(stranger))

        # 3. Logout: GOODBYE wamp.close.logout forgets the login and, as Crossbar does, closes
        # every connection carrying the cookie (the other tab too); the stranger stays.
        second.leave(reason="wamp.close.logout")
        await h.within(asyncio.shield(second.disconnected))
        await h.within(asyncio.shield(tab.disconnected))
        self.assertTrue(stranger.is_attached())
        await h.within(stranger.register(lambda: 8, "com.cookie.eight"))
        self.assertEqual(await h.within(stranger.call("com.cookie.eight")), 8)
        with self.assertRaises(h.AbortError) as cm:
            await connect(self.router, ["cookie"], cookie="cbtid=" + cbtid)
        self.assertEqual(cm.exception.reason, "wamp.error.no_auth_method")
        third = await connect(self.router, ["cookie", "ticket"], authid="joe", ticket=TICKET,
                              cookie="cbtid=" + cbtid)
        self._sessions.append(third)
        self.assertTrue(third.challenged)
        self.assertEqual(third.join_details.authmethod, "ticket")

        # A made-up or unknown cookie is replaced by a new one and authenticates nobody.
        with self.assertRaises(h.AbortError):
            await connect(self.router, ["cookie"], cookie="cbtid=" + "A" * 24)

        # The cookie file is in the node directory; no cookie value reached the log.
        self.assertTrue(os.path.exists(os.path.join(self.router.tmpdir, "cookies.dat")))
        self.assertFalse(self.router.log_contains(cbtid), "a cookie value was logged")

    async def test_anonymous_authid_is_the_cookie(self):
        first = await connect(self.router, ["anonymous"], path="anon")
        self._sessions.append(first)
        header = set_cookie(first)
        m = re.match(r"^sid=([A-Za-z0-9]{32}); Max-Age=604800; Path=/; HttpOnly$", header or "")
        self.assertIsNotNone(m, "Set-Cookie: %r" % header)
        self.assertEqual(first.join_details.authid, m.group(1))
        again = await connect(self.router, ["anonymous"], path="anon", cookie="sid=" + m.group(1))
        self._sessions.append(again)
        self.assertEqual(again.join_details.authid, m.group(1))
        self.assertIsNone(set_cookie(again))
        stranger = await connect(self.router, ["anonymous"], path="anon")
        self._sessions.append(stranger)
        self.assertNotEqual(stranger.join_details.authid, m.group(1))

    async def test_logout_with_tracking_only_closes_the_cookies_connections(self):
        # As in Crossbar, a logout on a tracked connection closes every connection carrying its
        # cookie even where there is no cookie authentication; other cookies are not touched.
        first = await connect(self.router, ["anonymous"], path="anon")
        self._sessions.append(first)
        sid = re.match(r"^sid=([A-Za-z0-9]{32});", set_cookie(first)).group(1)
        tab = await connect(self.router, ["anonymous"], path="anon", cookie="sid=" + sid)
        self._sessions.append(tab)
        stranger = await connect(self.router, ["anonymous"], path="anon")
        self._sessions.append(stranger)
        first.leave(reason="wamp.close.logout")
        await h.within(asyncio.shield(first.disconnected))
        await h.within(asyncio.shield(tab.disconnected))
        self.assertTrue(stranger.is_attached())
        # The cookie itself stays valid: the browser is still recognised.
        again = await connect(self.router, ["anonymous"], path="anon", cookie="sid=" + sid)
        self._sessions.append(again)
        self.assertEqual(again.join_details.authid, sid)


if __name__ == "__main__":
    h.main()
