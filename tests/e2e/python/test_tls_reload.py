"""SIGHUP reloads the certificates and keys of TLS listeners without dropping a session: a web
(wss://) and a RawSocket TLS listener whose certificate files are replaced in place (as a
certificate renewal does) serve the new certificate to every connection made after the reload,
read with Python's ssl module; a joined Autobahn|Python session over wss:// made before it stays
up and keeps calling and being called. A broken certificate, a key that does not match it, or a
file gone changes nothing (new connections still get the certificate in force) and the log says
why. Certificates are made at test time with the openssl command line."""

import asyncio
import hashlib
import json
import os
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import junction_harness as h  # noqa: E402
import rawsocket_helpers as rs  # noqa: E402


def openssl(*args, cwd):
    subprocess.run(["openssl", *args], cwd=cwd, check=True, stdout=subprocess.DEVNULL,
                   stderr=subprocess.PIPE, timeout=60)


def make_pki(d):
    """ca.pem; first.{key,pem} and second.{key,pem}: two server certificates for
    localhost/127.0.0.1 signed by ca, with keys of their own. EC P-256: fast to make."""
    ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
    openssl("req", "-x509", *ec, "-keyout", "ca.key", "-out", "ca.pem", "-days", "2",
            "-subj", "/CN=Junction Reload Test CA",
            "-addext", "basicConstraints=critical,CA:TRUE",
            "-addext", "keyUsage=critical,keyCertSign,cRLSign", cwd=d)
    with open(os.path.join(d, "server.ext"), "w") as f:
        f.write("basicConstraints=CA:FALSE\nsubjectAltName=DNS:localhost,IP:127.0.0.1\n"
                "extendedKeyUsage=serverAuth\n")
    for name in ("first", "second"):
        openssl("req", *ec, "-keyout", name + ".key", "-out", name + ".csr",
                "-subj", "/CN=localhost/O=%s" % name, cwd=d)
        openssl("x509", "-req", "-in", name + ".csr", "-CA", "ca.pem", "-CAkey", "ca.key",
                "-CAcreateserial", "-out", name + ".pem", "-days", "2", "-extfile", "server.ext",
                cwd=d)


PKI = tempfile.mkdtemp(prefix="junction-tls-reload-")
make_pki(PKI)
LIVE = os.path.join(PKI, "live")  # what the config names; the test replaces its files
os.mkdir(LIVE)


def pki(name):
    return os.path.join(PKI, name)


def install(cert, key):
    """Puts a certificate and a key where the config points, as a renewal would (write to a
    temporary file, then rename over the old one)."""
    for source, target in ((cert, "server.pem"), (key, "server.key")):
        tmp = os.path.join(LIVE, target + ".new")
        shutil.copyfile(source, tmp)
        os.replace(tmp, os.path.join(LIVE, target))


def write_live(target, text):
    with open(os.path.join(LIVE, target), "w") as f:
        f.write(text)


def fingerprint_of_pem(path):
    with open(path) as f:
        return hashlib.sha256(ssl.PEM_cert_to_DER_cert(f.read())).hexdigest()


install(pki("first.pem"), pki("first.key"))
TLS = {"key": os.path.join(LIVE, "server.key"), "certificate": os.path.join(LIVE, "server.pem")}


def tcp_tls():
    return {"type": "tcp", "port": 0, "interface": "127.0.0.1", "tls": TLS}


CONFIG = {"version": 2, "workers": [{
    "type": "router",
    "realms": [{"name": h.REALM, "roles": [rs.anonymous_role()]}],
    "transports": [
        {"type": "web", "id": "web_tls", "endpoint": tcp_tls(),
         "paths": {"/": {"type": "nodeinfo"}, "ws": {"type": "websocket"}}},
        {"type": "rawsocket", "id": "rs_tls", "endpoint": tcp_tls(), "serializers": ["json"]},
    ],
}]}


def client_context():
    return ssl.create_default_context(cafile=pki("ca.pem"))


def served_fingerprint(endpoint):
    """SHA-256 of the certificate a new TLS connection to `endpoint` is served (verified
    against the test CA for the name localhost)."""
    host, port = rs.tcp_address(endpoint)
    with socket.create_connection((host, port), timeout=5) as raw:
        with client_context().wrap_socket(raw, server_hostname="localhost") as s:
            return hashlib.sha256(s.getpeercert(binary_form=True)).hexdigest()


