// The realm's own limits (RealmConfig max_sessions, max_subscriptions_per_session,
// max_registrations_per_session, max_pending_calls_per_session / _per_callee, max_message_rate):
// at the limit things work, one past it is refused with junction.error.limit_exceeded (the rate:
// the session is ended with ABORT), and a freed slot can be used again.
#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "router/in_process_session.hpp"
#include "router_test_support.hpp"

namespace junction::router {
namespace {

using namespace junction::router::test_support;
using namespace std::chrono_literals;

// Time moves only when a test says so.
class SteppedClock final : public Clock {
 public:
  time_point now() const override { return now_; }
  void wake_at(time_point) override {}
  void advance(duration by) { now_ += by; }

 private:
  time_point now_ = time_point{} + 1h;
};

RouterConfig limited_config() {
  RealmConfig realm =
      realm_config("limited", wamp::UriCheck::loose, {{"anonymous", {allow_all()}}});
  realm.max_sessions = 2;
  realm.max_subscriptions_per_session = 2;
  realm.max_registrations_per_session = 1;
  RouterConfig config;
  config.realms.push_back(std::move(realm));
  return config;
}

TEST(RouterLimits, SessionsPerRealmCountClientsOnly) {
  Router router(limited_config());
  // The router's own in-process sessions do not take a client's slot.
  InProcessSession internal(router, "limited", "internal", "trusted");
  auto a = std::make_unique<Client>(router, "limited");
  Client b(router, "limited");
  a->join();
  b.join();
  Client c(router, "limited");
  Message abort = c.peer.pop();
  EXPECT_EQ(abort.type, MessageType::abort);
  EXPECT_EQ(abort.uri, "junction.error.limit_exceeded");
  EXPECT_TRUE(c.peer.closed);
  a.reset();  // a leaves: its slot is free again
  Client d(router, "limited");
  d.join();
}

TEST(RouterLimits, SubscriptionsPerSession) {
  Router router(limited_config());
  Client c(router, "limited");
  c.join();
  c.send(request(MessageType::subscribe, 1, "com.a"));
  const wamp::Id first = c.peer.pop().id;
  c.send(request(MessageType::subscribe, 2, "com.b"));
  EXPECT_EQ(c.peer.pop().type, MessageType::subscribed);
  // Subscribing again to a topic it has is no new subscription (spec): still answered.
  c.send(request(MessageType::subscribe, 3, "com.a"));
  Message again = c.peer.pop();
  EXPECT_EQ(again.type, MessageType::subscribed);
  EXPECT_EQ(again.id, first);
  c.send(request(MessageType::subscribe, 4, "com.c"));
  expect_error(c.peer.pop(), MessageType::subscribe, 4, "junction.error.limit_exceeded");
  Message unsubscribe = request(MessageType::unsubscribe, 5);
  unsubscribe.id = first;
  c.send(unsubscribe);
  EXPECT_EQ(c.peer.pop().type, MessageType::unsubscribed);
  c.send(request(MessageType::subscribe, 6, "com.c"));
  EXPECT_EQ(c.peer.pop().type, MessageType::subscribed);
}

TEST(RouterLimits, RegistrationsPerSession) {
  Router router(limited_config());
  Client c(router, "limited");
  c.join();
  c.send(request(MessageType::reg, 1, "com.a"));
  EXPECT_EQ(c.peer.pop().type, MessageType::registered);
  c.send(request(MessageType::reg, 2, "com.b"));
  expect_error(c.peer.pop(), MessageType::reg, 2, "junction.error.limit_exceeded");
  // Another session has its own allowance.
  Client d(router, "limited");
  d.join();
  d.send(request(MessageType::reg, 1, "com.b"));
  EXPECT_EQ(d.peer.pop().type, MessageType::registered);
}

RouterConfig call_limits_config() {
  RealmConfig realm = realm_config("calls", wamp::UriCheck::loose, {{"anonymous", {allow_all()}}});
  realm.max_pending_calls_per_session = 2;
  realm.max_pending_calls_per_callee = 3;
  RouterConfig config;
  config.realms.push_back(std::move(realm));
  return config;
}

// The callee's INVOCATION request id for the call it was just sent.
wamp::Id invocation_of(Client& callee) {
  Message m = callee.peer.pop();
  EXPECT_EQ(m.type, MessageType::invocation);
  return m.request;
}

void yield_to(Client& callee, wamp::Id invocation) {
  Message y;
  y.type = MessageType::yield;
  y.request = invocation;
  callee.send(y);
}

TEST(RouterLimits, PendingCallsPerCaller) {
  Router router(call_limits_config());
  Client callee(router, "calls");
  callee.join();
  callee.send(request(MessageType::reg, 1, "com.p"));
  EXPECT_EQ(callee.peer.pop().type, MessageType::registered);
  Client caller(router, "calls");
  caller.join();
  caller.send(request(MessageType::call, 1, "com.p"));
  caller.send(request(MessageType::call, 2, "com.p"));
  const wamp::Id first = invocation_of(callee);
  invocation_of(callee);
  caller.send(request(MessageType::call, 3, "com.p"));  // a third in flight: refused
  Message refused = caller.peer.pop();
  expect_error(refused, MessageType::call, 3, "junction.error.limit_exceeded");
  ASSERT_TRUE(refused.payload);  // JSON: ["the caller has 2 calls in flight (...)"]
  EXPECT_EQ(
      refused.payload->args,
      R"x(["the caller has 2 calls in flight (realm options.max_pending_calls_per_session)"])x");
  EXPECT_TRUE(callee.peer.inbox.empty());  // the callee never saw it
  // Another caller has its own allowance.
  Client other(router, "calls");
  other.join();
  other.send(request(MessageType::call, 1, "com.p"));
  invocation_of(callee);
  // One answered: the caller may call again.
  yield_to(callee, first);
  EXPECT_EQ(caller.peer.pop().type, MessageType::result);
  caller.send(request(MessageType::call, 4, "com.p"));
  invocation_of(callee);
}

TEST(RouterLimits, PendingCallsPerCallee) {
  Router router(call_limits_config());
  Client callee(router, "calls");
  callee.join();
  callee.send(request(MessageType::reg, 1, "com.p"));
  EXPECT_EQ(callee.peer.pop().type, MessageType::registered);
  Client a(router, "calls"), b(router, "calls");
  a.join();
  b.join();
  a.send(request(MessageType::call, 1, "com.p"));
  a.send(request(MessageType::call, 2, "com.p"));
  b.send(request(MessageType::call, 1, "com.p"));
  std::vector<wamp::Id> invocations{invocation_of(callee), invocation_of(callee),
                                    invocation_of(callee)};
  b.send(request(MessageType::call, 2, "com.p"));  // the callee's fourth: refused
  Message refused = b.peer.pop();
  expect_error(refused, MessageType::call, 2, "junction.error.limit_exceeded");
  ASSERT_TRUE(refused.payload);
  EXPECT_EQ(refused.payload->args, R"x(["the callee of 'com.p' has 3 calls in flight )x"
                                   R"x((realm options.max_pending_calls_per_callee)"])x");
  EXPECT_TRUE(callee.peer.inbox.empty());
  yield_to(callee, invocations[2]);
  EXPECT_EQ(b.peer.pop().type, MessageType::result);
  b.send(request(MessageType::call, 3, "com.p"));
  invocation_of(callee);
  // A callee that leaves settles its calls (their callers get errors), and the counts with them.
  callee.connection->closed();
  for (Client* c : {&a, &a, &b}) {
    EXPECT_EQ(c->peer.pop().type, MessageType::error);
  }
}

