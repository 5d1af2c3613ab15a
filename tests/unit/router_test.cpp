// Router logic without sockets: fake peers feed decoded messages and record what comes back.
#include <gtest/gtest.h>

#include <deque>
#include <vector>

#include "router/realm.hpp"
#include "router_test_support.hpp"

namespace junction::router {
namespace {

using namespace junction::router::test_support;

TEST_F(RouterTest, WelcomeAnnouncesRolesAndAnonymousIdentity) {
  Client c(router);
  Message welcome = c.peer.pop();
  ASSERT_EQ(welcome.type, MessageType::welcome);
  EXPECT_GE(welcome.id, 1u);
  EXPECT_LE(welcome.id, wamp::kMaxId);
  EXPECT_EQ(*wamp::get_string(welcome.options, "authrole"), "anonymous");
  EXPECT_EQ(*wamp::get_string(welcome.options, "authmethod"), "anonymous");
  EXPECT_EQ(*wamp::get_string(welcome.options, "realm"), "realm1");
  const wamp::Object* roles = wamp::get_object(welcome.options, "roles");
  ASSERT_NE(roles, nullptr);
  ASSERT_NE(wamp::get_object(*roles, "broker"), nullptr);
  ASSERT_NE(wamp::get_object(*roles, "dealer"), nullptr);
  EXPECT_EQ(router.session_count(), 1u);
}

TEST_F(RouterTest, SessionIdsDiffer) {
  Client a(router), b(router);
  EXPECT_NE(a.join(), b.join());
}

TEST_F(RouterTest, UnknownRealmIsAborted) {
  Client c(router, "nope");
  expect_abort(c.peer, "wamp.error.no_such_realm");
  EXPECT_EQ(router.session_count(), 0u);
}

TEST_F(RouterTest, RealmWithoutAnonymousRoleIsAborted) {
  Client c(router, "noroles");
  expect_abort(c.peer, "wamp.error.no_such_role");
}

TEST_F(RouterTest, HelloWithoutRolesIsAProtocolViolation) {
  FakePeer peer;
  auto conn = router.connect(peer);
  Message m = hello("realm1");
  m.options.clear();
  conn->receive(m);
  expect_abort(peer, "wamp.error.protocol_violation");
}

TEST_F(RouterTest, CallBeforeHelloIsAProtocolViolation) {
  FakePeer peer;
  auto conn = router.connect(peer);
  conn->receive(request(MessageType::call, 1, "com.example"));
  expect_abort(peer, "wamp.error.protocol_violation");
}

TEST_F(RouterTest, SecondHelloIsAProtocolViolationAndOthersAreUnaffected) {
  Client a(router), b(router);
  a.join();
  b.join();
  a.send(hello("realm1"));
  expect_abort(a.peer, "wamp.error.protocol_violation");
  EXPECT_EQ(router.session_count(), 1u);
  b.send(request(MessageType::subscribe, 1, "com.topic"));
  EXPECT_EQ(b.peer.pop().type, MessageType::subscribed);
  EXPECT_FALSE(b.peer.closed);
}

TEST_F(RouterTest, RouterToClientMessageFromClientIsAProtocolViolation) {
  Client a(router);
  a.join();
  a.send(request(MessageType::result, 1));
  expect_abort(a.peer, "wamp.error.protocol_violation");
}

TEST_F(RouterTest, MalformedInputAborts) {
  Client a(router);
  a.join();
  a.connection->receive_malformed("invalid JSON at offset 3");
  Message m = a.peer.pop();
  EXPECT_EQ(m.type, MessageType::abort);
  EXPECT_EQ(m.uri, "wamp.error.protocol_violation");
  EXPECT_EQ(*wamp::get_string(m.options, "message"), "invalid JSON at offset 3");
  EXPECT_TRUE(a.peer.closed);
  EXPECT_EQ(router.session_count(), 0u);
}

TEST_F(RouterTest, RequestIdZeroIsAProtocolViolation) {
  Client a(router);
  a.join();
  a.send(request(MessageType::call, 0, "com.example"));
  expect_abort(a.peer, "wamp.error.protocol_violation");
}

TEST_F(RouterTest, GoodbyeIsAnsweredAndTheTransportCanRejoin) {
  Client a(router);
  a.join();
  a.send(wamp::make_goodbye("wamp.close.close_realm"));
  Message m = a.peer.pop();
  EXPECT_EQ(m.type, MessageType::goodbye);
  EXPECT_EQ(m.uri, "wamp.close.goodbye_and_out");
  EXPECT_EQ(router.session_count(), 0u);
  EXPECT_FALSE(a.peer.closed);
  a.send(hello("realm1"));
  EXPECT_EQ(a.peer.pop().type, MessageType::welcome);
}

TEST_F(RouterTest, ShutdownSaysGoodbyeToEverySession) {
  Client a(router), b(router);
  a.join();
  b.join();
  router.shutdown();
  for (Client* c : {&a, &b}) {
    Message m = c->peer.pop();
    EXPECT_EQ(m.type, MessageType::goodbye);
    EXPECT_EQ(m.uri, "wamp.close.system_shutdown");
    c->send(wamp::make_goodbye("wamp.close.goodbye_and_out"));
    EXPECT_TRUE(c->peer.closed);
  }
  EXPECT_EQ(router.session_count(), 0u);
}

// ---- RPC ----

class RpcTest : public RouterTest {
 protected:
  void SetUp() override {
    callee.join();
    caller_id = caller.join();
    callee.send(request(MessageType::reg, 1, "com.add"));
    Message registered = callee.peer.pop();
    ASSERT_EQ(registered.type, MessageType::registered);
    registration = registered.id;
  }
  Client callee{router};
  Client caller{router};
  wamp::Id caller_id = 0;
  wamp::Id registration = 0;
};

TEST_F(RpcTest, CallIsInvokedAndTheResultReturnsWithTheSamePayload) {
  Message call = request(MessageType::call, 7, "com.add");
  call.payload = wamp::make_payload({2, 3}, {{"k", "v"}});
  const wamp::PayloadPtr sent = call.payload;
  caller.send(call);
  Message invocation = callee.peer.pop();
  ASSERT_EQ(invocation.type, MessageType::invocation);
  EXPECT_EQ(invocation.id, registration);
  EXPECT_EQ(invocation.payload, sent);                           // passed through, not re-encoded
  EXPECT_EQ(wamp::find(invocation.options, "caller"), nullptr);  // not disclosed by default

  Message yield = request(MessageType::yield, invocation.request);
  yield.payload = wamp::make_payload({5});
  const wamp::PayloadPtr result_payload = yield.payload;
  callee.send(yield);
  Message result = caller.peer.pop();
  ASSERT_EQ(result.type, MessageType::result);
  EXPECT_EQ(result.request, 7u);
  EXPECT_EQ(result.payload, result_payload);
  EXPECT_TRUE(callee.peer.inbox.empty());
}

TEST_F(RpcTest, DiscloseMeRevealsTheCaller) {
  caller.send(request(MessageType::call, 1, "com.add", {{"disclose_me", true}}));
  Message invocation = callee.peer.pop();
  EXPECT_EQ(wamp::get_uint(invocation.options, "caller"), caller_id);
  EXPECT_EQ(*wamp::get_string(invocation.options, "caller_authrole"), "anonymous");
}

TEST_F(RpcTest, CalleeErrorReachesTheCallerIntact) {
  caller.send(request(MessageType::call, 9, "com.add"));
  Message invocation = callee.peer.pop();
  Message error = wamp::make_error(MessageType::invocation, invocation.request, "com.error.bad",
                                   wamp::make_payload({"why"}, {{"code", 42}}));
  const wamp::PayloadPtr payload = error.payload;
  callee.send(error);
  Message m = caller.peer.pop();
  expect_error(m, MessageType::call, 9, "com.error.bad");
  EXPECT_EQ(m.payload, payload);
}

TEST_F(RpcTest, DuplicateRegistrationIsRefused) {
  caller.send(request(MessageType::reg, 2, "com.add"));
  expect_error(caller.peer.pop(), MessageType::reg, 2, "wamp.error.procedure_already_exists");
}

TEST_F(RpcTest, UnknownProcedure) {
  caller.send(request(MessageType::call, 3, "com.nothing"));
  expect_error(caller.peer.pop(), MessageType::call, 3, "wamp.error.no_such_procedure");
}

TEST_F(RpcTest, InvalidUri) {
  caller.send(request(MessageType::call, 3, "com..bad"));
  expect_error(caller.peer.pop(), MessageType::call, 3, "wamp.error.invalid_uri");
  caller.send(request(MessageType::reg, 4, "wamp.mine"));
  expect_error(caller.peer.pop(), MessageType::reg, 4, "wamp.error.invalid_uri");
}

TEST_F(RpcTest, UnregisterThenCallFails) {
  callee.send(request(MessageType::unregister, 2));  // id 0: not ours
  expect_error(callee.peer.pop(), MessageType::unregister, 2, "wamp.error.no_such_registration");
  Message unregister = request(MessageType::unregister, 3);
  unregister.id = registration;
  caller.send(unregister);  // not the caller's registration
  expect_error(caller.peer.pop(), MessageType::unregister, 3, "wamp.error.no_such_registration");
  callee.send(unregister);
  EXPECT_EQ(callee.peer.pop().type, MessageType::unregistered);
  caller.send(request(MessageType::call, 4, "com.add"));
  expect_error(caller.peer.pop(), MessageType::call, 4, "wamp.error.no_such_procedure");
}

TEST_F(RpcTest, CalleeLeavingFailsEveryPendingCallAtOnce) {
  for (wamp::Id r = 1; r <= 3; ++r)
    caller.send(request(MessageType::call, r, "com.add"));
  EXPECT_EQ(callee.peer.inbox.size(), 3u);
  callee.connection->closed();
  for (wamp::Id r = 1; r <= 3; ++r) {
    expect_error(caller.peer.pop(), MessageType::call, r, "wamp.error.canceled");
  }
  caller.send(request(MessageType::call, 4, "com.add"));
  expect_error(caller.peer.pop(), MessageType::call, 4, "wamp.error.no_such_procedure");
}

TEST_F(RpcTest, CallerLeavingMakesTheLateYieldHarmless) {
  caller.send(request(MessageType::call, 1, "com.add"));
  Message invocation = callee.peer.pop();
  caller.connection->closed();
  callee.send(request(MessageType::yield, invocation.request));
  EXPECT_TRUE(callee.peer.inbox.empty());
  EXPECT_FALSE(callee.peer.closed);
}

TEST_F(RpcTest, ProgressiveResultsOnlyWhenAskedFor) {
  caller.send(request(MessageType::call, 1, "com.add", {{"receive_progress", true}}));
  Message invocation = callee.peer.pop();
  EXPECT_EQ(wamp::get_bool(invocation.options, "receive_progress"), true);
  callee.send(request(MessageType::yield, invocation.request, {}, {{"progress", true}}));
  callee.send(request(MessageType::yield, invocation.request, {}, {{"progress", true}}));
  callee.send(request(MessageType::yield, invocation.request));
  for (int i = 0; i < 2; ++i) {
    Message r = caller.peer.pop();
    EXPECT_EQ(r.type, MessageType::result);
    EXPECT_EQ(wamp::get_bool(r.options, "progress"), true);
  }
  Message final_result = caller.peer.pop();
  EXPECT_EQ(final_result.type, MessageType::result);
  EXPECT_EQ(wamp::find(final_result.options, "progress"), nullptr);

  caller.send(request(MessageType::call, 2, "com.add"));
  invocation = callee.peer.pop();
  callee.send(request(MessageType::yield, invocation.request, {}, {{"progress", true}}));
  EXPECT_TRUE(caller.peer.inbox.empty());  // progress not requested: dropped
  callee.send(request(MessageType::yield, invocation.request));
  EXPECT_EQ(caller.peer.pop().type, MessageType::result);
}

TEST_F(RpcTest, CancelSkipAnswersTheCallerOnce) {
  caller.send(request(MessageType::call, 1, "com.add"));
  Message invocation = callee.peer.pop();
  caller.send(request(MessageType::cancel, 1, {}, {{"mode", "skip"}}));
  expect_error(caller.peer.pop(), MessageType::call, 1, "wamp.error.canceled");
  callee.send(request(MessageType::yield, invocation.request));
  EXPECT_TRUE(caller.peer.inbox.empty());
  EXPECT_TRUE(callee.peer.inbox.empty());  // callee did not announce call_canceling
}

TEST_F(RouterTest, CancelInterruptsACalleeThatAnnouncedCallCanceling) {
  FakePeer callee_peer;
  auto callee = router.connect(callee_peer);
  Message h = hello("realm1");
  (*h.options.find("roles")->second.as_object())["callee"] =
      wamp::Object{{"features", wamp::Object{{"call_canceling", true}}}};
  callee->receive(h);
  ASSERT_EQ(callee_peer.pop().type, MessageType::welcome);
  callee->receive(request(MessageType::reg, 1, "com.slow"));
  ASSERT_EQ(callee_peer.pop().type, MessageType::registered);

  Client caller(router);
  caller.join();
  caller.send(request(MessageType::call, 5, "com.slow"));
  Message invocation = callee_peer.pop();
  caller.send(request(MessageType::cancel, 5));  // default mode: killnowait
  Message interrupt = callee_peer.pop();
  EXPECT_EQ(interrupt.type, MessageType::interrupt);
  EXPECT_EQ(interrupt.request, invocation.request);
  EXPECT_EQ(*wamp::get_string(interrupt.options, "mode"), "killnowait");
  expect_error(caller.peer.pop(), MessageType::call, 5, "wamp.error.canceled");
}

// A session that announced callee.features.call_canceling.
std::unique_ptr<Connection> join_canceling_callee(Router& router, FakePeer& peer) {
  auto connection = router.connect(peer);
  Message h = hello("realm1");
  (*h.options.find("roles")->second.as_object())["callee"] =
      wamp::Object{{"features", wamp::Object{{"call_canceling", true}}}};
  connection->receive(h);
  EXPECT_EQ(peer.pop().type, MessageType::welcome);
  return connection;
}

TEST_F(RouterTest, CancelKillWaitsForTheCalleesAnswer) {
  FakePeer callee_peer;
  auto callee = join_canceling_callee(router, callee_peer);
  callee->receive(request(MessageType::reg, 1, "com.slow"));
  ASSERT_EQ(callee_peer.pop().type, MessageType::registered);
  Client caller(router);
  caller.join();
  caller.send(request(MessageType::call, 5, "com.slow"));
  Message invocation = callee_peer.pop();
  caller.send(request(MessageType::cancel, 5, {}, {{"mode", "bogus"}}));
  expect_error(caller.peer.pop(), MessageType::cancel, 5, "wamp.error.invalid_argument");
  caller.send(request(MessageType::cancel, 5, {}, {{"mode", "kill"}}));
  Message interrupt = callee_peer.pop();
  EXPECT_EQ(interrupt.type, MessageType::interrupt);
  EXPECT_EQ(*wamp::get_string(interrupt.options, "mode"), "kill");
  EXPECT_TRUE(caller.peer.inbox.empty());  // the callee's answer is the final message
  callee->receive(wamp::make_error(MessageType::invocation, invocation.request,
                                   std::string(wamp::errors::canceled), nullptr));
  expect_error(caller.peer.pop(), MessageType::call, 5, "wamp.error.canceled");
  callee->receive(request(MessageType::yield, invocation.request));  // late: dropped
  EXPECT_TRUE(caller.peer.inbox.empty());
}

TEST_F(RpcTest, RequestIdOfACallInFlightIsRefused) {
  caller.send(request(MessageType::call, 1, "com.add"));
  Message invocation = callee.peer.pop();
  caller.send(request(MessageType::call, 1, "com.add"));
  expect_error(caller.peer.pop(), MessageType::call, 1, "wamp.error.invalid_argument");
  EXPECT_TRUE(callee.peer.inbox.empty());
  callee.send(request(MessageType::yield, invocation.request));
  EXPECT_EQ(caller.peer.pop().type, MessageType::result);
  caller.send(request(MessageType::call, 1, "com.add"));  // answered: free again
  EXPECT_EQ(callee.peer.pop().type, MessageType::invocation);
}

// Thousands of calls in flight between several callers and callees, answered out of order, with
// sessions leaving in the middle: every call ends exactly once, and only the leaving session's
// calls are settled by its leaving.
TEST_F(RouterTest, ManyCallsInFlightEndExactlyOnce) {
  FakePeer canceling_peer;
  auto canceling = join_canceling_callee(router, canceling_peer);
  canceling->receive(request(MessageType::reg, 1, "com.b"));
  ASSERT_EQ(canceling_peer.pop().type, MessageType::registered);
  Client plain(router);
  plain.join();
  plain.send(request(MessageType::reg, 1, "com.a"));
  ASSERT_EQ(plain.peer.pop().type, MessageType::registered);
  Client caller1(router), caller2(router);
  caller1.join();
  caller2.join();

  for (int round = 0; round < 2; ++round) {  // the second round reuses the freed slots
    constexpr wamp::Id kCalls = 3000;
    for (wamp::Id r = 1; r <= kCalls; ++r) {
      caller1.send(request(MessageType::call, r, r % 2 ? "com.a" : "com.b"));
      caller2.send(request(MessageType::call, r, r % 2 ? "com.b" : "com.a"));
    }
    ASSERT_EQ(plain.peer.inbox.size(), kCalls);
    ASSERT_EQ(canceling_peer.inbox.size(), kCalls);
    // Answer from the newest to the oldest.
    while (!plain.peer.inbox.empty()) {
      Message invocation = plain.peer.inbox.back()->message();
      plain.peer.inbox.pop_back();
      plain.send(request(MessageType::yield, invocation.request));
    }
    while (!canceling_peer.inbox.empty()) {
      Message invocation = canceling_peer.inbox.back()->message();
      canceling_peer.inbox.pop_back();
      canceling->receive(request(MessageType::yield, invocation.request));
    }
    for (Client* caller : {&caller1, &caller2}) {
      ASSERT_EQ(caller->peer.inbox.size(), kCalls);
      std::vector<bool> seen(kCalls + 1);
      while (!caller->peer.inbox.empty()) {
        Message result = caller->peer.pop();
        ASSERT_EQ(result.type, MessageType::result);
        ASSERT_FALSE(seen.at(result.request));
        seen[result.request] = true;
      }
    }
  }

  // caller1 leaves with calls at both callees; caller2's calls are untouched.
  for (wamp::Id r = 1; r <= 4; ++r) {
    caller1.send(request(MessageType::call, r, r % 2 ? "com.a" : "com.b"));
    caller2.send(request(MessageType::call, r, r % 2 ? "com.b" : "com.a"));
  }
  std::vector<Message> at_plain, at_canceling;
  while (!plain.peer.inbox.empty())
    at_plain.push_back(plain.peer.pop());
  while (!canceling_peer.inbox.empty())
    at_canceling.push_back(canceling_peer.pop());
  ASSERT_EQ(at_plain.size(), 4u);
  ASSERT_EQ(at_canceling.size(), 4u);
  caller1.connection->closed();
  EXPECT_TRUE(plain.peer.inbox.empty());  // no INTERRUPT without call_canceling
  ASSERT_EQ(canceling_peer.inbox.size(), 2u);
  for (int i = 0; i < 2; ++i) {
    Message interrupt = canceling_peer.pop();
    EXPECT_EQ(interrupt.type, MessageType::interrupt);
    EXPECT_EQ(*wamp::get_string(interrupt.options, "mode"), "killnowait");
  }
  for (const Message& invocation : at_plain)
    plain.send(request(MessageType::yield, invocation.request));  // two of them are late
  ASSERT_EQ(caller2.peer.inbox.size(), 2u);
  caller2.peer.inbox.clear();
  // The canceling callee leaves: caller2's two calls there fail, nothing else happens.
  canceling->closed();
  for (int i = 0; i < 2; ++i)
    expect_error(caller2.peer.pop(), MessageType::call, i == 0 ? 1 : 3, "wamp.error.canceled");
  EXPECT_TRUE(caller2.peer.inbox.empty());
  EXPECT_TRUE(plain.peer.inbox.empty());
}

TEST_F(RouterTest, CallOnARegisteredProcedureIsStillAuthorized) {
  Client callee(router, "callrules"), caller(router, "callrules");
  callee.join();
  caller.join();
  callee.send(request(MessageType::reg, 1, "com.secret"));
  ASSERT_EQ(callee.peer.pop().type, MessageType::registered);
  callee.send(request(MessageType::reg, 2, "com.open"));
  ASSERT_EQ(callee.peer.pop().type, MessageType::registered);
  for (wamp::Id r = 1; r <= 4; ++r) {  // the answers do not change with repetition
    caller.send(request(MessageType::call, r, r % 2 ? "com.secret" : "com.open"));
    if (r % 2) {
      expect_error(caller.peer.pop(), MessageType::call, r, "wamp.error.not_authorized");
    } else {
      Message invocation = callee.peer.pop();
      ASSERT_EQ(invocation.type, MessageType::invocation);
      callee.send(request(MessageType::yield, invocation.request));
      EXPECT_EQ(caller.peer.pop().type, MessageType::result);
    }
  }
  caller.send(request(MessageType::call, 5, "com.nothing"));  // not granted, not registered
  expect_error(caller.peer.pop(), MessageType::call, 5, "wamp.error.not_authorized");
  caller.send(request(MessageType::call, 6, "com..bad"));
  expect_error(caller.peer.pop(), MessageType::call, 6, "wamp.error.invalid_uri");
  EXPECT_TRUE(callee.peer.inbox.empty());
}

// A session calling its own procedure and leaving: the call ends once, as the callee's.
TEST_F(RpcTest, SessionCallingItselfLeaves) {
  callee.send(request(MessageType::call, 1, "com.add"));
  EXPECT_EQ(callee.peer.pop().type, MessageType::invocation);
  callee.connection->closed();
  expect_error(callee.peer.pop(), MessageType::call, 1, "wamp.error.canceled");
  EXPECT_TRUE(callee.peer.inbox.empty());
}

// ---- PubSub ----

class PubSubTest : public RouterTest {
 protected:
  wamp::Id subscribe(Client& c, const std::string& topic, wamp::Id req = 1) {
    c.send(request(MessageType::subscribe, req, topic));
    Message m = c.peer.pop();
    EXPECT_EQ(m.type, MessageType::subscribed);
    return m.id;
  }
};

TEST_F(PubSubTest, EventsReachSubscribersButNotThePublisher) {
  Client pub(router), s1(router), s2(router);
  pub.join();
  s1.join();
  s2.join();
  const wamp::Id sub = subscribe(s1, "com.topic");
  EXPECT_EQ(subscribe(s2, "com.topic"), sub);  // one subscription per topic
  subscribe(pub, "com.topic");
  Message publish = request(MessageType::publish, 5, "com.topic");
  publish.payload = wamp::make_payload({"hello"});
  pub.send(publish);
  EXPECT_TRUE(pub.peer.inbox.empty());  // excluded, and no acknowledge asked
  ASSERT_EQ(s1.peer.inbox.size(), 1u);
  ASSERT_EQ(s2.peer.inbox.size(), 1u);
  EXPECT_EQ(s1.peer.inbox.front(), s2.peer.inbox.front());  // one shared outbound message
  Message event = s1.peer.pop();
  EXPECT_EQ(event.type, MessageType::event);
  EXPECT_EQ(event.id, sub);
  EXPECT_EQ(event.payload, publish.payload);
}

TEST_F(PubSubTest, ExcludeMeFalseAndAcknowledge) {
  Client pub(router);
  pub.join();
  subscribe(pub, "com.topic");
  pub.send(request(MessageType::publish, 2, "com.topic",
                   {{"exclude_me", false}, {"acknowledge", true}}));
  Message event = pub.peer.pop();
  EXPECT_EQ(event.type, MessageType::event);
  Message published = pub.peer.pop();
  EXPECT_EQ(published.type, MessageType::published);
  EXPECT_EQ(published.request, 2u);
  EXPECT_EQ(event.id2, published.id);
}

TEST_F(PubSubTest, BlackAndWhiteListing) {
  Client pub(router), s1(router), s2(router);
  pub.join();
  const wamp::Id id1 = s1.join();
  const wamp::Id id2 = s2.join();
  subscribe(s1, "com.topic");
  subscribe(s2, "com.topic");
  pub.send(request(MessageType::publish, 1, "com.topic", {{"exclude", wamp::Array{id1}}}));
  EXPECT_TRUE(s1.peer.inbox.empty());
  EXPECT_EQ(s2.peer.pop().type, MessageType::event);
  pub.send(request(MessageType::publish, 2, "com.topic", {{"eligible", wamp::Array{id1}}}));
  EXPECT_EQ(s1.peer.pop().type, MessageType::event);
  EXPECT_TRUE(s2.peer.inbox.empty());
  (void)id2;
}

TEST_F(PubSubTest, PublishErrorsOnlyWithAcknowledge) {
  Client pub(router);
  pub.join();
  pub.send(request(MessageType::publish, 1, "bad uri"));
  EXPECT_TRUE(pub.peer.inbox.empty());
  pub.send(request(MessageType::publish, 2, "bad uri", {{"acknowledge", true}}));
  expect_error(pub.peer.pop(), MessageType::publish, 2, "wamp.error.invalid_uri");
}

TEST_F(PubSubTest, UnsubscribeStopsDelivery) {
  Client pub(router), s(router);
  pub.join();
  s.join();
  const wamp::Id sub = subscribe(s, "com.topic");
  Message unsubscribe = request(MessageType::unsubscribe, 2);
  unsubscribe.id = sub;
  s.send(unsubscribe);
  EXPECT_EQ(s.peer.pop().type, MessageType::unsubscribed);
  s.send(unsubscribe);
  expect_error(s.peer.pop(), MessageType::unsubscribe, 2, "wamp.error.no_such_subscription");
  pub.send(request(MessageType::publish, 1, "com.topic"));
  EXPECT_TRUE(s.peer.inbox.empty());
}

TEST_F(PubSubTest, AuthorizationDeniesWhatTheRoleDoesNotGrant) {
  Client c(router, "readonly");
  c.join();
  subscribe(c, "com.topic");
  c.send(request(MessageType::publish, 2, "com.topic", {{"acknowledge", true}}));
  expect_error(c.peer.pop(), MessageType::publish, 2, "wamp.error.not_authorized");
  c.send(request(MessageType::reg, 3, "com.proc"));
  expect_error(c.peer.pop(), MessageType::reg, 3, "wamp.error.not_authorized");
}

TEST_F(PubSubTest, StrictRealmRejectsLooseUris) {
  Client c(router, "strict");
  c.join();
  c.send(request(MessageType::subscribe, 1, "com.Example-Topic"));
  expect_error(c.peer.pop(), MessageType::subscribe, 1, "wamp.error.invalid_uri");
  subscribe(c, "com.example_topic", 2);
}

TEST_F(PubSubTest, EventsArriveInPublicationOrder) {
  Client pub(router), s(router);
  pub.join();
  s.join();
  subscribe(s, "com.topic");
  for (int i = 0; i < 100; ++i) {
    Message p = request(MessageType::publish, static_cast<wamp::Id>(i + 1), "com.topic");
    p.payload = wamp::make_payload({i});
    pub.send(p);
  }
  ASSERT_EQ(s.peer.inbox.size(), 100u);
  wamp::Id last = 0;
  for (int i = 0; i < 100; ++i) {
    Message e = s.peer.pop();
    EXPECT_EQ(e.payload->args, "[" + std::to_string(i) + "]");
    EXPECT_NE(e.id2, last);
    last = e.id2;
  }
}

// ---- Authorizer ----

TEST(AuthorizerTest, ExactBeatsPrefixBeatsWildcard) {
  Permission exact = allow_all("com.a.b", MatchPolicy::exact);
  exact.publish = false;
  Permission prefix = allow_all("com.a", MatchPolicy::prefix);
  prefix.call = false;
  Permission wildcard = allow_all("com..b", MatchPolicy::wildcard);
  wildcard.subscribe = false;
  Authorizer auth({RoleConfig{"r", {wildcard, prefix, exact}}});
  EXPECT_FALSE(auth.authorize("r", "com.a.b", Action::publish).allowed);
  EXPECT_TRUE(auth.authorize("r", "com.a.b", Action::call).allowed);
  EXPECT_FALSE(auth.authorize("r", "com.a.c", Action::call).allowed);
  EXPECT_FALSE(auth.authorize("r", "com.x.b", Action::subscribe).allowed);
  EXPECT_TRUE(auth.authorize("r", "com.x.b", Action::call).allowed);
  EXPECT_FALSE(auth.authorize("r", "org.x", Action::call).allowed);
  EXPECT_FALSE(auth.authorize("other", "com.a.b", Action::call).allowed);
  EXPECT_TRUE(auth.authorize("trusted", "anything", Action::register_).allowed);
}

TEST(AuthorizerTest, LongestPrefixWins) {
  Permission broad = allow_all("com.", MatchPolicy::prefix);
  Permission narrow = allow_all("com.secret.", MatchPolicy::prefix);
  narrow.call = false;
  Authorizer auth({RoleConfig{"r", {narrow, broad}}});
  EXPECT_TRUE(auth.authorize("r", "com.open", Action::call).allowed);
  EXPECT_FALSE(auth.authorize("r", "com.secret.x", Action::call).allowed);
}

}  // namespace
}  // namespace junction::router

