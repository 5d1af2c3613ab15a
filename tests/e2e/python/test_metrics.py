"""The node's operational endpoints end to end: Prometheus /metrics (path type "metrics") read
with Debian's python3-prometheus-client text parser (not by regex), its values checked against
traffic made here with Autobahn|Python; and /health (path type "health"): 200 while the node
runs, 503 once it shuts down (while a guest worker that ignores SIGTERM holds the shutdown).
"""

import asyncio
import os
import signal
import sys
import time
import urllib.error
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from prometheus_client.parser import text_string_to_metric_families  # noqa: E402

import junction_harness as h  # noqa: E402
from junction_harness import (Client, JunctionTestCase, RouterProcess, default_config,  # noqa: E402
                              main, within)


def metrics_config(guests=()):
    cfg = default_config(realms=("realm1", "other"))
    paths = cfg["workers"][0]["transports"][0]["paths"]
    paths["metrics"] = {"type": "metrics"}
    paths["health"] = {"type": "health"}
    cfg["workers"].extend(guests)
    return cfg


# A guest that fails at once and is restarted by its policy: worker restarts to count.
FAILING_GUEST = {
    "type": "guest", "id": "flaky", "executable": "/bin/sh", "arguments": ["-c", "exit 3"],
    "options": {"junction": {"restart": "on-failure", "restart_delay": 0.05,
                             "max_restart_delay": 0.2}},
}


