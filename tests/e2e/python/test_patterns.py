"""Pattern-based subscriptions and registrations end to end with Autobahn|Python (22.7.1).

The router announces pattern_based_subscription and pattern_based_registration; a prefix or
wildcard subscriber learns the concrete topic (EVENT.Details.topic), a pattern callee the
concrete procedure (INVOCATION.Details.procedure); a call goes to the exact registration, else the
longest prefix, else the best wildcard (the spec's precedence); malformed patterns are refused
with wamp.error.invalid_uri. Subscriber black- and whitelisting apply to pattern subscriptions.
"""

import asyncio
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from autobahn.wamp import message  # noqa: E402
from autobahn.wamp.types import PublishOptions, RegisterOptions, SubscribeOptions  # noqa: E402

from junction_harness import (OP_TIMEOUT, Client, JunctionTestCase, main, within,  # noqa: E402
                              without_client_uri_check)

ACK = PublishOptions(acknowledge=True)


class Rec(Client):
    """Records the WAMP messages it receives: Autobahn|Python fills EventDetails.topic and
    CallDetails.procedure from the subscription/registration when the router sends none, so
    whether the router sent them is read from the messages themselves."""

    def __init__(self, config=None):
        super().__init__(config)
        self.received = []

    def onMessage(self, msg):
        self.received.append(msg)
        return super().onMessage(msg)

    def wire(self, cls, attr, **where):
        return [getattr(m, attr) for m in self.received if isinstance(m, cls)
                and all(getattr(m, k) == v for k, v in where.items())]


class Inbox:
    """Events of one handler: (args, details); tests await a count."""

    def __init__(self):
        self.events = []
        self._changed = asyncio.Event()

    def handler(self, *args, details=None):
        self.events.append((list(args), details))
        self._changed.set()

    async def wait_count(self, n, timeout=OP_TIMEOUT):
        async def until():
            while len(self.events) < n:
                self._changed.clear()
                await self._changed.wait()
        await asyncio.wait_for(until(), timeout)
        return self.events


class PatternSubscriptionTest(JunctionTestCase):

    async def test_router_announces_pattern_features(self):
        s = await self.connect()
        self.assertTrue(s.router_feature("broker", "pattern_based_subscription"))
        self.assertTrue(s.router_feature("dealer", "pattern_based_registration"))

    async def test_prefix_and_wildcard_subscribers_get_the_concrete_topic(self):
        sub = await self.connect(cls=Rec)
        pub = await self.connect()
        exact, prefix, wildcard = Inbox(), Inbox(), Inbox()
        exact_sub = await within(sub.subscribe(exact.handler, "com.pat.sensor.temp",
                                               options=SubscribeOptions(details=True)))
        await within(sub.subscribe(prefix.handler, "com.pat.sensor.",
                                   options=SubscribeOptions(match="prefix", details=True)))
        await within(sub.subscribe(wildcard.handler, "com.pat..temp",
                                   options=SubscribeOptions(match="wildcard", details=True)))
        await within(pub.publish("com.pat.sensor.temp", 21, options=ACK))
        await within(pub.publish("com.pat.sensor.humidity", 40, options=ACK))
        await within(pub.publish("com.pat.kitchen.temp", 23, options=ACK))
        await within(pub.publish("org.other.temp", 0, options=ACK))  # matches nothing
        (ea, ed), = await exact.wait_count(1)
        self.assertEqual(ea, [21])
        # Exact: the subscriber knows its topic, the router sends none.
        self.assertEqual(sub.wire(message.Event, "topic", subscription=exact_sub.id), [None])
        events = await prefix.wait_count(2)
        self.assertEqual([(a, d.topic) for a, d in events],
                         [([21], "com.pat.sensor.temp"), ([40], "com.pat.sensor.humidity")])
        events = await wildcard.wait_count(2)
        self.assertEqual([(a, d.topic) for a, d in events],
                         [([21], "com.pat.sensor.temp"), ([23], "com.pat.kitchen.temp")])
        # One publication, one id, on each subscription it matched.
        self.assertEqual(ed.publication, prefix.events[0][1].publication)
        self.assertEqual(ed.publication, wildcard.events[0][1].publication)
        self.assertEqual(len(exact.events), 1)

    async def test_unsubscribing_the_pattern_stops_delivery(self):
        sub = await self.connect()
        pub = await self.connect()
        inbox = Inbox()
        s = await within(sub.subscribe(inbox.handler, "com.pat.unsub",
                                       options=SubscribeOptions(match="prefix", details=True)))
        await within(pub.publish("com.pat.unsub.a", 1, options=ACK))
        await inbox.wait_count(1)
        await within(s.unsubscribe())
        await within(pub.publish("com.pat.unsub.b", 2, options=ACK))
        # A marker on an exact subscription of the same session proves the second is not coming.
        marker = Inbox()
        await within(sub.subscribe(marker.handler, "com.pat.marker"))
        await within(pub.publish("com.pat.marker", "m", options=ACK))
        await marker.wait_count(1)
        self.assertEqual([a for a, _ in inbox.events], [[1]])

    async def test_malformed_patterns_are_invalid_uri(self):
        s = await self.connect()
        for uri, match in (("com..x", "prefix"), ("com.#.x", "wildcard"), ("com. x", "prefix")):
            f = without_client_uri_check(s.subscribe, lambda *a: None, uri,
                                         options=SubscribeOptions(match=match))
            await self.assertWampError(f, "wamp.error.invalid_uri")
            f = without_client_uri_check(s.register, lambda *a: None, uri,
                                         options=RegisterOptions(match=match))
            await self.assertWampError(f, "wamp.error.invalid_uri")

    async def test_blacklist_and_whitelist_together_on_a_pattern(self):
        pub = await self.connect()
        subs = [await self.connect() for _ in range(3)]
        inboxes = [Inbox() for _ in subs]
        for s, inbox in zip(subs, inboxes):
            await within(s.subscribe(inbox.handler, "com.pat.bw.",
                                     options=SubscribeOptions(match="prefix", details=True)))
        ids = [s._session_id for s in subs]
        # Eligible: 0 and 1; excluded: 1. Only 0 receives.
        await within(pub.publish("com.pat.bw.x", "only0",
                                 options=PublishOptions(acknowledge=True, eligible=ids[:2],
                                                        exclude=[ids[1]])))
        # Eligible by authrole (everyone), excluded by session 2's authid: 0 and 1 receive.
        await within(pub.publish("com.pat.bw.y", "not2",
                                 options=PublishOptions(acknowledge=True,
                                                        eligible_authrole=["anonymous"],
                                                        exclude_authid=[subs[2].join_details.authid])))
        await inboxes[0].wait_count(2)
        await inboxes[1].wait_count(1)
        marker = Inbox()
        await within(subs[2].subscribe(marker.handler, "com.pat.bwmarker"))  # not under the prefix
        await within(pub.publish("com.pat.bwmarker", 1, options=ACK))
        await marker.wait_count(1)  # everything before it was delivered (one router, in order)
        self.assertEqual([(a, d.topic) for a, d in inboxes[0].events],
                         [(["only0"], "com.pat.bw.x"), (["not2"], "com.pat.bw.y")])
        self.assertEqual([a for a, _ in inboxes[1].events], [["not2"]])
        self.assertEqual(inboxes[2].events, [])


