"""systemd notify as systemd sees it: junction started with $NOTIFY_SOCKET pointing at a Unix
datagram socket made here (what systemd does for a Type=notify service) sends READY=1 once its
listeners accept connections (a TCP connect to the port its STATUS names succeeds at that
moment) and STOPPING=1 when SIGTERM starts the shutdown; SIGHUP reloads the roles (logged) and
leaves the node running; and contrib/junction.service is a Type=notify unit whose
ExecStart uses `junction start`.

Usage: test_systemd.py JUNCTION"""

import json
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import unittest

JUNCTION = None
TIMEOUT = 15
REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def config():
    return {
        "version": 2,
        "workers": [{
            "type": "router",
            "realms": [{"name": "realm1", "roles": [{"name": "anonymous", "permissions": [
                {"uri": "", "match": "prefix",
                 "allow": {"call": True, "register": True, "publish": True,
                           "subscribe": True}}]}]}],
            "transports": [{
                "type": "web",
                "endpoint": {"type": "tcp", "port": 0, "interface": "127.0.0.1"},
                "paths": {"/": {"type": "nodeinfo"}, "ws": {"type": "websocket"}},
            }],
        }],
    }


class SystemdNotifyTest(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="junction-systemd-")
        with open(os.path.join(self.dir, "config.json"), "w") as f:
            json.dump(config(), f)
        self.sock_path = os.path.join(self.dir, "notify.sock")
        self.notify = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.notify.bind(self.sock_path)
        self.notify.settimeout(TIMEOUT)
        self.log = []
        env = dict(os.environ, NOTIFY_SOCKET=self.sock_path)
        self.proc = subprocess.Popen([JUNCTION, "start", "--cbdir", self.dir], env=env,
                                     stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.PIPE, text=True)
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self):
        for line in self.proc.stderr:
            self.log.append(line.rstrip("\n"))

    def tearDown(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(5)
        self.notify.close()

    def receive(self):
        data = self.notify.recv(4096).decode()
        return dict(line.split("=", 1) for line in data.splitlines() if "=" in line)

    def wait_log(self, text):
        deadline = time.time() + TIMEOUT
        while time.time() < deadline:
            if any(text in line for line in self.log):
                return
            time.sleep(0.02)
        self.fail("no log line with %r:\n%s" % (text, "\n".join(self.log)))

    def test_ready_sighup_stopping(self):
        ready = self.receive()
        self.assertEqual(ready.get("READY"), "1", ready)
        m = re.search(r"listening on 127\.0\.0\.1:(\d+)", ready.get("STATUS", ""))
        self.assertIsNotNone(m, ready)
        # READY means accepting: a connection made right now is served.
        with socket.create_connection(("127.0.0.1", int(m.group(1))), timeout=5) as c:
            c.sendall(b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            self.assertTrue(c.recv(64).startswith(b"HTTP/1.1 200"))

        self.proc.send_signal(signal.SIGHUP)
        self.wait_log("SIGHUP: roles and permissions reloaded (realm1)")
        self.assertIsNone(self.proc.poll(), "SIGHUP ended the node")

        self.proc.send_signal(signal.SIGTERM)
        stopping = self.receive()
        self.assertEqual(stopping.get("STOPPING"), "1", stopping)
        self.assertEqual(self.proc.wait(TIMEOUT), 0)


class UnitFileTest(unittest.TestCase):
    def test_unit_file(self):
        with open(os.path.join(REPO, "contrib", "junction.service")) as f:
            text = f.read()
        keys = dict(re.findall(r"^(\w+)=(.*)$", text, re.M))
        self.assertEqual(keys["Type"], "notify")
        self.assertRegex(keys["ExecStart"], r"/junction start( |$)")
        self.assertIn("[Install]", text)


if __name__ == "__main__":
    JUNCTION = os.path.abspath(sys.argv.pop(1))
    unittest.main(verbosity=2)
