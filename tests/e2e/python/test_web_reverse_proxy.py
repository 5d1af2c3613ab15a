"""The "reverseproxy" path service with a real HTTP client (http.client) in front and Python's
http.server as the backend: the forwarded method, path, query, body and header fields
(X-Forwarded-For/-Host/-Proto/-Prefix, Host, hop-by-hop fields dropped both ways), the backend's
status, header fields (several Set-Cookie) and body passed back, chunked and large answers, HEAD,
keep-alive on the client side, and the failures: a backend that is not there (502) and one that
is too slow (504), each with a log line. Streamed answers: a chunked backend's first chunk reaches
the client before the backend sends its last (a file handshake), a client that goes away closes
the backend connection, and an 80 MiB answer (over the old 64 MiB cap) streams with junction's
memory bounded.

Run: /usr/bin/python3 test_web_reverse_proxy.py path/to/junction
"""

import http.client
import http.server
import json
import os
import shutil
import tempfile
import threading
import time
import unittest
import urllib.parse

from junction_harness import (RouterProcess, assert_streams_before_flag, closed_port,
                              hang_up_after_first_line, http_request, main, rss_kib,
                              web_config)

TIMEOUT = 10.0
BIG = bytes(range(256)) * 8192  # 2 MiB


class Backend(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def _body(self):
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(n) if n else b""

    def _send(self, status, body, headers=()):
        self.send_response(status)
        for k, v in headers:
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def handle_any(self):
        body = self._body()
        path = self.path
        if path.startswith("/status/"):
            code = int(path.split("/")[2])
            headers = [("Location", "/elsewhere")] if code == 302 else []
            return self._send(code, ("status %d" % code).encode(), headers)
        if path == "/slow":
            time.sleep(3)
            return self._send(200, b"late")
        if path == "/big":
            return self._send(200, BIG, [("Content-Type", "application/octet-stream")])
        query = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(path).query))
        if path.startswith("/stream-handshake"):
            self.send_response(200)
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            self.wfile.write(b"6\r\nfirst\n\r\n")
            deadline = time.monotonic() + TIMEOUT
            while not os.path.exists(query["flag"]) and time.monotonic() < deadline:
                time.sleep(0.01)
            last = b"last\n" if os.path.exists(query["flag"]) else b"timeout\n"
            self.wfile.write(b"%x\r\n%s\r\n0\r\n\r\n" % (len(last), last))
            return None
        if path.startswith("/stream-endless"):
            self.send_response(200)
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            try:
                for i in range(3000):
                    self.wfile.write(b"c\r\ntick %06d\n\r\n" % i)
                    time.sleep(0.02)
            except OSError:  # junction closed the connection: the client went away
                # Whole, then renamed: the test reads it as soon as the name exists.
                with open(query["marker"] + ".part", "w") as f:
                    f.write("closed after %d chunks" % i)
                os.replace(query["marker"] + ".part", query["marker"])
            self.close_connection = True
            return None
        if path.startswith("/stream-big"):
            total = int(query["n"])
            self.send_response(200)
            self.send_header("Content-Length", str(total))
            self.end_headers()
            piece = b"y" * (1 << 20)
            left = total
            while left > 0:
                self.wfile.write(piece[:min(left, len(piece))])
                left -= len(piece)
            return None
        if path == "/chunked":
            self.send_response(200)
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            for part in (b"hello ", b"chunked ", b"world"):
                self.wfile.write(b"%x\r\n%s\r\n" % (len(part), part))
            self.wfile.write(b"0\r\n\r\n")
            return None
        headers = {}
        for k, v in self.headers.items():
            headers.setdefault(k.lower(), []).append(v)
        answer = json.dumps({"method": self.command, "path": path, "headers": headers,
                             "body": body.decode("utf-8")}).encode()
        return self._send(201, answer, [
            ("Content-Type", "application/json"), ("X-Backend", "yes"),
            ("Set-Cookie", "a=1"), ("Set-Cookie", "b=2"),
            ("Connection", "X-Hop"), ("X-Hop", "must not pass"), ("Keep-Alive", "timeout=5")])

    do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = do_PATCH = handle_any


class ReverseProxyTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.backend = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Backend)
        cls.backend.daemon_threads = True
        cls.backend_thread = threading.Thread(target=cls.backend.serve_forever, daemon=True)
        cls.backend_thread.start()
        port = cls.backend.server_address[1]
        cls.backend_port = port
        config = web_config({
            "api": {"type": "reverseproxy", "host": "127.0.0.1", "port": port,
                    "path": "/echo/"},
            "raw": {"type": "reverseproxy", "host": "127.0.0.1", "port": port,
                    "timeout": 1},
            "dead": {"type": "reverseproxy", "host": "127.0.0.1",
                     "port": closed_port()},
            "stream": {"type": "reverseproxy", "host": "127.0.0.1", "port": port},
        })
        cls.router = RouterProcess(config=config, name="reverseproxy").start()
        cls.tmp = tempfile.mkdtemp(prefix="junction-proxy-stream-")

    @classmethod
    def tearDownClass(cls):
        cls.router.stop()
        shutil.rmtree(cls.tmp, ignore_errors=True)
        cls.backend.shutdown()
        cls.backend.server_close()

    def request(self, method, path, body=None, headers=None, conn=None):
        return http_request(self.router, method, path, body, headers, conn, TIMEOUT)

    def test_request_forwarded_and_answer_passed_back(self):
        status, headers, body = self.request(
            "POST", "/api/a/b%20c?x=1&y=%C3%BC", body=b'{"k": "v"}',
            headers={"Content-Type": "application/json", "X-Forwarded-For": "10.1.2.3",
                     "X-Forwarded-Proto": "gopher", "Connection": "keep-alive, X-Secret",
                     "X-Secret": "hop", "X-Custom": "kept"})
        self.assertEqual(status, 201, body)
        seen = json.loads(body)
        self.assertEqual(seen["method"], "POST")
        self.assertEqual(seen["path"], "/echo/a/b%20c?x=1&y=%C3%BC")
        self.assertEqual(seen["body"], '{"k": "v"}')
        h = seen["headers"]
        self.assertEqual(h["host"], ["127.0.0.1:%d" % self.backend_port])
        self.assertEqual(h["x-forwarded-for"], ["10.1.2.3, 127.0.0.1"])
        self.assertEqual(h["x-forwarded-proto"], ["http"])
        self.assertEqual(h["x-forwarded-host"], ["%s:%d" % (self.router.host, self.router.port)])
        self.assertEqual(h["x-forwarded-prefix"], ["/api"])
        self.assertEqual(h["x-custom"], ["kept"])
        self.assertEqual(h["content-type"], ["application/json"])
        self.assertNotIn("x-secret", h)
        self.assertEqual(h["connection"], ["close"])
        names = [k.lower() for k, _ in headers]
        values = dict((k.lower(), v) for k, v in headers)
        self.assertEqual(values["x-backend"], "yes")
        self.assertEqual([v for k, v in headers if k.lower() == "set-cookie"], ["a=1", "b=2"])
        self.assertNotIn("x-hop", names)
        self.assertNotIn("keep-alive", names)
        self.assertEqual(names.count("server"), 1)
        self.assertEqual(names.count("date"), 1)
        self.assertEqual(values["content-length"], str(len(body)))
        # The mount path itself, and with a trailing slash.
        for path, want in (("/api", "/echo/"), ("/api/", "/echo/")):
            status, _, body = self.request("GET", path)
            self.assertEqual((status, json.loads(body)["path"]), (201, want), path)

    def test_status_codes_chunked_big_head_keepalive(self):
        for code in (200, 404, 418, 500):
            status, _, body = self.request("GET", "/raw/status/%d" % code)
            self.assertEqual((status, body), (code, ("status %d" % code).encode()))
        status, headers, _ = self.request("GET", "/raw/status/302")
        self.assertEqual(status, 302)
        self.assertEqual(dict((k.lower(), v) for k, v in headers)["location"], "/elsewhere")
        status, _, body = self.request("GET", "/raw/chunked")
        self.assertEqual((status, body), (200, b"hello chunked world"))
        status, _, body = self.request("GET", "/raw/big")
        self.assertEqual(status, 200)
        self.assertEqual(body, BIG)
        status, _, body = self.request("HEAD", "/raw/status/200")
        self.assertEqual((status, body), (200, b""))
        conn = http.client.HTTPConnection(self.router.host, self.router.port, timeout=TIMEOUT)
        try:
            for i in range(3):
                status, _, body = self.request("PUT", "/api/k%d" % i, body=b"x" * i, conn=conn)
                self.assertEqual(status, 201)
                self.assertEqual(json.loads(body)["body"], "x" * i)
        finally:
            conn.close()

    def test_streamed_chunked_answer(self):
        flag = os.path.join(self.tmp, "flag")
        assert_streams_before_flag(self, self.router, "/stream/stream-handshake?flag=" + flag,
                                   flag, timeout=TIMEOUT).close()

    def test_client_that_goes_away_closes_the_backend_connection(self):
        marker = os.path.join(self.tmp, "closed")
        hang_up_after_first_line(self, self.router, "/stream/stream-endless?marker=" + marker,
                                 b"tick 000000\n", TIMEOUT)
        deadline = time.monotonic() + TIMEOUT
        while not os.path.exists(marker):
            self.assertLess(time.monotonic(), deadline, "the backend connection stays open")
            time.sleep(0.02)

    def test_large_answer_streams_with_bounded_memory(self):
        total = 80 << 20  # more than the 64 MiB a whole answer was once limited to
        pid = self.router.proc.pid

        conn = http.client.HTTPConnection(self.router.host, self.router.port, timeout=TIMEOUT)
        try:
            conn.request("GET", "/stream/stream-big?n=%d" % total)
            r = conn.getresponse()
            self.assertEqual((r.status, r.getheader("Content-Length")), (200, str(total)))
            before = peak = rss_kib(pid)
            got = 0
            while True:
                piece = r.read(1 << 20)
                if not piece:
                    break
                got += len(piece)
                if got % (8 << 20) < (1 << 20):
                    peak = max(peak, rss_kib(pid))
            self.assertEqual(got, total)
        finally:
            conn.close()
        self.assertLess(peak - before, 32 * 1024, "junction grew by %d KiB" % (peak - before))

    def test_backend_failures(self):
        status, _, body = self.request("GET", "/dead/anything")
        self.assertEqual(status, 502)
        self.assertIn(b"Bad gateway", body)
        self.assertTrue(self.router.wait_for_log("cannot connect to the backend"))
        started = time.monotonic()
        status, _, body = self.request("GET", "/raw/slow")
        self.assertEqual(status, 504)
        self.assertLess(time.monotonic() - started, 2.5)
        self.assertTrue(self.router.wait_for_log("no answer within 1000 ms"))
        # The proxy still works afterwards.
        status, _, _ = self.request("GET", "/raw/status/200")
        self.assertEqual(status, 200)


if __name__ == "__main__":
    main()
