"""The "websocket-reverseproxy" path service: a WebSocket client we did not write
(python3-websocket's websocket-client) through Junction to an Autobahn|Python (Twisted) WebSocket
echo server running in a process of its own.

Checked: text and binary messages both ways (also 1 MiB), the subprotocol the backend chose
reaches the client, the backend URL's path and the client's query reach the backend with
X-Forwarded-For, a close from the client reaches the backend (its connection count goes back to
0), a plain GET answers 426, a backend that refuses the upgrade passes its status on, and a
backend that is not there answers 502 with a log line.

Run: /usr/bin/python3 test_web_websocket_proxy.py path/to/junction
"""

import http.client
import json
import os
import subprocess
import sys
import time
import unittest

import websocket  # Debian python3-websocket (websocket-client)

from junction_harness import RouterProcess, closed_port, main, web_config

TIMEOUT = 10.0

BACKEND = r'''
import json, sys
from autobahn.twisted.websocket import WebSocketServerFactory, WebSocketServerProtocol
from autobahn.websocket.types import ConnectionDeny
from twisted.internet import reactor

open_count = [0]

class Echo(WebSocketServerProtocol):
    def onConnect(self, request):
        if request.path == "/refuse":
            raise ConnectionDeny(403, "refused by the backend")
        self.info = {"path": request.path, "params": request.params,
                     "xff": request.headers.get("x-forwarded-for"),
                     "protocols": request.protocols}
        return "echo.v2" if "echo.v2" in request.protocols else None

    def onOpen(self):
        open_count[0] += 1
        self.sendMessage(json.dumps(self.info).encode(), isBinary=False)

    def onMessage(self, payload, isBinary):
        if not isBinary and payload == b"count":
            self.sendMessage(str(open_count[0]).encode(), isBinary=False)
            return
        self.sendMessage(payload, isBinary)

    def connectionLost(self, reason):
        if getattr(self, "info", None) is not None:
            open_count[0] -= 1
        WebSocketServerProtocol.connectionLost(self, reason)

factory = WebSocketServerFactory()
factory.protocol = Echo
factory.setProtocolOptions(maxMessagePayloadSize=0, maxFramePayloadSize=0)
port = reactor.listenTCP(0, factory, interface="127.0.0.1")
print(port.getHost().port, flush=True)
reactor.run()
'''


class WebSocketProxyTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.backend = subprocess.Popen([sys.executable, "-c", BACKEND], stdout=subprocess.PIPE,
                                       text=True)
        port = int(cls.backend.stdout.readline())
        backend = {"type": "websocket", "endpoint": {"type": "tcp", "host": "127.0.0.1",
                                                    "port": port}}
        config = web_config({
            "echo": {"type": "websocket-reverseproxy",
                     "backend": dict(backend, url="ws://127.0.0.1:%d/backend/ws"
                                     % port)},
            "refuse": {"type": "websocket-reverseproxy",
                       "backend": dict(backend, url="ws://127.0.0.1/refuse")},
            "dead": {"type": "websocket-reverseproxy",
                     "backend": {"type": "websocket",
                                 "endpoint": {"type": "tcp", "host": "127.0.0.1",
                                              "port": closed_port()}}},
        })
        cls.router = RouterProcess(config=config, name="websocket-reverseproxy").start()
        cls.base = "ws://%s:%d" % (cls.router.host, cls.router.port)

    @classmethod
    def tearDownClass(cls):
        cls.router.stop()
        cls.backend.kill()
        cls.backend.wait()

    def connect(self, path, **kwargs):
        return websocket.create_connection(self.base + path, timeout=TIMEOUT, **kwargs)

    def test_messages_both_ways(self):
        ws = self.connect("/echo?x=1&y=two", subprotocols=["wamp.2.json", "echo.v2"],
                          header=["X-Forwarded-For: 10.0.0.7"])
        try:
            self.assertEqual(ws.getsubprotocol(), "echo.v2")
            info = json.loads(ws.recv())
            self.assertEqual(info["path"], "/backend/ws")
            self.assertEqual(info["params"], {"x": ["1"], "y": ["two"]})
            self.assertEqual(info["xff"], "10.0.0.7, 127.0.0.1")
            self.assertEqual(info["protocols"], ["wamp.2.json", "echo.v2"])
            for text in ("hello", "grüße", "x" * 70000):
                ws.send(text)
                self.assertEqual(ws.recv(), text)
            big = os.urandom(1 << 20)
            ws.send_binary(big)
            opcode, data = ws.recv_data()
            self.assertEqual((opcode, data), (websocket.ABNF.OPCODE_BINARY, big))
            ws.ping(b"are you there")
            ws.send("count")
            self.assertEqual(ws.recv(), "1")
        finally:
            ws.close()
        # The backend sees the close: its count of open connections goes back to 0.
        deadline = time.monotonic() + TIMEOUT
        while True:
            probe = self.connect("/echo")
            probe.recv()
            probe.send("count")
            count = probe.recv()
            probe.close()
            if count == "1":
                break
            self.assertLess(time.monotonic(), deadline, "the backend kept the closed connection")
            time.sleep(0.05)

    def test_not_a_websocket_request(self):
        conn = http.client.HTTPConnection(self.router.host, self.router.port, timeout=TIMEOUT)
        try:
            conn.request("GET", "/echo")
            r = conn.getresponse()
            r.read()
            self.assertEqual(r.status, 426)
            self.assertEqual(r.getheader("Upgrade"), "websocket")
        finally:
            conn.close()

    def test_backend_refuses_or_is_missing(self):
        with self.assertRaises(websocket.WebSocketBadStatusException) as cm:
            self.connect("/refuse")
        self.assertEqual(cm.exception.status_code, 403)
        with self.assertRaises(websocket.WebSocketBadStatusException) as cm:
            self.connect("/dead")
        self.assertEqual(cm.exception.status_code, 502)
        self.assertTrue(self.router.wait_for_log("cannot connect to the backend"))


if __name__ == "__main__":
    main()
