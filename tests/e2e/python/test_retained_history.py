"""Retained events and event history end to end with Autobahn|Python (22.7.1).

PUBLISH retain: true / SUBSCRIBE get_retained: true (the spec's event retention), and Crossbar's
realm "store" with "event-history", read with wamp.subscription.get_events — both checked across
a subscriber that disconnects and comes back.
"""

import asyncio
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from autobahn.wamp.types import PublishOptions, SubscribeOptions  # noqa: E402

from junction_harness import JunctionTestCase, default_config, main, within  # noqa: E402

HISTORY_LIMIT = 5


def history_config():
    cfg = default_config()
    cfg["workers"][0]["realms"][0]["store"] = {
        "type": "memory",
        "limit": 100,
        "event-history": [{"uri": "com.hist.counter", "match": "exact", "limit": HISTORY_LIMIT}],
    }
    return cfg


class Events:
    def __init__(self):
        self.items = []
        self._changed = asyncio.Event()

    def handler(self, *args, details=None, **kwargs):
        self.items.append((list(args), details))
        self._changed.set()

    async def wait_for(self, n, timeout=10.0):
        async def until():
            while len(self.items) < n:
                self._changed.clear()
                await self._changed.wait()
        await asyncio.wait_for(until(), timeout)
        return self.items


class RetainedAndHistoryTest(JunctionTestCase):
    router_config = history_config()

    async def test_welcome_announces_retention_and_history(self):
        s = await self.connect()
        self.assertTrue(s.router_feature("broker", "event_retention"))
        self.assertTrue(s.router_feature("broker", "subscription_meta_api"))

    async def test_retained_event_after_the_subscriber_reconnects(self):
        publisher = await self.connect()
        ack = PublishOptions(acknowledge=True, retain=True)
        await within(publisher.publish("com.ret.temp", 20, options=ack))
        await within(publisher.publish("com.ret.temp", 21, options=ack))
        await within(publisher.publish("com.ret.temp", 99,
                                       options=PublishOptions(acknowledge=True)))  # not retained

        sub = await self.connect()
        events = Events()
        await within(sub.subscribe(events.handler, "com.ret.temp",
                                   options=SubscribeOptions(get_retained=True, details_arg="details")))
        (args, details), = await events.wait_for(1)
        self.assertEqual(args, [21])
        self.assertTrue(details.retained)
        await sub.close()

        await within(publisher.publish("com.ret.temp", 22, options=ack))
        again = await self.connect()
        events = Events()
        await within(again.subscribe(events.handler, "com.ret.temp",
                                     options=SubscribeOptions(get_retained=True, details_arg="details")))
        (args, details), = await events.wait_for(1)
        self.assertEqual(args, [22])
        self.assertTrue(details.retained)
        # A subscriber that does not ask gets nothing retained.
        plain = await self.connect()
        none = Events()
        await within(plain.subscribe(none.handler, "com.ret.temp"))
        await within(publisher.publish("com.ret.other", 1, options=ack))  # a round trip
        self.assertEqual(none.items, [])

    async def test_history_after_the_subscriber_reconnects(self):
        publisher = await self.connect()
        ack = PublishOptions(acknowledge=True)
        for i in range(1, 8):
            await within(publisher.publish("com.hist.counter", i, note="n%d" % i, options=ack))
        sub = await self.connect()
        subscription = await within(sub.subscribe(lambda *a, **k: None, "com.hist.counter"))
        events = await within(sub.call("wamp.subscription.get_events", subscription.id, 3))
        self.assertEqual([e["args"] for e in events], [[7], [6], [5]])
        self.assertEqual(events[0]["kwargs"], {"note": "n7"})
        self.assertEqual(events[0]["topic"], "com.hist.counter")
        all_kept = await within(sub.call("wamp.subscription.get_events", subscription.id, 100))
        self.assertEqual(len(all_kept), HISTORY_LIMIT)  # bounded by the configured limit
        sid = subscription.id
        await sub.close()

        for i in range(8, 10):
            await within(publisher.publish("com.hist.counter", i, options=ack))
        again = await self.connect()
        subscription = await within(again.subscribe(lambda *a, **k: None, "com.hist.counter"))
        self.assertEqual(subscription.id, sid)  # the history keeps the subscription alive
        events = await within(again.call("wamp.subscription.get_events", subscription.id))
        self.assertEqual([e["args"] for e in events], [[9], [8], [7], [6], [5]])
        other = await within(again.subscribe(lambda *a: None, "com.hist.elsewhere"))
        await self.assertWampError(again.call("wamp.subscription.get_events", other.id),
                                   "wamp.error.history_unavailable")


if __name__ == "__main__":
    main()
