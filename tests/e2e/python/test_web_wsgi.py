"""The "wsgi" path service with real HTTP clients (http.client, urllib): a plain WSGI application
and a Flask application (Debian python3-flask) served by Junction's WSGI launcher.

Checked: SCRIPT_NAME is the mount path (also nested), PATH_INFO the rest (percent-decoded),
QUERY_STRING, REMOTE_ADDR / SERVER_NAME / SERVER_PORT / wsgi.url_scheme from the client's view,
the router worker's options.pythonpath and env, the node directory as working directory; request
bodies in, generator answers out, several Set-Cookie, keep-alive, requests in parallel on the
thread pool (maxthreads); an application that raises answers 500 (before its answer started) or
cuts the answer (after), with its traceback in the node log, and the router keeps serving; a
launcher that dies answers 502 with a log line and is started again; a module that does not import
is logged and answered 502; shutdown leaves no launcher process.

Streamed answers: a generator's first chunk (plain WSGI, and Flask's stream_with_context) reaches
the client before the application produces its last (a file handshake: the application waits for
the file the client creates once it has read the first chunk); chunked to HTTP/1.1 clients,
close-delimited to HTTP/1.0 ones, the application's Content-Length kept; HEAD; a client that goes
away mid-answer makes the server call the iterable's close(); a 24 MiB answer streams with
junction's memory bounded (growth under 12 MiB).

Run: /usr/bin/python3 test_web_wsgi.py path/to/junction
"""

import concurrent.futures
import http.client
import json
import os
import re
import shutil
import socket
import tempfile
import time
import unittest
import urllib.error
import urllib.parse
import urllib.request

from junction_harness import (RouterProcess, assert_streams_before_flag,
                              hang_up_after_first_line, http_request, main, rss_kib,
                              web_config)

TIMEOUT = 20.0
APPS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "wsgi_apps")


def wait_for_file(path, timeout=TIMEOUT):
    deadline = time.monotonic() + timeout
    while not os.path.exists(path):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)
    return True


