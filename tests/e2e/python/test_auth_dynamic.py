"""Dynamic authentication end to end with Autobahn|Python: an authenticator component (itself an
Autobahn|Python client on an anonymous path) registers the procedures the router calls as
authenticate(realm, authid, details) through its in-process session. Ticket (the procedure
decides, details.ticket), WAMP-CRA (the procedure returns the secret, the router challenges),
cryptosign (the procedure returns the public key), anonymous (the procedure picks role and
authid), an authenticator on another realm (authenticator-realm), one that raises (its error URI
is the ABORT reason), one that never answers (ABORT after the configured timeout while other
sessions are served), one that is not registered; authprovider "dynamic" in WELCOME and in
wamp.session.get; no secret in the log."""

import asyncio
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import nacl.signing  # noqa: E402
from autobahn.wamp.exception import ApplicationError  # noqa: E402

import junction_harness as h  # noqa: E402
from test_auth import auth_connect, cryptosign, ticket, wampcra, ALL  # noqa: E402

TICKET = "dyn-ticket-a41c"
CRA_SECRET = "dyn-cra-secret-77"
WRONG = "dyn-wrong-0ff"
CS_SEED = bytes(range(41, 73))
CS_PUBKEY = nacl.signing.SigningKey(CS_SEED).verify_key.encode().hex()
AUTH_REALM = "realm-auth"


def ws_auth(methods):
    return {"type": "websocket", "auth": methods}


CONFIG = {"version": 2, "workers": [{
    "type": "router",
    "realms": [
        {"name": h.REALM, "roles": [
            {"name": "anonymous", "permissions": [ALL]},
            {"name": "user", "permissions": [ALL]}]},
        {"name": AUTH_REALM, "roles": [{"name": "anonymous", "permissions": [ALL]}]}],
    "transports": [{
        "type": "web",
        "endpoint": {"type": "tcp", "port": 0, "interface": "127.0.0.1"},
        "paths": {
            "/": {"type": "nodeinfo"},
            "ws": {"type": "websocket"},
            "dyn": ws_auth({
                "ticket": {"type": "dynamic", "authenticator": "com.example.authenticate"},
                "wampcra": {"type": "dynamic", "authenticator": "com.example.authenticate"},
                "cryptosign": {"type": "dynamic", "authenticator": "com.example.authenticate"}}),
            "anon": ws_auth({"anonymous": {"type": "dynamic",
                                           "authenticator": "com.example.authenticate"}}),
            "elsewhere": ws_auth({"ticket": {"type": "dynamic",
                                             "authenticator": "com.example.authenticate",
                                             "authenticator-realm": AUTH_REALM}}),
            "silent": ws_auth({"ticket": {"type": "dynamic", "timeout": 1000,
                                          "authenticator": "com.example.silent"}}),
            "absent": ws_auth({"ticket": {"type": "dynamic",
                                          "authenticator": "com.example.nobody"}}),
        },
    }]}]}


class Authenticator(h.Client):
    """Registers the authenticator procedures; what it was asked is in self.seen."""

    async def onJoin(self, details):
        self.seen = []

        def authenticate(realm, authid, details):
            self.seen.append((realm, authid, details))
            method = details["authmethod"]
            if method == "anonymous":
                return {"role": "user", "authid": "anon-" + str(details["session"])}
            if method == "wampcra":
                if authid == "peter":
                    return {"secret": CRA_SECRET, "role": "user", "extra": {"via": "dyn"}}
                raise ApplicationError("com.example.no_such_user", "no user " + authid)
            if method == "cryptosign":
                if details["authextra"].get("pubkey") == CS_PUBKEY:
                    return {"pubkey": CS_PUBKEY, "role": "user", "authid": "signer"}
                raise ApplicationError("com.example.unknown_key", "unknown key")
            if authid == "raiser":
                raise ApplicationError("com.example.invalid_ticket", "this ticket is revoked")
            if details.get("ticket") == TICKET:
                return {"role": "user", "authid": authid + "@dyn"}
            raise ApplicationError("com.example.invalid_ticket", "wrong ticket")

        def silent(realm, authid, details):
            return asyncio.get_event_loop().create_future()  # never answers

        await self.register(authenticate, "com.example.authenticate")
        await self.register(silent, "com.example.silent")
        super().onJoin(details)


