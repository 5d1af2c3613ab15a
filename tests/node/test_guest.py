"""Guest workers (Crossbar's "guest") as a user runs them: `junction start` in a temporary node
directory with small Python scripts as guests. Output lines in the node log (stdout, stderr,
drop, close), working directory and environment (inherit false/list, vars), stdin (a JSON value,
close), Crossbar's options.watch (a file created below a watched directory restarts the guest;
the same node serves a "flashpolicy" transport, asked by a plain socket),
restart per Junction's options.junction.restart (on-failure with back-off, never), a guest
exit that does not stop the node, controller options.shutdown that does, SIGTERM at shutdown
(SIGKILL after stop_timeout for a guest that ignores it), no process left when junction itself is
SIGKILLed, and a guest that talks WAMP to the router (Autobahn|Python, Twisted) once it listens.

Usage: test_guest.py JUNCTION"""

import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import textwrap
import time
import unittest

import node_process
from node_process import Node, alive, wait_for

JUNCTION = None
TIMEOUT = 15
PYTHON = "/usr/bin/python3"


def router_worker():
    return {
        "type": "router",
        "realms": [{"name": "realm1", "roles": [{"name": "anonymous", "permissions": [
            {"uri": "", "match": "prefix",
             "allow": {"call": True, "register": True, "publish": True, "subscribe": True}}]}]}],
        "transports": [{
            "type": "rawsocket",
            "endpoint": {"type": "unix", "path": "router.sock"},
            "serializers": ["cbor", "msgpack", "json"],
        }],
    }



class GuestTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory(prefix="junction-guest-")
        self.dir = self.tmp.name
        self.cbdir = os.path.join(self.dir, ".crossbar")
        os.mkdir(self.cbdir)
        self.nodes = []

    def tearDown(self):
        for n in self.nodes:
            n.kill()
        self.tmp.cleanup()

    def script(self, name, body):
        path = os.path.join(self.dir, name)
        with open(path, "w") as f:
            f.write(textwrap.dedent(body))
        return path

    def start(self, guests, controller=None, transports=()):
        router = router_worker()
        router["transports"].extend(transports)
        config = {"version": 2, "controller": controller or {}, "workers": [router, *guests]}
        with open(os.path.join(self.cbdir, "config.json"), "w") as f:
            json.dump(config, f, indent=2)
        node = Node(self.dir, "--cbdir", self.cbdir)
        self.nodes.append(node)
        return node

    def pid_of(self, name):
        path = os.path.join(self.dir, name)
        def written():
            if not os.path.exists(path):
                return False
            with open(path) as f:
                return f.read().endswith("\n")
        wait_for(written, name)
        with open(path) as f:
            return int(f.read())

    def test_output_workdir_env_stdin(self):
        self.script("echo.py", """
            import json, os, sys
            print("out:", os.getcwd())
            print("env:", os.environ.get("GREETING"), os.environ.get("HOME"), os.environ.get("PATH") is not None)
            sys.stdout.flush()
            print("err: to stderr", file=sys.stderr)
            print("stdin:", json.dumps(json.load(sys.stdin), sort_keys=True))
            sys.stdout.flush()
            """)
        self.script("dropped.py", """
            import sys
            print("dropped line")
            sys.stdout.flush()
            try:
                print("closed line", file=sys.stderr)
                sys.stderr.flush()
                print("stderr still open")
            except BrokenPipeError:
                print("stderr closed: EPIPE")
            """)
        os.mkdir(os.path.join(self.dir, "work"))
        node = self.start([
            {"type": "guest", "id": "echo", "executable": PYTHON, "arguments": ["../echo.py"],
             "options": {"workdir": "../work",
                         "env": {"inherit": ["PATH"], "vars": {"GREETING": "hello guest"}},
                         "stdin": {"type": "json", "value": {"a": [1, 2], "b": "x"}}}},
            {"type": "guest", "executable": PYTHON, "arguments": ["dropped.py"],
             "options": {"workdir": "..", "stdout": "drop", "stderr": "close"}},
        ])
        node.wait_line("guest echo: stdin:")
        text = node.text()
        self.assertIn("guest echo: out: " + os.path.join(self.dir, "work"), text)
        self.assertIn("guest echo: env: hello guest None True", text)
        # stderr has its own pipe and reader: it may be logged after the stdout lines.
        node.wait_line("guest echo: stderr: err: to stderr")
        self.assertIn('guest echo: stdin: {"a": [1, 2], "b": "x"}', text)
        node.wait_line("guest worker-002: exited with status")
        node.wait_line("guest echo: exited with status 0")
        self.assertNotIn("dropped line", node.text())
        self.assertNotIn("closed line", node.text())
        # A guest's exit does not stop the node (no controller options.shutdown).
        self.assertIsNone(node.proc.poll())
        self.assertEqual(node.stop(), 0)

    def test_stdin_close_kept_open_and_watch(self):
        self.script("reader.py", """
            import sys
            data = sys.stdin.read()
            print("read %d bytes, EOF" % len(data))
            """)
        self.script("watched.py", """
            import os, time
            path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "watched-runs")
            runs = int(open(path).read()) if os.path.exists(path) else 0
            open(path, "w").write(str(runs + 1))
            print("run", runs + 1, flush=True)
            time.sleep(60)
            """)
        os.makedirs(os.path.join(self.dir, "src", "sub"))
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            flash_port = s.getsockname()[1]
        node = self.start([
            {"type": "guest", "id": "closed", "executable": PYTHON,
             "arguments": ["reader.py"], "options": {"workdir": "..", "stdin": "close"}},
            {"type": "guest", "id": "open", "executable": PYTHON,
             "arguments": ["reader.py"], "options": {"workdir": ".."}},
            # Crossbar's options.watch: a change below ../src restarts it 0.1 s after it ended.
            {"type": "guest", "id": "watched", "executable": PYTHON, "arguments": ["watched.py"],
             "options": {"workdir": "..", "watch": {"directories": ["../src"],
                                                    "action": "restart", "timeout": 0.1}}},
        ], transports=[  # and, on the same node, Crossbar's Flash policy transport
            {"type": "flashpolicy", "allowed_domain": "*", "allowed_ports": [8080],
             "endpoint": {"type": "tcp", "interface": "127.0.0.1", "port": flash_port}}])
        node.wait_line("guest closed: read 0 bytes, EOF")
        node.wait_line("guest open: started")
        node.wait_line("guest watched: run 1")
        with open(os.path.join(self.dir, "src", "sub", "app.py"), "w") as f:
            f.write("changed = True\n")
        node.wait_line("guest watched: options.watch: %s: created; stopping (SIGTERM) to "
                       "restart it" % os.path.join(self.dir, "src", "sub", "app.py"))
        node.wait_line("restarting in 100 ms (options.watch)")
        node.wait_line("guest watched: run 2")
        node.wait_line("(Flash policy) listening on 127.0.0.1:%d" % flash_port)
        with socket.create_connection(("127.0.0.1", flash_port), timeout=TIMEOUT) as s:
            s.sendall(b"<policy-file-request/>\0")
            answer = b"".join(iter(lambda: s.recv(4096), b""))
        self.assertEqual(answer, b'<?xml version="1.0"?><cross-domain-policy><allow-access-from '
                                 b'domain="*" to-ports="8080" /></cross-domain-policy>')
        # the other guest's stdin stays open: it must still be waiting
        self.assertNotIn("guest open: read", node.text())
        self.assertEqual(node.stop(), 0)
        self.assertIn("guest open: stopping (SIGTERM", node.text())
        self.assertIn("guest watched: stopping (SIGTERM", node.text())

    def test_restart_on_failure_with_backoff_then_shutdown_trigger(self):
        self.script("flaky.py", """
            import os, sys
            path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "runs")
            runs = int(open(path).read()) if os.path.exists(path) else 0
            open(path, "w").write(str(runs + 1))
            print("run", runs + 1)
            sys.exit(3 if runs < 2 else 0)
            """)
        node = self.start(
            [{"type": "guest", "id": "flaky", "executable": PYTHON, "arguments": ["flaky.py"],
              "options": {"workdir": "..", "junction": {"restart": "on-failure",
                                                         "restart_delay": 0.1}}}],
            controller={"options": {"shutdown": ["shutdown_on_worker_exit"]}})
        node.wait_line("guest flaky: exited with status 3; restarting in 100 ms")
        node.wait_line("guest flaky: exited with status 3; restarting in 200 ms")
        node.wait_line("guest flaky: run 3")
        # The third run succeeds: on-failure does not restart it, and shutdown_on_worker_exit
        # stops the node.
        self.assertEqual(node.proc.wait(TIMEOUT), 0)
        node.reader.join(TIMEOUT)
        self.assertIn("guest flaky: exited with status 0", node.text())
        self.assertIn("Junction stopped", node.text())
        self.assertNotIn("still open", node.text())
        self.assertEqual(open(os.path.join(self.dir, "runs")).read(), "3")

    def test_exit_with_error_trigger_and_missing_executable(self):
        controller = {"options": {"shutdown": "shutdown_on_worker_exit_with_error"}}
        self.script("sleeper.py", "import time\ntime.sleep(60)\n")
        node = self.start([{"type": "guest", "id": "fine", "executable": "true"},
                           {"type": "guest", "id": "sleeper", "executable": PYTHON,
                            "arguments": ["sleeper.py"], "options": {"workdir": ".."}}],
                          controller=controller)
        node.wait_line("guest fine: exited with status 0")
        time.sleep(0.2)
        self.assertIsNone(node.proc.poll())  # a clean exit is not an exit with an error
        self.assertEqual(node.stop(), 0)

        node = self.start([{"type": "guest", "id": "missing", "executable": "./no-such-program"}],
                          controller=controller)
        self.assertEqual(node.proc.wait(TIMEOUT), 0)
        node.reader.join(TIMEOUT)
        text = node.text()
        self.assertIn("guest missing: cannot start './no-such-program' (workers[1]", text)
        self.assertIn("exec: No such file or directory", text)
        self.assertIn("guest missing: exited with status 127", text)
        self.assertIn("Junction stopped", text)
        self.assertNotIn("still open", text)

    def test_sigterm_then_sigkill_no_process_left(self):
        self.script("stubborn.py", """
            import os, signal, subprocess, sys, time
            here = os.path.dirname(os.path.abspath(__file__))
            signal.signal(signal.SIGTERM, lambda *a: print("ignoring SIGTERM", flush=True))
            child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
            open(os.path.join(here, "child.pid"), "w").write("%d\\n" % child.pid)
            open(os.path.join(here, "stubborn.pid"), "w").write("%d\\n" % os.getpid())
            while True:
                time.sleep(0.05)
            """)
        self.script("polite.py", """
            import os, time
            here = os.path.dirname(os.path.abspath(__file__))
            open(os.path.join(here, "polite.pid"), "w").write("%d\\n" % os.getpid())
            time.sleep(60)
            """)
        node = self.start([
            {"type": "guest", "id": "stubborn", "executable": PYTHON, "arguments": ["stubborn.py"],
             "options": {"workdir": "..", "junction": {"stop_timeout": 0.5}}},
            {"type": "guest", "id": "polite", "executable": PYTHON, "arguments": ["polite.py"],
             "options": {"workdir": ".."}},
        ])
        pids = [self.pid_of("stubborn.pid"), self.pid_of("child.pid"), self.pid_of("polite.pid")]
        started = time.time()
        self.assertEqual(node.stop(), 0)
        self.assertLess(time.time() - started, 5, node.text())
        text = node.text()
        self.assertIn("guest stubborn: ignoring SIGTERM", text)
        self.assertIn("guest stubborn: still running 500 ms after SIGTERM: SIGKILL", text)
        self.assertIn("guest stubborn: killed by SIGKILL", text)
        self.assertIn("guest polite: killed by SIGTERM", text)
        for pid in pids:
            wait_for(lambda: not alive(pid), "PID %d to end" % pid, timeout=5)

    def test_junction_sigkilled_leaves_no_guest(self):
        self.script("sleeper.py", """
            import os, time
            here = os.path.dirname(os.path.abspath(__file__))
            open(os.path.join(here, "sleeper.pid"), "w").write("%d\\n" % os.getpid())
            time.sleep(60)
            """)
        node = self.start([{"type": "guest", "executable": PYTHON, "arguments": ["sleeper.py"],
                            "options": {"workdir": ".."}}])
        pid = self.pid_of("sleeper.pid")
        self.assertTrue(alive(pid))
        node.proc.kill()
        node.proc.wait(TIMEOUT)
        wait_for(lambda: not alive(pid), "the guest to die with junction", timeout=5)

    def test_guest_talks_wamp_once_router_listens(self):
        self.script("client.py", """
            import sys
            from twisted.internet import reactor
            from twisted.internet.endpoints import UNIXClientEndpoint
            from autobahn.twisted.rawsocket import WampRawSocketClientFactory
            from autobahn.twisted.wamp import ApplicationSession
            from autobahn.wamp.types import ComponentConfig

            class Hello(ApplicationSession):
                async def onJoin(self, details):
                    await self.register(lambda a, b: a + b, "com.example.add")
                    print("sum", await self.call("com.example.add", 2, 3), flush=True)
                    self.leave()
                def onDisconnect(self):
                    reactor.stop()

            factory = WampRawSocketClientFactory(lambda: Hello(ComponentConfig("realm1")))
            UNIXClientEndpoint(reactor, ".crossbar/router.sock").connect(factory)
            reactor.run()
            """)
        node = self.start([{"type": "guest", "id": "client", "executable": PYTHON,
                            "arguments": ["client.py"], "options": {"workdir": ".."}}])
        node.wait_line("guest client: sum 5")
        node.wait_line("guest client: exited with status 0")
        self.assertEqual(node.stop(), 0)

    def test_check_refuses_bad_keys(self):
        cases = [
            ({"type": "guest"}, "missing required key 'executable'"),
            ({"type": "guest", "executable": "x", "options": {"stdout": "file"}},
             "workers[1].options.stdout: expected \"log\", \"drop\" or \"close\""),
            ({"type": "guest", "executable": "x",
              "options": {"watch": {"directories": ["."], "action": "reload"}}},
             "workers[1].options.watch.action: expected \"restart\""),
            ({"type": "guest", "executable": "x", "options": {"watch": {"directories": []}}},
             "workers[1].options.watch: expected a non-empty list of 'directories' to watch"),
            ({"type": "guest", "executable": "x", "options": {"junction": {"restart": "sometimes"}}},
             "workers[1].options.junction.restart: expected \"never\", \"on-failure\" or \"always\""),
            ({"type": "guest", "executable": "x", "options": {"stdin": {"type": "json"}}},
             "missing required key 'value'"),
        ]
        for guest, message in cases:
            with open(os.path.join(self.cbdir, "config.json"), "w") as f:
                json.dump({"version": 2, "workers": [router_worker(), guest]}, f)
            r = subprocess.run([JUNCTION, "check", "--cbdir", self.cbdir], capture_output=True,
                               text=True, timeout=TIMEOUT)
            self.assertEqual(r.returncode, 1, r.stdout)
            self.assertIn(message, r.stderr)


if __name__ == "__main__":
    JUNCTION = os.path.abspath(sys.argv.pop(1))
    node_process.JUNCTION = JUNCTION
    node_process.TIMEOUT = TIMEOUT
    unittest.main(verbosity=2)
