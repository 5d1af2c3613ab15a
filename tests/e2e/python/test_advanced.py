"""Advanced-profile features end to end with Autobahn|Python (22.7.1) against a live junction.

Covers what the router's WELCOME announces beyond the basic profile:
  broker: publisher_identification, subscriber_blackwhite_listing (and publisher_exclusion)
  dealer: caller_identification, progressive_call_results, call_canceling

Autobahn|Python 22.7.1 has no `disclose_me` in PublishOptions/CallOptions (it relies on the
router's per-role `disclose` configuration, as Crossbar does) and sends CANCEL without a mode
(`future.cancel()`). To put `disclose_me` and explicit cancel modes on the wire the tests add
the option to the library's own message objects (`extra_options`) or send a library-built
`message.Cancel(request, mode=...)` on the session's transport. Every message a session
receives is recorded (`Rec.received`), so the tests assert exactly what the router sent.

Python 3.11 + txaio: an Autobahn|Python callee whose invocation task is cancelled by INTERRUPT
sends nothing back (CancelledError is a BaseException, which txaio's errback does not catch);
a callee that turns the cancellation into an ApplicationError answers with ERROR.
"""

import asyncio
import contextlib
import copy
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from autobahn.wamp import message  # noqa: E402
from autobahn.wamp.exception import ApplicationError  # noqa: E402
from autobahn.wamp.types import (CallOptions, CallResult, PublishOptions,  # noqa: E402
                                 RegisterOptions, SubscribeOptions)

from junction_harness import (OP_TIMEOUT, REALM, Client, JunctionTestCase, default_config,  # noqa: E402
                              main, within)

REALM_DISCLOSE = "realm_disclose"  # role "anonymous" with disclose {caller, publisher}: true
ACK = PublishOptions(acknowledge=True)
CANCELED_BY_CALLER = ["call canceled by the caller"]


def config_with_disclosing_realm():
    cfg = default_config(realms=(REALM, REALM_DISCLOSE))
    realm = cfg["workers"][0]["realms"][1]
    assert realm["name"] == REALM_DISCLOSE
    realm["roles"] = copy.deepcopy(realm["roles"])
    realm["roles"][0]["permissions"][0]["disclose"] = {"caller": True, "publisher": True}
    return cfg


@contextlib.contextmanager
def extra_options(msg_cls, **extra):
    """While active, every `msg_cls` message Autobahn|Python serializes carries `extra` in its
    Options dict (serialization happens synchronously inside publish()/call())."""
    orig = msg_cls.marshal_options

    def patched(self):
        options = orig(self)
        options.update(extra)
        return options

    msg_cls.marshal_options = patched
    try:
        yield
    finally:
        msg_cls.marshal_options = orig


class Rec(Client):
    """A Client that records every WAMP message it receives, and can wait for one."""

    def __init__(self, config=None):
        super().__init__(config)
        self.received = []
        self._watchers = []
        self.user_errors = []

    def onUserError(self, fail, msg):
        # Errors raised by endpoints are the point of some tests: record them, do not print.
        self.user_errors.append((fail, msg))

    def onMessage(self, msg):
        self.received.append(msg)
        for pred, fut in list(self._watchers):
            if not fut.done() and pred(msg):
                fut.set_result(msg)
        return super().onMessage(msg)

    async def wait_msg(self, pred, timeout=OP_TIMEOUT, what="message"):
        for m in self.received:
            if pred(m):
                return m
        fut = asyncio.get_running_loop().create_future()
        entry = (pred, fut)
        self._watchers.append(entry)
        try:
            return await asyncio.wait_for(fut, timeout)
        except asyncio.TimeoutError:
            raise AssertionError("no %s within %ss; received: %r"
                                 % (what, timeout, self.received[-10:]))
        finally:
            self._watchers.remove(entry)

    def messages(self, cls, request=None):
        return [m for m in self.received if isinstance(m, cls)
                and (request is None or m.request == request)]

    def call_request_id(self, fut):
        """The CALL request id Autobahn|Python used for the call whose future is `fut`."""
        for req, call in self._call_reqs.items():
            if call.on_reply is fut:
                return req
        raise AssertionError("call future not pending")

    @property
    def sid(self):
        return self._session_id

    @property
    def authid(self):
        return self.join_details.authid


