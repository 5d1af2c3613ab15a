"""The web side of a web transport, with real HTTP clients (http.client, urllib, curl, raw
sockets): static files (index, MIME types, ETag/Last-Modified/304, Range/206/416, gzip,
directory listing, default_file, cache_timeout), traversal attempts ("..", percent-encoded,
symlinks out of the tree), redirect, json, nodeinfo, nested "path" services, keep-alive and
pipelining, HEAD, 405, a 10 000-header request, slowloris, the access log, and `crossbar init`'s
own config started unchanged (but for its port) serving its ../web directory.

Run: /usr/bin/python3 test_web_static.py path/to/junction
"""

import gzip
import http.client
import json
import os
import re
import shutil
import socket
import subprocess
import tempfile
import time
import unittest
import urllib.error
import urllib.request

import junction_harness
from junction_harness import RouterProcess, http_request, main, web_config

TIMEOUT = 10.0
INDEX = b"<!DOCTYPE html><html><body><h1>Junction static</h1></body></html>\n"
APP_JS = ("console.log('hello from a static file');\n" * 200).encode()


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def make_tree(root):
    """root/secret.txt (outside the web root), root/web/... (the web root)."""
    web = os.path.join(root, "web")
    os.makedirs(os.path.join(web, "js"))
    os.makedirs(os.path.join(web, "empty"))
    os.makedirs(os.path.join(web, "spa"))
    with open(os.path.join(root, "secret.txt"), "w") as f:
        f.write("TOP SECRET\n")
    with open(os.path.join(web, "index.html"), "wb") as f:
        f.write(INDEX)
    with open(os.path.join(web, "js", "app.js"), "wb") as f:
        f.write(APP_JS)
    with open(os.path.join(web, "data.bin"), "wb") as f:
        f.write(bytes(range(256)) * 4096)  # 1 MiB, served from the file
    with open(os.path.join(web, "doc.custom"), "w") as f:
        f.write("custom type\n")
    with open(os.path.join(web, "spa", "index.html"), "w") as f:
        f.write("<html>single page app</html>\n")
    os.symlink(os.path.join(root, "secret.txt"), os.path.join(web, "escape.txt"))
    os.symlink(root, os.path.join(web, "up"))
    # Relative links that stay inside the tree are followed (absolute ones never are).
    os.symlink("index.html", os.path.join(web, "inside.html"))
    os.symlink("../index.html", os.path.join(web, "js", "inside.html"))
    return web


def config(root, port=0):
    web = os.path.join(root, "web")
    return web_config({
        "/": {"type": "static", "directory": web,
              "options": {"enable_directory_listing": True,
                          "mime_types": {".custom": "application/x-junction-test"},
                          "cache_timeout": 600}},
        # Shortens the wait for a first request (slowloris test).
        "ws": {"type": "websocket", "options": {"open_handshake_timeout": 1500}},
        "info": {"type": "nodeinfo"},
        "nolist": {"type": "static", "directory": web},
        "spa": {"type": "static", "directory": os.path.join(web, "spa"),
                "options": {"default_file": "index.html"}},
        "api": {"type": "path", "paths": {
            "/": {"type": "json", "value": {"answer": 42, "name": "junction"}},
            "pretty": {"type": "json", "value": {"b": 1, "a": [1, 2]},
                       "options": {"prettify": True, "discourage_caching": True}},
            "old": {"type": "redirect", "url": "https://example.com/new"},
        }},
    }, transport_options={"access_log": True}, port=port)


class StaticTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.root = tempfile.mkdtemp(prefix="junction-web-")
        cls.web = make_tree(cls.root)
        cls.router = RouterProcess(config=config(cls.root), name="web").start()

    @classmethod
    def tearDownClass(cls):
        cls.router.stop()
        shutil.rmtree(cls.root, ignore_errors=True)

    def request(self, method, path, headers=None, body=None, conn=None):
        status, fields, body = http_request(self.router, method, path, body, headers, conn, TIMEOUT)
        return status, {k.lower(): v for k, v in fields}, body

    def get(self, path, headers=None):
        return self.request("GET", path, headers)

    def raw(self, data, read_timeout=TIMEOUT):
        """Sends raw bytes; returns everything the server wrote until it closed (or timeout)."""
        with socket.create_connection((self.router.host, self.router.port), TIMEOUT) as s:
            s.sendall(data)
            s.settimeout(read_timeout)
            out = b""
            try:
                while True:
                    chunk = s.recv(65536)
                    if not chunk:
                        break
                    out += chunk
            except socket.timeout:
                pass
            return out

    # -- files -----------------------------------------------------------------------------
    def test_index_and_types(self):
        status, h, body = self.get("/")
        self.assertEqual(status, 200)
        self.assertEqual(body, INDEX)
        self.assertEqual(h["content-type"], "text/html")
        self.assertEqual(h["cache-control"], "max-age=600, public")
        self.assertIn("expires", h)
        self.assertEqual(h["access-control-allow-origin"], "*")
        status, h, body = self.get("/js/app.js")
        self.assertEqual((status, body), (200, APP_JS))
        self.assertEqual(h["content-type"], "text/javascript")
        status, h, _ = self.get("/doc.custom")
        self.assertEqual(h["content-type"], "application/x-junction-test")
        status, h, body = self.get("/data.bin")
        self.assertEqual(status, 200)
        self.assertEqual(body, bytes(range(256)) * 4096)
        self.assertEqual(h["content-type"], "application/octet-stream")
        self.assertEqual(self.get("/nope.html")[0], 404)
        self.assertEqual(self.get("/js/nope.js")[0], 404)

    def test_head_and_methods(self):
        status, h, body = self.request("HEAD", "/js/app.js")
        self.assertEqual(status, 200)
        self.assertEqual(body, b"")
        self.assertEqual(int(h["content-length"]), len(APP_JS))
        status, h, _ = self.request("POST", "/js/app.js", body=b"x")
        self.assertEqual(status, 405)
        self.assertEqual(h["allow"], "GET, HEAD")

    def test_conditional(self):
        status, h, _ = self.get("/js/app.js")
        etag, modified = h["etag"], h["last-modified"]
        self.assertEqual(self.get("/js/app.js", {"If-None-Match": etag})[0], 304)
        self.assertEqual(self.get("/js/app.js", {"If-None-Match": '"other", ' + etag})[0], 304)
        self.assertEqual(self.get("/js/app.js", {"If-None-Match": '"other"'})[0], 200)
        self.assertEqual(self.get("/js/app.js", {"If-Modified-Since": modified})[0], 304)
        self.assertEqual(
            self.get("/js/app.js", {"If-Modified-Since": "Sun, 06 Nov 1994 08:49:37 GMT"})[0],
            200)
        # A changed file gets a new ETag: the old one no longer matches.
        path = os.path.join(self.web, "changing.txt")
        with open(path, "w") as f:
            f.write("one\n")
        _, h1, b1 = self.get("/changing.txt")
        with open(path, "w") as f:
            f.write("two, longer\n")
        os.utime(path, (time.time() + 5, time.time() + 5))
        status, h2, b2 = self.get("/changing.txt", {"If-None-Match": h1["etag"]})
        self.assertEqual((status, b1, b2), (200, b"one\n", b"two, longer\n"))
        self.assertNotEqual(h1["etag"], h2["etag"])

    def test_ranges(self):
        data = bytes(range(256)) * 4096
        status, h, body = self.get("/data.bin", {"Range": "bytes=1000-1999"})
        self.assertEqual(status, 206)
        self.assertEqual(body, data[1000:2000])
        self.assertEqual(h["content-range"], "bytes 1000-1999/%d" % len(data))
        status, _, body = self.get("/data.bin", {"Range": "bytes=-10"})
        self.assertEqual((status, body), (206, data[-10:]))
        status, _, body = self.get("/js/app.js", {"Range": "bytes=5-"})
        self.assertEqual((status, body), (206, APP_JS[5:]))
        status, h, _ = self.get("/data.bin", {"Range": "bytes=%d-" % len(data)})
        self.assertEqual(status, 416)
        self.assertEqual(h["content-range"], "bytes */%d" % len(data))
        etag = self.get("/data.bin")[1]["etag"]
        status, _, body = self.get("/data.bin", {"Range": "bytes=0-9", "If-Range": etag})
        self.assertEqual((status, body), (206, data[:10]))
        status, _, body = self.get("/data.bin", {"Range": "bytes=0-9", "If-Range": '"stale"'})
        self.assertEqual((status, len(body)), (200, len(data)))
        # curl agrees.
        out = subprocess.run(["curl", "-s", "-r", "100-199", self.router.http_base + "/data.bin"],
                             capture_output=True, timeout=TIMEOUT).stdout
        self.assertEqual(out, data[100:200])

    def test_gzip(self):
        status, h, body = self.get("/js/app.js", {"Accept-Encoding": "gzip, deflate"})
        self.assertEqual(status, 200)
        self.assertEqual(h["content-encoding"], "gzip")
        self.assertEqual(h["vary"], "Accept-Encoding")
        self.assertLess(len(body), len(APP_JS))
        self.assertEqual(gzip.decompress(body), APP_JS)
        gz_etag = h["etag"]
        self.assertEqual(self.get("/js/app.js", {"Accept-Encoding": "gzip",
                                                 "If-None-Match": gz_etag})[0], 304)
        status, h, body = self.get("/js/app.js", {"Accept-Encoding": "gzip;q=0"})
        self.assertNotIn("content-encoding", h)
        self.assertEqual(body, APP_JS)
        status, h, body = self.get("/js/app.js")
        self.assertNotIn("content-encoding", h)
        # Not compressible: never gzipped.
        status, h, _ = self.get("/data.bin", {"Accept-Encoding": "gzip"})
        self.assertNotIn("content-encoding", h)
        out = subprocess.run(["curl", "-s", "--compressed", self.router.http_base + "/js/app.js"],
                             capture_output=True, timeout=TIMEOUT).stdout
        self.assertEqual(out, APP_JS)

    def test_traversal_is_impossible(self):
        for path in ["/../secret.txt", "/js/../../secret.txt", "/%2e%2e/secret.txt",
                     "/%2E%2E%2Fsecret.txt", "/js/..%2f..%2fsecret.txt", "/js/%2e%2e/%2e%2e/secret.txt",
                     "/escape.txt", "/up/secret.txt", "/up/web/index.html", "/%00index.html",
                     "/index.html%00", "//etc/passwd", "/%2fetc/passwd", "/..%5c..%5csecret.txt"]:
            out = self.raw(("GET %s HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n" % path)
                           .encode())
            self.assertTrue(out.startswith(b"HTTP/1.1 404") or out.startswith(b"HTTP/1.1 400"),
                            "%s: %r" % (path, out[:100]))
            self.assertNotIn(b"TOP SECRET", out, path)
            self.assertNotIn(b"root:", out, path)
        # curl normalises "..", so send it as is.
        out = subprocess.run(["curl", "-s", "--path-as-is", self.router.http_base +
                              "/js/../../secret.txt"], capture_output=True, timeout=TIMEOUT).stdout
        self.assertNotIn(b"TOP SECRET", out)
        # A symlink that stays inside the tree works; "." and empty names are harmless.
        self.assertEqual(self.get("/inside.html")[2], INDEX)
        self.assertEqual(self.get("/js/inside.html")[2], INDEX)
        self.assertEqual(self.get("/./js//app.js")[2], APP_JS)
        self.assertEqual(self.get("/js/%61pp.js")[2], APP_JS)

    def test_directories(self):
        status, h, _ = self.get("/js")
        self.assertEqual(status, 301)
        self.assertEqual(h["location"], "/js/")
        status, h, body = self.get("/js/")
        self.assertEqual(status, 200)
        self.assertIn(b'href="app.js"', body)
        self.assertEqual(self.get("/empty/")[0], 200)
        # The same tree without enable_directory_listing: 404, but the index still works.
        self.assertEqual(self.get("/nolist/js/")[0], 404)
        self.assertEqual(self.get("/nolist/")[2], INDEX)
        self.assertEqual(self.get("/nolist/js/app.js")[2], APP_JS)

    def test_single_page_app_default_file(self):
        for path in ["/spa/", "/spa/some/client/route", "/spa/missing.html"]:
            status, _, body = self.get(path)
            self.assertEqual((status, body), (200, b"<html>single page app</html>\n"), path)

    # -- other services ----------------------------------------------------------------------
    def test_json_redirect_nodeinfo(self):
        status, h, body = self.get("/api")
        self.assertEqual(status, 200)
        self.assertTrue(h["content-type"].startswith("application/json"))
        self.assertEqual(json.loads(body), {"answer": 42, "name": "junction"})
        self.assertEqual(self.get("/api/")[2], body)
        status, h, body = self.get("/api/pretty")
        self.assertEqual(body.decode(), json.dumps({"a": [1, 2], "b": 1}, indent=3, sort_keys=True))
        self.assertIn("no-store", h["cache-control"])
        status, h, _ = self.get("/api/old")
        self.assertEqual((status, h["location"]), (302, "https://example.com/new"))
        with self.assertRaises(urllib.error.HTTPError) as cm:
            urllib.request.urlopen(self.router.http_base + "/api/nothing", timeout=TIMEOUT)
        self.assertEqual(cm.exception.code, 404)
        status, h, body = self.get("/info")
        self.assertEqual(status, 200)
        self.assertIn(b"ws://%s:%d/ws" % (self.router.host.encode(), self.router.port), body)
        # A file named like a configured path below "/" is shadowed by it (longest prefix).
        self.assertEqual(self.get("/info/")[0], 200)

    # -- the connection ----------------------------------------------------------------------
    def test_keep_alive_and_pipelining(self):
        conn = http.client.HTTPConnection(self.router.host, self.router.port, timeout=TIMEOUT)
        try:
            for _ in range(3):
                self.assertEqual(self.request("GET", "/js/app.js", conn=conn)[2], APP_JS)
                self.assertEqual(self.request("GET", "/api", conn=conn)[0], 200)
            sock = conn.sock
            self.assertIsNotNone(sock)
        finally:
            conn.close()
        # Three pipelined requests in one write: three answers, in order.
        out = self.raw(b"GET /api HTTP/1.1\r\nHost: x\r\n\r\n"
                       b"GET /js/app.js HTTP/1.1\r\nHost: x\r\n\r\n"
                       b"GET /nope HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        statuses = re.findall(rb"HTTP/1\.1 \d\d\d [A-Za-z ]+\r\n", out)
        self.assertEqual(statuses, [b"HTTP/1.1 200 OK\r\n", b"HTTP/1.1 200 OK\r\n",
                                    b"HTTP/1.1 404 Not Found\r\n"])
        self.assertLess(out.index(b'"answer":42'), out.index(APP_JS[:40]))
        # HTTP/1.0 closes unless asked to keep alive.
        out = self.raw(b"GET /api HTTP/1.0\r\n\r\n")
        self.assertTrue(out.startswith(b"HTTP/1.0 200"), out[:50])

    def test_huge_header_and_slowloris(self):
        headers = "".join("X-H%d: %d\r\n" % (i, i) for i in range(10000))
        out = self.raw(("GET / HTTP/1.1\r\nHost: x\r\n%s\r\n" % headers).encode())
        self.assertTrue(out.startswith(b"HTTP/1.1 431"), out[:80])
        # A client that trickles its header is cut off (open_handshake_timeout 1.5 s here).
        with socket.create_connection((self.router.host, self.router.port), TIMEOUT) as s:
            start = time.monotonic()
            closed = False
            s.sendall(b"GET / HTTP/1.1\r\n")
            while time.monotonic() - start < 8:
                try:
                    s.sendall(b"X-Slow: 1\r\n")
                    s.settimeout(0.3)
                    if s.recv(1024) == b"":
                        closed = True
                        break
                except socket.timeout:
                    continue
                except OSError:
                    closed = True
                    break
            self.assertTrue(closed, "a slowloris client was not cut off")
            self.assertLess(time.monotonic() - start, 6)
        # Still serving.
        self.assertEqual(self.get("/")[2], INDEX)

    def test_access_log(self):
        self.get("/js/app.js?access-log-test")
        self.assertTrue(self.router.wait_for_log('"GET /js/app.js?access-log-test HTTP/1.1" 200 %d'
                                                 % len(APP_JS)))


class CrossbarInitTest(unittest.TestCase):
    """`crossbar init`'s config.json (crossbar/templates/default), unchanged but for its port:
    a universal transport with RawSocket, WebSocket at /ws, static ../web with listing, /info."""

    CONFIG = """{
    "version": 2,
    "controller": {},
    "workers": [
        {
            "type": "router",
            "realms": [
                {
                    "name": "realm1",
                    "roles": [
                        {
                            "name": "anonymous",
                            "permissions": [
                                {
                                    "uri": "",
                                    "match": "prefix",
                                    "allow": {
                                        "call": true,
                                        "register": true,
                                        "publish": true,
                                        "subscribe": true
                                    },
                                    "disclose": {
                                        "caller": false,
                                        "publisher": false
                                    },
                                    "cache": true
                                }
                            ]
                        }
                    ]
                }
            ],
            "transports": [
                {
                    "type": "universal",
                    "endpoint": {
                        "type": "tcp",
                        "port": 8080
                    },
                    "rawsocket": {
                    },
                    "websocket": {
                        "ws": {
                            "type": "websocket"
                        }
                    },
                    "web": {
                        "paths": {
                            "/": {
                                "type": "static",
                                "directory": "../web",
                                "options": {
                                    "enable_directory_listing": true
                                }
                            },
                            "info": {
                                "type": "nodeinfo"
                            }
                        }
                    }
                }
            ]
        }
    ]
}
"""

    def test_starts_unchanged_and_serves_web(self):
        root = tempfile.mkdtemp(prefix="junction-init-")
        proc = None
        try:
            node = os.path.join(root, ".crossbar")
            os.makedirs(node)
            os.makedirs(os.path.join(root, "web"))
            with open(os.path.join(root, "web", "index.html"), "wb") as f:
                f.write(INDEX)
            with open(os.path.join(node, "config.json"), "w") as f:
                f.write(self.CONFIG)
            binary = junction_harness.junction_binary()
            check = subprocess.run([binary, "check", "--cbdir", node], capture_output=True,
                                   timeout=TIMEOUT, text=True)
            self.assertEqual(check.returncode, 0, check.stdout + check.stderr)
            # Only the port differs from the unchanged file (8080 may be taken on this machine).
            port = free_port()
            with open(os.path.join(node, "config.json"), "w") as f:
                f.write(self.CONFIG.replace('"port": 8080', '"port": %d' % port))
            proc = subprocess.Popen([binary, "start", "--cbdir", node], cwd=root,
                                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            deadline = time.monotonic() + 15
            body = None
            while time.monotonic() < deadline:
                try:
                    body = urllib.request.urlopen("http://127.0.0.1:%d/" % port,
                                                  timeout=2).read()
                    break
                except (urllib.error.URLError, ConnectionError):
                    time.sleep(0.05)
            self.assertEqual(body, INDEX)
            info = urllib.request.urlopen("http://127.0.0.1:%d/info" % port, timeout=5).read()
            self.assertIn(b"/ws", info)
            # WebSocket upgrade on /ws of the same port.
            with socket.create_connection(("127.0.0.1", port), TIMEOUT) as s:
                s.sendall(b"GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n"
                          b"Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                          b"Sec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: wamp.2.json\r\n\r\n")
                s.settimeout(TIMEOUT)
                self.assertTrue(s.recv(4096).startswith(b"HTTP/1.1 101"))
        finally:
            if proc is not None:
                proc.terminate()
                try:
                    proc.wait(timeout=5)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait(timeout=5)
            shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