namespace junction::router {
namespace {

using namespace junction::router::test_support;

// A config reload (SIGHUP, node/reload) replaces a realm's roles: the next action of a joined
// session is checked against the new ones, and nobody is dropped.
TEST(RouterReload, ReplacedRolesApplyToJoinedSessions) {
  RouterConfig config;
  config.realms.push_back(
      realm_config("realm1", wamp::UriCheck::loose, {{"anonymous", {allow_all()}}}));
  Router router(config);
  Client c(router);
  c.join();
  Client caller(router);
  caller.join();
  c.send(request(MessageType::reg, 1, "com.proc"));
  EXPECT_EQ(c.peer.pop().type, MessageType::registered);
  caller.send(request(MessageType::call, 1, "com.proc"));  // granted, and kept per registration
  EXPECT_EQ(c.peer.pop().type, MessageType::invocation);
  Permission no_register = allow_all();
  no_register.register_ = false;
  no_register.call = false;
  router.find_realm("realm1")->replace_roles({{"anonymous", {no_register}}});
  c.send(request(MessageType::reg, 2, "com.other"));
  expect_error(c.peer.pop(), MessageType::reg, 2, "wamp.error.not_authorized");
  caller.send(request(MessageType::call, 2, "com.proc"));  // the kept grant is forgotten
  expect_error(caller.peer.pop(), MessageType::call, 2, "wamp.error.not_authorized");
  c.send(request(MessageType::subscribe, 3, "com.topic"));
  EXPECT_EQ(c.peer.pop().type, MessageType::subscribed);
  // Its role gone: denied everything, still joined.
  router.find_realm("realm1")->replace_roles({{"other", {allow_all()}}});
  c.send(request(MessageType::subscribe, 4, "com.topic2"));
  expect_error(c.peer.pop(), MessageType::subscribe, 4, "wamp.error.not_authorized");
  EXPECT_FALSE(c.peer.closed);
}

}  // namespace
}  // namespace junction::router

