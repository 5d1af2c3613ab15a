// The router's clock and what runs on it, on a fake clock moved by hand (no sleeping): the timer
// heap, call timeouts (CALL.Options.timeout) and the grace period of a `kill` cancel.
#include <gtest/gtest.h>

#include <vector>

#include "router/realm.hpp"
#include "router_fakes.hpp"

namespace junction::router {
namespace {

using namespace std::chrono_literals;
using testing::Client;
using testing::request;
using wamp::Message;
using wamp::MessageType;

// Time moves only when a test says so; the router's alarm rings as a real clock's would.
class FakeClock final : public Clock {
 public:
  time_point now() const override { return now_; }
  void wake_at(time_point at) override { wake_ = at; }
  void advance(duration by) {
    now_ += by;
    if (wake_ <= now_) {
      wake_ = time_point::max();
      ring();
    }
  }
  time_point wake() const { return wake_; }

 private:
  time_point now_ = time_point{} + 1h;
  time_point wake_ = time_point::max();
};

TEST(Timers, RunInDeadlineOrderAndAskTheClockForTheEarliest) {
  FakeClock clock;
  Timers timers(clock);
  clock.set_alarm([&timers] { timers.run_due(); });
  std::vector<int> ran;
  timers.start(300ms, [&] { ran.push_back(3); });
  timers.start(100ms, [&] { ran.push_back(1); });
  timers.start(200ms, [&] { ran.push_back(2); });
  timers.start(100ms, [&] { ran.push_back(11); });  // same deadline: in start order
  EXPECT_EQ(clock.wake(), clock.now() + 100ms);
  clock.advance(99ms);
  EXPECT_TRUE(ran.empty());
  clock.advance(1ms);
  EXPECT_EQ(ran, (std::vector<int>{1, 11}));
  EXPECT_EQ(clock.wake(), clock.now() + 100ms);
  clock.advance(500ms);
  EXPECT_EQ(ran, (std::vector<int>{1, 11, 2, 3}));
  EXPECT_EQ(timers.pending(), 0u);
  EXPECT_EQ(clock.wake(), Clock::time_point::max());  // nothing left: no wake-up
}

TEST(Timers, CancelledTimersDoNotRunAndDoNotWakeTheClock) {
  FakeClock clock;
  Timers timers(clock);
  clock.set_alarm([&timers] { timers.run_due(); });
  int ran = 0;
  const Timers::Id first = timers.start(100ms, [&] { ran += 1; });
  timers.start(200ms, [&] { ran += 10; });
  timers.cancel(first);
  timers.cancel(first);  // twice: nothing
  timers.cancel(0);      // "no timer": nothing
  clock.advance(150ms);  // the cancelled deadline's wake-up
  EXPECT_EQ(ran, 0);
  EXPECT_EQ(clock.wake(), clock.now() + 50ms);
  clock.advance(50ms);
  EXPECT_EQ(ran, 10);
}

TEST(Timers, ManyCancelledTimersAreCompactedAndTheRestStillRun) {
  FakeClock clock;
  Timers timers(clock);
  clock.set_alarm([&timers] { timers.run_due(); });
  std::vector<Timers::Id> ids;
  int ran = 0;
  for (int i = 0; i < 1000; ++i)
    ids.push_back(timers.start(std::chrono::milliseconds(1000 + i), [&] { ++ran; }));
  for (int i = 0; i < 1000; ++i) {
    if (i % 100 != 0) timers.cancel(ids[i]);
  }
  EXPECT_EQ(timers.pending(), 10u);
  clock.advance(5s);
  EXPECT_EQ(ran, 10);
  EXPECT_EQ(timers.pending(), 0u);
}

TEST(Timers, ACallbackMayStartAndCancelTimers) {
  FakeClock clock;
  Timers timers(clock);
  clock.set_alarm([&timers] { timers.run_due(); });
  std::vector<int> ran;
  Timers::Id doomed = 0;
  timers.start(10ms, [&] {
    ran.push_back(1);
    timers.cancel(doomed);
    timers.start(0ms, [&] { ran.push_back(3); });  // due at once: runs in the same pass
  });
  doomed = timers.start(10ms, [&] { ran.push_back(2); });
  clock.advance(10ms);
  EXPECT_EQ(ran, (std::vector<int>{1, 3}));
}

// A realm with every permission; its grace period for `kill` cancels is 2 s unless a test says.
RouterConfig config(std::chrono::milliseconds kill_grace = 2000ms) {
  RouterConfig c;
  RealmConfig realm = testing::realm_config("realm1", wamp::UriCheck::loose,
                                            {{"anonymous", {testing::allow_all()}}});
  realm.cancel_kill_grace = kill_grace;
  c.realms.push_back(std::move(realm));
  return c;
}

const wamp::Object kCanceling{{"call_canceling", true}};

class CallTimeoutTest : public ::testing::Test {
 protected:
  explicit CallTimeoutTest(std::chrono::milliseconds kill_grace = 2000ms)
      : router(config(kill_grace), clock) {}

