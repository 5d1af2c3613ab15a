// Test support for router unit tests: fake peers that record what the router sends, a client
// (fake peer + connection), request builders and a router config with a few realms.
#pragma once

#include <gtest/gtest.h>

#include <deque>
#include <memory>
#include <string>
#include <vector>

#include "router/authorizer.hpp"
#include "router/router.hpp"

namespace junction::router::test_support {

using wamp::Message;
using wamp::MessageType;

class FakePeer : public Peer {
 public:
  void send(wamp::OutboundPtr message) override { inbox.push_back(std::move(message)); }
  void close() override { closed = true; }
  std::string describe() const override { return "fake"; }

  Message pop() {
    EXPECT_FALSE(inbox.empty());
    if (inbox.empty()) return {};
    Message m = inbox.front()->message();
    inbox.pop_front();
    return m;
  }

  std::deque<wamp::OutboundPtr> inbox;
  bool closed = false;
};

inline Permission allow_all(std::string uri = "", MatchPolicy match = MatchPolicy::prefix) {
  Permission p;
  p.uri = std::move(uri);
  p.match = match;
  p.call = p.register_ = p.publish = p.subscribe = true;
  return p;
}

// A realm config (RealmConfig has more fields than tests care about).
inline RealmConfig realm_config(std::string name, wamp::UriCheck check,
                                std::vector<RoleConfig> roles, bool meta_api = true) {
  RealmConfig realm;
  realm.name = std::move(name);
  realm.uri_check = check;
  realm.roles = std::move(roles);
  realm.enable_meta_api = meta_api;
  return realm;
}

inline RouterConfig test_config() {
  RouterConfig config;
  config.realms.push_back(
      realm_config("realm1", wamp::UriCheck::loose, {{"anonymous", {allow_all()}}}));
  Permission only_subscribe = allow_all();
  only_subscribe.publish = only_subscribe.register_ = only_subscribe.call = false;
  config.realms.push_back(
      realm_config("strict", wamp::UriCheck::strict, {{"anonymous", {allow_all()}}}));
  config.realms.push_back(
      realm_config("readonly", wamp::UriCheck::loose, {{"anonymous", {only_subscribe}}}));
  config.realms.push_back(realm_config("noroles", wamp::UriCheck::loose, {}));
  // May register anything under "com.", call only "com.open".
  Permission register_only = allow_all("com.");
  register_only.call = false;
  Permission call_open = allow_all("com.open", MatchPolicy::exact);
  config.realms.push_back(realm_config("callrules", wamp::UriCheck::loose,
                                       {{"anonymous", {register_only, call_open}}}));
  return config;
}

inline Message hello(std::string realm) {
  Message m;
  m.type = MessageType::hello;
  m.uri = std::move(realm);
  m.options["roles"] = wamp::Object{{"caller", wamp::Object{}},
                                    {"callee", wamp::Object{}},
                                    {"publisher", wamp::Object{}},
                                    {"subscriber", wamp::Object{}}};
  return m;
}

inline Message request(MessageType type, wamp::Id request, std::string uri = {},
                       wamp::Object options = {}) {
  Message m;
  m.type = type;
  m.request = request;
  m.uri = std::move(uri);
  m.options = std::move(options);
  return m;
}

// One client: a fake peer plus its router connection.
struct Client {
  FakePeer peer;
  std::unique_ptr<Connection> connection;

  Client(Router& router, const std::string& realm = "realm1") : connection(router.connect(peer)) {
    connection->receive(hello(realm));
  }
  wamp::Id join() {
    Message welcome = peer.pop();
    EXPECT_EQ(welcome.type, MessageType::welcome);
    return welcome.id;
  }
  void send(Message m) { connection->receive(std::move(m)); }
};

inline void expect_error(const Message& m, MessageType request_type, wamp::Id request,
                         std::string_view uri) {
  EXPECT_EQ(m.type, MessageType::error);
  EXPECT_EQ(m.error_type, request_type);
  EXPECT_EQ(m.request, request);
  EXPECT_EQ(m.uri, uri);
}

inline void expect_abort(FakePeer& peer, std::string_view reason) {
  Message m = peer.pop();
  EXPECT_EQ(m.type, MessageType::abort);
  EXPECT_EQ(m.uri, reason);
  EXPECT_TRUE(peer.closed);
}

class RouterTest : public ::testing::Test {
 protected:
  Router router{test_config()};
};

}  // namespace junction::router::test_support
