"""Limits end to end with Autobahn|Python (22.7.1).

Realm options max_sessions, max_subscriptions_per_session and max_registrations_per_session
(Junction's own keys): at the limit things work; one past it gets ABORT / ERROR
junction.error.limit_exceeded; a freed slot can be used again; other sessions are not disturbed.

Realm options max_message_rate / max_message_burst: a session publishing three bursts at once is
ended with GOODBYE junction.error.limit_exceeded naming the option; a calm session on the same realm
is not touched. Realm options max_pending_calls_per_session / max_pending_calls_per_callee: a
callee holding its calls; one call past each limit gets ERROR junction.error.limit_exceeded and
never reaches the callee; once answered, there is room again.

Router worker options max_connections and max_connections_per_ip (Junction's own keys): clients
from other loopback addresses (127.0.0.2, ...: Linux routes all of 127/8 to lo) fill a limit; the
next one is refused with HTTP 503 before its upgrade (Autobahn fails its opening handshake) and
the log names its address and the limit; a bystander session calls through the router all along
without one failure; a freed place is used again.
"""

import asyncio
import os
import socket
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import junction_harness as h  # noqa: E402
from autobahn.asyncio.websocket import WampWebSocketClientFactory  # noqa: E402
from autobahn.wamp.serializer import JsonSerializer  # noqa: E402
from autobahn.wamp.types import ComponentConfig  # noqa: E402
from junction_harness import JunctionTestCase, default_config, main, within  # noqa: E402

LIMIT = "junction.error.limit_exceeded"


def limits_config():
    cfg = default_config()
    realm = dict(cfg["workers"][0]["realms"][0])
    realm["name"] = "limited"
    realm["options"] = {"max_sessions": 2, "max_subscriptions_per_session": 3,
                        "max_registrations_per_session": 2}
    cfg["workers"][0]["realms"].append(realm)
    return cfg


class LimitsTest(JunctionTestCase):
    router_config = limits_config()

    async def test_sessions_per_realm(self):
        a = await self.connect(realm="limited")
        await self.connect(realm="limited")
        with self.assertRaises(h.AbortError) as cm:
            await self.connect(realm="limited")
        self.assertEqual(cm.exception.reason, LIMIT)
        self.assertIn("max_sessions", cm.exception.message)
        # Other realms are not limited, and the full one serves its sessions.
        await self.connect()
        await within(a.subscribe(lambda: None, "com.limits.still_served"))
        await a.leave()
        for _ in range(50):  # the slot is freed once the router has seen the GOODBYE
            try:
                await self.connect(realm="limited")
                break
            except h.AbortError:
                await asyncio.sleep(0.05)
        else:
            self.fail("the slot of a session that left was not freed")

    async def test_subscriptions_and_registrations_per_session(self):
        s = await self.connect(realm="limited")
        subs = [await within(s.subscribe(lambda: None, "com.limits.t%d" % i)) for i in range(3)]
        await self.assertWampError(s.subscribe(lambda: None, "com.limits.t3"), LIMIT)
        await within(subs[0].unsubscribe())
        await within(s.subscribe(lambda: None, "com.limits.t3"))
        for i in range(2):
            await within(s.register(lambda: i, "com.limits.p%d" % i))
        err = await self.assertWampError(s.register(lambda: None, "com.limits.p2"), LIMIT)
        self.assertIn("max_registrations_per_session", err.args[0])
        self.assertEqual(await within(s.call("com.limits.p1")), 1)  # still a working callee


def connection_limits_config():
    cfg = default_config()
    cfg["workers"][0]["options"] = {"max_connections": 8, "max_connections_per_ip": 3}
    return cfg


async def connect_from(router, source, timeout=h.OP_TIMEOUT):
    """An Autobahn|Python session over a WebSocket whose TCP connection comes from `source` (a
    loopback address): the joined session, or ConnectionRefusedByRouter with Autobahn's reason
    when the connection ends before the WebSocket opens."""
    loop = asyncio.get_running_loop()
    created = loop.create_future()

    def make():
        session = h.Client(ComponentConfig(realm=h.REALM))
        if not created.done():
            created.set_result(session)
        return session

    factory = WampWebSocketClientFactory(make, url=router.url, serializers=[JsonSerializer()])
    transport, protocol = await within(
        loop.create_connection(factory, router.host, router.port, local_addr=(source, 0)), timeout)
    done, _ = await asyncio.wait([created, protocol.is_closed], timeout=timeout,
                                 return_when=asyncio.FIRST_COMPLETED)
    if created in done:
        session = created.result()
        await within(asyncio.shield(session.joined), timeout)
        return session
    if protocol.is_closed in done:
        raise ConnectionRefusedByRouter(str(protocol.wasNotCleanReason))
    transport.abort()
    raise asyncio.TimeoutError("neither opened nor closed within %s s" % timeout)


class ConnectionRefusedByRouter(Exception):
    pass


def hold_tcp(router, source):
    """A bare TCP connection from `source` that sends nothing (it holds a place all the same)."""
    sock = socket.create_connection((router.host, router.port), timeout=5,
                                    source_address=(source, 0))
    return sock


