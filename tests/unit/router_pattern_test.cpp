// Pattern-based subscriptions and registrations through the router: EVENT.Details.topic and
// INVOCATION.Details.procedure, the spec's precedence, malformed patterns, authorization.
#include <gtest/gtest.h>

#include "router_test_support.hpp"

namespace junction::router {
namespace {

using namespace junction::router::test_support;

class PatternTest : public RouterTest {
 protected:
  wamp::Id subscribe(Client& c, const std::string& topic, std::string_view match,
                     wamp::Id req = 1) {
    c.send(request(MessageType::subscribe, req, topic, {{"match", std::string(match)}}));
    Message m = c.peer.pop();
    EXPECT_EQ(m.type, MessageType::subscribed) << topic;
    return m.id;
  }
  wamp::Id register_(Client& c, const std::string& procedure, std::string_view match,
                     wamp::Id req = 1) {
    c.send(request(MessageType::reg, req, procedure, {{"match", std::string(match)}}));
    Message m = c.peer.pop();
    EXPECT_EQ(m.type, MessageType::registered) << procedure;
    return m.id;
  }
  // Calls `procedure` and returns the INVOCATION the callee got (the caller's request id 1).
  Message invoke(Client& caller, Client& callee, const std::string& procedure) {
    caller.send(request(MessageType::call, ++request_, procedure));
    Message invocation = callee.peer.pop();
    EXPECT_EQ(invocation.type, MessageType::invocation) << procedure;
    callee.send(request(MessageType::yield, invocation.request));
    EXPECT_EQ(caller.peer.pop().type, MessageType::result);
    return invocation;
  }
  wamp::Id request_ = 100;
};

TEST_F(PatternTest, PrefixAndWildcardSubscribersGetTheConcreteTopic) {
  Client pub(router), s(router);
  pub.join();
  s.join();
  const wamp::Id exact = subscribe(s, "com.app.status", "exact", 1);
  const wamp::Id prefix = subscribe(s, "com.app.", "prefix", 2);
  const wamp::Id wildcard = subscribe(s, "com..status", "wildcard", 3);
  EXPECT_NE(exact, prefix);
  EXPECT_NE(prefix, wildcard);
  pub.send(request(MessageType::publish, 1, "com.app.status"));
  // One EVENT per matching subscription, same publication id, in exact/prefix/wildcard order.
  Message e1 = s.peer.pop(), e2 = s.peer.pop(), e3 = s.peer.pop();
  EXPECT_TRUE(s.peer.inbox.empty());
  EXPECT_EQ(e1.id, exact);
  EXPECT_EQ(wamp::find(e1.options, "topic"), nullptr);
  EXPECT_EQ(e2.id, prefix);
  EXPECT_EQ(*wamp::get_string(e2.options, "topic"), "com.app.status");
  EXPECT_EQ(e3.id, wildcard);
  EXPECT_EQ(*wamp::get_string(e3.options, "topic"), "com.app.status");
  EXPECT_EQ(e1.id2, e2.id2);
  EXPECT_EQ(e2.id2, e3.id2);
  // Only the prefix matches here; nothing matches "org.x".
  pub.send(request(MessageType::publish, 2, "com.app.other.x"));
  EXPECT_EQ(s.peer.pop().id, prefix);
  EXPECT_TRUE(s.peer.inbox.empty());
  pub.send(request(MessageType::publish, 3, "org.x"));
  EXPECT_TRUE(s.peer.inbox.empty());
}

TEST_F(PatternTest, SamePatternSamePolicyIsOneSubscriptionAndUnsubscribeRemovesIt) {
  Client pub(router), s1(router), s2(router);
  pub.join();
  s1.join();
  s2.join();
  const wamp::Id id = subscribe(s1, "com.", "prefix");
  EXPECT_EQ(subscribe(s2, "com.", "prefix"), id);
  EXPECT_NE(subscribe(s2, "com.", "wildcard", 2), id);
  Message unsubscribe = request(MessageType::unsubscribe, 3);
  unsubscribe.id = id;
  s1.send(unsubscribe);
  EXPECT_EQ(s1.peer.pop().type, MessageType::unsubscribed);
  pub.send(request(MessageType::publish, 1, "com.x"));
  EXPECT_TRUE(s1.peer.inbox.empty());
  EXPECT_EQ(s2.peer.pop().id, id);  // the prefix subscription, still held by s2
  EXPECT_NE(s2.peer.pop().id, id);  // and the wildcard "com." (two components)
  s2.connection->closed();          // the last subscriber leaves: both subscriptions go
  pub.send(request(MessageType::publish, 2, "com.x", {{"acknowledge", true}}));
  EXPECT_EQ(pub.peer.pop().type, MessageType::published);
}

TEST_F(PatternTest, MalformedPatternsAndUnknownPolicies) {
  Client c(router);
  c.join();
  c.send(request(MessageType::subscribe, 1, "com..x", {{"match", "prefix"}}));
  expect_error(c.peer.pop(), MessageType::subscribe, 1, "wamp.error.invalid_uri");
  c.send(request(MessageType::subscribe, 2, "com.#.x", {{"match", "wildcard"}}));
  expect_error(c.peer.pop(), MessageType::subscribe, 2, "wamp.error.invalid_uri");
  c.send(request(MessageType::reg, 3, "com.x.", {{"match", "exact"}}));
  expect_error(c.peer.pop(), MessageType::reg, 3, "wamp.error.invalid_uri");
  c.send(request(MessageType::reg, 4, "com. x", {{"match", "wildcard"}}));
  expect_error(c.peer.pop(), MessageType::reg, 4, "wamp.error.invalid_uri");
  c.send(request(MessageType::subscribe, 5, "com.x", {{"match", "regex"}}));
  expect_error(c.peer.pop(), MessageType::subscribe, 5, "wamp.error.invalid_argument");
  c.send(request(MessageType::reg, 6, "com.x", {{"match", 1}}));
  expect_error(c.peer.pop(), MessageType::reg, 6, "wamp.error.invalid_argument");
}

TEST_F(PatternTest, StrictRealmChecksPatternsStrictly) {
  Client c(router, "strict");
  c.join();
  c.send(request(MessageType::subscribe, 1, "com..Status", {{"match", "wildcard"}}));
  expect_error(c.peer.pop(), MessageType::subscribe, 1, "wamp.error.invalid_uri");
  subscribe(c, "com..status", "wildcard", 2);
}

TEST_F(PatternTest, RegistrationPrecedenceExactThenLongestPrefixThenWildcard) {
  Client caller(router), wild(router), broad(router), narrow(router), exact(router);
  caller.join();
  wild.join();
  broad.join();
  narrow.join();
  exact.join();
  const wamp::Id w = register_(wild, "com.app..get", "wildcard");
  const wamp::Id b = register_(broad, "com.", "prefix");
  const wamp::Id n = register_(narrow, "com.app.", "prefix");
  Message inv = invoke(caller, narrow, "com.app.user.get");  // longest prefix beats wildcard
  EXPECT_EQ(inv.id, n);
  EXPECT_EQ(*wamp::get_string(inv.options, "procedure"), "com.app.user.get");
  EXPECT_EQ(invoke(caller, broad, "com.other").id, b);
  // The exact registration shadows the patterns; removing it uncovers them again.
  const wamp::Id e = register_(exact, "com.app.user.get", "exact");
  inv = invoke(caller, exact, "com.app.user.get");
  EXPECT_EQ(inv.id, e);
  EXPECT_EQ(wamp::find(inv.options, "procedure"), nullptr);  // exact: no Details.procedure
  Message unregister = request(MessageType::unregister, 9);
  unregister.id = e;
  exact.send(unregister);
  EXPECT_EQ(exact.peer.pop().type, MessageType::unregistered);
  EXPECT_EQ(invoke(caller, narrow, "com.app.user.get").id, n);
  // Without prefixes, the wildcard takes the call.
  narrow.connection->closed();
  broad.connection->closed();
  inv = invoke(caller, wild, "com.app.user.get");
  EXPECT_EQ(inv.id, w);
  EXPECT_EQ(*wamp::get_string(inv.options, "procedure"), "com.app.user.get");
  caller.send(request(MessageType::call, 1, "com.app.user.put"));
  expect_error(caller.peer.pop(), MessageType::call, 1, "wamp.error.no_such_procedure");
}

TEST_F(PatternTest, SameUriUnderAnotherPolicyIsAnotherRegistration) {
  Client a(router), b(router);
  a.join();
  b.join();
  register_(a, "com.x", "exact");
  register_(b, "com.x", "prefix");
  b.send(request(MessageType::reg, 2, "com.x", {{"match", "prefix"}}));
  expect_error(b.peer.pop(), MessageType::reg, 2, "wamp.error.procedure_already_exists");
}

TEST_F(PatternTest, PatternCallsAreValidatedAndAuthorizedPerUri) {
  Client callee(router, "callrules"), caller(router, "callrules");
  callee.join();
  caller.join();
  register_(callee, "com.", "prefix");  // register is allowed under "com.", call only "com.open"
  caller.send(request(MessageType::call, 1, "com.secret"));
  expect_error(caller.peer.pop(), MessageType::call, 1, "wamp.error.not_authorized");
  caller.send(request(MessageType::call, 2, "com. bad"));
  expect_error(caller.peer.pop(), MessageType::call, 2, "wamp.error.invalid_uri");
  EXPECT_TRUE(callee.peer.inbox.empty());
  invoke(caller, callee, "com.open");
}

}  // namespace
}  // namespace junction::router
