"""Progressive call invocations end to end with Autobahn|Python (22.7.1).

A caller streams one call as several CALLs with the same request id (Options.progress=true on all
but the last); the router passes each on, in order, to the same callee as INVOCATIONs with one
request id (Details.progress=true on all but the last). Both ends must announce
progressive_call_invocations (the callee call_canceling too); otherwise the caller gets
wamp.error.feature_not_supported (callee) or is aborted (caller), as the spec says.

Autobahn|Python 22.7.1 does not implement the feature. The sessions here announce it (their
HELLO roles get the flag), put `progress` on the wire by adding it to the library's own CALL
message (as test_advanced.py does for disclose_me), and read INVOCATION.Details.progress through
a wrapper of the library's INVOCATION parser (the library drops details it does not know). The
callee is an ordinary Autobahn|Python endpoint that receives the final INVOCATION; the chunks
before it are collected by the session.
"""

import asyncio
import copy
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from autobahn.wamp import message, role  # noqa: E402
from autobahn.wamp.types import CallOptions, RegisterOptions  # noqa: E402

from junction_harness import JunctionTestCase, main, within  # noqa: E402
from test_advanced import Rec, extra_options  # noqa: E402

_parse_invocation = message.Invocation.parse  # a staticmethod
PROGRESS = {}  # id(INVOCATION) -> Details.progress (the message classes have __slots__)


def progress_of(msg):
    return PROGRESS.get(id(msg), False)


def _parse_invocation_keeping_progress(wmsg):
    msg = _parse_invocation(wmsg)
    PROGRESS[id(msg)] = bool(wmsg[3].get("progress", False))
    return msg


message.Invocation.parse = staticmethod(_parse_invocation_keeping_progress)


def announcing(base, **features):
    """A session class whose HELLO announces `features` ({role: [feature, ...]}) on top of the
    library's own."""
    class Announcing(base):
        def __init__(self, config=None):
            super().__init__(config)
            roles = copy.deepcopy(role.DEFAULT_CLIENT_ROLES)
            for role_name, names in features.items():
                for name in names:
                    setattr(roles[role_name], name, True)
            self._session_roles = roles
    return Announcing


class StreamingCallee(Rec):
    """Collects the progressive INVOCATIONs of each call; the final one reaches the endpoint."""

    def __init__(self, config=None):
        super().__init__(config)
        self.chunks = {}  # INVOCATION request id -> args of the progressive INVOCATIONs

    def onMessage(self, msg):
        if isinstance(msg, message.Invocation) and progress_of(msg):
            self.received.append(msg)
            for pred, fut in list(self._watchers):
                if not fut.done() and pred(msg):
                    fut.set_result(msg)
            self.chunks.setdefault(msg.request, []).extend(msg.args or [])
            return None
        return super().onMessage(msg)


Caller = announcing(Rec, caller=["progressive_call_invocations"])
Callee = announcing(StreamingCallee, callee=["progressive_call_invocations"])


