"""WebSocket, HTTP and universal transports on Unix domain socket endpoints, with clients we did
not write: Autobahn|Python's WebSocket client (its asyncio WampWebSocketClientFactory over
loop.create_unix_connection) doing RPC and PubSub, curl --unix-socket and Python's http.client
over an AF_UNIX socket fetching a static file and web paths, Autobahn|Python's Twisted RawSocket
client and its WebSocket client on one universal Unix socket. Also what a Unix client looks like
to the router (session meta `transport.peer`) and to the HTTP bridge (no IP address: require_ip
refuses it), and the socket files' removal at shutdown.

Run: /usr/bin/python3 test_unix_web.py path/to/junction
"""

import asyncio
import http.client
import http.server
import json
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import unittest

import junction_harness as h
import txaio
import rawsocket_helpers as rs
from autobahn.asyncio.websocket import WampWebSocketClientFactory
from autobahn.wamp.serializer import JsonSerializer
from autobahn.wamp.types import ComponentConfig, PublishOptions

STATIC_TEXT = "<html><body>served over a Unix socket</body></html>\n"


def config(web_dir, backend_port, cgi_dir):
    """The node: `backend_port` is the reverse proxy's backend, `cgi_dir` holds CGI scripts."""
    return {"version": 2, "workers": [{
        "type": "router",
        "realms": [{"name": h.REALM, "roles": [rs.anonymous_role(), {
            "name": "bridge",
            "permissions": [{"uri": "", "match": "prefix",
                             "allow": {"call": True, "register": False, "publish": True,
                                       "subscribe": False}}]}]}],
        "transports": [
            # The harness waits for a TCP "listening on" line; the others are Unix sockets
            # (relative paths: the node directory, where the config file is).
            {"type": "websocket", "id": "tcp",
             "endpoint": {"type": "tcp", "port": 0, "interface": "127.0.0.1"}},
            {"type": "websocket", "id": "ws_unix",
             "endpoint": {"type": "unix", "path": "ws.sock"}, "serializers": ["json"]},
            {"type": "web", "id": "web_unix",
             "endpoint": {"type": "unix", "path": "web.sock"},
             "options": {"access_log": True},
             "paths": {
                 "/": {"type": "static", "directory": web_dir},
                 "info": {"type": "json", "value": {"over": "unix"}},
                 "ws": {"type": "websocket", "serializers": ["json"]},
                 "pub": {"type": "publisher", "realm": h.REALM, "role": "bridge"},
                 "pubip": {"type": "publisher", "realm": h.REALM, "role": "bridge",
                           "options": {"require_ip": ["127.0.0.0/8"]}},
                 "proxy": {"type": "reverseproxy", "host": "127.0.0.1", "port": backend_port},
                 "cgi": {"type": "cgi", "directory": cgi_dir, "processor": "/usr/bin/python3"},
             }},
            {"type": "universal", "id": "uni_unix",
             "endpoint": {"type": "unix", "path": "uni.sock"},
             "rawsocket": {"serializers": ["json"]},
             "websocket": {"ws": {"type": "websocket", "serializers": ["json"]}},
             "web": {"paths": {"/": {"type": "nodeinfo"}}}},
        ],
    }]}


async def connect_unix(path, url_path="/ws", realm=h.REALM, timeout=h.OP_TIMEOUT):
    """An Autobahn|Python WebSocket session over the Unix socket `path`, joined."""
    loop = asyncio.get_running_loop()
    txaio.config.loop = loop  # as ApplicationRunner does: each test has its own event loop
    created = loop.create_future()

    def make():
        s = h.Client(ComponentConfig(realm=realm))
        if not created.done():
            created.set_result(s)
        return s

    factory = WampWebSocketClientFactory(make, url="ws://localhost" + url_path,
                                         serializers=[JsonSerializer()])
    transport, _ = await asyncio.wait_for(loop.create_unix_connection(factory, path), timeout)
    return await h.joined_session(created, transport, timeout)


class UnixHTTPConnection(http.client.HTTPConnection):
    """Python's own HTTP client over an AF_UNIX socket."""

    def __init__(self, path, timeout=10.0):
        super().__init__("localhost", timeout=timeout)
        self.unix_path = path

    def connect(self):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(self.timeout)
        self.sock.connect(self.unix_path)


