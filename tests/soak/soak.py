"""make soak: a bounded soak test of a live junction (issue 13). Not part of `make test`.

For SOAK_SECONDS (default 180) it runs, all at once, against one release junction:
- load: RPC callers checking every result, a publisher whose events three subscribers check for
  loss, duplication and order, and session churn (join, subscribe, call, leave or drop);
- the attacks of issue 13: compression bombs, WebSockets that never send HELLO, RawSocket frames
  stalled mid-body, slow consumers of a flood topic, a connection flood from one address past
  max_connections_per_ip, and a session publishing past its realm's max_message_rate;
- a bystander session calling through the router every 5 ms, its latency recorded.
The node's resident memory and open descriptors are sampled every second.

Asserted: every call answered with its own argument; every event received once and in order by
every subscriber; each attack answered as it should be (1009, 1008, ABORT, slow-consumer close,
HTTP 503, GOODBYE junction.error.limit_exceeded); memory flat (the median of the last fifth of the
load phase at most 32 MiB above the median of its first fifth, after a 10 s warm-up) and the
descriptors back to where they were before the load once it stops. Printed: a table and one
JSON line, with the bystander's p50/p99 idle (before the load) and under load.

    /usr/bin/python3 tests/soak/soak.py build/junction      (SOAK_SECONDS=60 for a short run)
"""

import json
import os
import socket
import statistics
import sys
import threading
import time
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "e2e", "python"))

import junction_harness as h  # noqa: E402
import rawsocket_helpers as rs  # noqa: E402
from test_hardening import (  # noqa: E402
    BIG, CALL, HELLO, INVOCATION, REGISTER, REGISTERED, RESULT, WELCOME, YIELD, EchoPeer, Wamp,
    deflate, node_rss, percentile, wamp_json)
from junction_harness import (  # noqa: E402
    OP_TEXT, RSV1, RawWebSocket, close_code_of, ws_frame)

SECONDS = float(os.environ.get("SOAK_SECONDS", "180"))
PHASE_MS = 1000
PER_IP = 100            # max_connections_per_ip; the flooder opens FLOOD connections at a time
FLOOD = 130
FLOOD_SOURCE = "127.0.0.50"
RATE = 200              # max_message_rate of realm "limited"
TOPIC = "com.soak.events"
FLOOD_TOPIC = "com.soak.flood"
SUBSCRIBE, SUBSCRIBED, EVENT, PUBLISH, PUBLISHED, GOODBYE = 32, 33, 36, 16, 17, 6
ABORT = 3


def soak_config():
    role = {"name": "anonymous", "permissions": [{
        "uri": "", "match": "prefix",
        "allow": {"call": True, "register": True, "publish": True, "subscribe": True}}]}
    ws_opts = {"max_message_size": BIG, "hello_timeout": PHASE_MS, "frame_timeout": PHASE_MS}
    return {"version": 2, "workers": [{
        "type": "router",
        "options": {"max_connections": 1000, "max_connections_per_ip": PER_IP,
                    "max_outbound_bytes": 64 << 20, "max_outbound_bytes_per_connection": 4 << 20},
        "realms": [{"name": h.REALM, "roles": [role]},
                   {"name": "limited", "roles": [role],
                    "options": {"max_message_rate": RATE}}],
        "transports": [
            {"type": "web", "id": "web",
             "endpoint": {"type": "tcp", "port": 0, "interface": "127.0.0.1", "backlog": 1024},
             "paths": {
                 "ws": {"type": "websocket", "serializers": ["json"],
                        "options": dict(ws_opts, compression={"deflate": {}})},
                 "plain": {"type": "websocket", "serializers": ["json"],
                           "options": {"max_message_size": BIG}},
             }},
            {"type": "rawsocket", "id": "rs_tcp",
             "endpoint": {"type": "tcp", "port": 0, "interface": "127.0.0.1"},
             "serializers": ["json"], "max_message_size": BIG,
             "options": {"handshake_timeout": PHASE_MS, "hello_timeout": PHASE_MS,
                         "frame_timeout": PHASE_MS}},
        ]}]}


def open_fds(router):
    return len(os.listdir("/proc/%d/fd" % router.proc.pid))


