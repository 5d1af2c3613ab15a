"""TLS end to end: certificates made at test time with the openssl command line (a test CA, a
server certificate for localhost/127.0.0.1, a client certificate, and a client certificate from
a CA the router does not trust). Autobahn|Python over wss:// talks to a plain ws:// client on
another listener of the same router; Autobahn|Python's Twisted RawSocket client over TLS (rss);
the universal listener over TLS (RawSocket, WebSocket and HTTPS on one port); client
certificates required, optional, refused; a plain TCP client on a TLS port fails cleanly while
the router keeps serving; TLS 1.1 is refused; WAMP-Cryptosign with "tls-unique" channel binding,
signed by Autobahn|Python with the channel id it reads from its own TLS connection; WAMP "tls"
authentication by the client certificate's SHA-1 fingerprint (Crossbar's certificate-sha1)."""

import asyncio
import hashlib
import os
import shutil
import socket
import ssl
import subprocess
import sys
import tempfile
import unittest
import urllib.request
import warnings

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import nacl.signing  # noqa: E402
from autobahn.wamp.cryptosign import CryptosignKey  # noqa: E402
from autobahn.wamp.types import CallResult, PublishOptions  # noqa: E402

import junction_harness as h  # noqa: E402
import rawsocket_helpers as rs  # noqa: E402

ARGS = [1, "two", [3, 4.5], {"five": None}, True, "Grüße 🎉"]
KWARGS = {"a": 1, "b": {"c": [False, -7]}}


def openssl(*args, cwd):
    subprocess.run(["openssl", *args], cwd=cwd, check=True, stdout=subprocess.DEVNULL,
                   stderr=subprocess.PIPE, timeout=60)


def make_pki(d):
    """ca.pem, server.{key,pem}, client.{key,pem} (signed by ca), rogue_ca.pem and
    rogue_client.{key,pem} (signed by rogue_ca). EC P-256 keys: fast to make."""
    ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
    for ca in ("ca", "rogue_ca"):
        openssl("req", "-x509", *ec, "-keyout", ca + ".key", "-out", ca + ".pem", "-days", "2",
                "-subj", "/CN=Junction Test %s" % ca,
                "-addext", "basicConstraints=critical,CA:TRUE",
                "-addext", "keyUsage=critical,keyCertSign,cRLSign", cwd=d)
    leaves = [("server", "ca", "/CN=localhost",
               "subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n"),
              ("client", "ca", "/O=Junction Tests/CN=client1", "extendedKeyUsage=clientAuth\n"),
              ("rogue_client", "rogue_ca", "/CN=rogue", "extendedKeyUsage=clientAuth\n")]
    for name, ca, subject, ext in leaves:
        with open(os.path.join(d, name + ".ext"), "w") as f:
            f.write("basicConstraints=CA:FALSE\n" + ext)
        openssl("req", *ec, "-keyout", name + ".key", "-out", name + ".csr", "-subj", subject,
                cwd=d)
        openssl("x509", "-req", "-in", name + ".csr", "-CA", ca + ".pem", "-CAkey", ca + ".key",
                "-CAcreateserial", "-out", name + ".pem", "-days", "2", "-extfile", name + ".ext",
                cwd=d)


PKI = tempfile.mkdtemp(prefix="junction-tls-pki-")
make_pki(PKI)


def pki(name):
    return os.path.join(PKI, name)


def tcp(port_id):
    return {"type": "tcp", "port": 0, "interface": "127.0.0.1", **({"tls": port_id} if port_id else {})}


SERVER_TLS = {"key": pki("server.key"), "certificate": pki("server.pem")}
MTLS = dict(SERVER_TLS, ca_certificates=[pki("ca.pem")])
MTLS_OPTIONAL = dict(MTLS, require_client_certificate=False)
WS_PATHS = {"/": {"type": "nodeinfo"}, "ws": {"type": "websocket"}}
CS_SEED = bytes(range(7, 39))
CS_AUTH = {"cryptosign": {"type": "static", "principals": {"client01": {
    "authorized_keys": [nacl.signing.SigningKey(CS_SEED).verify_key.encode().hex()],
    "role": "anonymous"}}}}
CS_PATHS = {"ws": {"type": "websocket", "auth": CS_AUTH}}


def sha1_fingerprint(pem_file):
    """As Crossbar's configs give it (pyOpenSSL's digest): "AB:CD:..", uppercase."""
    with open(pem_file) as f:
        digest = hashlib.sha1(ssl.PEM_cert_to_DER_cert(f.read())).hexdigest().upper()
    return ":".join(digest[i:i + 2] for i in range(0, len(digest), 2))