def alive(pid):
    """True while process `pid` exists and is not a zombie."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


class WsgiTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        config = web_config({
            "/": {"type": "wsgi", "module": "plain_wsgi", "object": "application"},
            "app": {"type": "wsgi", "module": "plain_wsgi", "object": "application",
                    "minthreads": 1, "maxthreads": 8},
            "deep": {"type": "path", "paths": {
                "er": {"type": "wsgi", "module": "plain_wsgi",
                       "object": "application"}}},
            "flask": {"type": "wsgi", "module": "flask_wsgi", "object": "app"},
            "broken": {"type": "wsgi", "module": "no_such_module_here",
                       "object": "app"},
            "info": {"type": "nodeinfo"},
        }, worker_options={"pythonpath": [APPS],
                            "env": {"vars": {"APP_GREETING": "hi from env"}}})
        cls.router = RouterProcess(config=config, name="wsgi").start()
        cls.tmp = tempfile.mkdtemp(prefix="junction-wsgi-stream-")

    @classmethod
    def tearDownClass(cls):
        pids = [int(p) for p in re.findall(r"started the WSGI launcher \(PID (\d+)\)",
                                           cls.router.log_tail(4000))]
        cls.router.stop()
        shutil.rmtree(cls.tmp, ignore_errors=True)
        # No launcher outlives the node. One killed as junction went (PR_SET_PDEATHSIG) may take
        # a moment to die and be reaped on a loaded machine: a zombie counts as gone.
        deadline = time.monotonic() + 5
        for pid in pids:
            while alive(pid):
                if time.monotonic() > deadline:
                    raise AssertionError("WSGI launcher %d still runs after junction stopped"
                                         % pid)
                time.sleep(0.05)

    def request(self, method, path, body=None, headers=None, conn=None):
        return http_request(self.router, method, path, body, headers, conn, TIMEOUT)

    def environ(self, path, **kwargs):
        status, headers, body = self.request("GET", path, **kwargs)
        self.assertEqual(status, 201, body)
        return json.loads(body), headers

    def test_script_name_and_path_info(self):
        for path, script, info, query in (
                ("/app", "/app", "", ""),
                ("/app/", "/app", "/", ""),
                ("/app/a/b%20c?x=1&y=%C3%BC", "/app", "/a/b c", "x=1&y=%C3%BC"),
                ("/deep/er/x", "/deep/er", "/x", ""),
                ("/deep/er", "/deep/er", "", ""),
                ("/", "", "/", ""),
                ("/other/thing?q", "", "/other/thing", "q")):
            env, _ = self.environ(path)
            self.assertEqual((env["SCRIPT_NAME"], env["PATH_INFO"], env["QUERY_STRING"]),
                             (script, info, query), path)
            self.assertEqual(env["REQUEST_METHOD"], "GET")
        # Longest prefix: the nodeinfo page is not the root application's.
        status, _, body = self.request("GET", "/info")
        self.assertEqual(status, 200)
        self.assertIn(b"<html", body.lower())

    def test_client_view_env_and_workdir(self):
        env, headers = self.environ("/app/who", headers={"X-Custom": "kept",
                                                          "X-Forwarded-For": "10.9.9.9"})
        self.assertEqual(env["REMOTE_ADDR"], "127.0.0.1")  # the peer Junction saw
        self.assertEqual(env["SERVER_NAME"], self.router.host)
        self.assertEqual(env["SERVER_PORT"], str(self.router.port))
        self.assertEqual(env["wsgi.url_scheme"], "http")
        self.assertEqual(env["HTTP_X_CUSTOM"], "kept")
        self.assertEqual(env["APP_GREETING"], "hi from env")
        self.assertEqual(os.path.realpath(env["cwd"]), os.path.realpath(self.router.tmpdir))
        self.assertEqual([v for k, v in headers if k.lower() == "set-cookie"], ["a=1", "b=2"])
        # A Host naming another name and port reaches the application as such.
        env, _ = self.environ("/app/who", headers={"Host": "example.org:8443"})
        self.assertEqual((env["SERVER_NAME"], env["SERVER_PORT"]), ("example.org", "8443"))

    def test_bodies_in_and_out(self):
        big = bytes(range(256)) * 4096  # 1 MiB
        status, headers, body = self.request("POST", "/app/echo-body", body=big,
                                             headers={"Content-Type": "application/x-test"})
        self.assertEqual(status, 200)
        self.assertEqual(dict((k.lower(), v) for k, v in headers)["x-length"], str(len(big)))
        self.assertEqual(body, big)
        status, _, body = self.request("GET", "/app/stream")
        self.assertEqual(status, 200)
        self.assertEqual(body, b"".join(b"chunk %03d\n" % i for i in range(100)))
        status, headers, body = self.request("HEAD", "/app/stream")
        self.assertEqual((status, body), (200, b""))
        conn = http.client.HTTPConnection(self.router.host, self.router.port, timeout=TIMEOUT)
        try:
            for i in range(5):
                status, _, body = self.request("POST", "/app/echo-body", body=b"x" * i, conn=conn)
                self.assertEqual((status, body), (200, b"x" * i))
        finally:
            conn.close()

    def test_requests_run_in_parallel(self):
        # maxthreads 8: eight requests that each sleep 0.5 s take well under 8 x 0.5 s.
        started = time.monotonic()
        with concurrent.futures.ThreadPoolExecutor(8) as pool:
            answers = list(pool.map(lambda _: self.request("GET", "/app/sleep"), range(8)))
        elapsed = time.monotonic() - started
        self.assertTrue(all(status == 200 for status, _, _ in answers), answers)
        self.assertLess(elapsed, 3.0)
        self.assertGreater(len({body for _, _, body in answers}), 1)  # several pool threads

    def test_application_that_raises(self):
        status, _, _ = self.request("GET", "/app/raise")
        self.assertEqual(status, 500)
        self.assertTrue(self.router.wait_for_log("the application raised on purpose"))
        # Raising after the answer started: the status and "partial" are out already; the
        # answer is cut (no last chunk, the connection reset) and the log says why.
        conn = http.client.HTTPConnection(self.router.host, self.router.port, timeout=TIMEOUT)
        try:
            conn.request("GET", "/app/raise-late")
            r = conn.getresponse()
            self.assertEqual(r.status, 200)
            with self.assertRaises((http.client.IncompleteRead, ConnectionError)):
                r.read()
        finally:
            conn.close()
        self.assertTrue(self.router.wait_for_log("the application raised while answering"))
        self.assertTrue(self.router.wait_for_log("the streamed answer broke off"))
        env, _ = self.environ("/app/still-there")
        self.assertEqual(env["PATH_INFO"], "/still-there")

    def handshake(self, path, first, last=b"last\n"):
        """GETs `path` + the flag file; the first line must arrive before the flag exists."""
        flag = os.path.join(self.tmp, "flag-%d" % time.monotonic_ns())
        conn = assert_streams_before_flag(self, self.router, path + "flag=" + flag, flag, first,
                                          last, timeout=TIMEOUT)
        try:
            # The connection stays usable after a chunked answer.
            conn.request("GET", "/app/pid")
            self.assertEqual(conn.getresponse().status, 200)
        finally:
            conn.close()

    def test_streamed_generator(self):
        self.handshake("/app/stream-handshake?", b"first\n")

    def test_streamed_flask_response(self):
        self.handshake("/flask/stream?who=ada&", b"first ada\n")

    def test_streamed_to_http10_and_head_and_length_kept(self):
        # HTTP/1.0: no chunked coding; the body ends with the connection.
        with socket.create_connection((self.router.host, self.router.port), TIMEOUT) as s:
            s.sendall(b"GET /app/stream HTTP/1.0\r\nHost: x\r\n\r\n")
            data = b""
            while True:
                piece = s.recv(65536)
                if not piece:
                    break
                data += piece
        head, _, body = data.partition(b"\r\n\r\n")
        self.assertTrue(head.startswith(b"HTTP/1.0 200"), head)
        self.assertNotIn(b"transfer-encoding", head.lower())
        self.assertNotIn(b"content-length", head.lower())
        self.assertEqual(body, b"".join(b"chunk %03d\n" % i for i in range(100)))
        # The application's own Content-Length goes through.
        status, headers, body = self.request("GET", "/app/stream-big?n=300000&sized=1")
        headers = {k.lower(): v for k, v in headers}
        self.assertEqual((status, headers.get("content-length"), len(body)), (200, "300000", 300000))
        self.assertNotIn("transfer-encoding", headers)
        status, headers, body = self.request("HEAD", "/app/stream")
        self.assertEqual((status, body), (200, b""))

    def test_client_that_goes_away_closes_the_iterable(self):
        marker = os.path.join(self.tmp, "closed-%d" % time.monotonic_ns())
        hang_up_after_first_line(self, self.router, "/app/stream-endless?marker=" + marker,
                                 b"tick 000001\n", TIMEOUT)
        # Junction closes its connection to the launcher; Twisted stops iterating and calls
        # close() on the application's iterable.
        self.assertTrue(wait_for_file(marker), "close() was not called")
        with open(marker) as f:
            self.assertLess(int(f.read().split()[2]), 1000)

    def test_large_answer_streams_with_bounded_memory(self):
        # 24 MiB (Twisted's side is slow; the proxy suite sends 80 MiB, over the old 64 MiB cap,
        # through the same forwarding): read whole first, junction would grow by all of it.
        total = 24 << 20
        pid = self.router.proc.pid
        conn = http.client.HTTPConnection(self.router.host, self.router.port, timeout=TIMEOUT)
        try:
            conn.request("GET", "/app/stream-big?n=%d" % total)
            r = conn.getresponse()
            self.assertEqual(r.status, 200)
            got = 0
            before = rss_kib(pid)
            peak = before
            while True:
                piece = r.read(1 << 20)
                if not piece:
                    break
                got += len(piece)
                if got % (4 << 20) < (1 << 20):
                    peak = max(peak, rss_kib(pid))
            self.assertEqual(got, total)
        finally:
            conn.close()
        self.assertLess(peak - before, 12 * 1024, "junction grew by %d KiB" % (peak - before))

    def test_flask_application(self):
        with urllib.request.urlopen(self.router.http_base + "/flask/", timeout=TIMEOUT) as r:
            self.assertEqual(r.status, 200)
            self.assertIn(b"Hello from Flask", r.read())
        with urllib.request.urlopen(self.router.http_base + "/flask/hello/ada",
                                    timeout=TIMEOUT) as r:
            answer = json.loads(r.read())
        self.assertEqual(answer["greeting"], "hello ada")
        self.assertEqual(answer["script_root"], "/flask")
        self.assertEqual(answer["url"], "/flask/hello/ada")
        self.assertEqual(answer["external"], self.router.http_base + "/flask/hello/ada")
        data = urllib.parse.urlencode({"name": "Grace", "lang": "COBOL"}).encode()
        with urllib.request.urlopen(self.router.http_base + "/flask/form", data=data,
                                    timeout=TIMEOUT) as r:
            self.assertEqual(json.loads(r.read()),
                             {"fields": {"name": "Grace", "lang": "COBOL"}, "method": "POST"})
        for path, code in (("/flask/nothing", 404), ("/flask/fail", 500)):
            with self.assertRaises(urllib.error.HTTPError) as cm:
                urllib.request.urlopen(self.router.http_base + path, timeout=TIMEOUT)
            self.assertEqual(cm.exception.code, code, path)
        self.assertTrue(self.router.wait_for_log("a Flask view raised"))

    def test_module_that_does_not_import(self):
        self.assertTrue(self.router.wait_for_log("cannot import WSGI module 'no_such_module_here'",
                                                 timeout=TIMEOUT))
        self.assertTrue(self.router.wait_for_log("exited with status 3; restarting",
                                                 timeout=TIMEOUT))
        # Between two attempts a request is answered 502 at once; while an attempt starts it
        # waits for that attempt to fail, then gets 502 too.
        status, _, body = self.request("GET", "/broken/x")
        self.assertEqual(status, 502)
        self.assertIn(b"Bad gateway", body)

    def test_launcher_that_dies_is_restarted(self):
        # Its own launcher: the crash must not disturb the other tests' mounts.
        status, _, before = self.request("GET", "/deep/er/pid")
        self.assertEqual(status, 200)
        status, _, _ = self.request("GET", "/deep/er/exit")
        self.assertEqual(status, 502)
        self.assertTrue(self.router.wait_for_log("wsgi /deep/er: the WSGI launcher exited with "
                                                 "status 7; restarting"))
        deadline = time.monotonic() + TIMEOUT
        while True:
            status, _, after = self.request("GET", "/deep/er/pid")
            if status == 200:
                break
            self.assertEqual(status, 502)
            self.assertLess(time.monotonic(), deadline, "the launcher did not come back")
            time.sleep(0.1)
        self.assertNotEqual(before, after)


if __name__ == "__main__":
    main()
