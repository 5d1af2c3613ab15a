"""Python components (Crossbar's container workers and router components) run by Junction's
launcher with the system's Autobahn|Python: a Crossbar example config (hello/python from
crossbar-examples, only its port changed) starts and its container component answers an
Autobahn|Python client; a router component joins with its configured role (the private socket is
trusted) and gets that role's permissions; options.pythonpath, env and extra reach the component;
the component's log lines are in the node log at their level; a router component of type
"function" runs its callbacks; crossbar-examples' authentication/ticket/function config (only its
port changed) authenticates an Autobahn|Python client through its Python function authenticator,
which no other caller reaches; a component class that cannot be
imported is an error line and does not stop the node; shutdown-on-last-component-stopped ends the
container; SIGTERM leaves no Python process behind.

Usage: test_components.py JUNCTION CORPUS_DIR"""

import json
import os
import socket
import subprocess
import sys
import tempfile
import textwrap
import unittest

import node_process
from node_process import Node, alive, wait_for

JUNCTION = None
CORPUS = None
TIMEOUT = 20
PYTHON = "/usr/bin/python3"

# A client run in a subprocess (Twisted's reactor runs once per process): joins realm1 over the
# given RawSocket Unix path or WebSocket URL, makes the calls given as JSON on argv, prints one
# JSON line with the results (errors as {"error": uri}).
CLIENT = r'''
import json, sys
from twisted.internet import reactor
from twisted.internet.endpoints import UNIXClientEndpoint
from autobahn.twisted.rawsocket import WampRawSocketClientFactory
from autobahn.twisted.websocket import WampWebSocketClientFactory
from autobahn.twisted.wamp import ApplicationSession
from autobahn.wamp.exception import ApplicationError
from autobahn.wamp.types import ComponentConfig
from twisted.internet.endpoints import TCP4ClientEndpoint

where, calls = sys.argv[1], json.loads(sys.argv[2])
out = {}
# "ticket=AUTHID:TICKET" on argv: WAMP-Ticket authentication (else anonymous).
ticket = next((a[7:].split(":", 1) for a in sys.argv[3:] if a.startswith("ticket=")), None)

class Client(ApplicationSession):
    def onConnect(self):
        if ticket:
            self.join(self.config.realm, ["ticket"], ticket[0])
        else:
            self.join(self.config.realm)
    def onChallenge(self, challenge):
        return ticket[1]
    def onLeave(self, details):
        if "joined" not in out:
            out["abort"] = details.reason
        self.disconnect()
    async def onJoin(self, details):
        out["joined"] = {"authid": details.authid, "authrole": details.authrole,
                         "authprovider": details.authprovider, "authextra": details.authextra}
        events = []
        if "wait_event" in sys.argv:
            await self.subscribe(lambda n: events.append(n), "com.example.oncounter")
        for name, args in calls:
            try:
                out[name] = await self.call(name, *args)
            except ApplicationError as e:
                out[name] = {"error": e.error}
        if "wait_event" in sys.argv:
            for _ in range(100):
                if events:
                    break
                await __import__("autobahn").twisted.util.sleep(0.05)
            out["event"] = events[:1]
        self.leave()
    def onDisconnect(self):
        print(json.dumps(out), flush=True)
        reactor.stop()

make = lambda: Client(ComponentConfig("realm1"))
if where.startswith("ws://"):
    port = int(where.split(":")[2].split("/")[0])
    factory = WampWebSocketClientFactory(make, url=where)
    TCP4ClientEndpoint(reactor, "127.0.0.1", port).connect(factory)
else:
    UNIXClientEndpoint(reactor, where).connect(WampRawSocketClientFactory(make))
reactor.callLater(15, reactor.stop)
reactor.run()
'''


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]



class ComponentTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory(prefix="junction-components-")
        self.dir = self.tmp.name
        self.nodes = []

    def tearDown(self):
        for n in self.nodes:
            n.kill()
        self.tmp.cleanup()

    def write(self, relpath, text):
        path = os.path.join(self.dir, relpath)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w") as f:
            f.write(textwrap.dedent(text))
        return path

    def start(self, cbdir):
        node = Node(self.dir, "--cbdir", cbdir)
        self.nodes.append(node)
        return node

    def client(self, where, calls, *flags):
        r = subprocess.run([PYTHON, "-c", CLIENT, where, json.dumps(calls), *flags],
                           capture_output=True, text=True, timeout=TIMEOUT)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertTrue(r.stdout.strip(), r.stderr)
        return json.loads(r.stdout.strip().splitlines()[-1])

    def test_crossbar_example_hello_python(self):
        with open(os.path.join(CORPUS, "hello", "python", ".crossbar", "config.json")) as f:
            config = json.load(f)
        port = free_port()
        web = config["workers"][0]["transports"][0]
        self.assertEqual(web["endpoint"]["port"], 8080)
        web["endpoint"]["port"] = port  # the only change: tests run side by side
        example = os.path.join(self.dir, "hello", "python")
        self.write("hello/python/.crossbar/config.json", json.dumps(config, indent=2))
        os.makedirs(os.path.join(example, "web"))
        os.makedirs(os.path.join(self.dir, "_shared-web-resources"))
        # The example's component (crossbar-examples ships it as hello/python/hello.py; the
        # corpus holds only the configs, so this is a small one of the same shape).
        self.write("hello/python/hello.py", """
            from autobahn.twisted.util import sleep
            from autobahn.twisted.wamp import ApplicationSession

            class AppSession(ApplicationSession):
                async def onJoin(self, details):
                    await self.register(lambda x, y: x + y, "com.example.add2")
                    self.log.info("procedure add2() registered")
                    counter = 0
                    while self.is_attached():
                        self.publish("com.example.oncounter", counter)
                        counter += 1
                        await sleep(0.05)
            """)
        node = self.start(os.path.join(example, ".crossbar"))
        node.wait_line("container worker-002: procedure add2() registered")
        result = self.client("ws://127.0.0.1:%d/ws" % port, [["com.example.add2", [2, 3]]],
                             "wait_event")
        self.assertEqual(result["com.example.add2"], 5)
        self.assertEqual(len(result["event"]), 1)
        self.assertEqual(node.stop(), 0)
        text = node.text()
        self.assertIn("container worker-002: component 'hello.AppSession' joined realm 'realm1'",
                      text)
        self.assertIn("Junction stopped", text)

    def test_crossbar_example_ticket_function_authenticator(self):
        rel = os.path.join("authentication", "ticket", "function")
        with open(os.path.join(CORPUS, rel, ".crossbar", "config.json")) as f:
            config = json.load(f)
        port = free_port()
        web = config["workers"][0]["transports"][0]
        self.assertEqual(web["endpoint"]["port"], 8080)
        web["endpoint"]["port"] = port  # the only change: tests run side by side
        self.assertEqual(web["paths"]["ws"]["auth"]["ticket"]["type"], "function")
        self.write(rel + "/.crossbar/config.json", json.dumps(config, indent=2))
        os.makedirs(os.path.join(self.dir, rel, "web"))
        os.makedirs(os.path.join(self.dir, "_shared-web-resources"))
        # The example's authenticator and backend (crossbar-examples ships them beside the config,
        # the corpus holds only the configs): the same shapes. The authenticator also hands back
        # what it was created with, so the client can see it.
        self.write(rel + "/authenticator.py", """
            from autobahn.wamp.exception import ApplicationError

            PRINCIPALS_DB = {"joe": {"ticket": "secret!!!", "role": "frontend"}}

            async def create_authenticator(config, controller):
                def authenticate(realm, authid, details):
                    principal = PRINCIPALS_DB.get(authid)
                    if principal is None:
                        raise ApplicationError("com.example.no_such_user", "no such principal")
                    if details["ticket"] != principal["ticket"]:
                        raise ApplicationError("com.example.invalid_ticket", "invalid ticket")
                    return {"role": principal["role"],
                            "extra": {"config": config, "controller": repr(controller),
                                      "realm": realm}}
                return authenticate
            """)
        self.write(rel + "/backend.py", """
            from autobahn.twisted.util import sleep
            from autobahn.twisted.wamp import ApplicationSession

            class BackendSession(ApplicationSession):
                async def onJoin(self, details):
                    await self.register(lambda x, y: x + y, "com.example.add2")
                    # The backend role may call anything, but not the authenticator. It may join
                    # before the launcher registered the function: ask again until it exists.
                    for _ in range(200):
                        try:
                            await self.call("junction.auth.function.0", "realm1", "joe", {})
                        except Exception as e:
                            if e.error == "wamp.error.no_such_procedure":
                                await sleep(0.05)
                                continue
                            self.log.info("authenticator call refused: {e}", e=e.error)
                        break
            """)
        node = self.start(os.path.join(self.dir, rel, ".crossbar"))
        node.wait_line("function authenticator 'authenticator.create_authenticator' ready")
        node.wait_line("authenticator call refused: wamp.error.not_authorized")
        url = "ws://127.0.0.1:%d/ws" % port
        result = self.client(url, [["com.example.add2", [2, 3]]], "ticket=joe:secret!!!")
        self.assertEqual(result["joined"], {
            "authid": "joe", "authrole": "frontend", "authprovider": "function",
            "authextra": {"config": {"dbname": "foo"}, "controller": "None", "realm": "realm1"}})
        self.assertEqual(result["com.example.add2"], 5)
        self.assertEqual(self.client(url, [], "ticket=joe:wrong")["abort"],
                         "com.example.invalid_ticket")
        self.assertEqual(node.stop(), 0)
        self.assertIn("'expose_controller' is not supported yet", node.text())

    def test_router_component_role_container_env_extra_and_failures(self):
        self.write("app/roles.py", """
            import os
            from autobahn.twisted.wamp import ApplicationSession

            class Backend(ApplicationSession):
                async def onJoin(self, details):
                    open(os.path.join(self.config.extra["dir"], "router.pid"), "w").write(
                        "%d\\n" % os.getpid())
                    await self.register(lambda: details.authrole, "com.backend.role")
                    self.log.warn("backend up as {authid}", authid=details.authid)

            # A "function" component's callbacks (Crossbar's session.on(event, f) observers).
            from txaio import make_logger
            log = make_logger()

            def on_join(session, details):
                log.info("function component joined as {role}", role=details.authrole)
                return session.register(lambda: "fn " + details.authrole, "com.backend.fn")

            def on_leave(session, details):
                log.info("function component left: {reason}", reason=details.reason)
            """)
        self.write("app/greeter.py", """
            import os
            from autobahn.twisted.wamp import ApplicationSession

            class Greeter(ApplicationSession):
                async def onJoin(self, details):
                    extra = self.config.extra
                    open(os.path.join(extra["dir"], "container.pid"), "w").write(
                        "%d\\n" % os.getpid())
                    await self.register(
                        lambda name: "%s, %s (%s)" % (extra["greeting"], name,
                                                      os.environ.get("GREETER_MOOD")),
                        "com.example.greet")
                    # The anonymous role may not register in com.backend.: an error for it.
                    try:
                        await self.register(lambda: 0, "com.backend.sneaky")
                    except Exception as e:
                        self.log.info("refused: {e}", e=e.error)

            class Once(ApplicationSession):
                def onJoin(self, details):
                    self.log.info("once: leaving")
                    self.leave()
            """)
        transport = {"type": "websocket", "endpoint": {"type": "tcp", "host": "127.0.0.1",
                                                       "port": 8080},
                     "url": "ws://127.0.0.1:8080/ws"}
        config = {
            "version": 2,
            "workers": [{
                "type": "router",
                "options": {"pythonpath": ["../app"]},
                "realms": [{"name": "realm1", "roles": [
                    {"name": "anonymous", "permissions": [
                        {"uri": "com.example.", "match": "prefix",
                         "allow": {"call": True, "register": True, "publish": True,
                                   "subscribe": True}},
                        {"uri": "com.backend.", "match": "prefix",
                         "allow": {"call": True}}]},
                    {"name": "backend", "permissions": [
                        {"uri": "com.backend.", "match": "prefix", "allow": {"register": True}}]},
                ]}],
                "transports": [{"type": "rawsocket", "endpoint": {"type": "unix",
                                                                  "path": "router.sock"}}],
                "components": [{"type": "class", "id": "backend", "classname": "roles.Backend",
                                "realm": "realm1", "role": "backend",
                                "extra": {"dir": self.dir}},
                               {"type": "function", "realm": "realm1", "role": "backend",
                                "callbacks": {"join": "roles.on_join",
                                              "leave": "roles.on_leave"}}],
            }, {
                "type": "container",
                "id": "greeters",
                "options": {"pythonpath": ["../app"],
                            "env": {"vars": {"GREETER_MOOD": "cheerful"}}},
                "components": [
                    {"type": "class", "classname": "greeter.Greeter", "realm": "realm1",
                     "transport": transport, "extra": {"greeting": "Hello", "dir": self.dir}},
                    {"type": "class", "id": "broken", "classname": "greeter.NoSuchClass",
                     "realm": "realm1", "transport": transport},
                ],
            }, {
                "type": "container",
                "id": "once",
                "options": {"pythonpath": ["../app"],
                            "shutdown": "shutdown-on-last-component-stopped"},
                "components": [{"type": "class", "classname": "greeter.Once", "realm": "realm1",
                                "transport": transport}],
            }],
        }
        cbdir = os.path.join(self.dir, ".crossbar")
        self.write(".crossbar/config.json", json.dumps(config, indent=2))
        node = self.start(cbdir)
        node.wait_line("container greeters: refused: wamp.error.not_authorized")
        node.wait_line("router components: backend up as backend")
        node.wait_line("router components: function component joined as backend")
        result = self.client(os.path.join(cbdir, "router.sock"),
                             [["com.example.greet", ["Ada"]], ["com.backend.role", []],
                              ["com.backend.fn", []]])
        self.assertEqual(result["com.example.greet"], "Hello, Ada (cheerful)")
        self.assertEqual(result["com.backend.role"], "backend")
        self.assertEqual(result["com.backend.fn"], "fn backend")
        node.wait_line("container once: exited with status 0")
        text = node.text()
        self.assertRegex(text, r"warn +router components: backend up as backend")
        self.assertRegex(text, r"error +container greeters: component 'broken' \(greeter.NoSuchClass\) "
                               r"could not be created")
        self.assertIn("container once: once: leaving", text)
        self.assertIn("the last component stopped: the worker ends", text)
        pids = [int(open(os.path.join(self.dir, n)).read()) for n in ("router.pid", "container.pid")]
        self.assertIsNone(node.proc.poll())
        self.assertEqual(node.stop(), 0)
        self.assertIn("function component left: wamp.close.goodbye_and_out", node.text())
        for pid in pids:
            wait_for(lambda: not alive(pid), "PID %d to end" % pid, timeout=5)
        self.assertNotIn("SIGKILL", node.text())  # they left when asked (SIGTERM)


if __name__ == "__main__":
    JUNCTION = os.path.abspath(sys.argv.pop(1))
    node_process.JUNCTION = JUNCTION
    node_process.TIMEOUT = TIMEOUT
    CORPUS = os.path.abspath(sys.argv.pop(1))
    unittest.main(verbosity=2)
