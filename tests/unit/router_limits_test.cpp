// The realm's own limits (RealmConfig max_sessions, max_subscriptions_per_session,
// max_registrations_per_session): at the limit things work, one past it is refused with
// junction.error.limit_exceeded, and a freed slot can be used again.
#include <gtest/gtest.h>

#include <memory>
#include <vector>

#include "router/in_process_session.hpp"
#include "router_test_support.hpp"

namespace junction::router {
namespace {

using namespace junction::router::test_support;

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

}  // namespace
}  // namespace junction::router
