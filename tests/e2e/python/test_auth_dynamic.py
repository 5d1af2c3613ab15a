"""Dynamic authentication end to end with Autobahn|Python: an authenticator component (itself an
Autobahn|Python client on an anonymous path) registers the procedures the router calls as
authenticate(realm, authid, details) through its in-process session. Ticket (the procedure
decides, details.ticket), WAMP-CRA (the procedure returns the secret, the router challenges),
cryptosign (the procedure returns the public key), SCRAM (the procedure returns the principal's
kdf, salt and keys: PBKDF2 with the proof computed here, Argon2id with Autobahn's AuthScram; a
wrong password, an unknown user, an answer without keys), anonymous (the procedure picks role and
authid), an authenticator on another realm (authenticator-realm), one that raises (its error URI
is the ABORT reason), one that never answers (ABORT after the configured timeout while other
sessions are served), one that is not registered; authprovider "dynamic" in WELCOME and in
wamp.session.get; no secret in the log."""

import asyncio
import base64
import hashlib
import hmac
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import nacl.signing  # noqa: E402
from autobahn.wamp import auth as wamp_auth  # noqa: E402
from autobahn.wamp.exception import ApplicationError  # noqa: E402

import junction_harness as h  # noqa: E402
from test_auth import auth_connect, cryptosign, scram_principal, ticket, wampcra, ALL  # noqa: E402

TICKET = "dyn-ticket-a41c"
CRA_SECRET = "dyn-cra-secret-77"
WRONG = "dyn-wrong-0ff"
CS_SEED = bytes(range(41, 73))
CS_PUBKEY = nacl.signing.SigningKey(CS_SEED).verify_key.encode().hex()
AUTH_REALM = "realm-auth"
SCRAM_PASSWORD = "dyn-scram-pw-19"
# What the authenticator knows of its SCRAM users (never the password).
SCRAM_USERS = {"sam": scram_principal("pbkdf2", SCRAM_PASSWORD),
               "sara": scram_principal("argon2id-13", SCRAM_PASSWORD)}


def scram_pbkdf2(authid, password, nonce, state):
    """The SCRAM proof computed here (Crossbar's dialect; Debian's Autobahn 22.7.1 AuthScram
    handles only Argon2id): PBKDF2 SaltedPassword, ClientKey XOR HMAC(StoredKey, AuthMessage);
    the expected server signature goes into state["server"]."""
    def answer(s, c):
        x = c.extra
        salted = hashlib.pbkdf2_hmac("sha256", password.encode(), base64.b64decode(x["salt"]),
                                     x["iterations"], 32)
        msg = ("n=%s,r=%s,r=%s,s=%s,i=%d,c=,r=%s" % (authid, nonce, x["nonce"], x["salt"],
                                                     x["iterations"], x["nonce"])).encode()
        client_key = hmac.new(salted, b"Client Key", hashlib.sha256).digest()
        sig = hmac.new(hashlib.sha256(client_key).digest(), msg, hashlib.sha256).digest()
        state["server"] = hmac.new(hmac.new(salted, b"Server Key", hashlib.sha256).digest(),
                                   msg, hashlib.sha256).digest()
        return base64.b64encode(bytes(a ^ b for a, b in zip(client_key, sig))).decode()
    return answer


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
                "cryptosign": {"type": "dynamic", "authenticator": "com.example.authenticate"},
                "scram": {"type": "dynamic", "authenticator": "com.example.authenticate"}}),
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
            if method == "scram":
                if authid in SCRAM_USERS:
                    return dict(SCRAM_USERS[authid], authid=authid + "@scram")
                if authid == "keyless":
                    return {"role": "user"}
                raise ApplicationError("com.example.no_such_user", "no user " + authid)
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

    async def test_scram_principal_from_the_procedure(self):
        # PBKDF2, the proof computed here; the router's server signature checked.
        nonce = base64.b64encode(os.urandom(16)).decode()
        state = {}
        s = await self.joined(auth_connect(self.url("dyn"), ["scram"],
                                           scram_pbkdf2("sam", SCRAM_PASSWORD, nonce, state),
                                           "sam", {"nonce": nonce}))
        d = s.join_details
        self.assertEqual((d.authid, d.authrole, d.authmethod, d.authprovider),
                         ("sam@scram", "user", "scram", "dynamic"))
        self.assertEqual(base64.b64decode(d.authextra["scram_server_signature"]), state["server"])
        realm, authid, details = self.auth.seen[-1]
        self.assertEqual((realm, authid, details["authmethod"]), (h.REALM, "sam", "scram"))
        # Argon2id with Autobahn's own SCRAM client, which verifies the server signature.
        scram = wamp_auth.AuthScram(authid="sara", password=SCRAM_PASSWORD)
        checked = []
        s = await self.joined(auth_connect(
            self.url("dyn"), ["scram"], lambda sess, c: scram.on_challenge(sess, c).decode(),
            "sara", scram.authextra,
            lambda sess, msg: checked.append(scram.on_welcome(sess, msg.authextra))))
        self.assertEqual(checked, [None])  # None: the server signature matched
        self.assertEqual(s.join_details.authprovider, "dynamic")
        self.assertEqual(s.challenges[0].extra["kdf"], "argon2id-13")

    async def test_scram_failures_with_a_dynamic_principal(self):
        nonce = base64.b64encode(os.urandom(16)).decode()
        await self.assertAborts(auth_connect(self.url("dyn"), ["scram"],
                                             scram_pbkdf2("sam", WRONG, nonce, {}),
                                             "sam", {"nonce": nonce}),
                                "wamp.error.authentication_failed")
        await self.assertAborts(auth_connect(self.url("dyn"), ["scram"],
                                             scram_pbkdf2("mallory", SCRAM_PASSWORD, nonce, {}),
                                             "mallory", {"nonce": nonce}),
                                "com.example.no_such_user")
        a = await self.assertAborts(auth_connect(self.url("dyn"), ["scram"],
                                                 scram_pbkdf2("keyless", SCRAM_PASSWORD, nonce, {}),
                                                 "keyless", {"nonce": nonce}),
                                    "wamp.error.authentication_failed")
        self.assertNotIn(SCRAM_PASSWORD, a.message or "")

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
        for secret in (TICKET, CRA_SECRET, WRONG, CS_SEED.hex(), SCRAM_PASSWORD):
            for line in lines:
                self.assertNotIn(secret, line)


if __name__ == "__main__":
    h.main()
