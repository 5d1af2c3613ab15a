"""Authentication end to end with Autobahn|Python: ticket (plain, Argon2id-hashed, from
${ENV}), WAMP-CRA (plain and salted), WAMP-Cryptosign (with and without authid), WAMP-SCRAM
(Argon2id through Autobahn's own AuthScram, which also checks the router's server signature;
PBKDF2 with the proof computed here, since Debian's 22.7.1 client passes the salt as text to
its PBKDF2 and fails). Every method: success, wrong secret, unknown authid, unknown role, a role
with no permissions. Also: no offered method (wamp.error.no_auth_method), WELCOME details,
static permissions by rule kind, and a scan of the router's debug log for any secret."""

import asyncio
import base64
import binascii
import hashlib
import hmac
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import nacl.signing  # noqa: E402
from argon2.low_level import Type, hash_secret  # noqa: E402
from autobahn.wamp import auth as wamp_auth  # noqa: E402
from autobahn.wamp.cryptosign import CryptosignKey  # noqa: E402
from autobahn.wamp.exception import ApplicationError  # noqa: E402

import junction_harness as h  # noqa: E402

TICKET = "tkt-3f9a1c77e2"
TICKET_ENV = "tkt-from-env-5512ab"
HASHED_TICKET = "tkt-hashed-0d2b"
CRA_SECRET = "cra-secret-7c1e"
CRA_PASSWORD = "cra-password-91aa"
CRA_SALT = "salt-4e7d"
SCRAM_PASSWORD = "scram-pw-66e0f1"
CS_SEED = bytes(range(1, 33))
CS_SEED_NOBODY = bytes(range(101, 133))
WRONG = "wrong-secret-c0ffee"

os.environ["JUNCTION_TEST_TICKET"] = TICKET_ENV


def hashed(ticket):
    raw = hash_secret(ticket.encode(), os.urandom(16), time_cost=1, memory_cost=64, parallelism=1,
                      hash_len=32, type=Type.ID, version=19)
    return raw.decode()


def scram_principal(kdf, password, role="user"):
    salt = os.urandom(16)
    iterations, memory = (1, 64) if kdf == "argon2id-13" else (1000, None)
    if kdf == "argon2id-13":
        salted = wamp_auth._hash_argon2id13_secret(password.encode(),
                                                   base64.b64encode(salt).decode(), iterations,
                                                   memory)
    else:
        salted = hashlib.pbkdf2_hmac("sha256", password.encode(), salt, iterations, 32)
    client_key = hmac.new(salted, b"Client Key", hashlib.sha256).digest()
    p = {"kdf": kdf, "iterations": iterations, "salt": salt.hex(),
         "stored-key": hashlib.sha256(client_key).hexdigest(),
         "server-key": hmac.new(salted, b"Server Key", hashlib.sha256).hexdigest(), "role": role}
    if memory:
        p["memory"] = memory
    return p


def permission(uri, match, **allow):
    return {"uri": uri, "match": match,
            "allow": {k: allow.get(k, False) for k in ("call", "register", "publish", "subscribe")}}


ALL = permission("", "prefix", call=True, register=True, publish=True, subscribe=True)
CS_PUBKEY = nacl.signing.SigningKey(CS_SEED).verify_key.encode().hex()

CONFIG = {"version": 2, "workers": [{
    "type": "router",
    "realms": [{"name": h.REALM, "roles": [
        {"name": "user", "permissions": [ALL]},
        {"name": "nothing", "permissions": []},
        {"name": "limited", "permissions": [
            permission("com.exact.proc", "exact", call=True, register=True),
            permission("com.prefix.", "prefix", publish=True, subscribe=True),
            permission("com..wild", "wildcard", call=True, register=True),
            {"uri": "com.inferred.*", "allow": {"subscribe": True}}]},
    ]}],
    "transports": [{
        "type": "web",
        "endpoint": {"type": "tcp", "port": 0, "interface": "127.0.0.1"},
        "paths": {"/": {"type": "nodeinfo"}, "ws": {"type": "websocket", "auth": {
            "ticket": {"type": "static", "principals": {
                "joe": {"ticket": TICKET, "role": "user", "authextra": {"team": "blue"}},
                "envy": {"ticket": "${JUNCTION_TEST_TICKET}", "role": "user"},
                "hashy": {"ticket": hashed(HASHED_TICKET), "role": "user"},
                "ghost": {"ticket": TICKET, "role": "no-such-role"},
                "idle": {"ticket": TICKET, "role": "nothing"},
                "lim": {"ticket": TICKET, "role": "limited"}}},
            "wampcra": {"type": "static", "users": {
                "peter": {"secret": CRA_SECRET, "role": "user"},
                "salty": {"secret": wamp_auth.derive_key(CRA_PASSWORD, CRA_SALT, 100, 32).decode(),
                          "salt": CRA_SALT, "iterations": 100, "keylen": 32, "role": "user"},
                "ghost": {"secret": CRA_SECRET, "role": "no-such-role"},
                "idle": {"secret": CRA_SECRET, "role": "nothing"}}},
            "cryptosign": {"type": "static", "principals": {
                "client01": {"authorized_keys": [CS_PUBKEY], "role": "user"},
                "ghost": {"authorized_keys": [nacl.signing.SigningKey(bytes(32)).verify_key.encode().hex()],
                          "role": "no-such-role"}}},
            "scram": {"type": "static", "principals": {
                "alice": scram_principal("argon2id-13", SCRAM_PASSWORD),
                "bob": scram_principal("pbkdf2", SCRAM_PASSWORD),
                "ghost": scram_principal("argon2id-13", SCRAM_PASSWORD, role="no-such-role"),
                "idle": scram_principal("pbkdf2", SCRAM_PASSWORD, role="nothing")}},
        }}}}]}]}

