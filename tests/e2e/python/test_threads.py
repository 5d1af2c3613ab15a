"""Multi-threaded I/O end to end (router worker options.io_threads = 3), with Autobahn|Python and
hand-built WebSocket frames. Sessions land on the I/O threads in turn, so with 3 threads and
several sessions every pairing (same thread, another thread, the routing thread) is crossed:
calls, events and their order, answers that must come out before a close, and shutdown."""

import asyncio
import json
import os
import signal
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from autobahn.wamp.types import PublishOptions  # noqa: E402

from junction_harness import (JunctionTestCase, RawWebSocket, RouterProcess, connect,  # noqa: E402
                              default_config, main, within, ws_frame)

# The config's io_threads is what this suite tests; $JUNCTION_IO_THREADS (set for the whole ASan
# run) would override it.
os.environ.pop("JUNCTION_IO_THREADS", None)

THREADS = 3
SESSIONS = 7  # more than THREADS and not a multiple: every thread holds several


def threaded_config():
    config = default_config()
    config["workers"][0]["options"] = {"io_threads": THREADS}
    return config


class ThreadsTest(JunctionTestCase):
    router_config = threaded_config()

    def test_startup_says_how_many_threads(self):
        self.assertTrue(any("%d I/O threads" % THREADS in line for line in self.router.lines),
                        "no '%d I/O threads' line in the log" % THREADS)

    async def test_every_session_calls_every_other(self):
        sessions = [await self.connect() for _ in range(SESSIONS)]
        for i, s in enumerate(sessions):
            await within(s.register(lambda x, i=i: [i, x], "com.threads.proc%d" % i))
        calls = []
        for a, caller in enumerate(sessions):
            for b in range(SESSIONS):
                for k in range(5):
                    calls.append(((b, (a, k)), caller.call("com.threads.proc%d" % b, [a, k])))
        results = await within(asyncio.gather(*(c for _, c in calls)), 30)
        for ((b, (a, k)), _), result in zip(calls, results):
            self.assertEqual(result, [b, [a, k]])

    async def test_events_arrive_complete_and_in_order_on_every_thread(self):
        subscribers = [await self.connect() for _ in range(SESSIONS)]
        publisher = await self.connect()
        count = 400
        received = [[] for _ in subscribers]
        done = [asyncio.get_running_loop().create_future() for _ in subscribers]

        def handler(i):
            def on_event(n):
                received[i].append(n)
                if len(received[i]) == count and not done[i].done():
                    done[i].set_result(None)
            return on_event

        for i, s in enumerate(subscribers):
            await within(s.subscribe(handler(i), "com.threads.seq"))
        for n in range(count):
            publisher.publish("com.threads.seq", n)  # no acknowledge: a burst, not lock-step
        await within(publisher.publish("com.threads.seq.end", options=PublishOptions(
            acknowledge=True)))
        await within(asyncio.gather(*done), 30)
        for i in range(SESSIONS):
            self.assertEqual(received[i], list(range(count)), "subscriber %d" % i)

    async def test_subscribers_on_all_threads_with_publisher_exclusion(self):
        sessions = [await self.connect() for _ in range(SESSIONS)]
        got = [[] for _ in sessions]
        for i, s in enumerate(sessions):
            await within(s.subscribe(lambda v, i=i: got[i].append(v), "com.threads.excl"))
        await within(sessions[0].publish("com.threads.excl", "x",
                                         options=PublishOptions(acknowledge=True,
                                                                exclude_me=True)))
        for _ in range(100):
            if all(len(got[i]) == 1 for i in range(1, SESSIONS)):
                break
            await asyncio.sleep(0.02)
        self.assertEqual(got[0], [])
        for i in range(1, SESSIONS):
            self.assertEqual(got[i], ["x"], "session %d" % i)

    async def test_answers_go_out_before_the_close_handshake(self):
        # SUBSCRIBE and the close frame in one write, on every thread: the SUBSCRIBED (made on the
        # routing thread) still comes out before the answer to our close frame.
        def run():
            outcomes = []
            for n in range(2 * THREADS):
                ws = RawWebSocket(self.router.host, self.router.port, "/ws")
                try:
                    ws.send_frame(0x1, json.dumps([1, "realm1", {"roles": {"subscriber": {}}}])
                                  .encode())
                    welcome = json.loads(ws.read_frame().payload)
                    subscribe = ws_frame(0x1, json.dumps([32, 7, {}, "com.threads.t%d" % n])
                                         .encode())
                    close = ws_frame(0x8, b"\x03\xe8")
                    ws.send(subscribe + close)
                    before, close_frame = ws.read_until_close()
                    outcomes.append((welcome[0], [json.loads(f.payload)[:2] for f in before],
                                     close_frame is not None))
                finally:
                    ws.close()
            return outcomes

        outcomes = await within(asyncio.get_running_loop().run_in_executor(None, run), 30)
        self.assertEqual(outcomes, [(2, [[33, 7]], True)] * (2 * THREADS))

    async def test_a_flooding_publisher_is_paced_and_nothing_is_lost(self):
        # One publisher writes 10 000 PUBLISH at once; routing them to 10 subscribers costs the
        # routing thread far more than decoding them costs the publisher's I/O thread, so the
        # publisher's reading pauses (backpressure) instead of the hand-over queue growing
        # without bound. Every subscriber still gets every event, in order.
        count, subscribers = 10000, 10

        def subscriber(n):
            ws = RawWebSocket(self.router.host, self.router.port, "/ws")
            ws.send_frame(0x1, json.dumps([1, "realm1", {"roles": {"subscriber": {}}}]).encode())
            assert json.loads(ws.read_frame().payload)[0] == 2
            ws.send_frame(0x1, json.dumps([32, 1, {}, "com.threads.flood"]).encode())
            assert json.loads(ws.read_frame().payload)[0] == 33
            return ws

        def run():
            subs = [subscriber(n) for n in range(subscribers)]
            # Several publisher connections, so that at least one is on another thread than the
            # router's; each floods its own sequence.
            pubs = []
            for p in range(THREADS):
                ws = RawWebSocket(self.router.host, self.router.port, "/ws")
                ws.send_frame(0x1, json.dumps([1, "realm1", {"roles": {"publisher": {}}}])
                              .encode())
                assert json.loads(ws.read_frame().payload)[0] == 2
                pubs.append(ws)
            for p, ws in enumerate(pubs):
                ws.send(b"".join(
                    ws_frame(0x1, json.dumps([16, i + 1, {}, "com.threads.flood", [p, i]])
                             .encode()) for i in range(count)))
            seen = []
            for ws in subs:
                last = [-1] * THREADS
                ok = True
                for _ in range(count * THREADS):
                    p, i = json.loads(ws.read_frame().payload)[4]
                    ok = ok and i == last[p] + 1
                    last[p] = i
                seen.append((ok, last))
                ws.close()
            for ws in pubs:
                ws.close()
            return seen

        seen = await within(asyncio.get_running_loop().run_in_executor(None, run), 60)
        self.assertEqual(seen, [(True, [count - 1] * THREADS)] * subscribers)
        self.assertTrue(any("reading paused" in line for line in self.router.lines),
                        "no publisher's reading was paused: the test did not test backpressure")

    async def test_callee_leaving_mid_call_on_another_thread(self):
        callee = await self.connect()
        callers = [await self.connect() for _ in range(THREADS)]
        started = asyncio.get_running_loop().create_future()
        invoked = []

        # Drop the callee only once every call has reached it: the callers' CALLs cross from
        # other I/O threads, so a call still in flight when the callee goes would (rightly) get
        # no_such_procedure instead of canceled, and the test would race.
        async def slow():
            invoked.append(1)
            if len(invoked) == len(callers) and not started.done():
                started.set_result(None)
            await asyncio.sleep(30)

        await within(callee.register(slow, "com.threads.slow"))
        pending = [c.call("com.threads.slow") for c in callers]
        await within(started)
        callee.drop_transport()
        for p in pending:
            await self.assertWampError(p, "wamp.error.canceled")


class ThreadedShutdownTest(JunctionTestCase):
    router_config = threaded_config()

    async def test_sigterm_says_goodbye_to_sessions_on_every_thread(self):
        router = RouterProcess(config=threaded_config(), name="threaded-shutdown").start()
        try:
            sessions = [await connect(router) for _ in range(SESSIONS)]
            router.signal(signal.SIGTERM)
            details = await within(asyncio.gather(*(s.left for s in sessions)), 10)
            self.assertEqual([d.reason for d in details],
                             ["wamp.close.system_shutdown"] * SESSIONS)
            self.assertEqual(await asyncio.get_running_loop().run_in_executor(
                None, router.wait, 10), 0)
        finally:
            router.stop()


if __name__ == "__main__":
    main()
