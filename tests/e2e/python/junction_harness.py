"""Harness for Junction's end-to-end tests with Autobahn|Python (run with /usr/bin/python3).

Starts a live `junction` on 127.0.0.1 with a port picked at run time, from a Crossbar-format
config written into a temporary directory, and connects Autobahn|Python sessions to it. For raw
WebSocket work, RawWebSocket is a client on a bare socket that sends exactly the bytes it is
given (ws_frame() builds any client frame, every bit chosen by the caller).

Usage in a test module:

    from junction_harness import RouterProcess, connect, main
    ...
    if __name__ == "__main__":
        main()          # path of the junction binary: argv[1] or $JUNCTION_BIN

Every router started here is killed by PID when the test is over (and at interpreter exit, even
after a failure); every wait has a timeout; on failure the router's stderr is printed.
"""

import asyncio
import atexit
import base64
import collections
import hashlib
import json
import os
import re
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time
import unittest

import txaio

txaio.use_asyncio()

from autobahn.asyncio.wamp import ApplicationRunner, ApplicationSession  # noqa: E402
from autobahn.wamp import message as _message  # noqa: E402
from autobahn.wamp.exception import ApplicationError  # noqa: E402,F401
from autobahn.wamp.serializer import JsonSerializer  # noqa: E402

REALM = "realm1"
MAX_MESSAGE_SIZE = 1048576
START_TIMEOUT = 15.0  # seconds to wait for "listening on"
OP_TIMEOUT = 10.0  # default timeout for a single WAMP operation

LISTENING_RE = re.compile(r"listening on ([0-9.]+):(\d+)")

JUNCTION_BIN = None  # set by main() or from $JUNCTION_BIN


def junction_binary():
    path = JUNCTION_BIN or os.environ.get("JUNCTION_BIN")
    if not path:
        raise RuntimeError("path of the junction binary: pass it as argv[1] or set JUNCTION_BIN")
    if not os.access(path, os.X_OK):
        raise RuntimeError("junction binary not found or not executable: %s" % path)
    return path


def default_config(realms=(REALM,), max_message_size=MAX_MESSAGE_SIZE, serializers=("json",)):
    """A Crossbar-format node config: one web transport on 127.0.0.1, port 0 (picked by the OS),
    the node info page at "/" and WAMP over WebSocket at "/ws"; anonymous may do everything."""
    role = {
        "name": "anonymous",
        "permissions": [{
            "uri": "",
            "match": "prefix",
            "allow": {"call": True, "register": True, "publish": True, "subscribe": True},
            "disclose": {"caller": False, "publisher": False},
            "cache": True,
        }],
    }
    return {
        "version": 2,
        "workers": [{
            "type": "router",
            "realms": [{"name": r, "roles": [role]} for r in realms],
            "transports": [{
                "type": "web",
                "endpoint": {"type": "tcp", "port": 0, "interface": "127.0.0.1"},
                "paths": {
                    "/": {"type": "nodeinfo"},
                    "ws": {
                        "type": "websocket",
                        "serializers": list(serializers),
                        "options": {"max_message_size": max_message_size},
                    },
                },
            }],
        }],
    }



def web_config(paths, worker_options=None, transport_options=None, port=0):
    """A node config with one web transport on 127.0.0.1 (port 0: picked by the OS) serving
    `paths`, and realm1 where anonymous may do nothing: for the web path services' suites."""
    worker = {
        "type": "router",
        "realms": [{"name": REALM, "roles": [{"name": "anonymous", "permissions": []}]}],
        "transports": [{
            "type": "web",
            "endpoint": {"type": "tcp", "port": port, "interface": "127.0.0.1"},
            "paths": paths,
        }],
    }
    if worker_options is not None:
        worker["options"] = worker_options
    if transport_options is not None:
        worker["transports"][0]["options"] = transport_options
    return {"version": 2, "workers": [worker]}


_all_routers = []


