// Test doubles for the router: a Peer that records what the router sends, and a client that
// joins through it. No sockets.
#pragma once

#include <gtest/gtest.h>

#include <deque>
#include <memory>
#include <string>

#include "router/router.hpp"

namespace junction::router::testing {

class FakePeer : public Peer {
 public:
  void send(wamp::OutboundPtr message) override { inbox.push_back(std::move(message)); }
  void close() override { closed = true; }
  std::string describe() const override { return "fake"; }

  wamp::Message pop() {
    EXPECT_FALSE(inbox.empty());
    if (inbox.empty()) return {};
    wamp::Message m = inbox.front()->message();
    inbox.pop_front();
    return m;
  }

  std::deque<wamp::OutboundPtr> inbox;
  bool closed = false;
};

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

inline Permission allow_all(std::string uri = "", MatchPolicy match = MatchPolicy::prefix) {
  Permission p;
  p.uri = std::move(uri);
  p.match = match;
  p.call = p.register_ = p.publish = p.subscribe = true;
  return p;
}

// HELLO announcing every client role; `features` are the subscriber's and callee's.
inline wamp::Message hello(std::string realm, wamp::Object features = {}) {
  wamp::Message m;
  m.type = wamp::MessageType::hello;
  m.uri = std::move(realm);
  const wamp::Object role{{"features", features}};
  m.options["roles"] =
      wamp::Object{{"caller", role}, {"callee", role}, {"publisher", role}, {"subscriber", role}};
  return m;
}

inline wamp::Message request(wamp::MessageType type, wamp::Id request, std::string uri = {},
                             wamp::Object options = {}) {
  wamp::Message m;
  m.type = type;
  m.request = request;
  m.uri = std::move(uri);
  m.options = std::move(options);
  return m;
}

struct Client {
  FakePeer peer;
  std::unique_ptr<Connection> connection;
  wamp::Id id = 0;

  explicit Client(Router& router, const std::string& realm = "realm1", wamp::Object features = {})
      : connection(router.connect(peer)) {
    connection->receive(hello(realm, std::move(features)));
    wamp::Message welcome = peer.pop();
    EXPECT_EQ(welcome.type, wamp::MessageType::welcome);
    id = welcome.id;
  }
  void send(wamp::Message m) { connection->receive(std::move(m)); }
};

}  // namespace junction::router::testing
