"""Helpers for Junction's RawSocket end-to-end tests (used with junction_harness).

- node_config(): a Crossbar-format config with a web transport first (so RouterProcess.url is its
  WebSocket), RawSocket over TCP, RawSocket over a Unix socket (a path relative to the node
  directory) and a universal transport.
- endpoints(router): "<transport id>" -> "host:port" or "unix:/path", from the "listening on"
  log lines.
- RawSocketClient: an Autobahn|Python Twisted RawSocket client in its own process
  (rawsocket_client.py), driven by JSON lines; every wait has a timeout, the process is killed
  by PID.
- Raw protocol helpers for hand-made handshakes and frames.
"""

import asyncio
import json
import os
import re
import socket
import struct
import sys
import time

import junction_harness as h

HERE = os.path.dirname(os.path.abspath(__file__))
ENDPOINT_RE = re.compile(r"transport '([a-z0-9_]+)' listening on (\S+)")


def anonymous_role():
    return {
        "name": "anonymous",
        "permissions": [{
            "uri": "", "match": "prefix",
            "allow": {"call": True, "register": True, "publish": True, "subscribe": True},
        }],
    }


def node_config(extra_transports=(), unix_path="rs.sock", rs_options=None, rs_max_message_size=None):
    rawsocket = {"type": "rawsocket", "id": "rs_tcp",
                 "endpoint": {"type": "tcp", "port": 0, "interface": "127.0.0.1"}}
    if rs_options:
        rawsocket["options"] = rs_options
    if rs_max_message_size:
        rawsocket["max_message_size"] = rs_max_message_size
    transports = [
        {"type": "web", "id": "web",
         "endpoint": {"type": "tcp", "port": 0, "interface": "127.0.0.1"},
         "paths": {"/": {"type": "nodeinfo"}, "ws": {"type": "websocket"}}},
        rawsocket,
        {"type": "rawsocket", "id": "rs_unix", "endpoint": {"type": "unix", "path": unix_path}},
        {"type": "universal", "id": "uni",
         "endpoint": {"type": "tcp", "port": 0, "interface": "127.0.0.1"},
         "rawsocket": {},
         "websocket": {"ws": {"type": "websocket"}},
         "web": {"paths": {"/": {"type": "nodeinfo"}}}},
    ]
    transports.extend(extra_transports)
    return {"version": 2, "workers": [{
        "type": "router",
        "realms": [{"name": h.REALM, "roles": [anonymous_role()]}],
        "transports": transports,
    }]}


def endpoints(router, timeout=10.0):
    """Waits (with a timeout) until every transport with an id in the router's config has logged
    its "listening on" line: the harness itself only waits for the first one."""
    wanted = {t["id"] for w in router.config["workers"] for t in w.get("transports", []) if "id" in t}
    deadline = time.monotonic() + timeout
    while True:
        with router._lock:
            lines = list(router.lines)
        found = {m.group(1): m.group(2) for m in map(ENDPOINT_RE.search, lines) if m}
        if wanted <= set(found) or time.monotonic() > deadline:
            return found
        time.sleep(0.02)


def tcp_address(endpoint):
    host, port = endpoint.rsplit(":", 1)
    return host, int(port)


class ClientClosed(Exception):
    pass