namespace junction::router {
namespace {

using namespace junction::router::test_support;

// PublishGrants keeps the last kSize topics, the oldest replaced first.
TEST(PublishGrants, KeepsTheLastTopicsAndReplacesTheOldest) {
  PublishGrants grants;
  EXPECT_EQ(grants.find("com.a"), nullptr);
  grants.keep("com.a", true);
  ASSERT_NE(grants.find("com.a"), nullptr);
  EXPECT_TRUE(grants.find("com.a")->disclose);
  for (int i = 1; i < static_cast<int>(PublishGrants::kSize); ++i)
    grants.keep("com.t" + std::to_string(i), false);
  EXPECT_EQ(grants.size(), PublishGrants::kSize);
  EXPECT_NE(grants.find("com.a"), nullptr);
  grants.keep("com.new", false);  // replaces com.a, the oldest
  EXPECT_EQ(grants.find("com.a"), nullptr);
  EXPECT_NE(grants.find("com.new"), nullptr);
  EXPECT_NE(grants.find("com.t1"), nullptr);
  EXPECT_EQ(grants.find("com.t"), nullptr);  // whole topics only
  grants.clear();
  EXPECT_EQ(grants.find("com.new"), nullptr);
}

// A repeated PUBLISH is answered from the session's kept grant: the role's disclosure still
// applies to the second event, and a reload that takes the grant away refuses the next one.
TEST(RouterReload, KeptPublishGrantsKeepDisclosureAndAreForgotten) {
  Permission disclosing = allow_all();
  disclosing.disclose_publisher = true;
  RouterConfig config;
  config.realms.push_back(
      realm_config("realm1", wamp::UriCheck::loose, {{"anonymous", {disclosing}}}));
  Router router(config);
  Client pub(router), sub(router);
  pub.join();
  sub.join();
  sub.send(request(MessageType::subscribe, 1, "com.topic"));
  ASSERT_EQ(sub.peer.pop().type, MessageType::subscribed);
  for (wamp::Id i = 1; i <= 2; ++i) {
    pub.send(request(MessageType::publish, i, "com.topic", {{"acknowledge", true}}));
    EXPECT_EQ(pub.peer.pop().type, MessageType::published);
    const Message event = sub.peer.pop();
    ASSERT_EQ(event.type, MessageType::event);
    EXPECT_NE(wamp::find(event.options, "publisher"), nullptr) << "publication " << i;
  }
  Permission no_publish = allow_all();
  no_publish.publish = false;
  router.find_realm("realm1")->replace_roles({{"anonymous", {no_publish}}});
  pub.send(request(MessageType::publish, 3, "com.topic", {{"acknowledge", true}}));
  expect_error(pub.peer.pop(), MessageType::publish, 3, "wamp.error.not_authorized");
  EXPECT_TRUE(sub.peer.inbox.empty());
  // A refusal is not kept: granted again, the topic is published to again, now undisclosed.
  router.find_realm("realm1")->replace_roles({{"anonymous", {allow_all()}}});
  pub.send(request(MessageType::publish, 4, "com.topic", {{"acknowledge", true}}));
  EXPECT_EQ(pub.peer.pop().type, MessageType::published);
  const Message event = sub.peer.pop();
  ASSERT_EQ(event.type, MessageType::event);
  EXPECT_EQ(wamp::find(event.options, "publisher"), nullptr);
}

}  // namespace
}  // namespace junction::router
