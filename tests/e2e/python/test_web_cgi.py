"""The "cgi" path service with a real HTTP client (http.client): shell scripts run by /bin/sh and
a Python script run by /usr/bin/python3, written into a temporary directory by this test.

Checked: the CGI/1.1 meta-variables (SCRIPT_NAME = mount + script path, PATH_INFO the rest,
QUERY_STRING, REQUEST_METHOD, CONTENT_TYPE/LENGTH, REMOTE_ADDR, SERVER_NAME/PORT, HTTP_*, no
HTTP_PROXY, nothing else of junction's environment), the body on stdin, Status / Location /
other header fields parsed from stdout, stderr into the node log, the working directory; the
failures: no header block (502), a script slower than `timeout` (504, its process group killed),
paths that are not scripts (directories, missing files, "..", "%2e%2e", a symlink out of the
directory: 404), and requests in parallel. Streamed answers: the first line a script writes
reaches the client before it writes its last (a file handshake), chunked, or with the script's
own Content-Length; a client that goes away mid-answer has the script killed and reaped.

Run: /usr/bin/python3 test_web_cgi.py path/to/junction
"""

import concurrent.futures
import json
import os
import shutil
import tempfile
import time
import unittest

from junction_harness import (RouterProcess, assert_streams_before_flag,
                              hang_up_after_first_line, http_request, main, web_config)

TIMEOUT = 10.0

SCRIPTS = {
    "env.py": r'''
import json, os, sys
body = sys.stdin.buffer.read()
keys = ("GATEWAY_INTERFACE", "SERVER_PROTOCOL", "REQUEST_METHOD", "SCRIPT_NAME", "PATH_INFO",
        "QUERY_STRING", "CONTENT_TYPE", "CONTENT_LENGTH", "REMOTE_ADDR", "SERVER_NAME",
        "SERVER_PORT", "HTTP_X_CUSTOM", "HTTP_PROXY", "HTTP_ACCEPT", "JUNCTION_TEST_SECRET",
        "SERVER_SOFTWARE", "REQUEST_URI")
answer = {k: os.environ.get(k) for k in keys}
answer["body"] = body.decode("latin-1")
answer["cwd"] = os.getcwd()
sys.stdout.write("Content-Type: application/json\r\nX-Script: env\r\n\r\n")
sys.stdout.write(json.dumps(answer))
''',
    "stream.py": r'''
import os, sys, time
flag = os.environ["QUERY_STRING"]
sys.stdout.write("Content-Type: text/plain\n\nfirst\n")
sys.stdout.flush()
deadline = time.monotonic() + 10
while not os.path.exists(flag) and time.monotonic() < deadline:
    time.sleep(0.01)
sys.stdout.write("last\n" if os.path.exists(flag) else "timeout\n")
''',
    "sized.py": r'''
import sys, time
sys.stdout.write("Content-Type: text/plain\nContent-Length: 11\n\nhello")
sys.stdout.flush()
time.sleep(0.05)
sys.stdout.write(" world")
''',
    "endless.py": r'''
import os, sys, time
with open(os.environ["QUERY_STRING"], "w") as f:
    f.write(str(os.getpid()))
sys.stdout.write("Content-Type: text/plain\n\n")
for i in range(3000):
    sys.stdout.write("tick %06d\n" % i)
    sys.stdout.flush()
    time.sleep(0.02)
''',
    "sub/nested.py": r'''
import os
print("Content-Type: text/plain")
print()
print(os.environ["SCRIPT_NAME"] + "|" + os.environ["PATH_INFO"], end="")
''',
}

SH_SCRIPTS = {
    "status.sh": 'printf "Status: 404 Not Found\\nContent-Type: text/plain\\nX-A: 1\\nX-A: 2\\n\\nnothing here"\n',
    "redirect.sh": 'printf "Location: https://example.org/elsewhere\\n\\n"\n',
    "nohead.sh": 'echo "just text, no header block"\n',
    "cat.sh": 'printf "Content-Type: application/octet-stream\\r\\n\\r\\n"; cat\n',
    "stderr.sh": 'echo "a warning from the script" >&2; printf "Content-Type: text/plain\\n\\nok"\n',
    "slow.sh": 'sleep 30 & echo $! > "$0.child"; sleep 30; printf "Content-Type: text/plain\\n\\nlate"\n',
    "sleep.sh": 'sleep 0.5; printf "Content-Type: text/plain\\n\\n$$"\n',
    "fail.sh": 'printf "Content-Type: text/plain\\n\\npartial"; exit 3\n',
}