class RawSocketClient:
    """One rawsocket_client.py process. `where` is "host:port" or "unix:/path"."""

    def __init__(self, where, serializer="json", realm=h.REALM):
        self.where = where
        self.serializer = serializer
        self.realm = realm
        self.proc = None
        self.session_id = None
        self.events = asyncio.Queue()
        self._replies = {}
        self._next_id = 0
        self._reader = None
        self.closed = None
        self.stderr_tail = []

    def command(self):
        """The client process's argv (TLS variants wrap the same client)."""
        target = (["--unix", self.where[len("unix:"):]] if self.where.startswith("unix:")
                  else ["--tcp", self.where])
        return [sys.executable, os.path.join(HERE, "rawsocket_client.py"), *target,
                "--serializer", self.serializer, "--realm", self.realm]

    async def start(self, timeout=h.OP_TIMEOUT + 10):
        self.proc = await asyncio.create_subprocess_exec(
            *self.command(),
            stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE)
        loop = asyncio.get_running_loop()
        self.closed = loop.create_future()
        joined = loop.create_future()
        self._reader = asyncio.ensure_future(self._read(joined))
        self._err_reader = asyncio.ensure_future(self._read_stderr())
        try:
            self.session_id = await asyncio.wait_for(joined, timeout)
        except BaseException:
            await self.stop()
            raise
        return self

    async def _read(self, joined):
        while True:
            line = await self.proc.stdout.readline()
            if not line:
                break
            msg = json.loads(line)
            if "joined" in msg:
                if not joined.done():
                    joined.set_result(msg["joined"])
            elif "event" in msg:
                self.events.put_nowait(msg["event"])
            elif "id" in msg:
                fut = self._replies.pop(msg["id"], None)
                if fut and not fut.done():
                    fut.set_result(msg)
            elif "closed" in msg:
                if not self.closed.done():
                    self.closed.set_result(msg["closed"])
        reason = "process ended" + (": " + " | ".join(self.stderr_tail[-5:]) if self.stderr_tail else "")
        if not self.closed.done():
            self.closed.set_result(reason)
        if not joined.done():
            joined.set_exception(ClientClosed(self.closed.result()))
        for fut in self._replies.values():
            if not fut.done():
                fut.set_exception(ClientClosed(self.closed.result()))

    async def _read_stderr(self):
        while True:
            line = await self.proc.stderr.readline()
            if not line:
                break
            self.stderr_tail.append(line.decode("utf-8", "replace").rstrip())
            del self.stderr_tail[:-50]

    async def request(self, op, uri=None, *args, timeout=h.OP_TIMEOUT, **kwargs):
        self._next_id += 1
        n = self._next_id
        fut = asyncio.get_running_loop().create_future()
        self._replies[n] = fut
        cmd = {"id": n, "op": op, "uri": uri, "args": list(args), "kwargs": kwargs}
        self.proc.stdin.write((json.dumps(cmd) + "\n").encode())
        await self.proc.stdin.drain()
        reply = await asyncio.wait_for(fut, timeout)
        if "error" in reply:
            raise RuntimeError("%s %s failed: %s" % (op, uri, reply["error"]))
        return reply["ok"]

    async def register(self, uri):
        return await self.request("register", uri)

    async def call(self, uri, *args, **kwargs):
        return await self.request("call", uri, *args, **kwargs)

    async def subscribe(self, uri):
        return await self.request("subscribe", uri)

    async def publish(self, uri, *args, **kwargs):
        return await self.request("publish", uri, *args, **kwargs)

    async def next_event(self, timeout=h.OP_TIMEOUT):
        return await asyncio.wait_for(self.events.get(), timeout)

    async def stop(self):
        if self.proc is None:
            return
        if self.proc.returncode is None:
            try:
                self.proc.kill()  # by PID
            except ProcessLookupError:
                pass
        try:
            await asyncio.wait_for(self.proc.wait(), 5)
        except asyncio.TimeoutError:
            pass
        for task in (self._reader, getattr(self, "_err_reader", None)):
            if task is not None:
                task.cancel()


# -- raw protocol ------------------------------------------------------------------------------

class RawSocketTestCase(h.JunctionTestCase):
    """A JunctionTestCase whose tests also start RawSocket client processes: `self.ep` maps the
    router's transport ids to endpoints, and every client started through start_client() is
    stopped after the test."""

    async def asyncSetUp(self):
        await super().asyncSetUp()
        self.ep = endpoints(self.router)
        self.rs_clients = []

    async def asyncTearDown(self):
        for c in self.rs_clients:
            await c.stop()
        await super().asyncTearDown()

    async def start_client(self, client):
        self.rs_clients.append(client)
        return await client.start()


def connect_raw(endpoint, timeout=5.0):
    if endpoint.startswith("unix:"):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(timeout)
        s.connect(endpoint[len("unix:"):])
    else:
        s = socket.create_connection(tcp_address(endpoint), timeout=timeout)
    s.settimeout(timeout)
    return s


def recv_exact(s, n):
    """Up to n bytes; fewer only if the peer closed. Raises socket.timeout after the timeout."""
    data = b""
    while len(data) < n:
        chunk = s.recv(n - len(data))
        if not chunk:
            break
        data += chunk
    return data


def closed_by_peer(s):
    """True if the peer closed (EOF or reset) within the socket's timeout, ignoring data."""
    try:
        while True:
            chunk = s.recv(65536)
            if not chunk:
                return True
    except (ConnectionResetError, BrokenPipeError):
        return True
    except socket.timeout:
        return False


def handshake(s, serializer_id=1, exponent=15, reserved=b"\x00\x00"):
    s.sendall(bytes([0x7F, (exponent << 4) | serializer_id]) + reserved)
    return recv_exact(s, 4)


def frame(payload, frame_type=0, length=None):
    n = len(payload) if length is None else length
    return bytes([frame_type]) + struct.pack(">I", n)[1:] + payload


def read_frame(s):
    header = recv_exact(s, 4)
    if len(header) < 4:
        return None
    n = int.from_bytes(header[1:], "big")
    return header[0], recv_exact(s, n)
