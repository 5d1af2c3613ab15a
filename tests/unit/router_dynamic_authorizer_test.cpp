// Dynamic authorizers (router/dynamic_authorizer.hpp) driven by fake peers and a hand-answered
// AuthorizerCall: the questions asked, every answer shape, the cache, and the order of a
// session's messages while an answer is awaited.
#include <gtest/gtest.h>

#include <functional>
#include <string>
#include <vector>

#include "router/realm.hpp"
#include "router/router.hpp"
#include "router_test_support.hpp"

namespace junction::router {
namespace {

using namespace test_support;

struct Question {
  std::string realm, procedure;
  std::chrono::milliseconds timeout;
  wamp::Array args;
  std::function<void(std::string, wamp::Array)> done;
};

RouterConfig dynamic_config() {
  RouterConfig config;
  RoleConfig dynamic("anonymous");
  dynamic.authorizer = "com.example.authorize";
  dynamic.authorizer_timeout = std::chrono::milliseconds(1234);
  config.realms.push_back(realm_config("realm1", wamp::UriCheck::loose,
                                       {dynamic, RoleConfig("backend", {allow_all()})}));
  return config;
}

struct Fixture {
  Fixture() : router(dynamic_config()) {
    router.set_authorizer_call([this](const std::string& realm, const std::string& procedure,
                                      std::chrono::milliseconds timeout, wamp::Array args,
                                      std::function<void(std::string, wamp::Array)> done) {
      questions.push_back({realm, procedure, timeout, std::move(args), std::move(done)});
    });
  }
  // A session with the static role "backend" (established in-process, as the node would).
  std::unique_ptr<Connection> backend(FakePeer& peer) {
    auto c = router.connect(peer);
    c->establish_in_process("realm1", "svc", "backend");
    EXPECT_EQ(peer.pop().type, MessageType::welcome);
    return c;
  }
  // Answers the oldest open question.
  void answer(wamp::Value value) {
    ASSERT_FALSE(questions.empty());
    auto q = std::move(questions.front());
    questions.erase(questions.begin());
    q.done("", {std::move(value)});
  }
  void fail(std::string error, std::string message) {
    ASSERT_FALSE(questions.empty());
    auto q = std::move(questions.front());
    questions.erase(questions.begin());
    q.done(std::move(error), {wamp::Value(std::move(message))});
  }