class Soak:
    def __init__(self, router):
        self.router = router
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.failures = []
        self.counts = {}
        self.threads = []

    def count(self, key, n=1):
        with self.lock:
            self.counts[key] = self.counts.get(key, 0) + n

    def fail(self, what):
        with self.lock:
            self.failures.append(what)

    def spawn(self, name, fn, *args):
        def run():
            try:
                fn(*args)
            except Exception:  # noqa: BLE001: reported, and the soak fails
                self.fail("%s: %s" % (name, traceback.format_exc()))
        t = threading.Thread(target=run, name=name, daemon=True)
        t.start()
        self.threads.append(t)

    def sleep(self, seconds):
        self.stop.wait(seconds)

    # -- load ----------------------------------------------------------------------------------
    def rpc_load(self, index):
        peer = EchoPeer(self.router, "com.soak.echo%d" % index)
        i = 0
        while not self.stop.is_set():
            got = peer.call([index, i])
            if got != [index, i]:
                self.fail("rpc %d: call %d answered %r" % (index, i, got))
            i += 1
            self.count("calls")
        peer.close()

    def subscriber(self, index, ready, received):
        peer = Wamp(self.router)
        peer.hello()
        peer.send([SUBSCRIBE, 1, {}, TOPIC])
        assert peer.recv()[0] == SUBSCRIBED
        ready.release()
        expected = 0
        peer.ws.sock.settimeout(30)
        while True:
            msg = peer.recv()
            if msg[0] != EVENT:
                continue
            seq = msg[4][0]
            if seq == -1:
                break
            if seq != expected:
                self.fail("subscriber %d: event %d where %d was next" % (index, seq, expected))
                expected = seq
            expected += 1
        received[index] = expected
        peer.close()

    def pubsub_load(self, subscribers=3):
        ready = threading.Semaphore(0)
        received = [None] * subscribers
        readers = [threading.Thread(target=self.subscriber, args=(i, ready, received), daemon=True)
                   for i in range(subscribers)]
        for t in readers:
            t.start()
        for _ in range(subscribers):
            ready.acquire(timeout=10)
        pub = Wamp(self.router)
        pub.hello()
        seq = 0
        while not self.stop.is_set():
            pub.send([PUBLISH, seq + 1, {"acknowledge": True}, TOPIC, [seq, "x" * 64]])
            reply = pub.recv()
            if reply[0] != PUBLISHED:
                self.fail("publish %d answered %r" % (seq, reply[:3]))
            seq += 1
            time.sleep(0.0005)
        pub.send([PUBLISH, seq + 1, {"acknowledge": True}, TOPIC, [-1]])
        pub.recv()
        for t in readers:
            t.join(30)
        for i, n in enumerate(received):
            if n != seq:
                self.fail("subscriber %d received %r of %d events" % (i, n, seq))
        self.count("events published", seq)
        self.count("events delivered", sum(n or 0 for n in received))
        pub.close()

    def churn(self):
        i = 0
        while not self.stop.is_set():
            peer = Wamp(self.router)
            peer.hello()
            peer.send([SUBSCRIBE, 1, {}, "com.soak.churn.%d" % (i % 50)])
            assert peer.recv()[0] == SUBSCRIBED
            # A procedure of its own, called through the router by itself (the RPC load's
            # callees answer only their own calls).
            proc = "com.soak.churn.proc%d" % i
            peer.send([REGISTER, 2, {}, proc])
            assert peer.recv()[0] == REGISTERED
            peer.send([CALL, 3, {}, proc, [i]])
            inv = peer.recv()
            assert inv[0] == INVOCATION, inv[:3]
            peer.send([YIELD, inv[1], {}, inv[4]])
            res = peer.recv()
            if res[0] != RESULT or res[3] != [i]:
                self.fail("churn: call %d answered %r" % (i, res[:4]))
            if i % 2 == 0:
                peer.send([GOODBYE, {}, "wamp.close.close_realm"])
                assert peer.recv()[0] == GOODBYE
            peer.close()  # odd ones: dropped without GOODBYE
            i += 1
            self.count("churn sessions")
            self.sleep(0.02)

    # -- attacks -------------------------------------------------------------------------------
    def bombs(self):
        bomb = ws_frame(OP_TEXT, deflate(b"[" + b" " * (BIG - 2) + b"]"), rsv=RSV1)
        while not self.stop.is_set():
            with RawWebSocket(self.router.host, self.router.port, "/ws",
                              ["Sec-WebSocket-Extensions: permessage-deflate"]) as ws:
                try:
                    ws.send(bomb)
                except OSError:
                    pass
                _, close = ws.read_until_close()
            code = close_code_of(close) if close else None
            if code != 1009:
                self.fail("bomb answered %r, not 1009" % code)
            self.count("bombs (1009)")
            self.sleep(0.1)

    def no_hello(self):
        while not self.stop.is_set():
            socks = [RawWebSocket(self.router.host, self.router.port, "/ws") for _ in range(10)]
            for ws in socks:
                ws.sock.settimeout(PHASE_MS / 1000 + 5)
                _, close = ws.read_until_close()
                code = close_code_of(close) if close else None
                if code != 1008:
                    self.fail("a WebSocket without HELLO got %r, not 1008" % code)
                ws.close()
                self.count("no-HELLO cut (1008)")

    def stalled_frames(self):
        endpoint = rs.endpoints(self.router)["rs_tcp"]
        while not self.stop.is_set():
            with rs.connect_raw(endpoint, timeout=PHASE_MS / 1000 + 5) as s:
                assert rs.handshake(s, exponent=15)[0] == 0x7F
                s.sendall(rs.frame(wamp_json(HELLO)))
                assert json.loads(rs.read_frame(s)[1])[0] == WELCOME
                s.sendall(rs.frame(b"[" + b" " * (1 << 20), length=8 << 20))
                kind, payload = rs.read_frame(s)
                msg = json.loads(payload)
                if kind != 0 or msg[0] != ABORT or msg[2] != "wamp.error.protocol_violation":
                    self.fail("a stalled RawSocket frame got %r" % msg)
            self.count("stalled frames (ABORT)")

    def slow_consumers(self):
        flooder = Wamp(self.router)
        flooder.hello()
        frame = ws_frame(OP_TEXT, wamp_json([PUBLISH, 1, {}, FLOOD_TOPIC, ["f" * 65536]]))
        while not self.stop.is_set():
            slow = Wamp(self.router, rcvbuf=4096)
            slow.hello()
            slow.send([SUBSCRIBE, 1, {}, FLOOD_TOPIC])
            assert slow.recv()[0] == SUBSCRIBED
            # 19 MiB for a reader that does not read: past its 4 MiB bound and the kernel's
            # buffers. Then it reads: what was queued, and the close frame with the reason.
            for _ in range(300):
                flooder.ws.send(frame)
                time.sleep(0.001)
            slow.ws.sock.settimeout(10)
            _, close = slow.ws.read_until_close()
            code = close_code_of(close) if close else None
            if code != 1008:
                self.fail("a slow consumer got %r, not 1008" % code)
            self.count("slow consumers cut (1008)")
            slow.close()
            self.sleep(0.5)
        flooder.close()

    def connection_flood(self):
        while not self.stop.is_set():
            socks, refused = [], 0
            for _ in range(FLOOD):
                s = socket.create_connection((self.router.host, self.router.port), timeout=5,
                                             source_address=(FLOOD_SOURCE, 0))
                socks.append(s)
            for s in socks:
                # Admitted ones wait for their request; refused ones have their 503 already.
                s.settimeout(0.05)
                try:
                    data = s.recv(64)
                    if data.startswith(b"HTTP/1.1 503"):
                        refused += 1
                except socket.timeout:
                    pass
            # The other soak clients' places are theirs: only the flood address is refused.
            if refused != FLOOD - PER_IP:
                self.fail("connection flood: %d of %d refused, expected %d"
                          % (refused, FLOOD, FLOOD - PER_IP))
            self.count("connections refused (503)", refused)
            self.sleep(1.0)
            for s in socks:
                s.close()
            self.sleep(1.0)

    def rate_flooder(self):
        while not self.stop.is_set():
            ws = RawWebSocket(self.router.host, self.router.port, "/plain")
            ws.send(ws_frame(OP_TEXT, wamp_json([1, "limited", HELLO[2]])))
            frames = []
            sent = 0
            ws.sock.settimeout(10)
            batch = b"".join(ws_frame(OP_TEXT, wamp_json([PUBLISH, i + 1, {}, "com.soak.r", [i]]))
                             for i in range(100))
            try:
                while sent < 100 * RATE:
                    ws.send(batch)
                    sent += 100
            except OSError:
                pass
            frames, _ = ws.read_until_close()
            texts = [json.loads(f.payload) for f in frames if f.opcode == OP_TEXT]
            if not texts or texts[-1][0] != GOODBYE or texts[-1][2] != "junction.error.limit_exceeded":
                self.fail("the rate flooder got %r" % (texts[-1:] or None))
            ws.close()
            self.count("rate flooders cut (GOODBYE)")
            self.sleep(1.0)