def pid_alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    with open("/proc/%d/stat" % pid) as f:
        return f.read().split(")")[-1].split()[0] != "Z"


class CgiTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(prefix="junction-cgi-")
        cls.py = os.path.join(cls.dir, "py")
        cls.sh = os.path.join(cls.dir, "sh")
        for base, scripts in ((cls.py, SCRIPTS), (cls.sh, SH_SCRIPTS)):
            for name, text in scripts.items():
                path = os.path.join(base, name)
                os.makedirs(os.path.dirname(path), exist_ok=True)
                with open(path, "w") as f:
                    f.write(text)
        os.makedirs(os.path.join(cls.sh, "emptydir"))
        with open(os.path.join(cls.dir, "outside.sh"), "w") as f:
            f.write('printf "Content-Type: text/plain\\n\\nescaped"\n')
        os.symlink(os.path.join(cls.dir, "outside.sh"), os.path.join(cls.sh, "link.sh"))
        os.symlink(os.path.join(cls.sh, "status.sh"), os.path.join(cls.sh, "inside.sh"))
        os.environ["JUNCTION_TEST_SECRET"] = "must not reach scripts"
        config = web_config({
            "py": {"type": "cgi", "directory": cls.py, "processor": "/usr/bin/python3"},
            "sh": {"type": "cgi", "directory": cls.sh, "processor": "sh",
                   "timeout": 1},
        })
        cls.router = RouterProcess(config=config, name="cgi").start()

    @classmethod
    def tearDownClass(cls):
        cls.router.stop()
        shutil.rmtree(cls.dir, ignore_errors=True)

    def request(self, method, path, body=None, headers=None):
        return http_request(self.router, method, path, body, headers, timeout=TIMEOUT)

    def test_environment_and_body(self):
        status, headers, body = self.request(
            "POST", "/py/env.py/extra/a%20b?x=1&y=2", body=b"name=value&other=1",
            headers={"Content-Type": "application/x-www-form-urlencoded", "X-Custom": "kept",
                     "Proxy": "http://evil.example:3128", "Accept": "a/b", })
        self.assertEqual(status, 200, body)
        self.assertEqual(dict((k.lower(), v) for k, v in headers)["x-script"], "env")
        env = json.loads(body)
        self.assertEqual(env["GATEWAY_INTERFACE"], "CGI/1.1")
        self.assertEqual(env["SERVER_PROTOCOL"], "HTTP/1.1")
        self.assertEqual(env["REQUEST_METHOD"], "POST")
        self.assertEqual(env["SCRIPT_NAME"], "/py/env.py")
        self.assertEqual(env["PATH_INFO"], "/extra/a b")
        self.assertEqual(env["QUERY_STRING"], "x=1&y=2")
        self.assertEqual(env["REQUEST_URI"], "/py/env.py/extra/a%20b?x=1&y=2")
        self.assertEqual(env["CONTENT_TYPE"], "application/x-www-form-urlencoded")
        self.assertEqual(env["CONTENT_LENGTH"], "18")
        self.assertEqual(env["body"], "name=value&other=1")
        self.assertEqual(env["REMOTE_ADDR"], "127.0.0.1")
        self.assertEqual(env["SERVER_NAME"], self.router.host)
        self.assertEqual(env["SERVER_PORT"], str(self.router.port))
        self.assertEqual(env["HTTP_X_CUSTOM"], "kept")
        self.assertEqual(env["HTTP_ACCEPT"], "a/b")
        self.assertIsNone(env["HTTP_PROXY"])
        self.assertIsNone(env["JUNCTION_TEST_SECRET"])
        self.assertTrue(env["SERVER_SOFTWARE"].startswith("Junction/"))
        self.assertEqual(os.path.realpath(env["cwd"]), os.path.realpath(self.py))
        status, _, body = self.request("GET", "/py/sub/nested.py")
        self.assertEqual((status, body), (200, b"/py/sub/nested.py|"))
        status, _, body = self.request("GET", "/py/sub/nested.py/")
        self.assertEqual((status, body), (200, b"/py/sub/nested.py|/"))

    def test_answers_parsed(self):
        status, headers, body = self.request("GET", "/sh/status.sh")
        self.assertEqual((status, body), (404, b"nothing here"))
        self.assertEqual([v for k, v in headers if k.lower() == "x-a"], ["1", "2"])
        status, headers, _ = self.request("GET", "/sh/redirect.sh")
        self.assertEqual(status, 302)
        self.assertEqual(dict((k.lower(), v) for k, v in headers)["location"],
                         "https://example.org/elsewhere")
        big = bytes(range(256)) * 2048  # 512 KiB through stdin and back
        status, _, body = self.request("PUT", "/sh/cat.sh", body=big)
        self.assertEqual(status, 200)
        self.assertEqual(body, big)
        status, _, body = self.request("GET", "/sh/stderr.sh")
        self.assertEqual((status, body), (200, b"ok"))
        self.assertTrue(self.router.wait_for_log("a warning from the script"))
        # A script that exits non-zero after a valid answer: the answer is sent.
        status, _, body = self.request("GET", "/sh/fail.sh")
        self.assertEqual((status, body), (200, b"partial"))
        status, _, body = self.request("HEAD", "/sh/stderr.sh")
        self.assertEqual((status, body), (200, b""))

    def test_failures(self):
        status, _, body = self.request("GET", "/sh/nohead.sh")
        self.assertEqual(status, 502)
        self.assertTrue(self.router.wait_for_log("no valid CGI answer"))
        started = time.monotonic()
        status, _, _ = self.request("GET", "/sh/slow.sh")
        self.assertEqual(status, 504)
        self.assertLess(time.monotonic() - started, 5)
        self.assertTrue(self.router.wait_for_log("did not finish within 1000 ms"))
        # The script's own child (its process group) was killed too.
        with open(os.path.join(self.sh, "slow.sh.child")) as f:
            child = int(f.read())
        deadline = time.monotonic() + 5
        while pid_alive(child) and time.monotonic() < deadline:
            time.sleep(0.05)
        self.assertFalse(pid_alive(child))

    def test_streamed_answers(self):
        flag = os.path.join(self.dir, "flag")
        conn = assert_streams_before_flag(self, self.router, "/py/stream.py?" + flag, flag,
                                          timeout=TIMEOUT)
        try:
            conn.request("GET", "/py/sized.py")
            r = conn.getresponse()
            self.assertEqual((r.status, r.getheader("Content-Length")), (200, "11"))
            self.assertIsNone(r.getheader("Transfer-Encoding"))
            self.assertEqual(r.read(), b"hello world")
        finally:
            conn.close()

    def test_client_that_goes_away_kills_the_script(self):
        pidfile = os.path.join(self.dir, "endless.pid")
        hang_up_after_first_line(self, self.router, "/py/endless.py?" + pidfile, b"tick 000000\n",
                                 TIMEOUT)
        with open(pidfile) as f:  # written before the first tick
            pid = int(f.read())
        deadline = time.monotonic() + TIMEOUT
        while pid_alive(pid):
            self.assertLess(time.monotonic(), deadline, "the script still runs")
            time.sleep(0.02)
        # Reaped, not a zombie: /proc has no entry for it any more.
        while os.path.exists("/proc/%d" % pid):
            self.assertLess(time.monotonic(), deadline, "the script was not reaped")
            time.sleep(0.02)

    def test_paths_that_are_not_scripts(self):
        for path in ("/sh", "/sh/", "/sh/emptydir", "/sh/emptydir/", "/sh/missing.sh",
                     "/sh/../py/env.py", "/sh/%2e%2e/py/env.py", "/sh/emptydir/%2E%2E/status.sh",
                     "/sh/link.sh", "/sh/a%00b", "/sh/%2fetc%2fpasswd"):
            status, _, body = self.request("GET", path)
            self.assertIn(status, (400, 404), path)
            self.assertNotIn(b"escaped", body, path)
        # A symlink that stays inside the directory is followed.
        status, _, body = self.request("GET", "/sh/inside.sh")
        self.assertEqual((status, body), (404, b"nothing here"))

    def test_parallel(self):
        started = time.monotonic()
        with concurrent.futures.ThreadPoolExecutor(6) as pool:
            answers = list(pool.map(lambda _: self.request("GET", "/sh/sleep.sh"), range(6)))
        self.assertTrue(all(status == 200 for status, _, _ in answers), answers)
        self.assertEqual(len({body for _, _, body in answers}), 6)  # six processes
        self.assertLess(time.monotonic() - started, 2.5)


if __name__ == "__main__":
    main()