  // The callee registers "com.slow"; the caller calls it with `options`; returns the INVOCATION.
  Message call(wamp::Id request_id, wamp::Object options) {
    if (!registered) {
      callee.send(request(MessageType::reg, 1, "com.slow"));
      EXPECT_EQ(callee.peer.pop().type, MessageType::registered);
      registered = true;
    }
    caller.send(request(MessageType::call, request_id, "com.slow", std::move(options)));
    Message invocation = callee.peer.pop();
    EXPECT_EQ(invocation.type, MessageType::invocation);
    return invocation;
  }
  Timers& timers() { return router.timers(); }

  FakeClock clock;
  Router router;
  Client caller{router};
  Client callee{router, "realm1", kCanceling};
  bool registered = false;
};

void expect_error(const Message& m, wamp::Id request_id, std::string_view uri) {
  EXPECT_EQ(m.type, MessageType::error);
  EXPECT_EQ(m.error_type, MessageType::call);
  EXPECT_EQ(m.request, request_id);
  EXPECT_EQ(m.uri, uri);
}

TEST_F(CallTimeoutTest, WelcomeAnnouncesCallTimeout) {
  testing::FakePeer peer;
  auto connection = router.connect(peer);
  connection->receive(testing::hello("realm1"));
  const Message welcome = peer.pop();
  const wamp::Object* roles = wamp::get_object(welcome.options, "roles");
  ASSERT_NE(roles, nullptr);
  const wamp::Object* dealer = wamp::get_object(*roles, "dealer");
  ASSERT_NE(dealer, nullptr);
  EXPECT_EQ(wamp::get_bool(*wamp::get_object(*dealer, "features"), "call_timeout"), true);
}

TEST_F(CallTimeoutTest, TheCallerGetsOneTimeoutErrorAndTheCalleeAnInterrupt) {
  const Message invocation = call(7, {{"timeout", 500}});
  EXPECT_FALSE(invocation.options.contains("timeout"));  // the dealer keeps the timer
  clock.advance(499ms);
  EXPECT_TRUE(caller.peer.inbox.empty());
  EXPECT_TRUE(callee.peer.inbox.empty());
  clock.advance(1ms);
  const Message interrupt = callee.peer.pop();
  EXPECT_EQ(interrupt.type, MessageType::interrupt);
  EXPECT_EQ(interrupt.request, invocation.request);
  EXPECT_EQ(*wamp::get_string(interrupt.options, "mode"), "killnowait");
  EXPECT_EQ(*wamp::get_string(interrupt.options, "reason"), "wamp.error.timeout");
  expect_error(caller.peer.pop(), 7, "wamp.error.timeout");
  EXPECT_TRUE(caller.peer.inbox.empty());
  // The callee's late answer is dropped: the caller had its one final message.
  callee.send(request(MessageType::yield, invocation.request));
  Message late_error = request(MessageType::error, invocation.request, "com.error");
  late_error.error_type = MessageType::invocation;
  callee.send(std::move(late_error));
  EXPECT_TRUE(caller.peer.inbox.empty());
  EXPECT_EQ(router.find_realm("realm1")->dealer().pending_call_count(), 0u);
  EXPECT_EQ(timers().pending(), 0u);
}

TEST_F(CallTimeoutTest, ACalleeThatCannotCancelGetsNoInterrupt) {
  Client plain_callee(router);
  plain_callee.send(request(MessageType::reg, 1, "com.plain"));
  ASSERT_EQ(plain_callee.peer.pop().type, MessageType::registered);
  caller.send(request(MessageType::call, 3, "com.plain", {{"timeout", 100}}));
  ASSERT_EQ(plain_callee.peer.pop().type, MessageType::invocation);
  clock.advance(100ms);
  expect_error(caller.peer.pop(), 3, "wamp.error.timeout");
  EXPECT_TRUE(plain_callee.peer.inbox.empty());
}

TEST_F(CallTimeoutTest, AResultInTimeStopsTheTimer) {
  const Message invocation = call(7, {{"timeout", 500}});
  EXPECT_EQ(timers().pending(), 1u);
  clock.advance(400ms);
  callee.send(request(MessageType::yield, invocation.request));
  EXPECT_EQ(caller.peer.pop().type, MessageType::result);
  EXPECT_EQ(timers().pending(), 0u);
  clock.advance(10s);
  EXPECT_TRUE(caller.peer.inbox.empty());
  EXPECT_TRUE(callee.peer.inbox.empty());
}

TEST_F(CallTimeoutTest, ProgressiveResultsThenTheTimeout) {
  const Message invocation = call(7, {{"timeout", 500}, {"receive_progress", true}});
  Message progress = request(MessageType::yield, invocation.request, {}, {{"progress", true}});
  callee.send(progress);
  EXPECT_EQ(caller.peer.pop().type, MessageType::result);
  clock.advance(500ms);
  expect_error(caller.peer.pop(), 7, "wamp.error.timeout");
  callee.send(progress);  // too late
  EXPECT_TRUE(caller.peer.inbox.empty());
}

TEST_F(CallTimeoutTest, ZeroAndNoTimeoutSetNoTimer) {
  call(1, {{"timeout", 0}});
  call(2, {});
  EXPECT_EQ(timers().pending(), 0u);
  EXPECT_EQ(clock.wake(), Clock::time_point::max());
}

TEST_F(CallTimeoutTest, AnInvalidTimeoutIsRefused) {
  callee.send(request(MessageType::reg, 1, "com.slow"));
  ASSERT_EQ(callee.peer.pop().type, MessageType::registered);
  for (const wamp::Value& bad :
       {wamp::Value(-1), wamp::Value("1000"), wamp::Value(-0.5), wamp::Value(wamp::Object{})}) {
    caller.send(request(MessageType::call, 4, "com.slow", {{"timeout", bad}}));
    expect_error(caller.peer.pop(), 4, "wamp.error.invalid_argument");
  }
  EXPECT_TRUE(callee.peer.inbox.empty());
  EXPECT_EQ(timers().pending(), 0u);
}

TEST_F(CallTimeoutTest, AFractionalTimeoutIsRoundedUp) {
  call(1, {{"timeout", 1.5}});
  clock.advance(1ms);
  EXPECT_TRUE(caller.peer.inbox.empty());
  clock.advance(1ms);
  expect_error(caller.peer.pop(), 1, "wamp.error.timeout");
}

TEST_F(CallTimeoutTest, ACallerLeavingStopsItsTimers) {
  call(1, {{"timeout", 1000}});
  call(2, {{"timeout", 2000}});
  EXPECT_EQ(timers().pending(), 2u);
  caller.connection->closed();
  EXPECT_EQ(timers().pending(), 0u);
  EXPECT_EQ(callee.peer.pop().type, MessageType::interrupt);
  EXPECT_EQ(callee.peer.pop().type, MessageType::interrupt);
}

TEST_F(CallTimeoutTest, EachCallHasItsOwnTimeout) {
  call(1, {{"timeout", 300}});
  call(2, {{"timeout", 100}});
  call(3, {});
  clock.advance(100ms);
  expect_error(caller.peer.pop(), 2, "wamp.error.timeout");
  EXPECT_TRUE(caller.peer.inbox.empty());
  clock.advance(200ms);
  expect_error(caller.peer.pop(), 1, "wamp.error.timeout");
  clock.advance(1h);
  EXPECT_TRUE(caller.peer.inbox.empty());
  EXPECT_EQ(router.find_realm("realm1")->dealer().pending_call_count(), 1u);  // call 3
}

// CANCEL mode `kill`: the callee's answer ends the call, within the grace period.
TEST_F(CallTimeoutTest, KillWaitsForTheCalleesAnswer) {
  const Message invocation = call(5, {});
  caller.send(request(MessageType::cancel, 5, {}, {{"mode", "kill"}}));
  const Message interrupt = callee.peer.pop();
  EXPECT_EQ(interrupt.type, MessageType::interrupt);
  EXPECT_EQ(*wamp::get_string(interrupt.options, "mode"), "kill");
  EXPECT_TRUE(caller.peer.inbox.empty());
  clock.advance(1s);
  Message answer = request(MessageType::error, invocation.request, "wamp.error.canceled");
  answer.error_type = MessageType::invocation;
  callee.send(std::move(answer));
  expect_error(caller.peer.pop(), 5, "wamp.error.canceled");
  EXPECT_EQ(timers().pending(), 0u);
  clock.advance(10s);
  EXPECT_TRUE(caller.peer.inbox.empty());
}

TEST_F(CallTimeoutTest, KillIsAnsweredByTheDealerAfterTheGracePeriod) {
  const Message invocation = call(5, {});
  caller.send(request(MessageType::cancel, 5, {}, {{"mode", "kill"}}));
  ASSERT_EQ(callee.peer.pop().type, MessageType::interrupt);
  caller.send(request(MessageType::cancel, 5, {}, {{"mode", "kill"}}));  // again: no news
  EXPECT_TRUE(callee.peer.inbox.empty());
  clock.advance(1999ms);
  EXPECT_TRUE(caller.peer.inbox.empty());
  clock.advance(1ms);
  expect_error(caller.peer.pop(), 5, "wamp.error.canceled");
  // What the callee sends afterwards is dropped.
  callee.send(request(MessageType::yield, invocation.request));
  EXPECT_TRUE(caller.peer.inbox.empty());
  EXPECT_EQ(router.find_realm("realm1")->dealer().pending_call_count(), 0u);
}

TEST_F(CallTimeoutTest, KillnowaitAfterKillAnswersAtOnce) {
  call(5, {});
  caller.send(request(MessageType::cancel, 5, {}, {{"mode", "kill"}}));
  ASSERT_EQ(callee.peer.pop().type, MessageType::interrupt);
  caller.send(request(MessageType::cancel, 5, {}, {{"mode", "killnowait"}}));
  expect_error(caller.peer.pop(), 5, "wamp.error.canceled");
  EXPECT_EQ(timers().pending(), 0u);
  clock.advance(5s);
  EXPECT_TRUE(caller.peer.inbox.empty());
}

TEST_F(CallTimeoutTest, KillReplacesTheTimeout) {
  call(5, {{"timeout", 10000}});
  clock.advance(1s);
  caller.send(request(MessageType::cancel, 5, {}, {{"mode", "kill"}}));
  ASSERT_EQ(callee.peer.pop().type, MessageType::interrupt);
  EXPECT_EQ(timers().pending(), 1u);
  clock.advance(2s);
  expect_error(caller.peer.pop(), 5, "wamp.error.canceled");
  clock.advance(20s);
  EXPECT_TRUE(caller.peer.inbox.empty());
}

TEST_F(CallTimeoutTest, ACalleeLeavingDuringTheGracePeriodAnswersOnce) {
  call(5, {});
  caller.send(request(MessageType::cancel, 5, {}, {{"mode", "kill"}}));
  ASSERT_EQ(callee.peer.pop().type, MessageType::interrupt);
  callee.connection->closed();
  expect_error(caller.peer.pop(), 5, "wamp.error.canceled");
  EXPECT_EQ(timers().pending(), 0u);
  clock.advance(5s);
  EXPECT_TRUE(caller.peer.inbox.empty());
}

TEST_F(CallTimeoutTest, KillOnACalleeThatCannotCancelAnswersAtOnce) {
  Client plain_callee(router);
  plain_callee.send(request(MessageType::reg, 1, "com.plain"));
  ASSERT_EQ(plain_callee.peer.pop().type, MessageType::registered);
  caller.send(request(MessageType::call, 3, "com.plain"));
  ASSERT_EQ(plain_callee.peer.pop().type, MessageType::invocation);
  caller.send(request(MessageType::cancel, 3, {}, {{"mode", "kill"}}));
  expect_error(caller.peer.pop(), 3, "wamp.error.canceled");
  EXPECT_TRUE(plain_callee.peer.inbox.empty());
  EXPECT_EQ(timers().pending(), 0u);
}

class ShortKillGraceTest : public CallTimeoutTest {
 protected:
  ShortKillGraceTest() : CallTimeoutTest(250ms) {}
};

TEST_F(ShortKillGraceTest, TheGracePeriodComesFromTheRealmConfig) {
  call(5, {});
  caller.send(request(MessageType::cancel, 5, {}, {{"mode", "kill"}}));
  ASSERT_EQ(callee.peer.pop().type, MessageType::interrupt);
  clock.advance(249ms);
  EXPECT_TRUE(caller.peer.inbox.empty());
  clock.advance(1ms);
  expect_error(caller.peer.pop(), 5, "wamp.error.canceled");
}

}  // namespace
}  // namespace junction::router