def main():
    junction = os.path.abspath(sys.argv[1]) if len(sys.argv) > 1 else os.environ["JUNCTION_BIN"]
    h.JUNCTION_BIN = junction
    router = h.RouterProcess(config=soak_config(), name="soak").start()
    ok = False
    try:
        rs.endpoints(router)
        bystander = EchoPeer(router, "com.soak.bystander")
        idle = bystander.latencies(5.0)
        fds_before = open_fds(router)
        rss_before = node_rss(router)
        soak = Soak(router)
        samples = []  # (t, rss, fds)
        started = time.monotonic()
        for i in range(2):
            soak.spawn("rpc%d" % i, soak.rpc_load, i)
        soak.spawn("pubsub", soak.pubsub_load)
        soak.spawn("churn", soak.churn)
        soak.spawn("bombs", soak.bombs)
        soak.spawn("no_hello", soak.no_hello)
        soak.spawn("stalled_frames", soak.stalled_frames)
        soak.spawn("slow_consumers", soak.slow_consumers)
        soak.spawn("connection_flood", soak.connection_flood)
        soak.spawn("rate_flooder", soak.rate_flooder)
        loaded = []
        while time.monotonic() - started < SECONDS:
            loaded += bystander.latencies(1.0)
            samples.append((time.monotonic() - started, node_rss(router), open_fds(router)))
        soak.stop.set()
        for t in soak.threads:
            t.join(60)
            if t.is_alive():
                soak.fail("%s did not stop within 60 s" % t.name)
        time.sleep(3.0)  # the last phase timeouts and lingering closes
        after = bystander.latencies(3.0)
        fds_after, rss_after = open_fds(router), node_rss(router)
        bystander.close()

        steady = [s for s in samples if s[0] >= 10.0]
        fifth = max(1, len(steady) // 5)
        rss_early = statistics.median(s[1] for s in steady[:fifth])
        rss_late = statistics.median(s[1] for s in steady[-fifth:])
        figures = {
            "seconds": SECONDS,
            "counts": soak.counts,
            "bystander_ms": {
                "idle_p50": percentile(idle, 0.5) * 1e3, "idle_p99": percentile(idle, 0.99) * 1e3,
                "load_p50": percentile(loaded, 0.5) * 1e3,
                "load_p99": percentile(loaded, 0.99) * 1e3,
                "after_p99": percentile(after, 0.99) * 1e3, "calls": len(loaded)},
            "rss_mb": {"before": rss_before / 2**20, "early": rss_early / 2**20,
                       "late": rss_late / 2**20, "max": max(s[1] for s in samples) / 2**20,
                       "after": rss_after / 2**20},
            "fds": {"before": fds_before, "max": max(s[2] for s in samples),
                    "after": fds_after},
        }
        print("\nsoak: %.0f s against %s" % (SECONDS, junction))
        for key, n in sorted(soak.counts.items()):
            print("  %-28s %d" % (key, n))
        b = figures["bystander_ms"]
        print("  bystander ms               idle p50 %.2f p99 %.2f | load p50 %.2f p99 %.2f "
              "(%d calls) | after p99 %.2f" % (b["idle_p50"], b["idle_p99"], b["load_p50"],
                                              b["load_p99"], b["calls"], b["after_p99"]))
        r = figures["rss_mb"]
        print("  RSS MiB                    before %.1f early %.1f late %.1f max %.1f after %.1f"
              % (r["before"], r["early"], r["late"], r["max"], r["after"]))
        f = figures["fds"]
        print("  descriptors                before %d max %d after %d"
              % (f["before"], f["max"], f["after"]))
        print(json.dumps(figures))

        problems = list(soak.failures)
        if rss_late > rss_early + 32 * 2**20:
            problems.append("memory grew: median %.1f MiB early, %.1f MiB late"
                            % (rss_early / 2**20, rss_late / 2**20))
        if fds_after > fds_before + 2:
            problems.append("descriptors: %d before the load, %d after it" % (fds_before, fds_after))
        for key in ("calls", "events delivered", "churn sessions", "bombs (1009)",
                    "no-HELLO cut (1008)", "stalled frames (ABORT)", "slow consumers cut (1008)",
                    "connections refused (503)", "rate flooders cut (GOODBYE)"):
            if soak.counts.get(key, 0) == 0:
                problems.append("nothing counted for '%s'" % key)
        for p in problems:
            print("SOAK FAILURE: " + p, file=sys.stderr)
        ok = not problems
    finally:
        if not ok:
            sys.stderr.write("\n===== junction log tail =====\n%s\n" % router.log_tail(80))
        router.stop()
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