class ConnectionLimitsTest(JunctionTestCase):
    router_config = connection_limits_config()

    async def asyncSetUp(self):
        await super().asyncSetUp()
        self.held = []

    async def asyncTearDown(self):
        for sock in self.held:
            sock.close()
        await super().asyncTearDown()

    async def session_from(self, source):
        s = await connect_from(self.router, source)
        self._sessions.append(s)
        return s

    async def test_total_and_per_address(self):
        bystander = await self.connect()  # 127.0.0.1: place 1 of 8
        await within(bystander.register(lambda x: x, "com.limits.echo"))
        calls, failures = [0], []
        stop = asyncio.Event()

        async def keep_calling():
            while not stop.is_set():
                try:
                    self.assertEqual(await within(bystander.call("com.limits.echo", calls[0])),
                                     calls[0])
                    calls[0] += 1
                except Exception as e:  # noqa: BLE001: every failure is reported below
                    failures.append(repr(e))
                await asyncio.sleep(0.005)

        caller = asyncio.ensure_future(keep_calling())
        try:
            # 127.0.0.2 fills its three places with bare TCP connections; the fourth, a real
            # client, is refused with 503 before its upgrade.
            self.held += [hold_tcp(self.router, "127.0.0.2") for _ in range(3)]
            with self.assertRaises(ConnectionRefusedByRouter) as cm:
                await connect_from(self.router, "127.0.0.2")
            self.assertIn("503", str(cm.exception))
            self.assertTrue(self.router.wait_for_log(
                "refused a connection from 127.0.0.2:"))
            self.assertTrue(self.router.log_contains(
                "3 connections from this address are open (max_connections_per_ip)"))
            # Other addresses still get in: 127.0.0.3 x3, 127.0.0.4 x1 -> 8 of 8.
            others = [await self.session_from("127.0.0.3") for _ in range(3)]
            others.append(await self.session_from("127.0.0.4"))
            for s in others:
                self.assertEqual(await within(s.call("com.limits.echo", "hi")), "hi")
            # The total: a client from a fresh address is refused too.
            with self.assertRaises(ConnectionRefusedByRouter) as cm:
                await connect_from(self.router, "127.0.0.5")
            self.assertIn("503", str(cm.exception))
            self.assertTrue(self.router.wait_for_log(
                "8 connections are open (max_connections)"))
            self.assertTrue(self.router.log_contains("refused a connection from 127.0.0.5:"))
            # A freed place (one of 127.0.0.2's) is taken again, by 127.0.0.2.
            self.held.pop().close()
            deadline = time.monotonic() + 5
            while True:
                try:
                    again = await self.session_from("127.0.0.2")
                    break
                except ConnectionRefusedByRouter:
                    self.assertLess(time.monotonic(), deadline, "the freed place never came back")
                    await asyncio.sleep(0.05)
            self.assertEqual(await within(again.call("com.limits.echo", 7)), 7)
            await asyncio.sleep(0.2)  # the bystander keeps calling a little longer
        finally:
            stop.set()
            await within(caller)
        self.assertEqual(failures, [])
        self.assertGreater(calls[0], 10)


def rate_and_calls_config():
    cfg = default_config()
    base = cfg["workers"][0]["realms"][0]
    rated, calls = dict(base), dict(base)
    rated["name"] = "rated"
    rated["options"] = {"max_message_rate": 20, "max_message_burst": 20}
    calls["name"] = "calls"
    calls["options"] = {"max_pending_calls_per_session": 2, "max_pending_calls_per_callee": 3}
    cfg["workers"][0]["realms"] += [rated, calls]
    return cfg


class RateAndPendingCallsTest(JunctionTestCase):
    router_config = rate_and_calls_config()

    async def test_message_rate(self):
        calm = await self.connect(realm="rated")
        flooder = await self.connect(realm="rated")
        got = []
        await within(calm.subscribe(lambda i: got.append(i), "com.rate.t"))
        for i in range(60):  # three bursts' worth at once, no acknowledgement to wait for
            flooder.publish("com.rate.t", i)
        details = await within(asyncio.shield(flooder.left))
        self.assertEqual(details.reason, LIMIT)
        self.assertEqual(details.message, "more than 20 messages a second "
                                          "(realm options.max_message_rate, bursts of 20)")
        # The calm session (one message a second, well within the rate) is not touched, and got
        # what the flooder published before it was cut, in order.
        self.assertEqual(await within(calm.call("wamp.session.count")), 1)
        self.assertEqual(got, list(range(len(got))))
        self.assertGreaterEqual(len(got), 20)  # the burst

    async def test_pending_calls_per_caller_and_callee(self):
        callee = await self.connect(realm="calls")
        held = []

        async def slow(x):
            done = asyncio.get_running_loop().create_future()
            held.append(done)
            await done
            return x

        await within(callee.register(slow, "com.calls.slow"))
        a = await self.connect(realm="calls")
        b = await self.connect(realm="calls")
        c = await self.connect(realm="calls")
        a1 = asyncio.ensure_future(a.call("com.calls.slow", 1))
        a2 = asyncio.ensure_future(a.call("com.calls.slow", 2))
        while len(held) < 2:
            await asyncio.sleep(0.01)
        err = await self.assertWampError(a.call("com.calls.slow", 3), LIMIT)
        self.assertIn("max_pending_calls_per_session", err.args[0])
        b1 = asyncio.ensure_future(b.call("com.calls.slow", 4))
        while len(held) < 3:
            await asyncio.sleep(0.01)
        err = await self.assertWampError(c.call("com.calls.slow", 5), LIMIT)
        self.assertIn("max_pending_calls_per_callee", err.args[0])
        self.assertEqual(len(held), 3)  # the refused calls never reached the callee
        for f in held:
            f.set_result(None)
        self.assertEqual(await within(asyncio.gather(a1, a2, b1)), [1, 2, 4])
        held.clear()
        c1 = asyncio.ensure_future(c.call("com.calls.slow", 6))  # room again
        while not held:
            await asyncio.sleep(0.01)
        held[0].set_result(None)
        self.assertEqual(await within(c1), 6)


if __name__ == "__main__":
    main()