RouterConfig rate_config(std::size_t rate, std::size_t burst) {
  RealmConfig realm = realm_config("rated", wamp::UriCheck::loose, {{"anonymous", {allow_all()}}});
  realm.max_message_rate = rate;
  realm.max_message_burst = burst;
  RouterConfig config;
  config.realms.push_back(std::move(realm));
  return config;
}

Message publish(wamp::Id request_id) {
  Message m = request(MessageType::publish, request_id, "com.t");
  m.options["acknowledge"] = true;
  return m;
}

TEST(RouterLimits, MessageRateBurstThenRefill) {
  SteppedClock clock;
  Router router(rate_config(10, 5), clock);
  Client c(router, "rated");
  c.join();
  wamp::Id next = 1;
  for (int i = 0; i < 5; ++i) {  // the burst
    c.send(publish(next++));
    EXPECT_EQ(c.peer.pop().type, MessageType::published);
  }
  clock.advance(100ms);  // earns one message
  c.send(publish(next++));
  EXPECT_EQ(c.peer.pop().type, MessageType::published);
  clock.advance(250ms);  // earns two (and a half, kept for later)
  c.send(publish(next++));
  c.send(publish(next++));
  EXPECT_EQ(c.peer.pop().type, MessageType::published);
  EXPECT_EQ(c.peer.pop().type, MessageType::published);
  clock.advance(50ms);  // the half and this half: one more
  c.send(publish(next++));
  EXPECT_EQ(c.peer.pop().type, MessageType::published);
  EXPECT_FALSE(c.peer.closed);
  c.send(publish(next++));  // nothing earned: over the rate
  Message goodbye = c.peer.pop();
  EXPECT_EQ(goodbye.type, MessageType::goodbye);
  EXPECT_EQ(goodbye.uri, "junction.error.limit_exceeded");
  ASSERT_TRUE(wamp::get_string(goodbye.options, "message"));
  EXPECT_EQ(*wamp::get_string(goodbye.options, "message"),
            "more than 10 messages a second (realm options.max_message_rate, bursts of 5)");
  EXPECT_TRUE(c.peer.closed);
}