class HeaderEcho(http.server.BaseHTTPRequestHandler):
    """A reverse proxy's backend: answers every GET with the request's headers as JSON."""

    def do_GET(self):
        body = json.dumps({k.lower(): v for k, v in self.headers.items()}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


CGI_ENV = """import json, os
print("Content-Type: application/json")
print()
print(json.dumps({k: os.environ.get(k) for k in
                  ("REMOTE_ADDR", "REMOTE_PORT", "SERVER_PORT", "SERVER_NAME")}))
"""


class UnixWebTest(h.JunctionTestCase):
    @classmethod
    def setUpClass(cls):
        cls.backend = http.server.ThreadingHTTPServer(("127.0.0.1", 0), HeaderEcho)
        threading.Thread(target=cls.backend.serve_forever, daemon=True).start()
        cls.cgi_dir = tempfile.mkdtemp(prefix="junction-unix-cgi-")
        with open(os.path.join(cls.cgi_dir, "env.py"), "w") as f:
            f.write(CGI_ENV)
        cls.web_dir = tempfile.mkdtemp(prefix="junction-unix-web-")
        with open(os.path.join(cls.web_dir, "index.html"), "w") as f:
            f.write(STATIC_TEXT)
        with open(os.path.join(cls.web_dir, "big.bin"), "wb") as f:
            f.write(bytes(range(256)) * 4096)  # 1 MiB: the sendfile() path
        cls.router = h.RouterProcess(
            config(cls.web_dir, cls.backend.server_address[1], cls.cgi_dir),
            name="unix-web").start()
        cls.where = rs.endpoints(cls.router)
        cls.sock = {k: v[len("unix:"):] for k, v in cls.where.items() if v.startswith("unix:")}

    @classmethod
    def tearDownClass(cls):
        cls.router.stop()
        cls.backend.shutdown()
        cls.backend.server_close()
        shutil.rmtree(cls.web_dir, ignore_errors=True)
        shutil.rmtree(cls.cgi_dir, ignore_errors=True)

    async def session(self, path, url_path="/ws"):
        s = await connect_unix(path, url_path)
        self._sessions.append(s)
        return s

    def test_socket_files_in_the_node_directory(self):
        self.assertEqual(set(self.sock), {"ws_unix", "web_unix", "uni_unix"})
        for path in self.sock.values():
            self.assertEqual(os.path.dirname(path), self.router.tmpdir)
            self.assertTrue(os.path.exists(path))

    async def test_rpc_and_pubsub_over_a_unix_websocket(self):
        callee = await self.session(self.sock["ws_unix"])
        caller = await self.session(self.sock["ws_unix"])
        await h.within(callee.register(lambda a, b: a + b, "com.unix.add"))
        self.assertEqual(await h.within(caller.call("com.unix.add", 2, 3)), 5)
        # A WebSocket over TCP and one over the web transport's Unix socket meet the same router.
        tcp = await h.within(h.connect(self.router))
        self._sessions.append(tcp)
        web = await self.session(self.sock["web_unix"], "/ws")
        got = asyncio.get_running_loop().create_future()
        await h.within(callee.subscribe(lambda *a: got.done() or got.set_result(a),
                                        "com.unix.topic"))
        await h.within(web.publish("com.unix.topic", "from web.sock",
                                   options=PublishOptions(acknowledge=True)))
        self.assertEqual(await h.within(got), ("from web.sock",))
        self.assertEqual(await h.within(tcp.call("com.unix.add", 40, 2)), 42)

    async def test_session_meta_names_the_socket(self):
        s = await self.session(self.sock["ws_unix"])
        info = await h.within(s.call("wamp.session.get", s.session_id))
        self.assertEqual(info["transport"]["peer"], "websocket unix:" + self.sock["ws_unix"])

    def test_static_file_with_curl(self):
        out = subprocess.run(
            ["curl", "--silent", "--show-error", "--max-time", "10", "--unix-socket",
             self.sock["web_unix"], "-D", "-", "http://localhost/index.html"],
            capture_output=True, timeout=20)
        self.assertEqual(out.returncode, 0, out.stderr)
        head, _, body = out.stdout.decode().partition("\r\n\r\n")
        self.assertTrue(head.startswith("HTTP/1.1 200"), head)
        self.assertIn("Content-Type: text/html", head)
        self.assertEqual(body, STATIC_TEXT)
        # The access log names the listener's socket (a Unix client has no address).
        self.assertTrue(self.router.wait_for_log(
            "unix:%s \"GET /index.html HTTP/1.1\" 200" % self.sock["web_unix"]))

    def test_web_paths_with_http_client(self):
        conn = UnixHTTPConnection(self.sock["web_unix"])
        try:
            conn.request("GET", "/info")
            r = conn.getresponse()
            self.assertEqual(r.status, 200)
            self.assertEqual(json.loads(r.read()), {"over": "unix"})
            # Keep-alive: a 1 MiB file on the same connection, then a range of it.
            conn.request("GET", "/big.bin")
            r = conn.getresponse()
            self.assertEqual(r.status, 200)
            self.assertEqual(r.read(), bytes(range(256)) * 4096)
            conn.request("GET", "/big.bin", headers={"Range": "bytes=256-511"})
            r = conn.getresponse()
            self.assertEqual(r.status, 206)
            self.assertEqual(r.read(), bytes(range(256)))
            conn.request("GET", "/missing")
            r = conn.getresponse()
            r.read()
            self.assertEqual(r.status, 404)
        finally:
            conn.close()

    def get_json(self, path, headers=None):
        conn = UnixHTTPConnection(self.sock["web_unix"])
        try:
            conn.request("GET", path, headers=headers or {})
            r = conn.getresponse()
            body = r.read()
            self.assertEqual(r.status, 200, body)
            return json.loads(body)
        finally:
            conn.close()

    def test_reverse_proxy_forwards_a_unix_client_as_unix(self):
        # The client has no IP address: the hop is "unix", and a value the client sent itself
        # stays in front of it (a backend that trusts the last entry is not fooled).
        seen = self.get_json("/proxy/x", {"X-Forwarded-For": "203.0.113.9"})
        self.assertEqual(seen["x-forwarded-for"], "203.0.113.9, unix")
        self.assertEqual(seen.get("x-forwarded-proto"), "http")
        self.assertEqual(self.get_json("/proxy/y")["x-forwarded-for"], "unix")

    def test_cgi_sees_no_remote_address(self):
        env = self.get_json("/cgi/env.py")
        self.assertEqual(env["REMOTE_ADDR"], "")
        self.assertIsNone(env["REMOTE_PORT"])
        self.assertEqual(env["SERVER_PORT"], "0")

    async def test_http_bridge_over_unix(self):
        subscriber = await self.session(self.sock["ws_unix"])
        got = asyncio.get_running_loop().create_future()
        await h.within(subscriber.subscribe(lambda *a: got.done() or got.set_result(a),
                                            "com.unix.bridge"))

        def post(path):
            conn = UnixHTTPConnection(self.sock["web_unix"])
            try:
                conn.request("POST", path, body=json.dumps({"topic": "com.unix.bridge",
                                                            "args": ["posted"]}),
                             headers={"Content-Type": "application/json"})
                r = conn.getresponse()
                return r.status, json.loads(r.read() or b"null")
            finally:
                conn.close()

        loop = asyncio.get_running_loop()
        status, answer = await loop.run_in_executor(None, post, "/pub")
        self.assertEqual(status, 200, answer)
        self.assertIn("id", answer)
        self.assertEqual(await h.within(got), ("posted",))
        # require_ip: a Unix client has no address, so no network contains it.
        status, answer = await loop.run_in_executor(None, post, "/pubip")
        self.assertEqual(status, 400)
        self.assertIn("Unix socket", answer["error"] if isinstance(answer, dict) else str(answer))

    async def test_universal_unix_socket_takes_rawsocket_and_websocket(self):
        where = self.where["uni_unix"]
        raw = await rs.RawSocketClient(where).start()
        try:
            await raw.register("com.unix.echo")
            ws = await self.session(self.sock["uni_unix"], "/ws")
            result = await h.within(ws.call("com.unix.echo", "hello", n=1))
            # Echoed by the RawSocket client's callee: its args and kwargs come back.
            self.assertEqual((list(result.results), result.kwresults), (["hello"], {"n": 1}))
            # ...and HTTP on the same socket (the web part's nodeinfo page).
            conn = UnixHTTPConnection(self.sock["uni_unix"])
            try:
                conn.request("GET", "/")
                r = conn.getresponse()
                self.assertEqual(r.status, 200)
                r.read()
            finally:
                conn.close()
        finally:
            await raw.stop()


class SocketFilesTest(unittest.TestCase):
    def test_removed_at_shutdown(self):
        d = tempfile.mkdtemp(prefix="junction-unix-web-")
        router = h.RouterProcess(config(d, 9, d), name="unix-stop").start()
        try:
            paths = [v[len("unix:"):] for v in rs.endpoints(router).values()
                     if v.startswith("unix:")]
            self.assertEqual(len(paths), 3)
            self.assertTrue(all(os.path.exists(p) for p in paths))
            router.signal(signal.SIGTERM)
            self.assertEqual(router.wait(10), 0)
            self.assertEqual([p for p in paths if os.path.exists(p)], [])
        finally:
            router.stop()
            shutil.rmtree(d, ignore_errors=True)


if __name__ == "__main__":
    h.main()