class DynamicAuthTest(h.JunctionTestCase):
    router_config = CONFIG

    async def asyncSetUp(self):
        await super().asyncSetUp()
        self.auth = await self.connect(cls=Authenticator)

    def url(self, path):
        return "ws://%s:%d/%s" % (self.router.host, self.router.port, path)

    async def assertAborts(self, aw, reason):
        with self.assertRaises(h.AbortError) as cm:
            await h.within(aw, 15)
        self.assertEqual(cm.exception.reason, reason, cm.exception.message)
        return cm.exception

    async def joined(self, aw):
        s = await h.within(aw)
        self._sessions.append(s)
        return s

    async def test_ticket_decided_by_the_procedure(self):
        s = await self.joined(auth_connect(self.url("dyn"), ["ticket"], ticket(TICKET), "joe"))
        d = s.join_details
        self.assertEqual((d.authid, d.authrole, d.authmethod, d.authprovider),
                         ("joe@dyn", "user", "ticket", "dynamic"))
        realm, authid, details = self.auth.seen[-1]
        self.assertEqual((realm, authid, details["ticket"], details["authmethod"]),
                         (h.REALM, "joe", TICKET, "ticket"))
        self.assertEqual(details["session"], d.session)
        got = await h.within(s.call("wamp.session.get", d.session))
        self.assertEqual((got["authid"], got["authprovider"], got["authmethod"]),
                         ("joe@dyn", "dynamic", "ticket"))
        await self.assertAborts(auth_connect(self.url("dyn"), ["ticket"], ticket(WRONG), "joe"),
                                "com.example.invalid_ticket")

    async def test_wampcra_secret_from_the_procedure(self):
        s = await self.joined(auth_connect(self.url("dyn"), ["wampcra"], wampcra(CRA_SECRET),
                                           "peter"))
        self.assertEqual(s.join_details.authprovider, "dynamic")
        self.assertEqual(s.join_details.authextra, {"via": "dyn"})
        await self.assertAborts(auth_connect(self.url("dyn"), ["wampcra"], wampcra(WRONG),
                                             "peter"), "wamp.error.authentication_failed")
        await self.assertAborts(auth_connect(self.url("dyn"), ["wampcra"], wampcra(WRONG),
                                             "mallory"), "com.example.no_such_user")

    async def test_cryptosign_key_from_the_procedure(self):
        s = await self.joined(auth_connect(self.url("dyn"), ["cryptosign"], cryptosign(CS_SEED),
                                           None, {"pubkey": CS_PUBKEY}))
        d = s.join_details
        self.assertEqual((d.authid, d.authmethod, d.authprovider),
                         ("signer", "cryptosign", "dynamic"))
        other = bytes(range(200, 232))
        await self.assertAborts(auth_connect(self.url("dyn"), ["cryptosign"], cryptosign(other),
                                             None, {"pubkey": CS_PUBKEY}),
                                "wamp.error.authentication_failed")

    async def test_anonymous_role_from_the_procedure(self):
        s = await self.joined(auth_connect(self.url("anon"), ["anonymous"]))
        d = s.join_details
        self.assertEqual((d.authid, d.authrole, d.authmethod, d.authprovider),
                         ("anon-%d" % d.session, "user", "anonymous", "dynamic"))

    async def test_authenticator_on_another_realm(self):
        auth = await h.connect(self.router.url, realm=AUTH_REALM, cls=Authenticator)
        self._sessions.append(auth)
        s = await self.joined(auth_connect(self.url("elsewhere"), ["ticket"], ticket(TICKET),
                                           "ann"))
        self.assertEqual(s.join_details.realm, h.REALM)
        self.assertEqual(auth.seen[-1][0], h.REALM)  # the realm the client asked for
        self.assertEqual(self.auth.seen, [])

    async def test_authenticator_that_raises(self):
        a = await self.assertAborts(auth_connect(self.url("dyn"), ["ticket"], ticket(TICKET),
                                                 "raiser"), "com.example.invalid_ticket")
        self.assertEqual(a.message, "this ticket is revoked")

    async def test_silent_authenticator_times_out_without_blocking_others(self):
        loop = asyncio.get_running_loop()
        started = loop.time()
        pending = asyncio.ensure_future(
            auth_connect(self.url("silent"), ["ticket"], ticket(TICKET), "joe"))
        # Meanwhile the router serves everyone else.
        other = await self.joined(auth_connect(self.url("dyn"), ["ticket"], ticket(TICKET),
                                               "ann"))
        self.assertEqual(other.join_details.authid, "ann@dyn")
        self.assertEqual(await h.within(other.call("wamp.session.count")) >= 2, True)
        self.assertFalse(pending.done())
        a = await self.assertAborts(pending, "wamp.error.authentication_failed")
        self.assertIn("did not answer within 1000 ms", a.message)
        self.assertGreaterEqual(loop.time() - started, 0.9)

    async def test_absent_authenticator(self):
        a = await self.assertAborts(
            auth_connect(self.url("absent"), ["ticket"], ticket(TICKET), "joe"),
            "wamp.error.authentication_failed")
        self.assertIn("com.example.nobody", a.message)

    async def test_zz_no_secret_in_the_log(self):
        self.assertTrue(self.router.wait_for_log("authentication_failed"))
        with self.router._lock:
            lines = list(self.router.lines)
        for secret in (TICKET, CRA_SECRET, WRONG, CS_SEED.hex()):
            for line in lines:
                self.assertNotIn(secret, line)


if __name__ == "__main__":
    h.main()
