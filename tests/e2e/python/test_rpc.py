"""RPC end to end with Autobahn|Python against a live junction (JSON serializer)."""

import asyncio
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from autobahn.wamp.exception import ApplicationError  # noqa: E402
from autobahn.wamp.types import CallResult  # noqa: E402

from junction_harness import JunctionTestCase, main, within, without_client_uri_check as unchecked  # noqa: E402


def echo(*args, **kwargs):
    return CallResult(*args, **kwargs)


class RpcTest(JunctionTestCase):

    async def asyncSetUp(self):
        await super().asyncSetUp()
        self.callee = await self.connect()
        self.caller = await self.connect()

    async def test_call_with_args_and_kwargs(self):
        await within(self.callee.register(echo, "com.example.rpc.echo"))
        res = await within(self.caller.call("com.example.rpc.echo", 1, "two", [3, 4.5],
                                            {"five": None}, True, a=1, b={"c": [False, -7]}))
        self.assertIsInstance(res, CallResult)
        self.assertEqual(list(res.results), [1, "two", [3, 4.5], {"five": None}, True])
        self.assertEqual(res.kwresults, {"a": 1, "b": {"c": [False, -7]}})

        # A single positional result comes back as a plain value, no result as None.
        await within(self.callee.register(lambda a, b: a + b, "com.example.rpc.add"))
        self.assertEqual(await within(self.caller.call("com.example.rpc.add", 2, 40)), 42)
        await within(self.callee.register(lambda: None, "com.example.rpc.nothing"))
        self.assertIsNone(await within(self.caller.call("com.example.rpc.nothing")))

        # Large and negative integers and floats survive the router unchanged.
        nums = [2 ** 53, -(2 ** 53), 2 ** 63 - 1, -(2 ** 63), 0, 1.5e300, -0.25]
        res = await within(self.caller.call("com.example.rpc.echo", *nums))
        self.assertEqual(list(res.results), nums)

    async def test_unicode(self):
        await within(self.callee.register(echo, "com.example.rpc.echo_unicode"))
        texts = ["Grüße", "日本語のテキスト", "emoji 🎉👩‍💻", "quote \" backslash \\ / tab \t nl \n",
                 "control \u0001\u001f", "\u2028\u2029", "𝄞 (U+1D11E)", ""]
        res = await within(self.caller.call("com.example.rpc.echo_unicode", *texts,
                                            **{"ключ": "значение", "🔑": "🎉"}))
        self.assertEqual(list(res.results), texts)
        self.assertEqual(res.kwresults, {"ключ": "значение", "🔑": "🎉"})

    async def test_binary(self):
        received = []

        def bin_echo(*args, **kwargs):
            received.append((args, kwargs))
            return CallResult(*args, **kwargs)

        await within(self.callee.register(bin_echo, "com.example.rpc.echo_binary"))
        blobs = [b"\x00\x01\x02\xfe\xff", bytes(range(256)), b"", b"\x00", os.urandom(1000)]
        res = await within(self.caller.call("com.example.rpc.echo_binary", *blobs,
                                            blob=b"\xde\xad\xbe\xef", nested={"b": [b"\x7f"]}))
        # The callee got bytes (not strings) ...
        args, kwargs = received[0]
        self.assertEqual(list(args), blobs)
        self.assertTrue(all(isinstance(a, bytes) for a in args))
        self.assertEqual(kwargs, {"blob": b"\xde\xad\xbe\xef", "nested": {"b": [b"\x7f"]}})
        # ... and so did the caller.
        self.assertEqual(list(res.results), blobs)
        self.assertEqual(res.kwresults, {"blob": b"\xde\xad\xbe\xef", "nested": {"b": [b"\x7f"]}})

    async def test_500kb_payload(self):
        await within(self.callee.register(echo, "com.example.rpc.echo_big"))
        big = ("0123456789abcdef" * 32000)  # 512000 characters
        self.assertEqual(len(big), 500 * 1024)
        res = await within(self.caller.call("com.example.rpc.echo_big", big), 20)
        self.assertEqual(res, big)
        # And a 500 KB binary value (base64 in JSON: ~683 KB on the wire, under the 1 MiB limit).
        blob = bytes((i * 7) % 256 for i in range(500 * 1024))
        res = await within(self.caller.call("com.example.rpc.echo_big", blob), 20)
        self.assertEqual(res, blob)

    async def test_application_error_reaches_caller_intact(self):
        def fail(*args, **kwargs):
            raise ApplicationError("com.example.error.custom", 1, "two", {"three": [3]}, "Grüße",
                                   detail="something went wrong", code=42, nested={"x": [1, None]})

        await within(self.callee.register(fail, "com.example.rpc.fail"))
        err = await self.assertWampError(self.caller.call("com.example.rpc.fail", 1),
                                         "com.example.error.custom")
        self.assertEqual(list(err.args), [1, "two", {"three": [3]}, "Grüße"])
        self.assertEqual(err.kwargs, {"detail": "something went wrong", "code": 42,
                                      "nested": {"x": [1, None]}})

        # An error with no payload at all.
        def fail_bare():
            raise ApplicationError("com.example.error.bare")

        await within(self.callee.register(fail_bare, "com.example.rpc.fail_bare"))
        err = await self.assertWampError(self.caller.call("com.example.rpc.fail_bare"),
                                         "com.example.error.bare")
        self.assertEqual(list(err.args), [])
        self.assertEqual(err.kwargs, {})

    async def test_no_such_procedure(self):
        await self.assertWampError(self.caller.call("com.example.rpc.does_not_exist", 1),
                                   "wamp.error.no_such_procedure")

    async def test_duplicate_registration(self):
        await within(self.callee.register(echo, "com.example.rpc.dup"))
        # From another session ...
        await self.assertWampError(self.caller.register(echo, "com.example.rpc.dup"),
                                   "wamp.error.procedure_already_exists")
        # ... and from the same session.
        await self.assertWampError(self.callee.register(echo, "com.example.rpc.dup"),
                                   "wamp.error.procedure_already_exists")
        # The original registration still works.
        self.assertEqual(await within(self.caller.call("com.example.rpc.dup", "x")), "x")

    async def test_unregister(self):
        reg = await within(self.callee.register(echo, "com.example.rpc.unreg"))
        self.assertEqual(await within(self.caller.call("com.example.rpc.unreg", 7)), 7)
        await within(reg.unregister())
        await self.assertWampError(self.caller.call("com.example.rpc.unreg", 7),
                                   "wamp.error.no_such_procedure")
        # The URI is free again: another session may register it.
        await within(self.caller.register(lambda x: x * 2, "com.example.rpc.unreg"))
        self.assertEqual(await within(self.callee.call("com.example.rpc.unreg", 7)), 14)

    async def test_200_concurrent_calls(self):
        async def slow_add(a, b):
            # Answers out of order: later calls may finish first.
            await asyncio.sleep(0.001 * ((a * 7) % 13))
            return [a, b, a + b]

        await within(self.callee.register(slow_add, "com.example.rpc.slow_add"))
        calls = [self.caller.call("com.example.rpc.slow_add", i, 1000 * i) for i in range(200)]
        results = await within(asyncio.gather(*calls), 30)
        self.assertEqual(results, [[i, 1000 * i, 1001 * i] for i in range(200)])

    async def _callee_goes_mid_call(self, how):
        loop = asyncio.get_running_loop()
        invoked = loop.create_future()
        never = loop.create_future()

        async def hang(x):
            invoked.set_result(x)
            await never
            return "unreachable"

        uri = "com.example.rpc.hang_" + how
        await within(self.callee.register(hang, uri))
        call = asyncio.ensure_future(self.caller.call(uri, 1))
        self.assertEqual(await within(invoked), 1)
        t0 = time.monotonic()
        if how == "drop":
            self.callee.drop_transport()  # TCP gone: no GOODBYE, no WebSocket close
        else:
            self.callee.leave()  # GOODBYE
        err = await self.assertWampError(call, "wamp.error.canceled", timeout=5)
        self.assertLess(time.monotonic() - t0, 5)
        never.cancel()
        del err
        # The registration went with the callee.
        await self.assertWampError(self.caller.call(uri, 2), "wamp.error.no_such_procedure")

    async def test_callee_disconnects_mid_call(self):
        await self._callee_goes_mid_call("drop")

    async def test_callee_leaves_mid_call(self):
        await self._callee_goes_mid_call("leave")

    async def test_invalid_uri(self):
        # Autobahn|Python refuses most invalid URIs itself; switch that off to reach the router.
        for bad in ["com..bad", "with space", "com.example.", ".com.example", "com.#.x"]:
            with self.subTest(uri=bad):
                await self.assertWampError(unchecked(self.callee.register, echo, bad),
                                           "wamp.error.invalid_uri")
                await self.assertWampError(unchecked(self.caller.call, bad, 1),
                                           "wamp.error.invalid_uri")


if __name__ == "__main__":
    main()