class TlsReloadTest(h.JunctionTestCase):
    router_config = CONFIG

    @classmethod
    def tearDownClass(cls):
        super().tearDownClass()
        shutil.rmtree(PKI, ignore_errors=True)

    async def asyncSetUp(self):
        await super().asyncSetUp()
        self.ep = rs.endpoints(self.router)

    async def served(self):
        return {name: await asyncio.to_thread(served_fingerprint, self.ep[name])
                for name in ("web_tls", "rs_tls")}

    def lines_since(self, mark):
        with self.router._lock:
            new = self.router.lines_seen - mark
            return list(self.router.lines)[-new:] if new > 0 else []

    async def reload(self, expect):
        """SIGHUP, then waits (10 s at most) for a log line after it that contains `expect`."""
        mark = self.router.lines_seen
        self.router.signal(signal.SIGHUP)
        deadline = asyncio.get_running_loop().time() + 10
        while not any(expect in line for line in self.lines_since(mark)):
            if asyncio.get_running_loop().time() > deadline:
                self.fail("no %r after SIGHUP:\n%s" % (expect, self.router.log_tail(40)))
            await asyncio.sleep(0.02)

    async def wss(self):
        s = await h.connect("wss://localhost:%d/ws" % rs.tcp_address(self.ep["web_tls"])[1],
                            ssl=client_context())
        self._sessions.append(s)
        return s

    async def test_new_connections_get_the_new_certificate_sessions_stay(self):
        first, second = fingerprint_of_pem(pki("first.pem")), fingerprint_of_pem(pki("second.pem"))
        self.assertEqual(await self.served(), {"web_tls": first, "rs_tls": first})

        old = await self.wss()
        await h.within(old.register(lambda x: x * 2, "com.reload.double"))

        install(pki("second.pem"), pki("second.key"))
        await self.reload("SIGHUP: TLS certificates reloaded (2 listeners:")
        self.assertEqual(await self.served(), {"web_tls": second, "rs_tls": second})

        # The session from before the reload is still joined over its TLS connection, and a
        # session on the new certificate reaches it both ways.
        new = await self.wss()
        await h.within(new.register(lambda x: x + 1, "com.reload.inc"))
        self.assertEqual(await h.within(new.call("com.reload.double", 21)), 42)
        self.assertEqual(await h.within(old.call("com.reload.inc", 41)), 42)
        self.assertTrue(old.is_attached())

        # A broken certificate, a key that does not belong to it, a file gone: nothing changes.
        write_live("server.pem", "-----BEGIN CERTIFICATE-----\nnot base64\n")
        await self.reload("no PEM certificate in the file")
        self.assertEqual(await self.served(), {"web_tls": second, "rs_tls": second})
        install(pki("first.pem"), pki("second.key"))
        await self.reload("does not match the certificate")
        self.assertEqual(await self.served(), {"web_tls": second, "rs_tls": second})
        os.unlink(os.path.join(LIVE, "server.key"))
        await self.reload("No such file or directory")
        self.assertEqual(await self.served(), {"web_tls": second, "rs_tls": second})

        # Repaired, the next SIGHUP takes it.
        install(pki("first.pem"), pki("first.key"))
        await self.reload("SIGHUP: TLS certificates reloaded")
        self.assertEqual(await self.served(), {"web_tls": first, "rs_tls": first})
        self.assertEqual(await h.within(new.call("com.reload.double", 5)), 10)
        self.assertTrue(old.is_attached() and new.is_attached())

    async def test_a_listener_that_loses_tls_needs_a_restart(self):
        # The web listener loses TLS in the file. Listeners are not rebuilt by SIGHUP: it keeps
        # serving TLS with its certificate, and the log says a restart is needed.
        cfg = json.loads(json.dumps(CONFIG))
        del cfg["workers"][0]["transports"][0]["endpoint"]["tls"]
        path = os.path.join(self.router.tmpdir, "config.json")
        with open(path, "w") as f:
            json.dump(cfg, f)
        try:
            await self.reload("TLS was removed from transport 'web_tls' in the config: "
                              "it needs a restart")
            fingerprints = await self.served()
            self.assertEqual(fingerprints["web_tls"], fingerprints["rs_tls"])
        finally:
            with open(path, "w") as f:
                json.dump(CONFIG, f)


if __name__ == "__main__":
    h.main()
