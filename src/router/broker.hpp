// router/broker: Publish & Subscribe. Subscriptions by topic pattern (exact, prefix, wildcard;
// router/uri_index.hpp), fan-out of events encoded once per serializer and shared by every
// subscriber, publisher exclusion, black- and whitelisting, acknowledge.
#pragma once

#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "router/realm_events.hpp"
#include "router/retained_events.hpp"
#include "router/session.hpp"
#include "router/uri_index.hpp"

namespace junction::router {

class Realm;

struct Subscription {
  wamp::Id id = 0;
  std::string topic;  // the topic or pattern subscribed to
  MatchPolicy match = MatchPolicy::exact;
  std::vector<Session*> subscribers;  // in subscription order
  WallClock::time_point created;
};

class Broker {
 public:
  explicit Broker(Realm& realm) : realm_(realm) {}

  // The broker features WELCOME announces: exactly those implemented here.
  static wamp::Object features();

  void subscribe(Session& session, const wamp::Message& message);
  void unsubscribe(Session& session, const wamp::Message& message);
  void publish(Session& session, const wamp::Message& message);
  // Drops every subscription of a session that leaves.
  void remove_session(Session& session);
  // Subscription revocation: `subscriber` is no longer subscribed and is told so with
  // UNSUBSCRIBED {subscription, reason} (request 0). False if it was not subscribed.
  bool remove_subscriber(wamp::Id subscription, Session& subscriber, const std::string& reason);

  std::size_t subscription_count() const { return by_id_.size(); }
  const RetainedEvents& retained() const { return retained_; }
  // Whether a publication to `topic` would reach anyone (meta events skip building otherwise).
  bool has_subscribers(std::string_view topic) const;

  // For the meta API (wamp.subscription.get/lookup/match/list):
  // the subscription with this id, or nullptr;
  const Subscription* find(wamp::Id id) const {
    const auto it = by_id_.find(id);
    return it == by_id_.end() ? nullptr : it->second.get();
  }
  // the subscription on exactly this topic or pattern under this policy, or nullptr;
  const Subscription* lookup(std::string_view topic, MatchPolicy match) const {
    return index_.find(topic, match);
  }
  // f(const Subscription&) for every subscription a publication to `topic` reaches (exact, then
  // prefixes shortest first, then wildcards best first). `f` must not subscribe or unsubscribe.
  template <typename F>
  void for_each_match(std::string_view topic, F&& f) const {
    index_.for_each_match(topic, [&f](const Subscription& s) { f(s); });
  }
  const std::unordered_map<wamp::Id, std::unique_ptr<Subscription>>& subscriptions() const {
    return by_id_;
  }

 private:
  void detach(Session& session, Subscription& subscription);
  // Event retention: keep a `retain: true` publication; give a `get_retained: true` subscriber
  // the latest one it may receive.
  void retain(const Session& publisher, const wamp::Message& message, wamp::Id publication);
  void send_retained(const Session& session, const Subscription& subscription);

  Realm& realm_;
  RetainedEvents retained_;
  std::unordered_map<wamp::Id, std::unique_ptr<Subscription>> by_id_;  // owns the subscriptions
  UriIndex<Subscription> index_;                                       // by (topic, match)
};

}  // namespace junction::router
