"""The "archive" path service's `download: true` (Crossbar's): junction started with an archive
path whose file is missing fetches it from `origin` — a Python http.server on a free loopback
port (plain, and HTTPS with a certificate made here by the openssl command line), serving a ZIP
made by Python's zipfile — before its listener serves. Checked: the files are served after the
download, through a redirect, with the `hashes` verified; the file is written whole (no
temporary file left) and not downloaded again when present; a wrong `hashes` entry, a 404, a
body that is no archive, an unreachable origin, an origin whose certificate the system store does not trust and a redirect
from https:// to http:// each refuse to start with a log line naming the archive and the origin,
and leave no file; `junction check` downloads nothing.

Run: /usr/bin/python3 test_web_archive_download.py path/to/junction
"""

import hashlib
import http.server
import json
import os
import shutil
import ssl
import subprocess
import tempfile
import threading
import unittest
import zipfile

import junction_harness
from junction_harness import RouterProcess, closed_port, http_request, main, web_config

TIMEOUT = 10.0
INDEX = "<!DOCTYPE html><html><body>downloaded archive ✓</body></html>\n".encode()
APP_JS = ("console.log('from a downloaded archive');\n" * 50).encode()


class Origin:
    """An HTTP(S) server on a free loopback port serving `files` (name -> bytes), counting the
    GETs per path; /redirect/<name> answers 302 to /<name>."""

    def __init__(self, files, tls_context=None, redirects=None):
        self.files = files
        self.redirects = redirects or {}
        self.gets = {}
        self.lock = threading.Lock()
        origin = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                with origin.lock:
                    origin.gets[self.path] = origin.gets.get(self.path, 0) + 1
                location = origin.redirects.get(self.path)
                if self.path.startswith("/redirect/"):
                    location = "/" + self.path[len("/redirect/"):]
                if location is not None:
                    self.send_response(302)
                    self.send_header("Location", location)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                data = origin.files.get(self.path.lstrip("/"))
                if data is None:
                    self.send_error(404)
                    return
                self.send_response(200)
                self.send_header("Content-Type", "application/zip")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        if tls_context is not None:
            self.server.socket = tls_context.wrap_socket(self.server.socket, server_side=True)
        self.scheme = "https" if tls_context is not None else "http"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def url(self, path):
        return "%s://127.0.0.1:%d/%s" % (self.scheme, self.server.server_address[1], path)

    def count(self, path):
        with self.lock:
            return self.gets.get(path, 0)

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def make_zip():
    import io
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as f:
        f.writestr("app-1.0/index.html", INDEX)
        f.writestr("app-1.0/app.js", APP_JS)
    return out.getvalue()


def archive_path(archive, origin, **extra):
    path = {"type": "archive", "archive": archive, "origin": origin, "download": True,
            "cache": True, "object_prefix": "app-1.0", "default_object": "index.html"}
    path.update(extra)
    return path


class ArchiveDownloadTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.root = tempfile.mkdtemp(prefix="junction-archive-download-")
        cls.zip = make_zip()
        cls.sha = hashlib.sha256(cls.zip).hexdigest()
        cls.origin = Origin({"app.zip": cls.zip, "page.zip": b"<html>Sign in</html>\n"})

    @classmethod
    def tearDownClass(cls):
        cls.origin.close()
        shutil.rmtree(cls.root, ignore_errors=True)

    def fresh_dir(self, name):
        d = os.path.join(self.root, name)
        os.makedirs(d)
        return d

    def write_config(self, directory, paths):
        path = os.path.join(directory, "config.json")
        with open(path, "w") as f:
            json.dump(web_config(paths), f)
        return path

    def start_fails(self, directory, paths, env=None):
        """Runs `junction start` expecting it to refuse; returns its log."""
        config = self.write_config(directory, paths)
        r = subprocess.run([junction_harness.junction_binary(), "start", "--config", config],
                           capture_output=True, text=True, timeout=60, cwd=directory, env=env)
        self.assertNotEqual(r.returncode, 0, r.stderr)
        self.assertNotIn("listening on", r.stderr)
        return r.stderr

    def assert_nothing_left(self, directory, name="app.zip"):
        self.assertFalse(os.path.exists(os.path.join(directory, name)))
        self.assertEqual([n for n in os.listdir(directory) if ".download-" in n], [])

    def get(self, router, path):
        status, _, body = http_request(router, "GET", path, timeout=TIMEOUT)
        return status, body

    def test_downloads_through_a_redirect_then_serves_and_keeps_the_file(self):
        d = self.fresh_dir("ok")
        archive = os.path.join(d, "app.zip")
        paths = {"app": archive_path(archive, self.origin.url("redirect/app.zip"),
                                     hashes=["0" * 64, self.sha.upper()])}
        before = self.origin.count("/app.zip")
        router = RouterProcess(config=web_config(paths), name="archive-download").start()
        try:
            self.assertEqual(self.get(router, "/app/"), (200, INDEX))
            self.assertEqual(self.get(router, "/app/app.js"), (200, APP_JS))
            self.assertTrue(router.log_contains("archive %s: downloaded from %s"
                                                % (archive, self.origin.url("app.zip"))),
                            router.log_tail())
        finally:
            router.stop()
        self.assertEqual(self.origin.count("/app.zip"), before + 1)
        with open(archive, "rb") as f:
            self.assertEqual(f.read(), self.zip)
        self.assertEqual([n for n in os.listdir(d) if ".download-" in n], [])
        # Present now: served from the file, not downloaded again.
        router = RouterProcess(config=web_config(paths), name="archive-download-again").start()
        try:
            self.assertEqual(self.get(router, "/app/app.js"), (200, APP_JS))
            self.assertFalse(router.log_contains("downloading from"), router.log_tail())
        finally:
            router.stop()
        self.assertEqual(self.origin.count("/app.zip"), before + 1)

    def test_relative_archive_is_stored_in_the_node_directory(self):
        d = self.fresh_dir("relative")
        config = self.write_config(d, {"app": archive_path("app.zip", self.origin.url("app.zip"),
                                                           hashes=[self.sha])})
        proc = subprocess.Popen([junction_harness.junction_binary(), "start", "--config", config],
                                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                stderr=subprocess.PIPE, text=True, cwd=self.root)
        try:
            for line in proc.stderr:
                if "listening on" in line:
                    break
            else:
                self.fail("junction exited: %s" % proc.wait(TIMEOUT))
            with open(os.path.join(d, "app.zip"), "rb") as f:
                self.assertEqual(f.read(), self.zip)
        finally:
            proc.terminate()
            proc.wait(TIMEOUT)
            proc.stderr.close()

    def test_wrong_hash_refused(self):
        d = self.fresh_dir("badhash")
        archive = os.path.join(d, "app.zip")
        origin = self.origin.url("app.zip")
        log = self.start_fails(d, {"app": archive_path(archive, origin, hashes=["ab" * 32])})
        self.assertIn("archive %s: download from %s failed: " % (archive, origin), log)
        self.assertIn("SHA-256 %s) matches none of the configured 'hashes'" % self.sha, log)
        self.assert_nothing_left(d)

    def test_unreachable_origin_404_and_no_archive_refused(self):
        d = self.fresh_dir("unreachable")
        archive = os.path.join(d, "app.zip")
        port = closed_port()
        origin = "http://127.0.0.1:%d/app.zip" % port
        log = self.start_fails(d, {"app": archive_path(archive, origin)})
        self.assertIn("archive %s: download from %s failed: connecting to 127.0.0.1:%d: "
                      "Connection refused" % (archive, origin, port), log)
        self.assert_nothing_left(d)
        origin = self.origin.url("nothing.zip")
        log = self.start_fails(d, {"app": archive_path(archive, origin)})
        self.assertIn("archive %s: download from %s failed: HTTP 404 " % (archive, origin), log)
        self.assert_nothing_left(d)
        # A 200 answer that is no archive (a login page, say): refused, not kept.
        origin = self.origin.url("page.zip")
        log = self.start_fails(d, {"app": archive_path(archive, origin)})
        self.assertIn("archive %s: download from %s failed: the downloaded file: " % (archive, origin),
                      log)
        self.assert_nothing_left(d)

    def test_https_verifies_the_certificate(self):
        d = self.fresh_dir("https")
        pki = self.fresh_dir("https-pki")
        subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                        "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", "origin.key",
                        "-out", "origin.pem", "-days", "2", "-subj", "/CN=127.0.0.1",
                        "-addext", "subjectAltName=IP:127.0.0.1"],
                       cwd=pki, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(os.path.join(pki, "origin.pem"), os.path.join(pki, "origin.key"))
        origin = Origin({"app.zip": self.zip}, context,
                        redirects={"/to-http.zip": self.origin.url("app.zip")})
        try:
            archive = os.path.join(d, "app.zip")
            url = origin.url("app.zip")
            paths = {"app": archive_path(archive, url, hashes=[self.sha])}
            # The system store does not know this certificate: refused.
            log = self.start_fails(d, paths)
            self.assertIn("archive %s: download from %s failed: TLS handshake with "
                          "127.0.0.1:%d failed: certificate verify failed"
                          % (archive, url, origin.server.server_address[1]), log)
            self.assert_nothing_left(d)
            # Trusted through OpenSSL's $SSL_CERT_FILE: downloaded and served; but a redirect from
            # https:// to http:// is not followed.
            env = dict(os.environ, SSL_CERT_FILE=os.path.join(pki, "origin.pem"))
            to_http = origin.url("to-http.zip")
            log = self.start_fails(d, {"app": archive_path(archive, to_http)}, env=env)
            self.assertIn("archive %s: download from %s failed: %s redirects to %s: from https:// "
                          "to http:// refused" % (archive, to_http, to_http,
                                                  self.origin.url("app.zip")), log)
            self.assert_nothing_left(d)
            os.environ["SSL_CERT_FILE"] = env["SSL_CERT_FILE"]
            try:
                router = RouterProcess(config=web_config(paths), name="archive-https").start()
            finally:
                del os.environ["SSL_CERT_FILE"]
            try:
                self.assertEqual(self.get(router, "/app/app.js"), (200, APP_JS))
            finally:
                router.stop()
        finally:
            origin.close()

    def test_check_downloads_nothing(self):
        d = self.fresh_dir("check")
        archive = os.path.join(d, "app.zip")
        config = self.write_config(d, {"app": archive_path(archive, self.origin.url("check.zip"),
                                                           hashes=[self.sha])})
        r = subprocess.run([junction_harness.junction_binary(), "check", "--config", config],
                           capture_output=True, text=True, timeout=30)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(self.origin.count("/check.zip"), 0)
        self.assert_nothing_left(d)
        # download without an origin, and an origin that is no http(s) URL, are refused.
        for path, expected in (
                ({"type": "archive", "archive": archive, "download": True},
                 "paths.app.download: %s does not exist and there is no 'origin'" % archive),
                (archive_path(archive, "ftp://127.0.0.1/app.zip"),
                 "paths.app.origin: expected an http:// or https:// URL")):
            config = self.write_config(d, {"app": path})
            r = subprocess.run([junction_harness.junction_binary(), "check", "--config", config],
                               capture_output=True, text=True, timeout=30)
            self.assertEqual(r.returncode, 1, r.stderr)
            self.assertIn(expected, r.stderr)


if __name__ == "__main__":
    main()
