// Payload passthru mode: ppt_* attributes passed on from CALL/YIELD/ERROR/PUBLISH to
// INVOCATION/RESULT/ERROR/EVENT with the payload untouched, and the spec's errors for peers that
// did not announce payload_passthru_mode.
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

const wamp::Object kPassthru{{"payload_passthru_mode", true}};
const wamp::Object kPpt{{"ppt_scheme", "wamp.eth"},
                        {"ppt_serializer", "cbor"},
                        {"ppt_cipher", "xsalsa20poly1305"},
                        {"ppt_keyid", "0x1234"}};

wamp::PayloadPtr sealed() {
  return wamp::make_payload({wamp::Value(wamp::Binary{std::string("\x01\x02\xff", 3)})});
}

void expect_ppt(const wamp::Object& details) {
  for (const auto& [key, value] : kPpt)
    EXPECT_EQ(wamp::find(details, key) ? *wamp::find(details, key) : wamp::Value(), value) << key;
}

class PassthruTest : public ::testing::Test {
 protected:
  void SetUp() override {
    callee.send(request(MessageType::reg, 1, "com.secret"));
    ASSERT_EQ(callee.peer.pop().type, MessageType::registered);
  }
  Message call(Client& who, wamp::Id request_id, wamp::Object options = kPpt) {
    Message m = request(MessageType::call, request_id, "com.secret", std::move(options));
    m.payload = sealed();
    who.send(m);
    return m;
  }
  Router router{config()};
  Client caller{router, "realm1", kPassthru};
  Client callee{router, "realm1", kPassthru};
};

TEST_F(PassthruTest, WelcomeAnnouncesItForBrokerAndDealer) {
  testing::FakePeer peer;
  auto connection = router.connect(peer);
  connection->receive(testing::hello("realm1"));
  const Message welcome = peer.pop();
  const wamp::Object& roles = *wamp::get_object(welcome.options, "roles");
  for (const char* role : {"broker", "dealer"}) {
    const wamp::Object& features = *wamp::get_object(*wamp::get_object(roles, role), "features");
    EXPECT_EQ(wamp::get_bool(features, "payload_passthru_mode"), true) << role;
  }
}

TEST_F(PassthruTest, CallYieldAndErrorCarryThePptAttributes) {
  call(caller, 5);
  const Message invocation = callee.peer.pop();
  ASSERT_EQ(invocation.type, MessageType::invocation);
  expect_ppt(invocation.options);
  EXPECT_EQ(invocation.payload->args, sealed()->args);
  Message yield = request(MessageType::yield, invocation.request, {}, kPpt);
  yield.payload = sealed();
  callee.send(yield);
  const Message result = caller.peer.pop();
  ASSERT_EQ(result.type, MessageType::result);
  expect_ppt(result.options);
  EXPECT_EQ(result.payload->args, sealed()->args);

  call(caller, 6);
  Message error = request(MessageType::error, callee.peer.pop().request, "com.error.sealed", kPpt);
  error.error_type = MessageType::invocation;
  callee.send(error);
  const Message answer = caller.peer.pop();
  EXPECT_EQ(answer.uri, "com.error.sealed");
  expect_ppt(answer.options);
}

TEST_F(PassthruTest, AnOrdinaryCallHasNoPptAttributes) {
  call(caller, 5, {});
  EXPECT_FALSE(callee.peer.pop().options.contains("ppt_scheme"));
}

TEST_F(PassthruTest, ACalleeWithoutTheFeatureIsAnApplicationError) {
  Client plain{router};
  plain.send(request(MessageType::reg, 1, "com.plain"));
  ASSERT_EQ(plain.peer.pop().type, MessageType::registered);
  Message m = request(MessageType::call, 3, "com.plain", kPpt);
  caller.send(m);
  const Message error = caller.peer.pop();
  EXPECT_EQ(error.type, MessageType::error);
  EXPECT_EQ(error.uri, "wamp.error.feature_not_supported");
  EXPECT_TRUE(plain.peer.inbox.empty());
}

