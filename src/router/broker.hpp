// router/broker: Publish & Subscribe. Subscriptions by topic (exact match), fan-out of events
// encoded once per serializer and shared by every subscriber, publisher exclusion, acknowledge.
#pragma once

#include <string>
#include <unordered_map>
#include <vector>

#include "router/session.hpp"

namespace junction::router {

class Realm;

struct Subscription {
  wamp::Id id = 0;
  std::string topic;
  std::vector<Session*> subscribers;  // in subscription order
};

class Broker {
 public:
  explicit Broker(Realm& realm) : realm_(realm) {}

  void subscribe(Session& session, const wamp::Message& message);
  void unsubscribe(Session& session, const wamp::Message& message);
  void publish(Session& session, const wamp::Message& message);
  // Drops every subscription of a session that leaves.
  void remove_session(Session& session);

  std::size_t subscription_count() const { return by_id_.size(); }

 private:
  void detach(Session& session, Subscription& subscription);

  Realm& realm_;
  std::unordered_map<std::string, Subscription> by_topic_;
  std::unordered_map<wamp::Id, Subscription*> by_id_;
};

}  // namespace junction::router