class PatternRegistrationTest(JunctionTestCase):

    async def _register(self, session, uri, match, name):
        seen = []

        def endpoint(*args, details=None):
            seen.append(details.procedure)
            return name

        reg = await within(session.register(
            endpoint, uri, options=RegisterOptions(match=match, details_arg="details")))
        return reg, seen

    async def test_exact_shadows_a_pattern_until_it_is_removed(self):
        caller = await self.connect()
        wild = await self.connect()
        pre = await self.connect()
        exact = await self.connect(cls=Rec)
        _, wild_seen = await self._register(wild, "com.pat.rpc..get", "wildcard", "wildcard")
        _, pre_seen = await self._register(pre, "com.pat.rpc.", "prefix", "prefix")
        # Longest prefix beats the wildcard; the callee gets the concrete procedure.
        self.assertEqual(await within(caller.call("com.pat.rpc.user.get")), "prefix")
        self.assertEqual(pre_seen, ["com.pat.rpc.user.get"])
        ex_reg, ex_seen = await self._register(exact, "com.pat.rpc.user.get", "exact", "exact")
        self.assertEqual(await within(caller.call("com.pat.rpc.user.get")), "exact")
        self.assertEqual(exact.wire(message.Invocation, "procedure"), [None])  # exact: none sent
        await within(ex_reg.unregister())
        self.assertEqual(await within(caller.call("com.pat.rpc.user.get")), "prefix")
        # The prefix callee leaves: the wildcard is next.
        await pre.close()
        self.assertEqual(await within(caller.call("com.pat.rpc.user.get")), "wildcard")
        self.assertEqual(wild_seen, ["com.pat.rpc.user.get"])
        await self.assertWampError(caller.call("com.pat.rpc.user.put"),
                                   "wamp.error.no_such_procedure")

    async def test_longest_prefix_wins(self):
        caller = await self.connect()
        a = await self.connect()
        b = await self.connect()
        await self._register(a, "com.pat.lp", "prefix", "short")
        await self._register(b, "com.pat.lp.deep", "prefix", "long")
        self.assertEqual(await within(caller.call("com.pat.lp.deep.x")), "long")
        self.assertEqual(await within(caller.call("com.pat.lpx")), "short")

    async def test_same_pattern_twice_is_procedure_already_exists(self):
        a = await self.connect()
        b = await self.connect()
        await self._register(a, "com.pat.dup", "prefix", "a")
        await self._register(b, "com.pat.dup", "exact", "b")  # another policy: fine
        await self.assertWampError(
            b.register(lambda: None, "com.pat.dup", options=RegisterOptions(match="prefix")),
            "wamp.error.procedure_already_exists")


if __name__ == "__main__":
    main()