TEST_F(PassthruTest, ACallerWithoutTheFeatureIsAborted) {
  Client plain{router};
  call(plain, 3);
  const Message abort = plain.peer.pop();
  EXPECT_EQ(abort.type, MessageType::abort);
  EXPECT_EQ(abort.uri, "wamp.error.protocol_violation");
  EXPECT_TRUE(callee.peer.inbox.empty());
  EXPECT_EQ(router.find_realm("realm1")->dealer().pending_call_count(), 0u);
}

TEST_F(PassthruTest, InvalidAttributesAreRefused) {
  for (const wamp::Object& bad : {wamp::Object{{"ppt_scheme", ""}}, wamp::Object{{"ppt_scheme", 7}},
                                  wamp::Object{{"ppt_scheme", "x"}, {"ppt_keyid", 1}}}) {
    call(caller, 4, bad);
    const Message error = caller.peer.pop();
    EXPECT_EQ(error.uri, "wamp.error.invalid_argument");
  }
  EXPECT_TRUE(callee.peer.inbox.empty());
}

TEST_F(PassthruTest, AYieldToACallerWithoutTheFeature) {
  Client plain{router};
  call(plain, 8, {});
  const Message invocation = callee.peer.pop();
  callee.send(request(MessageType::yield, invocation.request, {}, kPpt));
  const Message to_callee = callee.peer.pop();
  EXPECT_EQ(to_callee.type, MessageType::error);
  EXPECT_EQ(to_callee.error_type, MessageType::yield);
  EXPECT_EQ(to_callee.uri, "wamp.error.feature_not_supported");
  const Message to_caller = plain.peer.pop();
  EXPECT_EQ(to_caller.type, MessageType::error);
  EXPECT_EQ(to_caller.uri, "wamp.error.feature_not_supported");
  EXPECT_TRUE(plain.peer.inbox.empty());
}

TEST_F(PassthruTest, AYieldFromACalleeWithoutTheFeatureAbortsIt) {
  Client plain{router};
  plain.send(request(MessageType::reg, 1, "com.plain"));
  ASSERT_EQ(plain.peer.pop().type, MessageType::registered);
  caller.send(request(MessageType::call, 9, "com.plain"));
  const Message invocation = plain.peer.pop();
  plain.send(request(MessageType::yield, invocation.request, {}, kPpt));
  EXPECT_EQ(plain.peer.pop().type, MessageType::abort);
  const Message error = caller.peer.pop();  // its callee is gone: exactly one final answer
  EXPECT_EQ(error.uri, "wamp.error.canceled");
}

TEST_F(PassthruTest, PublishCarriesThePptAttributesToEverySubscriber) {
  Client plain_subscriber{router};  // spec: its own business to understand the payload
  for (Client* who : {&callee, &plain_subscriber}) {
    who->send(request(MessageType::subscribe, 2, "com.sealed"));
    ASSERT_EQ(who->peer.pop().type, MessageType::subscribed);
  }
  wamp::Object options = kPpt;
  options["acknowledge"] = true;
  Message publish = request(MessageType::publish, 3, "com.sealed", options);
  publish.payload = sealed();
  caller.send(publish);
  EXPECT_EQ(caller.peer.pop().type, MessageType::published);
  for (Client* who : {&callee, &plain_subscriber}) {
    const Message event = who->peer.pop();
    ASSERT_EQ(event.type, MessageType::event);
    expect_ppt(event.options);
    EXPECT_FALSE(event.options.contains("acknowledge"));
    EXPECT_EQ(event.payload->args, sealed()->args);
  }
}

TEST_F(PassthruTest, APublisherWithoutTheFeatureIsAborted) {
  callee.send(request(MessageType::subscribe, 2, "com.sealed"));
  ASSERT_EQ(callee.peer.pop().type, MessageType::subscribed);
  Client plain{router};
  plain.send(request(MessageType::publish, 3, "com.sealed", kPpt));
  const Message abort = plain.peer.pop();
  EXPECT_EQ(abort.type, MessageType::abort);
  EXPECT_EQ(abort.uri, "wamp.error.protocol_violation");
  EXPECT_TRUE(callee.peer.inbox.empty());
}

}  // namespace
}  // namespace junction::router