class RouterProcess:
    """A live junction process. Use as a context manager or call start()/stop()."""

    def __init__(self, config=None, name="junction"):
        self.config = config if config is not None else default_config()
        self.name = name
        self.proc = None
        self.host = None
        self.port = None
        self.tmpdir = None
        self.lines = collections.deque(maxlen=4000)  # tail of stderr+stdout
        self.lines_seen = 0
        self._lock = threading.Lock()
        self._listening = threading.Event()
        self._readers = []
        _all_routers.append(self)

    # -- lifecycle -----------------------------------------------------------------------------
    def start(self):
        self.tmpdir = tempfile.mkdtemp(prefix="junction-e2e-")
        cfg_path = os.path.join(self.tmpdir, "config.json")
        with open(cfg_path, "w") as f:
            json.dump(self.config, f, indent=2)
        cmd = [junction_binary(), "start", "--config", cfg_path, "--loglevel", "debug"]
        self.proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, cwd=self.tmpdir)
        for stream, tag in ((self.proc.stderr, ""), (self.proc.stdout, "[stdout] ")):
            t = threading.Thread(target=self._read, args=(stream, tag), daemon=True)
            t.start()
            self._readers.append(t)
        deadline = time.monotonic() + START_TIMEOUT
        while not self._listening.wait(0.05):
            if self.proc.poll() is not None:
                for t in self._readers:
                    t.join(2)
                raise RuntimeError("junction exited with code %s before listening:\n%s"
                                   % (self.proc.returncode, self.log_tail()))
            if time.monotonic() > deadline:
                self.kill()
                raise RuntimeError("junction did not print 'listening on' within %.0fs:\n%s"
                                   % (START_TIMEOUT, self.log_tail()))
        return self

    def _read(self, stream, tag):
        for raw in iter(stream.readline, b""):
            line = raw.decode("utf-8", "replace").rstrip("\n")
            with self._lock:
                self.lines.append(tag + line)
                self.lines_seen += 1
            if not tag and not self._listening.is_set():
                m = LISTENING_RE.search(line)
                if m:
                    self.host, self.port = m.group(1), int(m.group(2))
                    self._listening.set()
        stream.close()

    def signal(self, sig):
        if self.proc and self.proc.poll() is None:
            os.kill(self.proc.pid, sig)

    def wait(self, timeout):
        """Waits for the process to exit; returns its exit code (raises TimeoutExpired)."""
        code = self.proc.wait(timeout=timeout)
        for t in self._readers:
            t.join(2)
        return code

    def kill(self):
        if self.proc and self.proc.poll() is None:
            try:
                os.kill(self.proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                pass

    def stop(self):
        """SIGTERM, then SIGKILL if it is still there after 5 s. Returns the exit code."""
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self.signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                with self._lock:
                    self.lines.append("[harness] junction ignored SIGTERM for 5 s: SIGKILL")
                self.kill()
        for t in self._readers:
            t.join(2)
        if self.tmpdir:
            shutil.rmtree(self.tmpdir, ignore_errors=True)
            self.tmpdir = None
        return self.proc.returncode

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
        return False

    # -- addresses and logs --------------------------------------------------------------------
    @property
    def url(self):
        return "ws://%s:%d/ws" % (self.host, self.port)

    @property
    def http_base(self):
        return "http://%s:%d" % (self.host, self.port)

    def log_tail(self, n=300):
        with self._lock:
            lines = list(self.lines)[-n:]
            skipped = self.lines_seen - len(lines)
        head = "... (%d earlier lines not shown)\n" % skipped if skipped > 0 else ""
        return head + "\n".join(lines)

    def log_contains(self, text):
        with self._lock:
            return any(text in line for line in self.lines)

    def wait_for_log(self, text, timeout=5.0):
        """True once a router log line contains `text`, False after `timeout` seconds. The router
        writes the line before or after the client notices its effect (a closed socket, say), and
        a reader thread brings it in: asserting with log_contains() alone would race."""
        deadline = time.monotonic() + timeout
        while not self.log_contains(text):
            if time.monotonic() > deadline:
                return False
            time.sleep(0.02)
        return True


@atexit.register
def _kill_all():
    for r in _all_routers:
        r.kill()


# -- plain HTTP to a web listener -------------------------------------------------------------

def assert_streams_before_flag(test, router, target, flag, first=b"first\n", last=b"last\n",
                               timeout=10.0):
    """GETs `target` from a producer (WSGI app, CGI script, proxied backend) that writes `first`,
    then waits for the file `flag` before it writes `last`: the answer must be chunked and its
    first line must reach the client before the flag exists, i.e. while the producer is still
    running. Returns the keep-alive connection, still open, for further requests; the caller
    closes it."""
    import http.client
    conn = http.client.HTTPConnection(router.host, router.port, timeout=timeout)
    try:
        conn.request("GET", target)
        r = conn.getresponse()
        test.assertEqual(r.status, 200)
        test.assertEqual(r.getheader("Transfer-Encoding"), "chunked")
        test.assertIsNone(r.getheader("Content-Length"))
        test.assertEqual(r.readline(), first)  # the producer still waits for the flag
        open(flag, "w").close()
        test.assertEqual(r.read(), last)
    except BaseException:
        conn.close()
        raise
    return conn


def rss_kib(pid):
    """The resident set of process `pid` (a junction under test), in KiB."""
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise AssertionError("no VmRSS for %d" % pid)


def hang_up_after_first_line(test, router, target, first, timeout=10.0):
    """GETs `target` from a producer that never ends (it writes lines until stopped), checks that
    its first line is `first`, and closes the connection mid-answer: what a client that goes away
    does. The caller then checks that Junction stopped the producer."""
    import http.client
    conn = http.client.HTTPConnection(router.host, router.port, timeout=timeout)
    try:
        conn.request("GET", target)
        r = conn.getresponse()
        test.assertEqual(r.readline(), first)
        r.close()
    finally:
        conn.close()


def http_request(router, method, path, body=None, headers=None, conn=None, timeout=10.0):
    """One HTTP request to `router`'s listener: (status, [(name, value), ...], body bytes).
    With `conn` (an http.client.HTTPConnection) the request goes on that connection, which is left
    open (keep-alive tests); otherwise a connection of its own is opened and closed."""
    import http.client
    own = conn is None
    if own:
        conn = http.client.HTTPConnection(router.host, router.port, timeout=timeout)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        r = conn.getresponse()
        return r.status, r.getheaders(), r.read()
    finally:
        if own:
            conn.close()


def closed_port():
    """A loopback TCP port nothing listens on (bound for a moment, then released)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# -- raw WebSocket (RFC 6455) on a bare socket -------------------------------------------------

WS_KEY = "dGhlIHNhbXBsZSBub25jZQ=="  # the sample nonce of RFC 6455 §1.3
WS_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
OP_CONT, OP_TEXT, OP_BINARY, OP_CLOSE, OP_PING, OP_PONG = 0x0, 0x1, 0x2, 0x8, 0x9, 0xA
RSV1, RSV2, RSV3 = 4, 2, 1  # the `rsv` bits of ws_frame()
RAW_WS_TIMEOUT = 8.0


def ws_accept(key):
    """Sec-WebSocket-Accept for a Sec-WebSocket-Key (RFC 6455 §4.2.2)."""
    return base64.b64encode(hashlib.sha1((key + WS_GUID).encode()).digest()).decode()


def ws_mask(data, key):
    """`data` XOR the 4-byte masking `key` repeated (RFC 6455 §5.3); fast for megabytes."""
    n = len(data)
    if n == 0:
        return b""
    keys = (key * (n // 4 + 1))[:n]
    return (int.from_bytes(data, "big") ^ int.from_bytes(keys, "big")).to_bytes(n, "big")


def ws_frame(opcode, payload=b"", fin=True, rsv=0, mask=True, mask_key=None, length=None,
             length_bytes=None):
    """One client frame with every bit as given (RFC 6455 §5.2): `rsv` the reserved bits (RSV1 |
    RSV2 | RSV3), `mask` False for an unmasked frame, `length` a payload length to announce
    instead of len(payload), `length_bytes` 0, 2 or 8 to force that length encoding (a
    non-minimal one included)."""
    if isinstance(payload, str):
        payload = payload.encode("utf-8")
    n = len(payload) if length is None else length
    if length_bytes is None:
        length_bytes = 0 if n < 126 else 2 if n < 65536 else 8
    head = bytes([(0x80 if fin else 0) | (rsv & 7) << 4 | (opcode & 0x0F)])
    m = 0x80 if mask else 0
    if length_bytes == 0:
        head += bytes([m | n])
    elif length_bytes == 2:
        head += bytes([m | 126]) + struct.pack("!H", n)
    else:
        head += bytes([m | 127]) + struct.pack("!Q", n)
    if not mask:
        return head + payload
    key = mask_key if mask_key is not None else os.urandom(4)
    return head + key + ws_mask(payload, key)


ServerFrame = collections.namedtuple("ServerFrame", "fin rsv opcode payload")


def close_code_of(frame):
    """The status code of a close frame (None when its payload is empty)."""
    return struct.unpack("!H", frame.payload[:2])[0] if len(frame.payload) >= 2 else None


class RawWebSocket:
    """A WebSocket client on a bare socket (optionally TLS) that sends exactly what it is told: the upgrade
    request (its key, version, subprotocol and extra headers as given; `after` is sent in the same
    write, right behind the request) and then frames built by ws_frame() or raw bytes. It reads the
    response head (and the body of a refusal) and then server frames, never answering pings on
    its own. `status`, `reason`, `headers` (lower-case names) and `body` describe the response."""

    def __init__(self, host, port, path="/ws", headers=(), protocol="wamp.2.json", key=WS_KEY,
                 version="13", after=b"", timeout=RAW_WS_TIMEOUT, rcvbuf=None, ssl_context=None):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            if rcvbuf:
                self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
            self.sock.settimeout(timeout)
            self.sock.connect((host, port))
            if ssl_context is not None:
                # wss://: a TCP end without TLS close_notify raises ssl.SSLEOFError on read.
                self.sock = ssl_context.wrap_socket(self.sock, server_hostname=host,
                                                    suppress_ragged_eofs=False)
            req = ["GET %s HTTP/1.1" % path, "Host: %s:%d" % (host, port), "Upgrade: websocket",
                   "Connection: Upgrade"]
            if key is not None:
                req.append("Sec-WebSocket-Key: " + key)
            if version is not None:
                req.append("Sec-WebSocket-Version: " + version)
            if protocol:
                req.append("Sec-WebSocket-Protocol: " + protocol)
            req.extend(headers)
            self.sock.sendall(("\r\n".join(req) + "\r\n\r\n").encode() + after)
            self.buf = b""
            while b"\r\n\r\n" not in self.buf:
                chunk = self.sock.recv(65536)
                if not chunk:
                    raise ConnectionError("closed before the response head: %r" % self.buf)
                self.buf += chunk
            head, self.buf = self.buf.split(b"\r\n\r\n", 1)
            lines = head.decode("latin-1").split("\r\n")
            parts = lines[0].split(" ", 2)
            self.status = int(parts[1])
            self.reason = parts[2] if len(parts) > 2 else ""
            self.headers = {}
            for line in lines[1:]:
                k, _, v = line.partition(":")
                k, v = k.strip().lower(), v.strip()
                self.headers[k] = self.headers[k] + ", " + v if k in self.headers else v
            self.body = b""
            if self.status != 101 and "content-length" in self.headers:
                self.body = self._need(int(self.headers["content-length"]))
        except BaseException:
            self.sock.close()
            raise

    def _need(self, n):
        while len(self.buf) < n:
            chunk = self.sock.recv(max(65536, n - len(self.buf)))
            if not chunk:
                raise EOFError("connection closed")
            self.buf += chunk
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def send(self, data):
        """Raw bytes, as they are."""
        self.sock.sendall(data)

    def send_frame(self, opcode, payload=b"", **kwargs):
        """One frame: ws_frame(opcode, payload, **kwargs)."""
        self.sock.sendall(ws_frame(opcode, payload, **kwargs))

    def read_frame(self):
        """The next server frame as a ServerFrame; EOFError when the server closed TCP (a reset
        is a ConnectionError). Server frames must not be masked (RFC 6455 §5.1)."""
        b0, b1 = self._need(2)
        if b1 & 0x80:
            raise AssertionError("the server sent a masked frame (RFC 6455 §5.1)")
        n = b1 & 0x7F
        if n == 126:
            n = struct.unpack("!H", self._need(2))[0]
        elif n == 127:
            n = struct.unpack("!Q", self._need(8))[0]
        return ServerFrame(bool(b0 & 0x80), (b0 >> 4) & 7, b0 & 0x0F, self._need(n))

    def read_until_close(self):
        """Every frame up to the server's close frame: (frames before it, the close frame), the
        close frame None when TCP ended without one."""
        frames = []
        while True:
            try:
                frame = self.read_frame()
            except (EOFError, ConnectionError):
                return frames, None
            if frame.opcode == OP_CLOSE:
                return frames, frame
            frames.append(frame)

    def wait_closed(self, timeout):
        """Seconds until the server closes TCP (what it still sends is read and dropped), or
        None when it is still open after `timeout` seconds."""
        return wait_closed(self.sock, timeout)

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False


def wait_closed(sock, timeout):
    """Seconds until the peer closes `sock` (reading and discarding), or None on timeout."""
    start = time.monotonic()
    sock.settimeout(timeout)
    try:
        while sock.recv(65536):
            if time.monotonic() - start > timeout:
                return None
    except socket.timeout:
        return None
    except ConnectionError:
        pass
    return time.monotonic() - start


# -- Autobahn|Python sessions ------------------------------------------------------------------

class Client(ApplicationSession):
    """An ApplicationSession whose join/leave/disconnect are futures a test can await."""

    def __init__(self, config=None):
        super().__init__(config)
        loop = asyncio.get_event_loop()
        self.joined = loop.create_future()
        self.left = loop.create_future()  # CloseDetails
        self.disconnected = loop.create_future()
        self.join_details = None

    def onJoin(self, details):
        self.join_details = details
        if not self.joined.done():
            self.joined.set_result(details)

    def onLeave(self, details):
        if not self.left.done():
            self.left.set_result(details)
        if not self.joined.done():
            self.joined.set_exception(AbortError(details.reason, details.message))
        self.disconnect()

    def onDisconnect(self):
        if not self.disconnected.done():
            self.disconnected.set_result(True)
        if not self.joined.done():
            self.joined.set_exception(ConnectionError("transport closed before WELCOME"))

    # -- helpers --
    def router_feature(self, role, feature):
        roles = getattr(self, "_router_roles", None) or {}
        r = roles.get(role)
        return bool(r is not None and getattr(r, feature, None))

    def drop_transport(self):
        """Drops the TCP connection abruptly: no GOODBYE, no WebSocket close."""
        self._transport.transport.abort()

    async def close(self, timeout=5.0):
        """Leaves (GOODBYE) if still joined, and waits for the transport to go."""
        if self.is_attached():
            try:
                self.leave()
            except Exception:
                pass
        elif self._transport is not None:
            self.disconnect()
        try:
            await asyncio.wait_for(asyncio.shield(self.disconnected), timeout)
        except asyncio.TimeoutError:
            if self._transport is not None and getattr(self._transport, "transport", None):
                self._transport.transport.abort()


class AbortError(Exception):
    def __init__(self, reason, message=None):
        super().__init__("ABORT %s (%s)" % (reason, message))
        self.reason = reason
        self.message = message


async def connect(router_or_url, realm=REALM, cls=Client, timeout=OP_TIMEOUT, serializers=None,
                  ssl=None):
    """Connects an Autobahn|Python session (ApplicationRunner, asyncio; JSON unless `serializers`
    lists others; `ssl` an SSLContext for wss://) and waits for WELCOME. Raises AbortError if the
    router answers HELLO with ABORT."""
    url = router_or_url if isinstance(router_or_url, str) else router_or_url.url
    loop = asyncio.get_running_loop()
    created = loop.create_future()  # the session exists once the WebSocket is open

    def make(cfg):
        s = cls(cfg)
        if not created.done():
            created.set_result(s)
        return s

    runner = ApplicationRunner(url, realm, serializers=serializers or [JsonSerializer()], ssl=ssl)
    transport, _ = await asyncio.wait_for(runner.run(make, start_loop=False), timeout)
    return await joined_session(created, transport, timeout)


async def joined_session(created, transport, timeout=OP_TIMEOUT):
    """The session the future `created` gets, once it has joined; aborts `transport` (its
    connection) if it does not join in time or the router refuses it."""
    try:
        session = await asyncio.wait_for(created, timeout)
        await asyncio.wait_for(asyncio.shield(session.joined), timeout)
    except BaseException:
        transport.abort()
        raise
    return session


def without_client_uri_check(fn, *args, **kwargs):
    """Calls a session method (call, register, publish, subscribe) with Autobahn|Python's own
    client-side URI check switched off, so that an invalid URI reaches the router. The check
    runs synchronously inside the method, before the message is sent; the returned future is
    awaited afterwards as usual."""
    orig = _message.check_or_raise_uri
    _message.check_or_raise_uri = lambda value, *a, **kw: value
    try:
        return fn(*args, **kwargs)
    finally:
        _message.check_or_raise_uri = orig


async def within(aw, timeout=OP_TIMEOUT):
    """Awaits with a timeout (every wait in these tests has one)."""
    return await asyncio.wait_for(aw, timeout)


class JunctionTestCase(unittest.IsolatedAsyncioTestCase):
    """One router per test class (started in setUpClass, stopped in tearDownClass); sessions
    opened with self.connect() are closed after each test."""

    router_config = None

    @classmethod
    def setUpClass(cls):
        cls.router = RouterProcess(config=cls.router_config, name=cls.__name__).start()

    @classmethod
    def tearDownClass(cls):
        cls.router.stop()

    async def asyncSetUp(self):
        self._sessions = []

    async def asyncTearDown(self):
        for s in self._sessions:
            try:
                await s.close()
            except Exception:
                pass

    async def connect(self, realm=REALM, cls=Client):
        s = await connect(self.router, realm=realm, cls=cls)
        self._sessions.append(s)
        return s

    async def assertWampError(self, aw, uri, timeout=OP_TIMEOUT):
        """Awaits aw, which must fail with ApplicationError `uri`; returns the error."""
        with self.assertRaises(ApplicationError) as cm:
            await within(aw, timeout)
        self.assertEqual(cm.exception.error, uri, "error: %r" % (cm.exception,))
        return cm.exception


def main():
    """Runs the unittest module; on failure prints the stderr of every router it started and
    exits non-zero."""
    global JUNCTION_BIN
    argv = list(sys.argv)
    if len(argv) > 1 and not argv[1].startswith("-"):
        JUNCTION_BIN = os.path.abspath(argv.pop(1))
    prog = unittest.main(argv=argv, exit=False, verbosity=2)
    ok = prog.result.wasSuccessful() and prog.result.testsRun > 0
    if not ok:
        for r in _all_routers:
            sys.stderr.write("\n===== junction log (%s, port %s, exit %s) =====\n%s\n"
                             % (r.name, r.port, r.proc.returncode if r.proc else None,
                                r.log_tail()))
    _kill_all()
    sys.exit(0 if ok else 1)