TEST(RouterLimits, MessageRateAtTheRateForeverAndAnswersNotCounted) {
  SteppedClock clock;
  Router router(rate_config(100, 0), clock);  // bursts of one second's worth: 100
  Client callee(router, "rated");
  callee.join();
  callee.send(request(MessageType::reg, 1, "com.p"));
  EXPECT_EQ(callee.peer.pop().type, MessageType::registered);
  Client caller(router, "rated");
  caller.join();
  // Exactly the rate for 5 s: 1 message every 10 ms, never refused; the callee's YIELDs (as
  // many as the calls it gets, 2 more than its own allowance over the time) are not counted.
  Client busy(router, "rated");
  busy.join();
  wamp::Id next = 1;
  for (int i = 0; i < 500; ++i) {
    clock.advance(10ms);
    caller.send(request(MessageType::call, next++, "com.p"));
    const wamp::Id inv = invocation_of(callee);
    yield_to(callee, inv);
    // Another caller of the same callee: the callee now answers 200 a second.
    busy.send(request(MessageType::call, next++, "com.p"));
    yield_to(callee, invocation_of(callee));
    EXPECT_EQ(caller.peer.pop().type, MessageType::result);
    EXPECT_EQ(busy.peer.pop().type, MessageType::result);
  }
  EXPECT_FALSE(caller.peer.closed);
  EXPECT_FALSE(callee.peer.closed);
  // A burst on top of that is refused once the bucket is dry.
  for (int i = 0; i < 100; ++i) {
    caller.send(publish(next++));
    if (caller.peer.closed) break;
  }
  EXPECT_TRUE(caller.peer.closed);
}

TEST(RouterLimits, NoMessageRateByDefault) {
  SteppedClock clock;
  Router router(rate_config(0, 0), clock);
  Client c(router, "rated");
  c.join();
  for (wamp::Id i = 1; i <= 20000; ++i) {
    c.send(publish(i));
    c.peer.inbox.clear();
  }
  EXPECT_FALSE(c.peer.closed);
}

}  // namespace
}  // namespace junction::router