class Inbox:
    """Events of one subscriber: (args, kwargs, details); tests await a count or a marker."""

    def __init__(self, name):
        self.name = name
        self.events = []
        self._waiters = []

    def handler(self, *args, details=None, **kwargs):
        self.events.append((list(args), kwargs, details))
        for pred, fut in list(self._waiters):
            if not fut.done() and pred(self.events):
                fut.set_result(None)

    async def wait(self, pred, timeout=OP_TIMEOUT, what="events"):
        if pred(self.events):
            return self.events
        fut = asyncio.get_running_loop().create_future()
        entry = (pred, fut)
        self._waiters.append(entry)
        try:
            await asyncio.wait_for(fut, timeout)
        except asyncio.TimeoutError:
            raise AssertionError("%s: no %s within %ss; got %r"
                                 % (self.name, what, timeout, [e[:2] for e in self.events]))
        finally:
            self._waiters.remove(entry)
        return self.events

    def args_seen(self):
        return [e[0] for e in self.events]


# ------------------------------------------------------------------------------------------------
class IdentificationTest(JunctionTestCase):
    """publisher_identification and caller_identification."""

    router_config = config_with_disclosing_realm()

    async def _pub_sub(self, realm):
        sub = await self.connect(realm=realm, cls=Rec)
        pub = await self.connect(realm=realm, cls=Rec)
        inbox = Inbox("sub")
        await within(sub.subscribe(inbox.handler, "com.example.adv.ident",
                                   options=SubscribeOptions(details=True)))
        return sub, pub, inbox

    async def test_publisher_disclose_me(self):
        sub, pub, inbox = await self._pub_sub(REALM)
        with extra_options(message.Publish, disclose_me=True):
            f = pub.publish("com.example.adv.ident", "disclosed", options=ACK)
        await within(f)
        await within(pub.publish("com.example.adv.ident", "anonymous", options=ACK))  # no option
        events = await inbox.wait(lambda ev: len(ev) >= 2)
        (a1, kw1, d1), (a2, kw2, d2) = events
        self.assertEqual((a1, kw1), (["disclosed"], {}))
        self.assertEqual(d1.publisher, pub.sid)
        self.assertEqual(d1.publisher_authid, pub.authid)
        self.assertEqual(d1.publisher_authrole, "anonymous")
        self.assertNotEqual(d1.publisher, sub.sid)
        # Without disclose_me (and a role that does not disclose) nothing about the publisher.
        self.assertEqual((a2, kw2), (["anonymous"], {}))
        self.assertIsNone(d2.publisher)
        self.assertIsNone(d2.publisher_authid)
        self.assertIsNone(d2.publisher_authrole)
        # On the wire too: the EVENT's Details carry no publisher keys at all.
        ev = sub.messages(message.Event)
        self.assertEqual(len(ev), 2)
        self.assertEqual((ev[0].publisher, ev[0].publisher_authrole), (pub.sid, "anonymous"))
        self.assertEqual((ev[1].publisher, ev[1].publisher_authid, ev[1].publisher_authrole),
                         (None, None, None))

    async def test_publisher_disclose_me_false_is_not_disclosed(self):
        sub, pub, inbox = await self._pub_sub(REALM)
        with extra_options(message.Publish, disclose_me=False):
            await within(pub.publish("com.example.adv.ident", 1, options=ACK))
        (args, _, d), = await inbox.wait(lambda ev: len(ev) >= 1)
        self.assertEqual(args, [1])
        self.assertIsNone(d.publisher)
        self.assertIsNone(d.publisher_authrole)

    async def test_publisher_disclosed_by_role_config(self):
        # The role's `disclose.publisher: true` discloses every publication, asked or not.
        sub, pub, inbox = await self._pub_sub(REALM_DISCLOSE)
        await within(pub.publish("com.example.adv.ident", "x", options=ACK))
        (args, _, d), = await inbox.wait(lambda ev: len(ev) >= 1)
        self.assertEqual(args, ["x"])
        self.assertEqual(d.publisher, pub.sid)
        self.assertEqual(d.publisher_authid, pub.authid)
        self.assertEqual(d.publisher_authrole, "anonymous")

    async def _callee_caller(self, realm):
        callee = await self.connect(realm=realm, cls=Rec)
        caller = await self.connect(realm=realm, cls=Rec)
        seen = []

        def who(tag, details=None):
            seen.append((tag, details))
            return [details.caller, details.caller_authid, details.caller_authrole]

        await within(callee.register(who, "com.example.adv.who",
                                     options=RegisterOptions(details=True)))
        return callee, caller, seen

    async def test_caller_disclose_me(self):
        callee, caller, seen = await self._callee_caller(REALM)
        with extra_options(message.Call, disclose_me=True):
            f = caller.call("com.example.adv.who", "disclosed")
        res = await within(f)
        self.assertEqual(res, [caller.sid, caller.authid, "anonymous"])
        self.assertEqual(seen[0][0], "disclosed")
        self.assertEqual(seen[0][1].caller, caller.sid)
        self.assertNotEqual(caller.sid, callee.sid)
        # Without disclose_me: nothing about the caller.
        res = await within(caller.call("com.example.adv.who", "anonymous"))
        self.assertEqual(res, [None, None, None])
        inv = callee.messages(message.Invocation)
        self.assertEqual(len(inv), 2)
        self.assertEqual((inv[0].caller, inv[0].caller_authid, inv[0].caller_authrole),
                         (caller.sid, caller.authid, "anonymous"))
        self.assertEqual((inv[1].caller, inv[1].caller_authid, inv[1].caller_authrole),
                         (None, None, None))

    async def test_caller_disclosed_by_role_config(self):
        callee, caller, seen = await self._callee_caller(REALM_DISCLOSE)
        res = await within(caller.call("com.example.adv.who", "x"))
        self.assertEqual(res, [caller.sid, caller.authid, "anonymous"])