TLS_AUTH_PATHS = {"ws": {"type": "websocket", "auth": {"tls": {"type": "static", "principals": {
    "client-by-sha1": {"certificate-sha1": sha1_fingerprint(pki("client.pem")),
                       "role": "anonymous"}}}}}}

CONFIG = {"version": 2, "workers": [{
    "type": "router",
    "realms": [{"name": h.REALM, "roles": [rs.anonymous_role()]}],
    "transports": [
        {"type": "web", "id": "web_plain", "endpoint": tcp(None), "paths": WS_PATHS},
        {"type": "web", "id": "web_tls", "endpoint": tcp(SERVER_TLS), "paths": WS_PATHS},
        {"type": "rawsocket", "id": "rs_tls", "endpoint": tcp(SERVER_TLS),
         "serializers": ["json", "msgpack", "cbor"]},
        {"type": "universal", "id": "uni_tls", "endpoint": tcp(SERVER_TLS),
         "rawsocket": {},
         "websocket": {"ws": {"type": "websocket"}},
         "web": {"paths": {"/": {"type": "nodeinfo"}}}},
        {"type": "websocket", "id": "ws_mtls", "endpoint": tcp(MTLS)},
        {"type": "rawsocket", "id": "rs_mtls_optional", "endpoint": tcp(MTLS_OPTIONAL)},
        {"type": "web", "id": "web_tls_cs", "endpoint": tcp(SERVER_TLS), "paths": CS_PATHS},
        {"type": "web", "id": "web_plain_cs", "endpoint": tcp(None), "paths": CS_PATHS},
        {"type": "web", "id": "web_mtls_auth", "endpoint": tcp(MTLS), "paths": TLS_AUTH_PATHS},
    ],
}]}


def client_context(cert=None):
    ctx = ssl.create_default_context(cafile=pki("ca.pem"))
    if cert:
        ctx.load_cert_chain(pki(cert + ".pem"), pki(cert + ".key"))
    return ctx


async def connect_wss(url, ctx, timeout=h.OP_TIMEOUT):
    """h.connect() with an SSLContext: Autobahn|Python asyncio over wss://."""
    return await h.connect(url, h.REALM, h.Client, timeout, ssl=ctx)


# The Twisted RawSocket client of rawsocket_client.py, with its TCP endpoint wrapped in TLS
# (trusting the test CA, optionally presenting a client certificate).
TLS_WRAPPER = r"""
import sys
sys.path.insert(0, sys.argv.pop(1))
ca, cert = sys.argv.pop(1), sys.argv.pop(1)
import rawsocket_client as rc
from twisted.internet import ssl
from twisted.internet.endpoints import TCP4ClientEndpoint, wrapClientTLS
def tls_endpoint(reactor, host, port, timeout):
    kw = {}
    if cert != "-":
        kw["clientCertificate"] = ssl.PrivateCertificate.loadPEM(
            open(cert + ".pem").read() + open(cert + ".key").read())
    opts = ssl.optionsForClientTLS("localhost", trustRoot=ssl.Certificate.loadPEM(open(ca).read()), **kw)
    return wrapClientTLS(opts, TCP4ClientEndpoint(reactor, host, port, timeout=timeout))
rc.TCP4ClientEndpoint = tls_endpoint
rc.main()
"""


class TlsRawSocketClient(rs.RawSocketClient):
    def __init__(self, where, serializer="json", cert=None):
        super().__init__(where, serializer=serializer)
        self.cert = cert

    def command(self):
        return [sys.executable, "-c", TLS_WRAPPER, rs.HERE, pki("ca.pem"),
                pki(self.cert) if self.cert else "-", "--tcp", self.where,
                "--serializer", self.serializer, "--realm", self.realm]


class CryptosignClient(h.Client):
    """Joins with cryptosign as client01 asking for "tls-unique" channel binding, and signs the
    challenge as config.extra["sign"] says: "bound" (XORed with the channel id Autobahn read from
    its TLS connection, as Autobahn's own cryptosign authenticator does) or "unbound"."""

    def onConnect(self):
        self.join(self.config.realm, authmethods=["cryptosign"], authid="client01",
                  authextra={"pubkey": CryptosignKey.from_bytes(CS_SEED).public_key(),
                             "channel_binding": "tls-unique"})

    def onChallenge(self, challenge):
        key = CryptosignKey.from_bytes(CS_SEED)
        if self.config.extra["sign"] == "bound":
            channel_id = self._transport.transport_details.channel_id["tls-unique"]
            return key.sign_challenge(challenge, channel_id=channel_id,
                                      channel_id_type="tls-unique")
        return key.sign_challenge(challenge)


