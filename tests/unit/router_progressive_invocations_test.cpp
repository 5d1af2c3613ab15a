// Progressive call invocations: a stream of CALLs with one request id (progress=true, then a
// final one without) becomes a stream of INVOCATIONs with one request id to one callee; the
// features both ends must announce; cancellation of the stream.
#include <gtest/gtest.h>

#include "router/realm.hpp"
#include "router_fakes.hpp"

namespace junction::router {
namespace {

using testing::Client;
using testing::request;
using wamp::Message;
using wamp::MessageType;

RouterConfig config() {
  RouterConfig c;
  c.realms.push_back(testing::realm_config("realm1", wamp::UriCheck::loose,
                                           {{"anonymous", {testing::allow_all()}}}));
  return c;
}

const wamp::Object kStreaming{{"progressive_call_invocations", true}, {"call_canceling", true}};

Message chunk(wamp::Id request_id, bool more, wamp::Object options = {}) {
  if (more) options["progress"] = true;
  Message m = request(MessageType::call, request_id, "com.upload", std::move(options));
  m.payload = wamp::make_payload({wamp::Value(more ? "chunk" : "last")});
  return m;
}

bool has_progress(const Message& m) {
  return wamp::get_bool(m.options, "progress").value_or(false);
}

class ProgressiveInvocationsTest : public ::testing::Test {
 protected:
  void register_upload(Client& who, wamp::Object options = {}) {
    who.send(request(MessageType::reg, 1, "com.upload", std::move(options)));
    ASSERT_EQ(who.peer.pop().type, MessageType::registered);
  }
  Router router{config()};
  Client caller{router, "realm1", kStreaming};
  Client callee{router, "realm1", kStreaming};
};

TEST_F(ProgressiveInvocationsTest, WelcomeAnnouncesTheFeature) {
  testing::FakePeer peer;
  auto connection = router.connect(peer);
  connection->receive(testing::hello("realm1"));
  const Message welcome = peer.pop();
  const wamp::Object& roles = *wamp::get_object(welcome.options, "roles");
  const wamp::Object& features = *wamp::get_object(*wamp::get_object(roles, "dealer"), "features");
  EXPECT_EQ(wamp::get_bool(features, "progressive_call_invocations"), true);
  EXPECT_EQ(wamp::get_bool(features, "call_canceling"), true);  // the spec requires both
}

TEST_F(ProgressiveInvocationsTest, AStreamOfCallsIsAStreamOfInvocationsInOrder) {
  register_upload(callee);
  caller.send(chunk(9, true, {{"disclose_me", true}, {"receive_progress", true}}));
  const Message first = callee.peer.pop();
  ASSERT_EQ(first.type, MessageType::invocation);
  EXPECT_TRUE(has_progress(first));
  EXPECT_EQ(wamp::get_uint(first.options, "caller"), caller.id);
  EXPECT_EQ(wamp::get_bool(first.options, "receive_progress"), true);
  // Later CALLs: only `progress` counts; the Details are the first CALL's (frozen).
  caller.send(chunk(9, true, {{"disclose_me", false}}));
  caller.send(chunk(9, false));
  const Message second = callee.peer.pop();
  const Message last = callee.peer.pop();
  for (const Message* m : {&second, &last}) {
    EXPECT_EQ(m->type, MessageType::invocation);
    EXPECT_EQ(m->request, first.request);  // one call: one INVOCATION request id
    EXPECT_EQ(m->id, first.id);
    EXPECT_EQ(wamp::get_uint(m->options, "caller"), caller.id);
    EXPECT_EQ(wamp::get_bool(m->options, "receive_progress"), true);
  }
  EXPECT_TRUE(has_progress(second));
  EXPECT_FALSE(last.options.contains("progress"));  // the final INVOCATION
  EXPECT_EQ(second.payload->args, wamp::make_payload({wamp::Value("chunk")})->args);
  EXPECT_EQ(last.payload->args, wamp::make_payload({wamp::Value("last")})->args);
  EXPECT_TRUE(caller.peer.inbox.empty());
  callee.send(request(MessageType::yield, first.request));
  const Message result = caller.peer.pop();
  EXPECT_EQ(result.type, MessageType::result);
  EXPECT_EQ(result.request, 9u);
  // The call is over: the request id may be used again, for a new call.
  caller.send(request(MessageType::call, 9, "com.upload"));
  const Message again = callee.peer.pop();
  EXPECT_NE(again.request, first.request);
  EXPECT_FALSE(again.options.contains("progress"));
}

TEST_F(ProgressiveInvocationsTest, ProgressiveResultsInterleave) {
  register_upload(callee);
  caller.send(chunk(3, true, {{"receive_progress", true}}));
  const Message first = callee.peer.pop();
  callee.send(request(MessageType::yield, first.request, {}, {{"progress", true}}));
  EXPECT_TRUE(has_progress(caller.peer.pop()));
  caller.send(chunk(3, true));
  EXPECT_TRUE(has_progress(callee.peer.pop()));
  callee.send(request(MessageType::yield, first.request, {}, {{"progress", true}}));
  EXPECT_TRUE(has_progress(caller.peer.pop()));
  caller.send(chunk(3, false));
  EXPECT_FALSE(has_progress(callee.peer.pop()));
  callee.send(request(MessageType::yield, first.request));
  const Message result = caller.peer.pop();
  EXPECT_EQ(result.type, MessageType::result);
  EXPECT_FALSE(has_progress(result));
}

TEST_F(ProgressiveInvocationsTest, EveryChunkGoesToTheFirstChunksCallee) {
  Client other{router, "realm1", kStreaming};
  register_upload(callee, {{"invoke", "roundrobin"}});
  register_upload(other, {{"invoke", "roundrobin"}});
  caller.send(chunk(5, true));
  caller.send(chunk(5, true));
  caller.send(chunk(5, false));
  EXPECT_EQ(callee.peer.inbox.size(), 3u);
  EXPECT_TRUE(other.peer.inbox.empty());
}

TEST_F(ProgressiveInvocationsTest, ACalleeWithoutTheFeatureIsAnApplicationError) {
  // Without progressive_call_invocations, or without call_canceling (spec: both are needed).
  for (const wamp::Object& features :
       {wamp::Object{}, wamp::Object{{"progressive_call_invocations", true}}}) {
    Router fresh_router{config()};
    Client fresh_caller{fresh_router, "realm1", kStreaming};
    Client who{fresh_router, "realm1", features};
    register_upload(who);
    fresh_caller.send(chunk(4, true));
    const Message error = fresh_caller.peer.pop();
    EXPECT_EQ(error.type, MessageType::error);
    EXPECT_EQ(error.uri, "wamp.error.feature_not_supported");
    EXPECT_TRUE(who.peer.inbox.empty());
    // The slot was given back: a plain call with the same id works.
    fresh_caller.send(request(MessageType::call, 4, "com.upload"));
    EXPECT_EQ(who.peer.pop().type, MessageType::invocation);
  }
}

TEST_F(ProgressiveInvocationsTest, ACallerWithoutTheFeatureIsAborted) {
  register_upload(callee);
  Client plain{router};
  plain.send(chunk(4, true));
  const Message abort = plain.peer.pop();
  EXPECT_EQ(abort.type, MessageType::abort);
  EXPECT_EQ(abort.uri, "wamp.error.protocol_violation");
  EXPECT_TRUE(plain.peer.closed);
  EXPECT_TRUE(callee.peer.inbox.empty());
  EXPECT_EQ(router.find_realm("realm1")->dealer().pending_call_count(), 0u);
}

TEST_F(ProgressiveInvocationsTest, ACallerLeavingMidStreamInterruptsTheCallee) {
  register_upload(callee);
  caller.send(chunk(6, true));
  const Message first = callee.peer.pop();
  caller.connection->closed();
  const Message interrupt = callee.peer.pop();
  EXPECT_EQ(interrupt.type, MessageType::interrupt);
  EXPECT_EQ(interrupt.request, first.request);
  EXPECT_EQ(*wamp::get_string(interrupt.options, "mode"), "killnowait");
  EXPECT_EQ(router.find_realm("realm1")->dealer().pending_call_count(), 0u);
}

TEST_F(ProgressiveInvocationsTest, CancelEndsTheStream) {
  register_upload(callee);
  caller.send(chunk(6, true));
  const Message first = callee.peer.pop();
  caller.send(request(MessageType::cancel, 6, {}, {{"mode", "kill"}}));
  EXPECT_EQ(callee.peer.pop().type, MessageType::interrupt);
  caller.send(chunk(6, true));  // the caller goes on: nothing reaches the callee
  EXPECT_TRUE(callee.peer.inbox.empty());
  Message answer = request(MessageType::error, first.request, "wamp.error.canceled");
  answer.error_type = MessageType::invocation;
  callee.send(std::move(answer));
  const Message error = caller.peer.pop();
  EXPECT_EQ(error.type, MessageType::error);
  EXPECT_EQ(error.uri, "wamp.error.canceled");
  EXPECT_TRUE(caller.peer.inbox.empty());
}

TEST_F(ProgressiveInvocationsTest, TheCalleeMayAnswerBeforeTheStreamEnds) {
  register_upload(callee);
  caller.send(chunk(8, true));
  const Message first = callee.peer.pop();
  Message refusal = request(MessageType::error, first.request, "com.error.too_big");
  refusal.error_type = MessageType::invocation;
  callee.send(std::move(refusal));
  EXPECT_EQ(caller.peer.pop().uri, "com.error.too_big");
  EXPECT_EQ(router.find_realm("realm1")->dealer().pending_call_count(), 0u);
}

}  // namespace
}  // namespace junction::router