# ------------------------------------------------------------------------------------------------
class BlackWhiteListingTest(JunctionTestCase):
    """subscriber_blackwhite_listing (and publisher_exclusion).

    Three subscribers s1, s2, s3 plus the publisher p (also subscribed). Each case publishes one
    event with acknowledge=True and a filter, then a marker event (exclude_me=False, no filter)
    that everybody gets. A router delivers one publisher's events to a subscriber in order, so
    once every subscriber has the marker, the case event has arrived wherever it was going to."""

    TOPIC = "com.example.adv.bw"

    async def asyncSetUp(self):
        await super().asyncSetUp()
        self.s = {}
        self.inbox = {}
        for name in ("s1", "s2", "s3", "p"):
            self.s[name] = await self.connect(cls=Rec)
            self.inbox[name] = Inbox(name)
            await within(self.s[name].subscribe(self.inbox[name].handler, self.TOPIC))
        self.pub = self.s["p"]
        self.case_no = 0

    async def deliver(self, **options):
        """Publishes one case event with the given options; returns the sorted names of the
        sessions that received it."""
        self.case_no += 1
        case, marker = "case-%d" % self.case_no, "marker-%d" % self.case_no
        pub = await within(self.pub.publish(self.TOPIC, case,
                                            options=PublishOptions(acknowledge=True, **options)))
        self.assertIsNotNone(pub.id)
        await within(self.pub.publish(self.TOPIC, marker,
                                      options=PublishOptions(acknowledge=True, exclude_me=False)))
        for name, inbox in self.inbox.items():
            await inbox.wait(lambda ev: [marker] in [e[0] for e in ev], what=marker)
        got = []
        for name, inbox in sorted(self.inbox.items()):
            n = inbox.args_seen().count([case])
            self.assertIn(n, (0, 1), "%s got %s %d times" % (name, case, n))
            if n:
                got.append(name)
        return got

    async def test_no_filter_excludes_publisher_by_default(self):
        self.assertEqual(await self.deliver(), ["s1", "s2", "s3"])
        self.assertEqual(await self.deliver(exclude_me=False), ["p", "s1", "s2", "s3"])
        self.assertEqual(await self.deliver(exclude_me=True), ["s1", "s2", "s3"])

    async def test_exclude_session_ids(self):
        s = self.s
        self.assertEqual(await self.deliver(exclude=[s["s1"].sid]), ["s2", "s3"])
        self.assertEqual(await self.deliver(exclude=[s["s1"].sid, s["s3"].sid]), ["s2"])
        self.assertEqual(await self.deliver(exclude=[s["s1"].sid, s["s2"].sid, s["s3"].sid]), [])
        # An id that is nobody's excludes nobody.
        self.assertEqual(await self.deliver(exclude=[1]), ["s1", "s2", "s3"])
        # exclude_me=False with the publisher in `exclude`: excluded all the same.
        self.assertEqual(await self.deliver(exclude=[s["p"].sid, s["s2"].sid], exclude_me=False),
                         ["s1", "s3"])

    async def test_eligible_session_ids(self):
        s = self.s
        self.assertEqual(await self.deliver(eligible=[s["s2"].sid]), ["s2"])
        self.assertEqual(await self.deliver(eligible=[s["s1"].sid, s["s3"].sid]), ["s1", "s3"])
        self.assertEqual(await self.deliver(eligible=[1]), [])
        # The publisher is eligible but exclude_me (default true) still leaves it out ...
        self.assertEqual(await self.deliver(eligible=[s["p"].sid, s["s1"].sid]), ["s1"])
        # ... unless exclude_me=False.
        self.assertEqual(await self.deliver(eligible=[s["p"].sid, s["s1"].sid], exclude_me=False),
                         ["p", "s1"])

    async def test_eligible_and_exclude_combined(self):
        s = self.s
        # exclude wins over eligible.
        self.assertEqual(await self.deliver(eligible=[s["s1"].sid, s["s2"].sid],
                                            exclude=[s["s2"].sid]), ["s1"])
        self.assertEqual(await self.deliver(eligible=[s["s1"].sid], exclude=[s["s1"].sid]), [])

    async def test_authid_filters(self):
        s = self.s
        self.assertEqual(len({x.authid for x in s.values()}), 4)  # every anonymous authid differs
        self.assertEqual(await self.deliver(exclude_authid=[s["s2"].authid]), ["s1", "s3"])
        self.assertEqual(await self.deliver(eligible_authid=[s["s3"].authid]), ["s3"])
        self.assertEqual(await self.deliver(eligible_authid=[s["s1"].authid, s["s2"].authid],
                                            exclude_authid=[s["s1"].authid]), ["s2"])
        self.assertEqual(await self.deliver(eligible_authid=["NO-SUCH-AUTHID"]), [])
        # Mixed: eligible by session id, excluded by authid.
        self.assertEqual(await self.deliver(eligible=[s["s1"].sid, s["s3"].sid],
                                            exclude_authid=[s["s3"].authid]), ["s1"])

    async def test_authrole_filters(self):
        # Every session here is authrole "anonymous" (the only role this router authenticates).
        self.assertEqual(await self.deliver(exclude_authrole=["anonymous"]), [])
        self.assertEqual(await self.deliver(exclude_authrole=["admin"]), ["s1", "s2", "s3"])
        self.assertEqual(await self.deliver(eligible_authrole=["anonymous"]), ["s1", "s2", "s3"])
        self.assertEqual(await self.deliver(eligible_authrole=["admin", "anonymous"],
                                            exclude=[self.s["s1"].sid]), ["s2", "s3"])
        self.assertEqual(await self.deliver(eligible_authrole=["admin"]), [])

    async def test_empty_lists(self):
        # An empty blacklist excludes nobody; an empty whitelist admits nobody.
        self.assertEqual(await self.deliver(exclude=[]), ["s1", "s2", "s3"])
        self.assertEqual(await self.deliver(eligible=[]), [])