def http_get(url, timeout=5.0):
    """(status, content type, body) of a GET."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as r:
            return r.status, r.headers.get("Content-Type"), r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.headers.get("Content-Type"), e.read().decode()


class Scrape:
    """One /metrics answer parsed by prometheus_client: value(name, **labels)."""

    def __init__(self, text):
        self.samples = {}
        self.types = {}
        for family in text_string_to_metric_families(text):
            self.types[family.name] = family.type
            for s in family.samples:
                self.samples[(s.name, tuple(sorted(s.labels.items())))] = s.value

    def value(self, name, **labels):
        return self.samples[(name, tuple(sorted(labels.items())))]


class TicketClient(Client):
    """Asks for ticket authentication, which the anonymous-only path does not offer."""

    def onConnect(self):
        self.join(self.config.realm, authmethods=["ticket"], authid="nobody")

    def onChallenge(self, challenge):
        return "wrong"


class MetricsTest(JunctionTestCase):
    router_config = metrics_config(guests=[FAILING_GUEST])

    async def scrape(self):
        status, ctype, body = await asyncio.to_thread(http_get,
                                                      self.router.http_base + "/metrics")
        self.assertEqual(status, 200, body)
        self.assertTrue(ctype.startswith("text/plain; version=0.0.4"), ctype)
        return Scrape(body)

    async def test_metrics_follow_traffic(self):
        before = await self.scrape()
        self.assertEqual(before.types["junction_messages_received"], "counter")
        self.assertEqual(before.types["junction_sessions"], "gauge")
        info = [v for (name, _), v in before.samples.items() if name == "junction_info"]
        self.assertEqual(info, [1])

        callee = await self.connect()
        caller = await self.connect()
        await self.connect(realm="other")
        await within(callee.register(lambda a, b: a + b, "com.metrics.add"))
        events = []
        got_all = asyncio.get_running_loop().create_future()

        def on_event(x):
            events.append(x)
            if len(events) == 3 and not got_all.done():
                got_all.set_result(True)

        await within(callee.subscribe(on_event, "com.metrics.topic"))
        for i in range(5):
            self.assertEqual(await within(caller.call("com.metrics.add", i, 1)), i + 1)
        from autobahn.wamp.types import PublishOptions
        for i in range(3):
            await within(caller.publish("com.metrics.topic", i,
                                        options=PublishOptions(acknowledge=True)))
        await within(got_all)
        with self.assertRaises(h.AbortError) as cm:
            await h.connect(self.router, cls=TicketClient)
        self.assertEqual(cm.exception.reason, "wamp.error.no_auth_method")

        after = await self.scrape()

        def delta(name, **labels):
            return after.value(name, **labels) - before.value(name, **labels)

        self.assertEqual(after.value("junction_sessions", realm="realm1"), 2)
        self.assertEqual(after.value("junction_sessions", realm="other"), 1)
        received, sent = "junction_messages_received_total", "junction_messages_sent_total"
        self.assertEqual(delta(received, type="HELLO"), 4)   # three joined, one refused
        self.assertEqual(delta(sent, type="WELCOME"), 3)
        self.assertEqual(delta(sent, type="ABORT"), 1)
        self.assertEqual(delta(received, type="REGISTER"), 1)
        self.assertEqual(delta(sent, type="REGISTERED"), 1)
        self.assertEqual(delta(received, type="CALL"), 5)
        self.assertEqual(delta(sent, type="INVOCATION"), 5)
        self.assertEqual(delta(received, type="YIELD"), 5)
        self.assertEqual(delta(sent, type="RESULT"), 5)
        self.assertEqual(delta(received, type="SUBSCRIBE"), 1)
        self.assertEqual(delta(received, type="PUBLISH"), 3)
        self.assertEqual(delta(sent, type="PUBLISHED"), 3)
        self.assertEqual(delta(sent, type="EVENT"), 3)  # one subscriber; the publisher excluded
        self.assertEqual(delta("junction_authentication_failures_total"), 1)
        # Bytes: at least the WAMP messages themselves went both ways (JSON text, framed).
        self.assertGreater(delta("junction_received_bytes_total"),
                           5 * len('[48,1,{},"com.metrics.add",[0,1]]'))
        self.assertGreater(delta("junction_sent_bytes_total"), 5 * len('[50,1,{},[1]]'))
        self.assertEqual(after.value("junction_outbound_waiting_bytes"), 0)
        self.assertGreater(after.value("junction_outbound_budget_bytes"), 0)
        self.assertEqual(after.value("junction_slow_consumer_closes_total"), 0)

    async def test_worker_restarts(self):
        deadline = time.monotonic() + 10
        while True:
            m = await self.scrape()
            if m.value("junction_worker_restarts_total", worker="flaky") >= 2:
                break
            self.assertLess(time.monotonic(), deadline, "the failing guest was not restarted")
            await asyncio.sleep(0.1)

    async def test_health_and_methods(self):
        status, _, body = await asyncio.to_thread(http_get, self.router.http_base + "/health")
        self.assertEqual((status, body), (200, "ok\n"))
        req = urllib.request.Request(self.router.http_base + "/metrics", data=b"x", method="POST")
        with self.assertRaises(urllib.error.HTTPError) as cm:
            await asyncio.to_thread(urllib.request.urlopen, req, None, 5)
        self.assertEqual(cm.exception.code, 405)
        status, _, _ = await asyncio.to_thread(http_get, self.router.http_base + "/metrics/x")
        self.assertEqual(status, 404)


class HealthDuringShutdownTest(JunctionTestCase):
    # A guest that ignores SIGTERM keeps the node in its shutdown for stop_timeout: the
    # listeners still accept, and /health must say 503.
    router_config = metrics_config(guests=[{
        "type": "guest", "id": "stubborn", "executable": "/bin/sh",
        "arguments": ["-c", "trap '' TERM; while :; do sleep 0.05; done"],
        "options": {"junction": {"stop_timeout": 3}},
    }])

    async def test_503_while_shutting_down(self):
        base = self.router.http_base
        status, _, _ = await asyncio.to_thread(http_get, base + "/health")
        self.assertEqual(status, 200)
        self.router.proc.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + 2.5
        while True:
            status, _, body = await asyncio.to_thread(http_get, base + "/health")
            if status == 503:
                self.assertEqual(body, "shutting down\n")
                break
            self.assertLess(time.monotonic(), deadline, "/health still %d" % status)
            await asyncio.sleep(0.02)
        self.assertEqual(self.router.proc.wait(10), 0)


if __name__ == "__main__":
    main()