class ProgressiveInvocationsTest(JunctionTestCase):

    async def asyncSetUp(self):
        await super().asyncSetUp()
        self.caller = await self.connect(cls=Caller)
        self.callee = await self.connect(cls=Callee)

    async def register_join(self, session, uri, **options):
        """The endpoint joins what the stream's chunks and its final INVOCATION carried."""
        async def endpoint(*last):
            return "+".join(session.chunks.get(session.last_invocation, []) + list(last))

        orig = session.onMessage

        def track(msg):
            if isinstance(msg, message.Invocation):
                session.last_invocation = msg.request
            return orig(msg)

        session.onMessage = track
        await within(session.register(endpoint, uri, options=RegisterOptions(**options)))

    def stream(self, uri, chunks, last):
        """Calls `uri` as a stream: each of `chunks` in a progressive CALL, then `last`. Returns
        the call's future."""
        with extra_options(message.Call, progress=True):
            fut = self.caller.call(uri, chunks[0])
        req = self.caller.call_request_id(fut)
        with extra_options(message.Call, progress=True):
            for chunk in chunks[1:]:
                self.caller._transport.send(message.Call(req, uri, args=[chunk]))
        self.caller._transport.send(message.Call(req, uri, args=[last]))
        return fut

    async def test_a_stream_reaches_the_callee_in_order_as_one_call(self):
        uri = "com.example.stream.join"
        await self.register_join(self.callee, uri)
        chunks = ["c%d" % i for i in range(20)]
        self.assertEqual(await within(self.stream(uri, chunks, "end")), "+".join(chunks + ["end"]))
        invocations = self.callee.messages(message.Invocation)
        self.assertEqual(len(invocations), 21)
        self.assertEqual(len({m.request for m in invocations}), 1)  # one INVOCATION request id
        self.assertEqual([progress_of(m) for m in invocations], [True] * 20 + [False])

    async def test_every_chunk_goes_to_the_first_chunks_callee(self):
        uri = "com.example.stream.shared"
        other = await self.connect(cls=Callee)
        await self.register_join(self.callee, uri, invoke="roundrobin")
        await self.register_join(other, uri, invoke="roundrobin")
        first = await within(self.stream(uri, ["a", "b", "c"], "z"))
        second = await within(self.stream(uri, ["d", "e"], "y"))
        self.assertEqual((first, second), ("a+b+c+z", "d+e+y"))
        self.assertEqual(len(self.callee.messages(message.Invocation)), 4)
        self.assertEqual(len(other.messages(message.Invocation)), 3)

    async def test_a_callee_without_the_feature_is_an_application_error(self):
        uri = "com.example.stream.plain"
        plain = await self.connect(cls=Rec)
        await within(plain.register(lambda *a: "never", uri))
        with extra_options(message.Call, progress=True):
            fut = self.caller.call(uri, "a")  # the first CALL of a stream
        await self.assertWampError(fut, "wamp.error.feature_not_supported")
        self.assertEqual(plain.messages(message.Invocation), [])
        self.assertTrue(self.caller.is_attached())

    async def test_a_caller_without_the_feature_is_aborted(self):
        uri = "com.example.stream.unannounced"
        await self.register_join(self.callee, uri)
        plain = await self.connect(cls=Rec)
        with extra_options(message.Call, progress=True):
            fut = plain.call(uri, "a")
        fut.add_done_callback(lambda f: f.cancelled() or f.exception())
        # Autobahn|Python fails its connection on an ABORT after WELCOME: the ABORT is checked.
        abort = await plain.wait_msg(lambda m: isinstance(m, message.Abort), what="ABORT")
        self.assertEqual(abort.reason, "wamp.error.protocol_violation")
        self.assertEqual(self.callee.messages(message.Invocation), [])

    async def test_the_caller_leaving_mid_stream_interrupts_the_callee(self):
        uri = "com.example.stream.leave"
        await self.register_join(self.callee, uri)
        with extra_options(message.Call, progress=True):
            fut = self.caller.call(uri, "a")
        fut.add_done_callback(lambda f: f.cancelled() or f.exception())
        first = await self.callee.wait_msg(lambda m: isinstance(m, message.Invocation),
                                          what="the first INVOCATION")
        self.caller.drop_transport()
        intr = await self.callee.wait_msg(lambda m: isinstance(m, message.Interrupt),
                                         what="INTERRUPT")
        self.assertEqual((intr.request, intr.mode), (first.request, "killnowait"))
        self.assertTrue(self.callee.is_attached())

    async def test_with_progressive_results(self):
        uri = "com.example.stream.echo"

        await self.register_join(self.callee, uri)
        progress = []
        with extra_options(message.Call, progress=True):
            fut = self.caller.call(uri, "a", options=CallOptions(on_progress=progress.append))
        req = self.caller.call_request_id(fut)
        first = await self.callee.wait_msg(lambda m: isinstance(m, message.Invocation),
                                          what="the first INVOCATION")
        # The callee streams back while the caller is still streaming in.
        self.callee._transport.send(message.Yield(first.request, args=["got a"], progress=True))
        await within(self._until(lambda: progress == ["got a"]))
        with extra_options(message.Call, progress=True):
            self.caller._transport.send(message.Call(req, uri, args=["b"]))
        self.caller._transport.send(message.Call(req, uri, args=["z"]))
        self.assertEqual(await within(fut), "a+b+z")
        self.assertEqual(progress, ["got a"])

    async def _until(self, pred):
        while not pred():
            await asyncio.sleep(0.01)


if __name__ == "__main__":
    main()