# ------------------------------------------------------------------------------------------------
class ProgressiveResultsTest(JunctionTestCase):

    async def asyncSetUp(self):
        await super().asyncSetUp()
        self.callee = await self.connect(cls=Rec)
        self.caller = await self.connect(cls=Rec)

    async def test_progressive_results_in_order_then_final(self):
        calls = []

        async def countdown(n, details=None):
            calls.append(details.progress is not None)
            if details.progress:
                for i in range(n):
                    details.progress(i, step="s%d" % i)
                    if i % 7 == 0:
                        await asyncio.sleep(0)  # let other messages interleave
            return CallResult("done", total=n)

        await within(self.callee.register(countdown, "com.example.adv.countdown",
                                          options=RegisterOptions(details=True)))
        progress = []
        res = await within(self.caller.call(
            "com.example.adv.countdown", 50,
            options=CallOptions(on_progress=lambda *a, **kw: progress.append((a, kw)))))
        self.assertEqual(progress, [((i,), {"step": "s%d" % i}) for i in range(50)])
        self.assertIsInstance(res, CallResult)
        self.assertEqual((list(res.results), res.kwresults), (["done"], {"total": 50}))
        # On the wire: the callee was told receive_progress; the caller got 50 RESULTs with
        # progress=true, then exactly one final RESULT, all for the same request.
        inv = self.callee.messages(message.Invocation)[-1]
        self.assertTrue(inv.receive_progress)
        results = self.caller.messages(message.Result)
        self.assertEqual(len(results), 51)
        self.assertEqual({r.request for r in results}, {results[0].request})
        self.assertEqual([bool(r.progress) for r in results], [True] * 50 + [False])

        # A caller that did not ask: the callee's CallDetails has no progress, one RESULT only.
        before = len(self.caller.messages(message.Result))
        res = await within(self.caller.call("com.example.adv.countdown", 5))
        self.assertEqual((list(res.results), res.kwresults), (["done"], {"total": 5}))
        self.assertEqual(calls, [True, False])
        self.assertFalse(self.callee.messages(message.Invocation)[-1].receive_progress)
        self.assertEqual(len(self.caller.messages(message.Result)) - before, 1)

    async def test_unrequested_progress_is_not_forwarded(self):
        # A callee that sends progressive YIELDs although the caller did not ask for them
        # (Autobahn|Python would not: the messages are built by hand). The router must drop them:
        # the caller gets only the final RESULT.
        async def pushy(x):
            inv = self.callee.messages(message.Invocation)[-1]
            for i in range(3):
                self.callee._transport.send(message.Yield(inv.request, args=["p%d" % i],
                                                          progress=True))
            await asyncio.sleep(0)
            return ["final", x]

        await within(self.callee.register(pushy, "com.example.adv.pushy"))
        res = await within(self.caller.call("com.example.adv.pushy", 7))
        self.assertEqual(res, ["final", 7])
        # Round trip on the same connection: anything the router sent before is in by now.
        await within(self.callee.register(lambda: "pong", "com.example.adv.ping"))
        self.assertEqual(await within(self.caller.call("com.example.adv.ping")), "pong")
        results = self.caller.messages(message.Result)
        self.assertEqual([(r.args, bool(r.progress)) for r in results],
                         [([["final", 7]], False), (["pong"], False)])

    async def test_progress_with_error_final(self):
        async def fails_late(details=None):
            details.progress("half")
            raise ApplicationError("com.example.error.late", "after progress")

        await within(self.callee.register(fails_late, "com.example.adv.fails_late",
                                          options=RegisterOptions(details=True)))
        progress = []
        with self.assertRaises(ApplicationError) as cm:
            await within(self.caller.call("com.example.adv.fails_late",
                                          options=CallOptions(on_progress=progress.append)))
        self.assertEqual(cm.exception.error, "com.example.error.late")
        self.assertEqual(list(cm.exception.args), ["after progress"])
        self.assertEqual(progress, ["half"])


