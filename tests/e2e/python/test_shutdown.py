"""Graceful shutdown: SIGTERM / SIGINT → GOODBYE wamp.close.system_shutdown to every session,
then junction exits with code 0."""

import asyncio
import os
import signal
import subprocess
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from junction_harness import RouterProcess, connect, main, within  # noqa: E402

EXIT_TIMEOUT = 5.0


class ShutdownTest(unittest.IsolatedAsyncioTestCase):

    async def asyncSetUp(self):
        self.router = RouterProcess(name=self._testMethodName).start()

    async def asyncTearDown(self):
        self.router.stop()

    async def _shutdown_with(self, sig):
        a = await connect(self.router)
        b = await connect(self.router)
        await within(a.register(lambda: "up", "com.example.shutdown.status"))
        self.assertEqual(await within(b.call("com.example.shutdown.status")), "up")

        t0 = time.monotonic()
        self.router.signal(sig)
        for s in (a, b):
            details = await within(asyncio.shield(s.left), EXIT_TIMEOUT)
            self.assertEqual(details.reason, "wamp.close.system_shutdown")
            await within(asyncio.shield(s.disconnected), EXIT_TIMEOUT)

        remaining = max(0.5, EXIT_TIMEOUT - (time.monotonic() - t0))
        try:
            code = await asyncio.to_thread(self.router.wait, remaining)
        except subprocess.TimeoutExpired:
            self.fail("junction still running %.1f s after %s" % (EXIT_TIMEOUT, sig.name))
        self.assertEqual(code, 0)

    async def test_sigterm(self):
        await self._shutdown_with(signal.SIGTERM)

    async def test_sigint(self):
        await self._shutdown_with(signal.SIGINT)

    async def test_sigterm_without_sessions(self):
        self.router.signal(signal.SIGTERM)
        try:
            code = await asyncio.to_thread(self.router.wait, EXIT_TIMEOUT)
        except subprocess.TimeoutExpired:
            self.fail("junction still running %.1f s after SIGTERM" % EXIT_TIMEOUT)
        self.assertEqual(code, 0)


if __name__ == "__main__":
    main()