SECRETS = [TICKET, TICKET_ENV, HASHED_TICKET, CRA_SECRET, CRA_PASSWORD, SCRAM_PASSWORD, WRONG,
           CS_SEED.hex(), CS_SEED_NOBODY.hex()]


class AuthClient(h.Client):
    """Joins with the methods in config.extra and answers the CHALLENGE with its function."""

    def onConnect(self):
        x = self.config.extra
        self.challenges = []
        self.join(self.config.realm, authmethods=x["methods"], authid=x.get("authid"),
                  authextra=x.get("authextra"))

    def onChallenge(self, challenge):
        self.challenges.append(challenge)
        return self.config.extra["answer"](self, challenge)

    def onWelcome(self, msg):
        check = self.config.extra.get("on_welcome")
        return check(self, msg) if check else None


async def auth_connect(router, methods, answer=None, authid=None, authextra=None, on_welcome=None):
    extra = {"methods": methods, "answer": answer or (lambda s, c: ""), "authid": authid,
             "authextra": authextra, "on_welcome": on_welcome}

    class Cls(AuthClient):
        def __init__(self, config):
            config.extra = extra
            super().__init__(config)

    return await h.connect(router, cls=Cls)


def ticket(t):
    return lambda s, c: t


def wampcra(secret, salted_password=None):
    def answer(s, c):
        key = secret
        if salted_password is not None:
            key = wamp_auth.derive_key(salted_password, c.extra["salt"], c.extra["iterations"],
                                       c.extra["keylen"])
        return wamp_auth.compute_wcs(key, c.extra["challenge"]).decode()
    return answer


def cryptosign(seed):
    key = CryptosignKey.from_bytes(seed)
    return lambda s, c: key.sign_challenge(c)