# ------------------------------------------------------------------------------------------------
class CancelTest(JunctionTestCase):
    """call_canceling. Autobahn|Python announces callee.call_canceling, so the router sends it
    INTERRUPT for modes kill/killnowait (and when a caller goes away)."""

    async def asyncSetUp(self):
        await super().asyncSetUp()
        # An interrupted Autobahn|Python invocation ends in "Exception in callback ...
        # CancelledError" from txaio (see the module docstring): expected here, not printed.
        loop = asyncio.get_running_loop()

        def quiet_cancelled(loop, context):
            if not isinstance(context.get("exception"), asyncio.CancelledError):
                loop.default_exception_handler(context)

        loop.set_exception_handler(quiet_cancelled)
        self.callee = await self.connect(cls=Rec)
        self.caller = await self.connect(cls=Rec)
        self.assertTrue(self.callee.router_feature("dealer", "call_canceling"))
        loop = asyncio.get_running_loop()
        self.invoked = loop.create_future()
        self.interrupted = loop.create_future()
        self.release = loop.create_future()
        self.finished = loop.create_future()

    async def register_hang(self, uri, on_cancel="reraise"):
        async def hang(x):
            self.invoked.set_result(x)
            try:
                value = await self.release
            except asyncio.CancelledError:
                self.interrupted.set_result(time.monotonic())
                if on_cancel == "reraise":
                    raise
                raise ApplicationError("com.example.error.interrupted", "stopped", at=x)
            self.finished.set_result(value)
            return ["late", value]

        await within(self.callee.register(hang, uri))

    async def assert_only(self, session, request, what):
        """After a round trip through the router, `session` has exactly one reply (ERROR or
        RESULT) for CALL `request` and returns it."""
        self.assertEqual(await within(self.caller.call("com.example.adv.ping_" + what)), "pong")
        replies = [m for m in session.received
                   if isinstance(m, (message.Error, message.Result)) and m.request == request
                   and (not isinstance(m, message.Error) or m.request_type == message.Call.MESSAGE_TYPE)]
        self.assertEqual(len(replies), 1, replies)
        return replies[0]

    async def test_cancel_default_mode_interrupts_callee(self):
        await self.register_hang("com.example.adv.hang1")
        await within(self.callee.register(lambda: "pong", "com.example.adv.ping_default"))
        fut = self.caller.call("com.example.adv.hang1", 1)
        req = self.caller.call_request_id(fut)
        self.assertEqual(await within(self.invoked), 1)
        t0 = time.monotonic()
        fut.cancel()  # Autobahn|Python: CANCEL [49, req, {}] (no mode: the router's default)
        with self.assertRaises(asyncio.CancelledError):
            await within(fut)
        # The router answers the caller at once with ERROR wamp.error.canceled ...
        err = await self.caller.wait_msg(
            lambda m: isinstance(m, message.Error) and m.request == req, timeout=5,
            what="ERROR for the canceled call")
        self.assertEqual((err.request_type, err.error, err.args),
                         (message.Call.MESSAGE_TYPE, "wamp.error.canceled", CANCELED_BY_CALLER))
        # ... and interrupts the callee (mode killnowait): its task is cancelled.
        await within(self.interrupted, 5)
        self.assertLess(time.monotonic() - t0, 5)
        (intr,) = self.callee.messages(message.Interrupt)
        self.assertEqual(intr.request, self.callee.messages(message.Invocation)[0].request)
        self.assertEqual(intr.mode, "killnowait")
        self.assertIs(await self.assert_only(self.caller, req, "default"), err)
        self.assertFalse(self.finished.done())

    async def test_cancel_killnowait_explicit(self):
        await self.register_hang("com.example.adv.hang2")
        await within(self.callee.register(lambda: "pong", "com.example.adv.ping_knw"))
        fut = self.caller.call("com.example.adv.hang2", 2)
        req = self.caller.call_request_id(fut)
        await within(self.invoked)
        self.caller._transport.send(message.Cancel(req, mode="killnowait"))
        err = await self.assertWampError(fut, "wamp.error.canceled", timeout=5)
        self.assertEqual(list(err.args), CANCELED_BY_CALLER)
        await within(self.interrupted, 5)
        self.assertEqual([m.mode for m in self.callee.messages(message.Interrupt)], ["killnowait"])
        await self.assert_only(self.caller, req, "knw")

    async def test_cancel_skip_does_not_interrupt_and_late_yield_is_dropped(self):
        await self.register_hang("com.example.adv.hang3")
        await within(self.callee.register(lambda: "pong", "com.example.adv.ping_skip"))
        fut = self.caller.call("com.example.adv.hang3", 3)
        req = self.caller.call_request_id(fut)
        await within(self.invoked)
        self.caller._transport.send(message.Cancel(req, mode="skip"))
        err = await self.assertWampError(fut, "wamp.error.canceled", timeout=5)
        self.assertEqual(list(err.args), CANCELED_BY_CALLER)
        # The callee is not interrupted: it finishes and YIELDs; the router drops that YIELD
        # (Autobahn|Python would raise a ProtocolError on a RESULT for an unknown request).
        self.release.set_result("v")
        self.assertEqual(await within(self.finished), "v")
        await self.assert_only(self.caller, req, "skip")
        self.assertEqual(self.callee.messages(message.Interrupt), [])
        self.assertFalse(self.interrupted.done())
        self.assertTrue(self.caller.is_attached())

    async def test_cancel_kill_waits_for_callee_answer(self):
        await self.register_hang("com.example.adv.hang4", on_cancel="error")
        await within(self.callee.register(lambda: "pong", "com.example.adv.ping_kill"))
        fut = self.caller.call("com.example.adv.hang4", 4)
        req = self.caller.call_request_id(fut)
        await within(self.invoked)
        self.caller._transport.send(message.Cancel(req, mode="kill"))
        # kill: the callee's answer to INTERRUPT (here its ERROR) is the caller's final message.
        err = await self.assertWampError(fut, "com.example.error.interrupted", timeout=5)
        self.assertEqual((list(err.args), err.kwargs), (["stopped"], {"at": 4}))
        self.assertEqual([m.mode for m in self.callee.messages(message.Interrupt)], ["kill"])
        await self.assert_only(self.caller, req, "kill")

    async def test_cancel_after_result_is_a_no_op(self):
        await within(self.callee.register(lambda x: x + 1, "com.example.adv.inc"))
        await within(self.callee.register(lambda: "pong", "com.example.adv.ping_after"))
        fut = self.caller.call("com.example.adv.inc", 41)
        req = self.caller.call_request_id(fut)
        self.assertEqual(await within(fut), 42)
        self.caller._transport.send(message.Cancel(req))
        self.caller._transport.send(message.Cancel(req, mode="kill"))
        await self.assert_only(self.caller, req, "after")
        self.assertEqual(self.callee.messages(message.Interrupt), [])

    async def _caller_goes_mid_call(self, how):
        uri = "com.example.adv.hang_" + how
        await self.register_hang(uri)
        fut = self.caller.call(uri, 5)
        fut.add_done_callback(lambda f: f.cancelled() or f.exception())  # observed, not awaited
        await within(self.invoked)
        t0 = time.monotonic()
        if how == "drop":
            self.caller.drop_transport()  # TCP gone: no GOODBYE, no WebSocket close
        else:
            self.caller.leave()  # GOODBYE
        # The callee's running invocation is interrupted (killnowait) ...
        await within(self.interrupted, 5)
        self.assertLess(time.monotonic() - t0, 5)
        (intr,) = self.callee.messages(message.Interrupt)
        self.assertEqual(intr.mode, "killnowait")
        # ... and the router and the callee stay healthy: a new caller uses the same procedure.
        loop = asyncio.get_running_loop()
        # (Cancelling the task also cancelled the future it was awaiting: new futures.)
        self.invoked, self.interrupted = loop.create_future(), loop.create_future()
        self.release = loop.create_future()
        other = await self.connect(cls=Rec)
        fut2 = other.call(uri, 6)
        self.assertEqual(await within(self.invoked), 6)
        self.release.set_result("ok")
        self.assertEqual(await within(fut2), ["late", "ok"])
        self.assertTrue(self.callee.is_attached())
        self.assertFalse(self.interrupted.done())

    async def test_caller_disconnects_mid_call(self):
        await self._caller_goes_mid_call("drop")

    async def test_caller_leaves_mid_call(self):
        await self._caller_goes_mid_call("leave")

    async def test_many_cancels_interleaved_with_results(self):
        # 20 calls in flight; the even ones are canceled, the odd ones answered.
        loop = asyncio.get_running_loop()
        gates = {i: loop.create_future() for i in range(20)}
        started = {i: loop.create_future() for i in range(20)}
        interrupted = []
        all_interrupted = loop.create_future()

        async def gated(i):
            started[i].set_result(None)
            try:
                return ["r", i, await gates[i]]
            except asyncio.CancelledError:
                interrupted.append(i)
                if len(interrupted) == 10:
                    all_interrupted.set_result(None)
                raise

        await within(self.callee.register(gated, "com.example.adv.gated"))
        await within(self.callee.register(lambda: "pong", "com.example.adv.ping_many"))
        futs = {i: self.caller.call("com.example.adv.gated", i) for i in range(20)}
        reqs = {i: self.caller.call_request_id(f) for i, f in futs.items()}
        await within(asyncio.gather(*started.values()))
        for i in range(0, 20, 2):
            futs[i].cancel()
        for i in range(1, 20, 2):
            gates[i].set_result(i * 10)
        for i in range(1, 20, 2):
            self.assertEqual(await within(futs[i]), ["r", i, i * 10])
        for i in range(0, 20, 2):
            err = await self.caller.wait_msg(
                lambda m, r=reqs[i]: isinstance(m, message.Error) and m.request == r, timeout=5)
            self.assertEqual(err.error, "wamp.error.canceled")
        await self.assert_only(self.caller, reqs[0], "many")
        for i in range(20):
            await self.assert_only(self.caller, reqs[i], "many")
        await within(all_interrupted, 5)
        self.assertEqual(sorted(interrupted), list(range(0, 20, 2)))


if __name__ == "__main__":
    main()