class TlsAuthClient(h.Client):
    """Joins with WAMP "tls" authentication: the router knows it by its client certificate."""

    def onConnect(self):
        self.join(self.config.realm, authmethods=["tls"])


def cryptosign_client(sign):
    class Cls(CryptosignClient):
        def __init__(self, config):
            config.extra = {"sign": sign}
            super().__init__(config)
    return Cls


def echo(*args, **kwargs):
    return CallResult(*args, **kwargs)


class TlsTest(rs.RawSocketTestCase):
    router_config = CONFIG

    @classmethod
    def tearDownClass(cls):
        super().tearDownClass()
        shutil.rmtree(PKI, ignore_errors=True)

    def url(self, transport_id, scheme="wss", path="/ws"):
        return "%s://%s%s" % (scheme, self.ep[transport_id].replace("127.0.0.1", "localhost"),
                              path)

    async def wss(self, transport_id="web_tls", cert=None, path="/ws"):
        s = await connect_wss(self.url(transport_id, path=path), client_context(cert))
        self._sessions.append(s)
        return s

    async def plain(self):
        s = await h.connect("ws://%s/ws" % self.ep["web_plain"])
        self._sessions.append(s)
        return s

    async def rss(self, transport_id="rs_tls", serializer="json", cert=None):
        return await self.start_client(
            TlsRawSocketClient(self.ep[transport_id], serializer=serializer, cert=cert))

    def assert_logged(self, text):
        if self.router.wait_for_log(text):
            return
        self.fail("router log lacks %r:\n%s" % (text, self.router.log_tail(40)))

    async def wait_logged(self, text, timeout=5.0):
        deadline = asyncio.get_running_loop().time() + timeout
        while not self.router.log_contains(text):
            if asyncio.get_running_loop().time() > deadline:
                self.fail("router log lacks %r:\n%s" % (text, self.router.log_tail(40)))
            await asyncio.sleep(0.05)

    # -- WAMP-Cryptosign with "tls-unique" channel binding ----------------------------------------

    async def test_cryptosign_tls_unique_channel_binding(self):
        url = self.url("web_tls_cs")
        s = await h.connect(url, h.REALM, cryptosign_client("bound"), ssl=client_context())
        self._sessions.append(s)
        self.assertEqual((s.join_details.authid, s.join_details.authmethod),
                         ("client01", "cryptosign"))
        self.assertGreaterEqual(await h.within(s.call("wamp.session.count")), 1)
        # The same key signing the bare challenge: the router expected it bound to this TLS
        # connection, so the signature does not verify.
        with self.assertRaises(h.AbortError) as cm:
            await h.connect(url, h.REALM, cryptosign_client("unbound"), ssl=client_context())
        self.assertEqual(cm.exception.reason, "wamp.error.authentication_failed")
        # Binding asked for over plain TCP: there is no TLS channel to bind to.
        with self.assertRaises(h.AbortError) as cm:
            await h.connect("ws://%s/ws" % self.ep["web_plain_cs"], h.REALM,
                            cryptosign_client("unbound"))
        self.assertIn("needs a TLS transport", cm.exception.message)

    async def test_tls_authentication_by_certificate_sha1(self):
        s = await h.connect(self.url("web_mtls_auth"), h.REALM, TlsAuthClient,
                            ssl=client_context("client"))
        self._sessions.append(s)
        self.assertEqual((s.join_details.authid, s.join_details.authmethod),
                         ("client-by-sha1", "tls"))

    # -- WAMP over wss:// with a plain ws:// client on another listener -------------------------

    async def test_wss_rpc_and_pubsub_with_plain_ws(self):
        secure = await self.wss()
        plain = await self.plain()
        await h.within(secure.register(echo, "tls.echo"))
        await h.within(plain.register(echo, "plain.echo"))
        res = await h.within(plain.call("tls.echo", *ARGS, **KWARGS))
        self.assertEqual((list(res.results), res.kwresults), (ARGS, KWARGS))
        res = await h.within(secure.call("plain.echo", *ARGS, **KWARGS))
        self.assertEqual((list(res.results), res.kwresults), (ARGS, KWARGS))

        got = asyncio.get_running_loop().create_future()
        await h.within(secure.subscribe(
            lambda *a, **kw: got.done() or got.set_result((list(a), kw)), "tls.topic"))
        await h.within(plain.publish("tls.topic", *ARGS, options=PublishOptions(acknowledge=True),
                                     **KWARGS))
        self.assertEqual(await h.within(got), (ARGS, KWARGS))
        self.assert_logged("websocket (TLS) 127.0.0.1:")

    async def test_wss_close_handshake_ends_tls_with_close_notify(self):
        host, port = self.ep["web_tls"].rsplit(":", 1)

        def exchange():
            context = client_context()
            # Python sets this by default (OpenSSL 1.1 behaviour); without it a bare TCP end
            # after the close frame raises SSLEOFError instead of reading as a clean b"".
            context.options &= ~ssl.OP_IGNORE_UNEXPECTED_EOF
            with h.RawWebSocket("localhost", int(port), ssl_context=context) as ws:
                self.assertEqual(ws.status, 101)
                ws.send_frame(h.OP_CLOSE, (1000).to_bytes(2, "big") + b"bye")
                frame = ws.read_frame()
                self.assertEqual(frame.opcode, h.OP_CLOSE)
                self.assertEqual(frame.payload[:2], b"\x03\xe8")
                # Then TLS ends cleanly: close_notify reads as b"".
                return ws.sock.recv(1)
        self.assertEqual(await asyncio.to_thread(exchange), b"")

    async def test_rawsocket_tls_close_ends_tls_with_close_notify(self):
        # The router ends a RawSocket session (ABORT for an unknown realm, then close): the last
        # frame, then TLS close_notify, then TCP's end.
        host, port = self.ep["rs_tls"].rsplit(":", 1)

        def exchange():
            context = client_context()
            context.options &= ~ssl.OP_IGNORE_UNEXPECTED_EOF  # see the wss close_notify test
            raw = socket.create_connection(("localhost", int(port)), timeout=5)
            with context.wrap_socket(raw, server_hostname="localhost",
                                     suppress_ragged_eofs=False) as s:
                reply = rs.handshake(s)
                self.assertEqual((reply[0], reply[1] & 0x0F), (0x7F, 1))  # JSON accepted
                s.sendall(rs.frame(b'[1,"no.such.realm",{"roles":{"caller":{}}}]'))
                kind, payload = rs.read_frame(s)
                self.assertEqual(kind, 0)
                self.assertIn(b"wamp.error.no_such_realm", payload)
                return s.recv(1)  # close_notify reads as b""; a bare TCP end raises SSLEOFError
        self.assertEqual(await asyncio.to_thread(exchange), b"")

    async def test_https_status_page_shows_wss_url(self):
        def get():
            with urllib.request.urlopen(self.url("web_tls", "https", "/"), timeout=5,
                                        context=client_context()) as r:
                return r.status, r.read().decode()
        status, body = await asyncio.to_thread(get)
        self.assertEqual(status, 200)
        self.assertIn("wss://", body)

    # -- RawSocket over TLS (Twisted) --------------------------------------------------------

    async def test_rawsocket_tls_with_websocket_clients(self):
        plain = await self.plain()
        await h.within(plain.register(echo, "plain.echo2"))
        for serializer in ("json", "msgpack", "cbor"):
            with self.subTest(serializer=serializer):
                c = await self.rss(serializer=serializer)
                res = await c.call("plain.echo2", *ARGS, **KWARGS)
                self.assertEqual(res, {"args": ARGS, "kwargs": KWARGS})
                got = asyncio.get_running_loop().create_future()
                sub = await h.within(plain.subscribe(
                    lambda *a, **kw: got.done() or got.set_result((list(a), kw)),
                    "rss.topic." + serializer))
                await c.publish("rss.topic." + serializer, *ARGS, **KWARGS)
                self.assertEqual(await h.within(got), (ARGS, KWARGS))
                await h.within(sub.unsubscribe())
                await c.stop()
        self.assert_logged("rawsocket (TLS) 127.0.0.1:")

    # -- universal listener over TLS ----------------------------------------------------------

    async def test_universal_tls_serves_rawsocket_websocket_and_https(self):
        secure = await self.wss("uni_tls")
        await h.within(secure.register(echo, "uni.echo"))
        c = await self.rss("uni_tls")
        res = await c.call("uni.echo", "x", y=1)
        self.assertEqual(res, {"args": ["x"], "kwargs": {"y": 1}})

        def get():
            with urllib.request.urlopen(self.url("uni_tls", "https", "/"), timeout=5,
                                        context=client_context()) as r:
                return r.status, r.read().decode()
        status, body = await asyncio.to_thread(get)
        self.assertEqual(status, 200)
        self.assertIn("wss://", body)

    # -- client certificates ------------------------------------------------------------------

    async def test_client_certificate_accepted(self):
        s = await self.wss("ws_mtls", cert="client", path="/")
        self.assertTrue(s.is_attached())
        await self.wait_logged("client certificate CN=client1,O=Junction Tests SHA-256 ")

    async def refused(self, transport_id, cert):
        ctx = client_context(cert)
        host, port = rs.tcp_address(self.ep[transport_id])

        def attempt():
            with socket.create_connection((host, port), timeout=5) as raw:
                with ctx.wrap_socket(raw, server_hostname="localhost") as tls:
                    # TLS 1.3: the server's verdict on the client certificate comes after the
                    # client's handshake finished; it shows on the first read.
                    tls.sendall(b"\x7f\xf1\x00\x00")
                    return tls.recv(4)
        with self.assertRaises((ssl.SSLError, ConnectionError)):
            data = await asyncio.to_thread(attempt)
            if not data:
                raise ConnectionError("closed")

    async def test_client_certificate_missing_or_untrusted_refused(self):
        await self.refused("ws_mtls", None)
        await self.wait_logged("peer did not return a certificate")
        await self.refused("ws_mtls", "rogue_client")
        await self.wait_logged("certificate verify failed")
        # The router still serves, with a good certificate too.
        s = await self.wss("ws_mtls", cert="client", path="/")
        self.assertTrue(s.is_attached())

    async def test_optional_client_certificate(self):
        c = await self.rss("rs_mtls_optional")
        self.assertTrue(c.session_id)
        c2 = await self.rss("rs_mtls_optional", cert="client")
        self.assertTrue(c2.session_id)
        await self.wait_logged("client certificate CN=client1")
        await self.refused("rs_mtls_optional", "rogue_client")

    # -- what must fail, cleanly ---------------------------------------------------------------

    async def test_plain_tcp_client_on_tls_ports(self):
        for transport_id, hello in (("web_tls", b"GET /ws HTTP/1.1\r\nHost: x\r\n\r\n"),
                                    ("rs_tls", b"\x7f\xf1\x00\x00"),
                                    ("uni_tls", b"\x7f\xf1\x00\x00")):
            with self.subTest(transport=transport_id):
                def attempt():
                    with socket.create_connection(rs.tcp_address(self.ep[transport_id]),
                                                  timeout=5) as s:
                        s.sendall(hello)
                        s.shutdown(socket.SHUT_WR)  # a short hello: the server sees EOF
                        data = b""
                        while True:
                            try:
                                chunk = s.recv(4096)
                            except ConnectionResetError:
                                break
                            if not chunk:
                                break
                            data += chunk
                        return data
                data = await asyncio.to_thread(attempt)
                # At most a TLS alert record (content type 21), never HTTP or RawSocket bytes.
                self.assertTrue(data == b"" or data[0] == 21, data[:20])
        await self.wait_logged("TLS handshake with 127.0.0.1:")
        s = await self.wss()
        self.assertTrue(s.is_attached())

    async def test_tls_1_1_refused(self):
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        ctx.load_verify_locations(pki("ca.pem"))
        warnings.simplefilter("ignore", DeprecationWarning)  # TLSv1_1 is, that is the point
        try:
            ctx.minimum_version = ssl.TLSVersion.MINIMUM_SUPPORTED
            ctx.maximum_version = ssl.TLSVersion.TLSv1_1
            ctx.set_ciphers("DEFAULT:@SECLEVEL=0")
        except (ValueError, ssl.SSLError) as e:
            self.skipTest("local OpenSSL cannot offer TLS 1.1: %s" % e)
        host, port = rs.tcp_address(self.ep["web_tls"])

        def attempt():
            with socket.create_connection((host, port), timeout=5) as raw:
                with ctx.wrap_socket(raw, server_hostname="localhost"):
                    return "connected"
        try:
            result = await asyncio.to_thread(attempt)
        except ssl.SSLError as e:
            if "NO_PROTOCOLS_AVAILABLE" in str(e) or "no protocols available" in str(e):
                self.skipTest("local OpenSSL refuses to offer TLS 1.1: %s" % e)
            result = str(e)
        except ConnectionError as e:
            result = str(e)
        self.assertNotEqual(result, "connected")
        await self.wait_logged("unsupported protocol")
        s = await self.wss()
        self.assertTrue(s.is_attached())


if __name__ == "__main__":
    h.main()