class AuthTest(h.JunctionTestCase):
    router_config = CONFIG

    async def assertAborts(self, aw, reason):
        with self.assertRaises(h.AbortError) as cm:
            await h.within(aw)
        self.assertEqual(cm.exception.reason, reason, cm.exception.message)
        return cm.exception

    async def joined(self, aw):
        s = await h.within(aw)
        self._sessions.append(s)
        return s

    # -- ticket
    async def test_ticket_success_and_welcome_details(self):
        s = await self.joined(auth_connect(self.router, ["ticket"], ticket(TICKET), "joe"))
        d = s.join_details
        self.assertEqual((d.authid, d.authrole, d.authmethod, d.authprovider),
                         ("joe", "user", "ticket", "static"))
        self.assertEqual(d.authextra, {"team": "blue"})
        self.assertEqual(s.challenges[0].method, "ticket")

    async def test_meta_api_reports_how_a_session_authenticated(self):
        s = await self.joined(auth_connect(self.router, ["ticket"], ticket(TICKET), "joe"))
        got = await h.within(s.call("wamp.session.get", s.join_details.session))
        self.assertEqual({k: got[k] for k in ("authid", "authrole", "authmethod", "authprovider",
                                              "authextra")},
                         {"authid": "joe", "authrole": "user", "authmethod": "ticket",
                          "authprovider": "static", "authextra": {"team": "blue"}})

    async def test_ticket_from_environment_and_hashed(self):
        await self.joined(auth_connect(self.router, ["ticket"], ticket(TICKET_ENV), "envy"))
        await self.joined(auth_connect(self.router, ["ticket"], ticket(HASHED_TICKET), "hashy"))
        await self.assertAborts(auth_connect(self.router, ["ticket"], ticket(WRONG), "hashy"),
                                "wamp.error.authentication_failed")

    async def test_ticket_failures(self):
        a = await self.assertAborts(auth_connect(self.router, ["ticket"], ticket(WRONG), "joe"),
                                    "wamp.error.authentication_failed")
        self.assertNotIn(TICKET, a.message or "")
        await self.assertAborts(auth_connect(self.router, ["ticket"], ticket(TICKET), "nobody"),
                                "wamp.error.authentication_failed")
        await self.assertAborts(auth_connect(self.router, ["ticket"], ticket(TICKET), "ghost"),
                                "wamp.error.no_such_role")

    async def test_role_without_permissions_is_denied_everything(self):
        s = await self.joined(auth_connect(self.router, ["ticket"], ticket(TICKET), "idle"))
        self.assertEqual(s.join_details.authrole, "nothing")
        e = await self.assertWampError(s.call("com.any.thing"), "wamp.error.not_authorized")
        self.assertIn("call", e.args[0])
        self.assertIn("com.any.thing", e.args[0])
        await self.assertWampError(s.register(lambda: 1, "com.any.proc"),
                                   "wamp.error.not_authorized")
        await self.assertWampError(s.subscribe(lambda: 1, "com.any.topic"),
                                   "wamp.error.not_authorized")

    async def test_permission_rule_kinds(self):
        s = await self.joined(auth_connect(self.router, ["ticket"], ticket(TICKET), "lim"))
        await h.within(s.register(lambda: "exact", "com.exact.proc"))
        self.assertEqual(await h.within(s.call("com.exact.proc")), "exact")
        await self.assertWampError(s.register(lambda: 1, "com.exact.proc2"),
                                   "wamp.error.not_authorized")
        await h.within(s.subscribe(lambda: 1, "com.prefix.a.b"))
        await self.assertWampError(s.call("com.prefix.a"), "wamp.error.not_authorized")
        await h.within(s.register(lambda: "wild", "com.x.wild"))
        self.assertEqual(await h.within(s.call("com.x.wild")), "wild")
        await self.assertWampError(s.register(lambda: 1, "com.x.y.wild"),
                                   "wamp.error.not_authorized")
        await h.within(s.subscribe(lambda: 1, "com.inferred.topic"))
        await self.assertWampError(s.subscribe(lambda: 1, "com.other"),
                                   "wamp.error.not_authorized")

    # -- WAMP-CRA
    async def test_wampcra_plain_and_salted(self):
        s = await self.joined(auth_connect(self.router, ["wampcra"], wampcra(CRA_SECRET), "peter"))
        self.assertEqual(s.join_details.authmethod, "wampcra")
        s = await self.joined(auth_connect(self.router, ["wampcra"], wampcra(None, CRA_PASSWORD),
                                           "salty"))
        self.assertEqual(s.challenges[0].extra["salt"], CRA_SALT)
        self.assertEqual(s.challenges[0].extra["iterations"], 100)

    async def test_wampcra_failures(self):
        await self.assertAborts(auth_connect(self.router, ["wampcra"], wampcra(WRONG), "peter"),
                                "wamp.error.authentication_failed")
        await self.assertAborts(auth_connect(self.router, ["wampcra"], wampcra(WRONG, WRONG),
                                             "salty"), "wamp.error.authentication_failed")
        await self.assertAborts(auth_connect(self.router, ["wampcra"], wampcra(CRA_SECRET),
                                             "nobody"), "wamp.error.authentication_failed")
        await self.assertAborts(auth_connect(self.router, ["wampcra"], wampcra(CRA_SECRET),
                                             "ghost"), "wamp.error.no_such_role")
        s = await self.joined(auth_connect(self.router, ["wampcra"], wampcra(CRA_SECRET), "idle"))
        await self.assertWampError(s.call("com.any"), "wamp.error.not_authorized")

    # -- WAMP-Cryptosign
    async def test_cryptosign_with_and_without_authid(self):
        s = await self.joined(auth_connect(self.router, ["cryptosign"], cryptosign(CS_SEED),
                                           "client01", {"pubkey": CS_PUBKEY}))
        self.assertEqual(s.join_details.authmethod, "cryptosign")
        s = await self.joined(auth_connect(self.router, ["cryptosign"], cryptosign(CS_SEED),
                                           None, {"pubkey": CS_PUBKEY}))
        self.assertEqual(s.join_details.authid, "client01")

    async def test_cryptosign_failures(self):
        nobody = nacl.signing.SigningKey(CS_SEED_NOBODY).verify_key.encode().hex()
        # The right public key, signed with another private key.
        await self.assertAborts(auth_connect(self.router, ["cryptosign"],
                                             cryptosign(CS_SEED_NOBODY), "client01",
                                             {"pubkey": CS_PUBKEY}),
                                "wamp.error.authentication_failed")
        await self.assertAborts(auth_connect(self.router, ["cryptosign"],
                                             cryptosign(CS_SEED_NOBODY), None, {"pubkey": nobody}),
                                "wamp.error.authentication_failed")
        await self.assertAborts(auth_connect(self.router, ["cryptosign"], cryptosign(bytes(32)),
                                             "ghost", {"pubkey": nacl.signing.SigningKey(
                                                 bytes(32)).verify_key.encode().hex()}),
                                "wamp.error.no_such_role")

    # -- WAMP-SCRAM
    async def test_scram_argon2id_with_autobahns_client(self):
        scram = wamp_auth.AuthScram(authid="alice", password=SCRAM_PASSWORD)
        welcome_check = []

        def on_welcome(session, msg):
            result = scram.on_welcome(session, msg.authextra)  # verifies the server signature
            welcome_check.append(result)
            return result

        s = await self.joined(auth_connect(self.router, ["scram"],
                                           lambda sess, c: scram.on_challenge(sess, c).decode(),
                                           "alice", scram.authextra, on_welcome))
        self.assertEqual(welcome_check, [None])  # None: the server signature matched
        self.assertEqual(s.join_details.authmethod, "scram")
        self.assertEqual(s.challenges[0].extra["kdf"], "argon2id-13")

    async def test_scram_pbkdf2_with_proof_computed_here(self):
        nonce = base64.b64encode(os.urandom(16)).decode()
        state = {}

        def answer(s, c):
            x = c.extra
            salted = hashlib.pbkdf2_hmac("sha256", SCRAM_PASSWORD.encode(),
                                         base64.b64decode(x["salt"]), x["iterations"], 32)
            msg = ("n=bob,r=%s,r=%s,s=%s,i=%d,c=,r=%s" % (nonce, x["nonce"], x["salt"],
                                                          x["iterations"], x["nonce"])).encode()
            client_key = hmac.new(salted, b"Client Key", hashlib.sha256).digest()
            sig = hmac.new(hashlib.sha256(client_key).digest(), msg, hashlib.sha256).digest()
            state["server"] = hmac.new(hmac.new(salted, b"Server Key", hashlib.sha256).digest(),
                                       msg, hashlib.sha256).digest()
            return base64.b64encode(bytes(a ^ b for a, b in zip(client_key, sig))).decode()

        s = await self.joined(auth_connect(self.router, ["scram"], answer, "bob", {"nonce": nonce}))
        self.assertEqual(base64.b64decode(s.join_details.authextra["scram_server_signature"]),
                         state["server"])

    async def test_scram_failures(self):
        for authid, role in (("alice", None), ("nobody", None), ("ghost", "no_such_role")):
            scram = wamp_auth.AuthScram(authid=authid, password=WRONG if role is None else SCRAM_PASSWORD)
            await self.assertAborts(
                auth_connect(self.router, ["scram"],
                             lambda sess, c, scram=scram: scram.on_challenge(sess, c).decode(),
                             authid, scram.authextra),
                "wamp.error." + (role or "authentication_failed"))

    # -- method selection
    async def test_no_offered_method(self):
        await self.assertAborts(auth_connect(self.router, ["anonymous"]),
                                "wamp.error.no_auth_method")
        await self.assertAborts(auth_connect(self.router, ["tls", "cookie"]),
                                "wamp.error.no_auth_method")

    async def test_methods_tried_in_the_clients_order(self):
        s = await self.joined(auth_connect(self.router, ["anonymous", "wampcra", "ticket"],
                                           wampcra(CRA_SECRET), "peter"))
        self.assertEqual(s.join_details.authmethod, "wampcra")

    # -- hygiene (runs last: zz)
    async def test_zz_no_secret_in_the_log(self):
        self.assertTrue(self.router.wait_for_log("authentication_failed"))
        with self.router._lock:
            lines = list(self.router.lines)
        self.assertGreater(len(lines), 20)
        for secret in SECRETS:
            for line in lines:
                self.assertNotIn(secret, line)


if __name__ == "__main__":
    h.main()
