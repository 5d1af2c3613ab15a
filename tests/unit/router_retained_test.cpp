// Event retention: the store's bounds, and PUBLISH retain / SUBSCRIBE get_retained through the
// broker with fake peers.
#include <gtest/gtest.h>

#include <set>

#include "router/realm.hpp"
#include "router/retained_events.hpp"
#include "router_fakes.hpp"

namespace junction::router {
namespace {

using testing::Client;
using testing::request;
using wamp::Message;
using wamp::MessageType;

RetainedEvents::Event event(wamp::Id publication, std::size_t payload_bytes = 0,
                            wamp::Object filter = {}) {
  RetainedEvents::Event e;
  e.publication = publication;
  auto payload = std::make_shared<wamp::Payload>();
  payload->args.assign(payload_bytes, 'x');
  e.payload = payload;
  e.filter = std::move(filter);
  return e;
}

TEST(RetainedEvents, ForEveryoneReplacesFilteredAppendBounded) {
  RetainedEvents store;
  ASSERT_TRUE(store.retain("t", event(1)));
  ASSERT_TRUE(store.retain("t", event(2)));
  ASSERT_EQ(store.find("t")->size(), 1u);
  EXPECT_EQ(store.find("t")->back().publication, 2u);
  const wamp::Object only{{"eligible", wamp::Array{wamp::Value(7)}}};
  for (wamp::Id p = 10; p < 30; ++p)
    ASSERT_TRUE(store.retain("t", event(p, 0, only)));
  const auto& events = *store.find("t");
  ASSERT_EQ(events.size(), RetainedEvents::kMaxPerTopic);
  EXPECT_EQ(events.front().publication, 2u);  // the one for everyone stays
  EXPECT_EQ(events.back().publication, 29u);
  ASSERT_TRUE(store.retain("t", event(99)));
  EXPECT_EQ(store.find("t")->size(), 1u);
  EXPECT_EQ(store.find("u"), nullptr);
}

TEST(RetainedEvents, BytesAreBounded) {
  RetainedEvents store;
  const std::size_t big = RetainedEvents::kMaxBytes / 4;
  ASSERT_TRUE(store.retain("a", event(1, big)));
  ASSERT_TRUE(store.retain("b", event(2, big)));
  ASSERT_TRUE(store.retain("c", event(3, big)));
  EXPECT_FALSE(store.retain("d", event(4, big)));  // a fourth quarter (plus overheads) is too much
  EXPECT_EQ(store.find("d"), nullptr);
  ASSERT_TRUE(store.retain("a", event(5, big)));  // replacing frees what it replaces
  EXPECT_EQ(store.find("a")->back().publication, 5u);
  EXPECT_LE(store.bytes(), RetainedEvents::kMaxBytes);
  ASSERT_TRUE(store.retain("a", event(6, 10)));
  EXPECT_LT(store.bytes(), RetainedEvents::kMaxBytes);
  EXPECT_TRUE(store.retain("d", event(7, big)));
}

RouterConfig config() {
  RouterConfig c;
  c.realms.push_back(testing::realm_config("realm1", wamp::UriCheck::loose,
                                           {{"anonymous", {testing::allow_all()}}}));
  return c;
}

Message publish(wamp::Id request_id, std::string topic, wamp::Object options, wamp::Array args) {
  Message m = request(MessageType::publish, request_id, std::move(topic), std::move(options));
  m.payload = wamp::make_payload(args);
  return m;
}

TEST(BrokerRetained, LateSubscriberGetsTheLatestItMayReceive) {
  Router router(config());
  Client publisher(router), late(router), other(router);
  publisher.send(publish(1, "com.temp", {{"retain", true}}, {20}));
  publisher.send(publish(2, "com.temp", {{"retain", true}}, {21}));
  // Newer, but only for `other`: `late` must get 21, `other` 22.
  publisher.send(publish(
      3, "com.temp", {{"retain", true}, {"eligible", wamp::Array{wamp::Value(other.id)}}}, {22}));
  publisher.send(publish(4, "com.temp", {}, {23}));  // not retained
  EXPECT_TRUE(publisher.peer.inbox.empty());

  late.send(request(MessageType::subscribe, 1, "com.temp", {{"get_retained", true}}));
  const Message subscribed = late.peer.pop();
  EXPECT_EQ(subscribed.type, MessageType::subscribed);
  const Message retained = late.peer.pop();
  ASSERT_EQ(retained.type, MessageType::event);
  EXPECT_EQ(retained.id, subscribed.id);
  EXPECT_EQ(retained.payload->args, "[21]");
  EXPECT_EQ(wamp::get_bool(retained.options, "retained"), true);
  EXPECT_TRUE(late.peer.inbox.empty());

  other.send(request(MessageType::subscribe, 1, "com.temp", {{"get_retained", true}}));
  other.peer.pop();
  EXPECT_EQ(other.peer.pop().payload->args, "[22]");

  // Without get_retained: nothing.
  Client plain(router);
  plain.send(request(MessageType::subscribe, 1, "com.temp"));
  plain.peer.pop();
  EXPECT_TRUE(plain.peer.inbox.empty());
  // An unknown topic: nothing either.
  plain.send(request(MessageType::subscribe, 2, "com.none", {{"get_retained", true}}));
  plain.peer.pop();
  EXPECT_TRUE(plain.peer.inbox.empty());
}

TEST(BrokerRetained, PublisherIdentityOnlyWhenDisclosed) {
  Router router(config());
  Client publisher(router), a(router);
  publisher.send(publish(1, "com.x", {{"retain", true}, {"disclose_me", true}}, {}));
  a.send(request(MessageType::subscribe, 1, "com.x", {{"get_retained", true}}));
  a.peer.pop();
  const Message e = a.peer.pop();
  EXPECT_EQ(wamp::get_uint(e.options, "publisher"), publisher.id);
  publisher.send(publish(2, "com.y", {{"retain", true}}, {}));
  a.send(request(MessageType::subscribe, 2, "com.y", {{"get_retained", true}}));
  a.peer.pop();
  EXPECT_EQ(wamp::find(a.peer.pop().options, "publisher"), nullptr);
}

TEST(BrokerRetained, PatternSubscriberGetsEachMatchingTopicsLatest) {
  Router router(config());
  Client publisher(router), late(router);
  publisher.send(publish(1, "com.room.a.temp", {{"retain", true}}, {1}));
  publisher.send(publish(2, "com.room.b.temp", {{"retain", true}}, {2}));
  publisher.send(publish(3, "com.hall.temp", {{"retain", true}}, {3}));
  late.send(request(MessageType::subscribe, 1, "com.room.",
                    {{"match", "prefix"}, {"get_retained", true}}));
  EXPECT_EQ(late.peer.pop().type, MessageType::subscribed);
  std::set<std::string> topics;
  while (!late.peer.inbox.empty()) {
    const Message e = late.peer.pop();
    EXPECT_EQ(e.type, MessageType::event);
    EXPECT_EQ(wamp::get_bool(e.options, "retained"), true);
    topics.insert(*wamp::get_string(e.options, "topic"));
  }
  EXPECT_EQ(topics, (std::set<std::string>{"com.room.a.temp", "com.room.b.temp"}));
}

}  // namespace
}  // namespace junction::router
