"""The `junction` command line as a user types it, in a temporary directory: version, check,
convert (JSON -> YAML -> JSON), status (--assert), start with node.pid (a second start refused),
stop, a SIGKILLed node's stale node.pid, unset "${VAR}" (check warns, start refuses), help per
command, and unknown commands and flags refused (exit 2, the command's usage on stderr).

Usage: test_cli.py JUNCTION"""

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
import urllib.request

JUNCTION = None
TIMEOUT = 15


def node_config(realm_name="realm1"):
    return {
        "version": 2,
        "controller": {},
        "workers": [{
            "type": "router",
            "realms": [{"name": realm_name, "roles": [{"name": "anonymous", "permissions": [
                {"uri": "", "match": "prefix",
                 "allow": {"call": True, "register": True, "publish": True, "subscribe": True}}]}]}],
            "transports": [{
                "type": "rawsocket",
                "endpoint": {"type": "tcp", "port": 0, "interface": "127.0.0.1"},
                "options": {"max_message_size": 1048576},
                "serializers": ["cbor", "msgpack", "json"],
            }, {
                "type": "web",
                "endpoint": {"type": "tcp", "port": 0, "interface": "127.0.0.1"},
                "paths": {"/": {"type": "nodeinfo"}, "ws": {"type": "websocket"}},
            }],
        }],
    }


class Node:
    """A `junction start` in the background, its stderr collected."""

    def __init__(self, cwd, *args):
        self.lines = []
        self.listening = threading.Event()
        self.proc = subprocess.Popen([JUNCTION, "start", *args], cwd=cwd, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.PIPE, text=True)
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self):
        for line in self.proc.stderr:
            self.lines.append(line.rstrip("\n"))
            if "listening on" in line:
                self.listening.set()

    def wait_listening(self):
        if not self.listening.wait(TIMEOUT):
            self.kill()
            raise AssertionError("no 'listening on' within %d s:\n%s" % (TIMEOUT, "\n".join(self.lines)))

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait(TIMEOUT)


class CliTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory(prefix="junction-cli-")
        self.dir = self.tmp.name
        self.cbdir = os.path.join(self.dir, ".crossbar")
        os.mkdir(self.cbdir)
        self.nodes = []

    def tearDown(self):
        for n in self.nodes:
            n.kill()
        self.tmp.cleanup()

    def junction(self, *args, env=None):
        r = subprocess.run([JUNCTION, *args], cwd=self.dir, capture_output=True, text=True,
                           timeout=30, env=env)
        return r.returncode, r.stdout, r.stderr

    def write_config(self, config, name="config.json"):
        with open(os.path.join(self.cbdir, name), "w") as f:
            json.dump(config, f, indent=2)

    def start(self, *args):
        node = Node(self.dir, *args)
        self.nodes.append(node)
        return node

    def test_version(self):
        rc, out, _ = self.junction("version")
        self.assertEqual(rc, 0)
        self.assertRegex(out, r"^Junction \S+")

    def test_check_and_convert_round_trip(self):
        config = node_config()
        config["workers"][0]["realms"][0]["name"] = "yes"  # a string YAML 1.1 would read as true
        self.write_config(config)
        rc, out, err = self.junction("check")
        self.assertEqual((rc, err), (0, ""))
        self.assertIn("config OK: ", out)

        rc, out, err = self.junction("convert")
        self.assertEqual(rc, 0, err)
        yaml_file = os.path.join(self.cbdir, "config.yaml")
        self.assertIn("config.yaml", out)
        self.assertTrue(os.path.isfile(yaml_file))
        # Never overwritten.
        rc, _, err = self.junction("convert")
        self.assertEqual(rc, 1)
        self.assertIn("config.yaml: already exists", err)

        # YAML back to JSON gives the same tree.
        os.rename(os.path.join(self.cbdir, "config.json"), os.path.join(self.dir, "orig.json"))
        rc, _, err = self.junction("check", "--config", yaml_file)
        self.assertEqual(rc, 0, err)
        rc, out, err = self.junction("convert", "--cbdir", ".crossbar")
        self.assertEqual(rc, 0, err)
        with open(os.path.join(self.cbdir, "config.json")) as f:
            self.assertEqual(json.load(f), config)

    def test_status_start_stop(self):
        self.write_config(node_config())
        rc, out, _ = self.junction("status")
        self.assertEqual(rc, 0)
        self.assertIn("stopped", out)
        self.assertEqual(self.junction("status", "--assert", "stopped")[0], 0)
        self.assertEqual(self.junction("status", "--assert", "running")[0], 1)
        rc, _, err = self.junction("stop")
        self.assertEqual(rc, 1)
        self.assertIn("no node is running", err)

        node = self.start()
        node.wait_listening()
        pid_file = os.path.join(self.cbdir, "node.pid")
        with open(pid_file) as f:
            self.assertEqual(json.load(f)["pid"], node.proc.pid)
        rc, out, _ = self.junction("status", "--assert", "running")
        self.assertEqual(rc, 0)
        self.assertIn("running (PID %d)" % node.proc.pid, out)

        # A second start on the same node directory is refused, the first keeps running.
        rc, _, err = self.junction("start")
        self.assertEqual(rc, 1)
        self.assertIn("already running", err)
        self.assertIn("PID %d" % node.proc.pid, err)
        self.assertIsNone(node.proc.poll())

        rc, out, err = self.junction("stop")
        self.assertEqual(rc, 0, err)
        self.assertIn("stopped", out)
        self.assertEqual(node.proc.wait(TIMEOUT), 0)
        self.assertFalse(os.path.exists(pid_file))
        self.assertEqual(self.junction("status", "--assert", "stopped")[0], 0)

    def test_sigkilled_node_leaves_a_stale_pid_file_that_start_replaces(self):
        self.write_config(node_config())
        node = self.start("--cbdir", self.cbdir)
        node.wait_listening()
        node.kill()
        self.assertTrue(os.path.exists(os.path.join(self.cbdir, "node.pid")))
        self.assertEqual(self.junction("status", "--cbdir", ".crossbar", "--assert", "stopped")[0], 0)
        again = self.start()
        again.wait_listening()
        self.assertEqual(self.junction("stop", "--cbdir", self.cbdir)[0], 0)
        self.assertEqual(again.proc.wait(TIMEOUT), 0)

    def test_unset_variable_warned_by_check_refused_by_start(self):
        config = node_config()
        config["workers"][0]["realms"][0]["name"] = "${JUNCTION_CLI_TEST_UNSET}"
        self.write_config(config)
        env = dict(os.environ)
        env.pop("JUNCTION_CLI_TEST_UNSET", None)
        rc, out, err = self.junction("check", env=env)
        self.assertEqual(rc, 0, err)
        self.assertIn("config OK", out)
        self.assertIn("environment variable 'JUNCTION_CLI_TEST_UNSET' is not set", err)
        rc, _, err = self.junction("start", env=env)
        self.assertEqual(rc, 1)
        self.assertIn("workers[0].realms[0].name: environment variable 'JUNCTION_CLI_TEST_UNSET' "
                      "is not set", err)
        self.assertFalse(os.path.exists(os.path.join(self.cbdir, "node.pid")))

    def test_keygen_and_keys(self):
        rc, _, err = self.junction("keys")
        self.assertEqual(rc, 1)
        self.assertIn("key.priv: cannot open", err)
        rc, out, err = self.junction("keygen")
        self.assertEqual(rc, 0, err)
        public = re.search(r"public-key-ed25519: ([0-9a-f]{64})$", out, re.M).group(1)
        priv = os.path.join(self.cbdir, "key.priv")
        self.assertEqual(os.stat(priv).st_mode & 0o777, 0o600)
        with open(priv) as f:
            self.assertRegex(f.read(), r"private-key-ed25519: [0-9a-f]{64}\n")
        rc, out, err = self.junction("keys", "--cbdir", ".crossbar")
        self.assertEqual((rc, out), (0, "public-key-ed25519: %s\n" % public), err)
        # Never replaced.
        rc, _, err = self.junction("keygen")
        self.assertEqual(rc, 1)
        self.assertIn("already exists", err)
        # A public key that does not belong to the private key is found out.
        with open(priv) as f:
            text = f.read()
        with open(priv, "w") as f:
            f.write(text.replace(public, "0" * 64))
        rc, _, err = self.junction("keys")
        self.assertEqual(rc, 1)
        self.assertIn("does not belong to its private key", err)

    def test_restart(self):
        self.write_config(node_config())
        first = self.start()
        first.wait_listening()
        restarted = subprocess.Popen([JUNCTION, "restart"], cwd=self.dir, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, text=True)
        self.assertEqual(first.proc.wait(TIMEOUT), 0)
        deadline = time.time() + TIMEOUT
        while time.time() < deadline:
            rc, out, _ = self.junction("status")
            if "running (PID %d)" % restarted.pid in out:
                break
            time.sleep(0.05)
        else:
            restarted.kill()
            self.fail("restart did not start a node: %s" % (restarted.communicate(),))
        self.assertEqual(self.junction("stop")[0], 0)
        self.assertEqual(restarted.wait(TIMEOUT), 0)

    def test_logformat_json_and_logtofile(self):
        self.write_config(node_config())
        node = self.start("--logformat", "json", "--loglevel", "debug")
        node.wait_listening()
        self.assertEqual(self.junction("stop")[0], 0)
        node.proc.wait(TIMEOUT)
        node.reader.join(TIMEOUT)
        records = [json.loads(line) for line in node.lines]
        self.assertTrue(records)
        for r in records:
            self.assertEqual(set(r), {"time", "level", "component", "message"})
            self.assertRegex(r["time"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
        self.assertTrue(any(r["component"] == "node" and "stopped" in r["message"] for r in records))

        node = self.start("--logtofile")
        deadline = time.time() + TIMEOUT
        log = os.path.join(self.cbdir, "node.log")
        while time.time() < deadline and not (
                os.path.exists(log) and "listening on" in open(log).read()):
            time.sleep(0.05)
        self.assertEqual(self.junction("stop")[0], 0)
        self.assertEqual(node.proc.wait(TIMEOUT), 0)
        node.reader.join(TIMEOUT)
        self.assertEqual(node.lines, [])  # nothing on stderr
        with open(log) as f:
            text = f.read()
        self.assertIn("listening on", text)
        self.assertIn("Junction stopped", text)

    def test_init_templates_start_and_answer(self):
        rc, out, err = self.junction("init", "--appdir", "app", "--template", "python")
        self.assertEqual(rc, 0, err)
        app = os.path.join(self.dir, "app")
        for f in (".crossbar/config.json", "web/index.html", "app/hello.py", "README"):
            self.assertTrue(os.path.isfile(os.path.join(app, f)), f)
            self.assertIn(f, out)
        # Never over an existing node directory.
        rc, _, err = self.junction("init", "--appdir", "app")
        self.assertEqual(rc, 1)
        self.assertIn(os.path.join("app", ".crossbar") + ": already exists", err)
        rc, _, err = self.junction("init", "--appdir", "other", "--template", "fortran")
        self.assertEqual(rc, 1)
        self.assertIn("unknown template 'fortran'", err)
        rc, _, err = self.junction("init", "--appdir", "plain")
        self.assertEqual(rc, 0, err)
        self.assertFalse(os.path.exists(os.path.join(self.dir, "plain", "app")))
        rc, _, err = self.junction("check", "--cbdir", os.path.join(self.dir, "plain", ".crossbar"))
        self.assertEqual(rc, 0, err)

        # The python template as it is, but for its port (tests run side by side).
        config_file = os.path.join(app, ".crossbar", "config.json")
        with open(config_file) as f:
            config = json.load(f)
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        self.assertEqual(config["workers"][0]["transports"][0]["endpoint"]["port"], 8080)
        config["workers"][0]["transports"][0]["endpoint"]["port"] = port
        with open(config_file, "w") as f:
            json.dump(config, f)
        node = Node(self.dir, "--cbdir", os.path.join(app, ".crossbar"))
        self.nodes.append(node)
        deadline = time.time() + TIMEOUT
        while time.time() < deadline and not any("com.example.add2 registered" in l for l in node.lines):
            time.sleep(0.05)
        self.assertTrue(any("com.example.add2 registered" in l for l in node.lines), "\n".join(node.lines))
        with urllib.request.urlopen("http://127.0.0.1:%d/" % port, timeout=TIMEOUT) as r:
            self.assertIn(b"It works.", r.read())
        client = r"""
import sys
from twisted.internet import reactor
from twisted.internet.endpoints import TCP4ClientEndpoint
from autobahn.twisted.websocket import WampWebSocketClientFactory
from autobahn.twisted.wamp import ApplicationSession
from autobahn.wamp.types import ComponentConfig
port = int(sys.argv[1])
class C(ApplicationSession):
    async def onJoin(self, details):
        print(await self.call("com.example.add2", 20, 22), flush=True)
        self.leave()
    def onDisconnect(self):
        reactor.stop()
f = WampWebSocketClientFactory(lambda: C(ComponentConfig("realm1")), url="ws://127.0.0.1:%d/ws" % port)
TCP4ClientEndpoint(reactor, "127.0.0.1", port).connect(f)
reactor.callLater(10, reactor.stop)
reactor.run()
"""
        r = subprocess.run(["/usr/bin/python3", "-c", client, str(port)], capture_output=True,
                           text=True, timeout=TIMEOUT)
        self.assertEqual(r.stdout.strip(), "42", r.stderr)
        node.proc.send_signal(signal.SIGTERM)
        self.assertEqual(node.proc.wait(TIMEOUT), 0)

    def test_usage_errors(self):
        rc, _, err = self.junction("frobnicate")
        self.assertEqual(rc, 2)
        self.assertIn("unknown command 'frobnicate'", err)
        rc, _, err = self.junction("status", "--assert", "maybe")
        self.assertEqual(rc, 2)
        rc, _, err = self.junction("start", "--logformat", "xml")
        self.assertEqual(rc, 2)
        self.assertIn("--logformat takes text or json, not 'xml'", err)

    def test_help_per_command(self):
        rc, out, err = self.junction("--help")
        self.assertEqual((rc, err), (0, ""))
        for command in ("init", "start", "stop", "restart", "status", "check", "convert", "keygen",
                        "keys", "version", "help"):
            self.assertRegex(out, r"\n  %s +\S" % command)
        rc, out, err = self.junction("start", "--help")
        self.assertEqual((rc, err), (0, ""))
        self.assertIn("Usage: junction start [options]", out)
        for option in ("--cbdir DIR", "--config FILE", "--loglevel LEVEL", "--logformat FORMAT",
                       "--logtofile", "--threads N"):
            self.assertIn(option, out)
        self.assertNotIn("--assert", out)
        # `help COMMAND` says the same as `COMMAND --help`; -h too, even after other options.
        self.assertEqual(self.junction("help", "status"), self.junction("status", "-h"))
        rc, out, _ = self.junction("status", "--cbdir", "nowhere", "-h")
        self.assertEqual(rc, 0)
        self.assertIn("--assert STATE", out)
        self.assertFalse(os.path.exists(os.path.join(self.cbdir, "node.pid")))

    def test_unknown_flags_and_commands_are_refused(self):
        def refused(args, message, usage_of):
            rc, out, err = self.junction(*args)
            self.assertEqual((rc, out), (2, ""), err)
            self.assertTrue(err.startswith("junction: %s\n" % message), err)
            self.assertIn("Usage: junction %s" % usage_of, err)
        refused(["start", "--colour", "auto"], "unknown option '--colour' for 'start'",
                "start [options]")
        refused(["stop", "--config", "x"], "unknown option '--config' for 'stop'", "stop [options]")
        refused(["status", "running"], "unexpected argument 'running' for 'status'",
                "status [options]")
        refused(["start", "--cbdir"], "option '--cbdir' needs a value", "start [options]")
        refused(["frobnicate"], "unknown command 'frobnicate'", "[options] [COMMAND]")
        refused([], "no command given", "[options] [COMMAND]")
        # Crossbar's own flags and commands that Junction lacks say so.
        refused(["start", "--color", "false"], "option '--color' of crossbar start is not "
                "supported yet", "start [options]")
        refused(["upgrade"], "command 'upgrade' of crossbar is not supported yet",
                "[options] [COMMAND]")
        # Nothing was started or created on the way.
        self.assertEqual(os.listdir(self.cbdir), [])


if __name__ == "__main__":
    JUNCTION = os.path.abspath(sys.argv.pop(1))
    unittest.main(verbosity=2)