  Router router;
  std::vector<Question> questions;
};

TEST(DynamicAuthorizer, AsksWithCrossbarsArgumentsAndRoutesOnAllow) {
  Fixture f;
  Client c(f.router);
  const wamp::Id session = c.join();
  c.send(request(MessageType::subscribe, 1, "com.topic", wamp::Object{{"match", "exact"}}));
  EXPECT_TRUE(c.peer.inbox.empty());  // held until the authorizer answered
  ASSERT_EQ(f.questions.size(), 1u);
  const Question& q = f.questions[0];
  EXPECT_EQ(q.realm, "realm1");
  EXPECT_EQ(q.procedure, "com.example.authorize");
  EXPECT_EQ(q.timeout, std::chrono::milliseconds(1234));
  ASSERT_EQ(q.args.size(), 4u);
  const wamp::Object& details = *q.args[0].as_object();
  EXPECT_EQ(*wamp::get_uint(details, "session"), session);
  EXPECT_EQ(*wamp::get_string(details, "authrole"), "anonymous");
  EXPECT_EQ(*q.args[1].as_string(), "com.topic");
  EXPECT_EQ(*q.args[2].as_string(), "subscribe");
  EXPECT_EQ(*wamp::get_string(*q.args[3].as_object(), "match"), "exact");
  f.answer(true);
  EXPECT_EQ(c.peer.pop().type, MessageType::subscribed);
}

TEST(DynamicAuthorizer, LaterMessagesWaitAndKeepTheirOrder) {
  Fixture f;
  Client c(f.router);
  c.join();
  c.send(request(MessageType::subscribe, 1, "com.a"));
  c.send(request(MessageType::publish, 2, "com.b", wamp::Object{{"acknowledge", true}}));
  c.send(request(MessageType::unsubscribe, 3));  // no action to ask about, but it waits too
  c.send(request(MessageType::call, 4, "com.c"));
  ASSERT_EQ(f.questions.size(), 1u);  // one question at a time, in order
  EXPECT_TRUE(c.peer.inbox.empty());

  f.answer(wamp::Object{{"allow", true}});
  EXPECT_EQ(c.peer.pop().type, MessageType::subscribed);
  ASSERT_EQ(f.questions.size(), 1u);
  EXPECT_EQ(*f.questions[0].args[2].as_string(), "publish");
  EXPECT_TRUE(c.peer.inbox.empty());

  f.answer(wamp::Object{{"allow", false}});
  Message denied = c.peer.pop();
  expect_error(denied, MessageType::publish, 2, wamp::errors::not_authorized);
  EXPECT_NE(denied.payload->args.find("publish 'com.b'"), std::string::npos);
  // The UNSUBSCRIBE was answered right after (no question), then the CALL is asked about.
  expect_error(c.peer.pop(), MessageType::unsubscribe, 3, wamp::errors::no_such_subscription);
  ASSERT_EQ(f.questions.size(), 1u);
  EXPECT_EQ(*f.questions[0].args[2].as_string(), "call");

  f.fail("com.example.broken", "database down");
  Message failed = c.peer.pop();
  expect_error(failed, MessageType::call, 4, "wamp.error.authorization_failed");
  EXPECT_NE(failed.payload->args.find("com.example.broken: database down"), std::string::npos);
  EXPECT_TRUE(f.questions.empty());
}

// A config reload (SIGHUP) replaces the roles: the sessions' dynamic roles are looked up
// again (the old ones are gone), cached answers are dropped, and what waits behind an answer
// asked under the old roles is routed under the new ones.
TEST(DynamicAuthorizer, AReloadRebindsRolesAndForgetsAnswers) {
  Fixture f;
  Client c(f.router);
  c.join();
  c.send(request(MessageType::subscribe, 1, "com.a"));
  ASSERT_EQ(f.questions.size(), 1u);
  f.answer(wamp::Object{{"allow", true}, {"cache", true}});
  EXPECT_EQ(c.peer.pop().type, MessageType::subscribed);
  EXPECT_EQ(f.router.find_realm("realm1")->dynamic_answers_cached(), 1u);

  // Still dynamic after the reload, with another procedure: asked again, of the new one.
  RoleConfig renamed("anonymous");
  renamed.authorizer = "com.example.authorize2";
  f.router.find_realm("realm1")->replace_roles({renamed});
  EXPECT_EQ(f.router.find_realm("realm1")->dynamic_answers_cached(), 0u);
  c.send(request(MessageType::subscribe, 2, "com.a"));
  ASSERT_EQ(f.questions.size(), 1u);
  EXPECT_EQ(f.questions[0].procedure, "com.example.authorize2");

  // Made static while that question is open: the answer decides its message, and what waited
  // behind it is routed by the static permissions.
  c.send(request(MessageType::reg, 3, "com.proc"));
  f.router.find_realm("realm1")->replace_roles({RoleConfig("anonymous", {allow_all()})});
  f.answer(true);
  EXPECT_EQ(c.peer.pop().type, MessageType::subscribed);
  EXPECT_EQ(c.peer.pop().type, MessageType::registered);
  EXPECT_TRUE(f.questions.empty());
  c.send(request(MessageType::call, 4, "com.nothing"));  // static now: no question
  expect_error(c.peer.pop(), MessageType::call, 4, wamp::errors::no_such_procedure);
  EXPECT_TRUE(f.questions.empty());
}

TEST(DynamicAuthorizer, CachedAnswersDecideAtOnceForTheWholeRole) {
  Fixture f;
  FakePeer callee_peer;
  auto callee = f.backend(callee_peer);
  callee->receive(request(MessageType::reg, 1, "com.proc"));
  ASSERT_EQ(callee_peer.pop().type, MessageType::registered);
  EXPECT_TRUE(f.questions.empty());  // static roles are never asked

  Client a(f.router), b(f.router);
  a.join();
  b.join();
  a.send(request(MessageType::call, 7, "com.proc"));
  f.answer(wamp::Object{{"allow", true}, {"disclose", true}, {"cache", true}});
  Message invocation = callee_peer.pop();
  ASSERT_EQ(invocation.type, MessageType::invocation);
  EXPECT_TRUE(invocation.options.contains("caller"));  // disclose from the answer

  a.send(request(MessageType::call, 8, "com.proc"));
  b.send(request(MessageType::call, 9, "com.proc"));
  EXPECT_TRUE(f.questions.empty());
  EXPECT_EQ(callee_peer.pop().type, MessageType::invocation);
  EXPECT_EQ(callee_peer.pop().type, MessageType::invocation);

  // Not cached: asked every time.
  a.send(request(MessageType::subscribe, 10, "com.t"));
  f.answer(true);
  a.send(request(MessageType::subscribe, 11, "com.t"));
  EXPECT_EQ(f.questions.size(), 1u);
}

TEST(DynamicAuthorizer, MalformedAnswersFail) {
  for (const wamp::Value& bad : {wamp::Value("yes"), wamp::Value(wamp::Object{{"allow", "true"}}),
                                 wamp::Value(wamp::Object{{"cache", true}}),
                                 wamp::Value(wamp::Object{{"allow", true}, {"other", true}})}) {
    Fixture f;
    Client c(f.router);
    c.join();
    c.send(request(MessageType::reg, 1, "com.p"));
    f.answer(bad);
    expect_error(c.peer.pop(), MessageType::reg, 1, "wamp.error.authorization_failed");
  }
}

TEST(DynamicAuthorizer, ANonAcknowledgedPublishIsDroppedSilently) {
  Fixture f;
  Client c(f.router);
  c.join();
  c.send(request(MessageType::publish, 1, "com.t"));
  f.fail("wamp.error.timeout", "no answer within 1234 ms");
  c.send(request(MessageType::publish, 2, "com.t"));
  f.answer(false);
  EXPECT_TRUE(c.peer.inbox.empty());
}

TEST(DynamicAuthorizer, AnAnswerAfterTheSessionLeftIsDropped) {
  Fixture f;
  {
    Client c(f.router);
    c.join();
    c.send(request(MessageType::call, 1, "com.p"));
    c.send(request(MessageType::call, 2, "com.p"));
  }
  ASSERT_EQ(f.questions.size(), 1u);
  f.answer(true);
  EXPECT_EQ(f.router.session_count(), 0u);
}

TEST(DynamicAuthorizer, WithoutABindingEveryActionFails) {
  RouterConfig config = dynamic_config();
  Router router(std::move(config));
  Client c(router);
  c.join();
  c.send(request(MessageType::subscribe, 1, "com.t"));
  expect_error(c.peer.pop(), MessageType::subscribe, 1, "wamp.error.authorization_failed");
}

}  // namespace
}  // namespace junction::router
