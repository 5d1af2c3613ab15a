"""Publish & Subscribe end to end with Autobahn|Python against a live junction (JSON)."""

import asyncio
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from autobahn.wamp.request import Publication  # noqa: E402
from autobahn.wamp.types import PublishOptions  # noqa: E402

from junction_harness import JunctionTestCase, main, within, without_client_uri_check as unchecked  # noqa: E402

ACK = PublishOptions(acknowledge=True)
MAX_ID = 2 ** 53


class Inbox:
    """Collects events; tests await a given count (with a timeout)."""

    def __init__(self):
        self.events = []
        self._waiters = []

    def handler(self, *args, **kwargs):
        self.events.append((list(args), kwargs))
        for n, fut in list(self._waiters):
            if len(self.events) >= n and not fut.done():
                fut.set_result(None)

    async def wait_for(self, n, timeout=10):
        if len(self.events) < n:
            fut = asyncio.get_running_loop().create_future()
            self._waiters.append((n, fut))
            try:
                await asyncio.wait_for(fut, timeout)
            except asyncio.TimeoutError:
                raise AssertionError("expected %d events, got %d within %ss: %r"
                                     % (n, len(self.events), timeout, self.events[:5]))
        return self.events


class PubSubTest(JunctionTestCase):

    async def asyncSetUp(self):
        await super().asyncSetUp()
        self.sub = await self.connect()
        self.pub = await self.connect()

    async def test_publish_with_acknowledge(self):
        inbox = Inbox()
        await within(self.sub.subscribe(inbox.handler, "com.example.ps.ack"))
        p = await within(self.pub.publish("com.example.ps.ack", 1, "zwei", [3], x={"y": "ü"},
                                          b=b"\x00\xff", options=ACK))
        self.assertIsInstance(p, Publication)
        self.assertIsInstance(p.id, int)
        self.assertTrue(1 <= p.id <= MAX_ID, p.id)
        events = await inbox.wait_for(1)
        self.assertEqual(events, [([1, "zwei", [3]], {"x": {"y": "ü"}, "b": b"\x00\xff"})])

    async def test_publish_without_acknowledge(self):
        inbox = Inbox()
        await within(self.sub.subscribe(inbox.handler, "com.example.ps.noack"))
        self.assertIsNone(self.pub.publish("com.example.ps.noack", "hello", n=1))
        self.assertIsNone(self.pub.publish("com.example.ps.noack"))
        events = await inbox.wait_for(2)
        self.assertEqual(events, [(["hello"], {"n": 1}), ([], {})])

    async def test_publish_without_subscribers_is_acknowledged(self):
        p = await within(self.pub.publish("com.example.ps.nobody", 1, options=ACK))
        self.assertTrue(1 <= p.id <= MAX_ID, p.id)

    async def test_publisher_excluded_by_default(self):
        inbox_pub, inbox_sub = Inbox(), Inbox()
        await within(self.pub.subscribe(inbox_pub.handler, "com.example.ps.excl"))
        await within(self.sub.subscribe(inbox_sub.handler, "com.example.ps.excl"))
        await within(self.pub.publish("com.example.ps.excl", "from-pub", options=ACK))
        await within(self.sub.publish("com.example.ps.excl", "from-sub", options=ACK))
        # The router handled "from-pub" completely before it acknowledged it, so had it sent that
        # event to its own publisher it would have arrived before "from-sub".
        self.assertEqual(await inbox_pub.wait_for(1), [(["from-sub"], {})])
        self.assertEqual(await inbox_sub.wait_for(1), [(["from-pub"], {})])

        # exclude_me=False: the publisher receives its own event (Advanced Profile "publisher
        # exclusion"; tested only when WELCOME announces it).
        if not self.pub.router_feature("broker", "publisher_exclusion"):
            self.skipTest("router does not announce broker feature publisher_exclusion")
        await within(self.pub.publish("com.example.ps.excl", "me-too",
                                      options=PublishOptions(acknowledge=True, exclude_me=False)))
        self.assertEqual((await inbox_pub.wait_for(2))[1], (["me-too"], {}))
        self.assertEqual((await inbox_sub.wait_for(2))[1], (["me-too"], {}))

    async def test_2000_events_in_order(self):
        inbox = Inbox()
        inbox2 = Inbox()
        sub2 = await self.connect()
        await within(self.sub.subscribe(inbox.handler, "com.example.ps.stream"))
        await within(sub2.subscribe(inbox2.handler, "com.example.ps.stream"))
        n = 2000
        for i in range(n - 1):
            self.pub.publish("com.example.ps.stream", i, payload="x" * (i % 50))
        await within(self.pub.publish("com.example.ps.stream", n - 1, payload="x" * ((n - 1) % 50),
                                      options=ACK), 30)
        expected = [([i], {"payload": "x" * (i % 50)}) for i in range(n)]
        for box in (inbox, inbox2):
            events = await box.wait_for(n, timeout=30)
            self.assertEqual(len(events), n)
            self.assertEqual([e[0][0] for e in events], list(range(n)))  # order
            self.assertEqual(events, expected)

    async def test_unsubscribe_stops_delivery(self):
        inbox, marker = Inbox(), Inbox()
        sub = await within(self.sub.subscribe(inbox.handler, "com.example.ps.unsub"))
        await within(self.sub.subscribe(marker.handler, "com.example.ps.unsub_marker"))
        await within(self.pub.publish("com.example.ps.unsub", "before", options=ACK))
        self.assertEqual(await inbox.wait_for(1), [(["before"], {})])
        await within(sub.unsubscribe())
        await within(self.pub.publish("com.example.ps.unsub", "after", options=ACK))
        await within(self.pub.publish("com.example.ps.unsub_marker", "marker", options=ACK))
        # The marker was published after "after": once it arrived, "after" would have too.
        self.assertEqual(await marker.wait_for(1), [(["marker"], {})])
        self.assertEqual(inbox.events, [(["before"], {})])

    async def test_two_subscribers_one_unsubscribes(self):
        inbox_a, inbox_b = Inbox(), Inbox()
        sub_a = await within(self.sub.subscribe(inbox_a.handler, "com.example.ps.shared"))
        other = await self.connect()
        await within(other.subscribe(inbox_b.handler, "com.example.ps.shared"))
        await within(sub_a.unsubscribe())
        await within(self.pub.publish("com.example.ps.shared", 1, options=ACK))
        self.assertEqual(await inbox_b.wait_for(1), [([1], {})])
        await within(self.pub.publish("com.example.ps.shared", 2, options=ACK))
        self.assertEqual(await inbox_b.wait_for(2), [([1], {}), ([2], {})])
        self.assertEqual(inbox_a.events, [])

    async def test_invalid_uri(self):
        # Autobahn|Python refuses most invalid URIs itself; switch that off to reach the router.
        for bad in ["com..bad", "with space", "com.example.", "com.#.x"]:
            with self.subTest(uri=bad):
                await self.assertWampError(unchecked(self.pub.publish, bad, 1, options=ACK),
                                           "wamp.error.invalid_uri")
                await self.assertWampError(unchecked(self.sub.subscribe, lambda *a: None, bad),
                                           "wamp.error.invalid_uri")


if __name__ == "__main__":
    main()
