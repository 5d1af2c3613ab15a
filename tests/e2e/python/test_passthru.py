"""Payload passthru mode end to end with Autobahn|Python (22.7.1).

CALL, YIELD, ERROR and PUBLISH with `ppt_scheme` (and ppt_serializer, ppt_cipher, ppt_keyid) carry
one binary argument the router passes on untouched, with the ppt_* attributes, to the
INVOCATION, RESULT, ERROR and EVENT. Peers must announce payload_passthru_mode: a callee that did
not makes the call fail with wamp.error.feature_not_supported, a caller or publisher that did not
is aborted (spec).

Autobahn|Python 22.7.1 has the older "payload transparency" (enc_algo), not the ppt_* names. The
sessions here announce the feature (HELLO roles), put the ppt_* options on the wire by adding them
to the library's own CALL/YIELD/PUBLISH messages (test_advanced.extra_options), and read the ppt_*
details through wrappers of the library's parsers (which drop details they do not know).
"""

import contextlib
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from autobahn.wamp import message  # noqa: E402
from autobahn.wamp.exception import ApplicationError  # noqa: E402
from autobahn.wamp.types import PublishOptions  # noqa: E402

from junction_harness import JunctionTestCase, main, within  # noqa: E402
from test_advanced import Rec, extra_options  # noqa: E402
from test_progressive_invocations import announcing  # noqa: E402

PPT = {"ppt_scheme": "wamp.eth", "ppt_serializer": "cbor", "ppt_cipher": "xsalsa20poly1305",
       "ppt_keyid": "0x5f3a"}
SEALED = bytes([0, 1, 2, 0xfe, 0xff])  # stands for an encrypted payload


PPT_OF = {}  # id(message) -> its ppt_* details (the message classes have __slots__)


def ppt_of(msg):
    return PPT_OF.get(id(msg))


def _keep_ppt(cls, details_index):
    parse = cls.parse  # a staticmethod

    def parse_keeping_ppt(wmsg):
        msg = parse(wmsg)
        PPT_OF[id(msg)] = {k: v for k, v in wmsg[details_index].items() if k.startswith("ppt_")}
        return msg
    cls.parse = staticmethod(parse_keeping_ppt)


_keep_ppt(message.Invocation, 3)
_keep_ppt(message.Result, 2)
_keep_ppt(message.Event, 3)
_keep_ppt(message.Error, 3)

@contextlib.contextmanager
def extra_in_message(msg_cls, index, **extra):
    """While active, every `msg_cls` message (YIELD, ERROR: they have no marshal_options)
    Autobahn|Python serializes carries `extra` in its Options/Details dict at `index`."""
    orig = msg_cls.marshal

    def patched(self):
        wmsg = orig(self)
        wmsg[index] = dict(wmsg[index], **extra)
        return wmsg

    msg_cls.marshal = patched
    try:
        yield
    finally:
        msg_cls.marshal = orig


FEATURE = ["payload_passthru_mode"]
Peer = announcing(Rec, caller=FEATURE, callee=FEATURE, publisher=FEATURE, subscriber=FEATURE)


class PassthruTest(JunctionTestCase):

    async def asyncSetUp(self):
        await super().asyncSetUp()
        self.caller = await self.connect(cls=Peer)
        self.callee = await self.connect(cls=Peer)

    async def test_call_and_yield_pass_the_payload_and_attributes_on(self):
        await within(self.callee.register(lambda blob: bytes(reversed(blob)), "com.example.ppt.echo"))
        with extra_options(message.Call, **PPT):
            fut = self.caller.call("com.example.ppt.echo", SEALED)
        with extra_in_message(message.Yield, 2, **PPT):
            self.assertEqual(await within(fut), bytes(reversed(SEALED)))
        (invocation,) = self.callee.messages(message.Invocation)
        self.assertEqual((ppt_of(invocation), invocation.args), (PPT, [SEALED]))
        (result,) = self.caller.messages(message.Result)
        self.assertEqual(ppt_of(result), PPT)

    async def test_an_error_passes_the_attributes_on(self):
        def refuse(blob):
            raise ApplicationError("com.example.ppt.refused", blob)
        await within(self.callee.register(refuse, "com.example.ppt.refuse"))
        with extra_options(message.Call, **PPT):
            fut = self.caller.call("com.example.ppt.refuse", SEALED)
        with extra_in_message(message.Error, 3, **PPT):
            err = await self.assertWampError(fut, "com.example.ppt.refused")
        self.assertEqual(list(err.args), [SEALED])
        (error,) = [m for m in self.caller.received if isinstance(m, message.Error)]
        self.assertEqual(ppt_of(error), PPT)

    async def test_a_callee_without_the_feature(self):
        plain = await self.connect(cls=Rec)
        await within(plain.register(lambda blob: blob, "com.example.ppt.plain"))
        with extra_options(message.Call, **PPT):
            fut = self.caller.call("com.example.ppt.plain", SEALED)
        await self.assertWampError(fut, "wamp.error.feature_not_supported")
        self.assertEqual(plain.messages(message.Invocation), [])

    async def test_a_caller_without_the_feature_is_aborted(self):
        await within(self.callee.register(lambda blob: blob, "com.example.ppt.unannounced"))
        plain = await self.connect(cls=Rec)
        with extra_options(message.Call, **PPT):
            fut = plain.call("com.example.ppt.unannounced", SEALED)
        fut.add_done_callback(lambda f: f.cancelled() or f.exception())
        # Autobahn|Python fails its connection on an ABORT after WELCOME: the ABORT is checked.
        abort = await plain.wait_msg(lambda m: isinstance(m, message.Abort), what="ABORT")
        self.assertEqual(abort.reason, "wamp.error.protocol_violation")
        self.assertEqual(self.callee.messages(message.Invocation), [])

    async def test_publish_passes_the_payload_and_attributes_on(self):
        got = []
        await within(self.callee.subscribe(lambda blob: got.append(blob), "com.example.ppt.topic"))
        plain_got = []
        plain = await self.connect(cls=Rec)  # spec: the subscriber's own business
        await within(plain.subscribe(lambda blob: plain_got.append(blob), "com.example.ppt.topic"))
        with extra_options(message.Publish, **PPT):
            pub = self.caller.publish("com.example.ppt.topic", SEALED,
                                      options=PublishOptions(acknowledge=True))
        await within(pub)
        for session in (self.callee, plain):
            event = await session.wait_msg(lambda m: isinstance(m, message.Event), what="EVENT")
            self.assertEqual((ppt_of(event), event.args), (PPT, [SEALED]))

    async def test_a_publisher_without_the_feature_is_aborted(self):
        plain = await self.connect(cls=Rec)
        with extra_options(message.Publish, **PPT):
            plain.publish("com.example.ppt.topic2", SEALED)
        abort = await plain.wait_msg(lambda m: isinstance(m, message.Abort), what="ABORT")
        self.assertEqual(abort.reason, "wamp.error.protocol_violation")


if __name__ == "__main__":
    main()
