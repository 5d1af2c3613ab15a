// router/broker: PUBLISH → EVENT fan-out. One EVENT message per publication is built and shared
// by all subscribers (Outbound encodes it once per serializer), so the per-subscriber cost is a
// filter check and a queued pointer.
#include "router/broker.hpp"

#include <algorithm>

#include "base/log.hpp"
#include "router/passthru.hpp"
#include "router/realm.hpp"
#include "wamp/match.hpp"

namespace junction::router {
namespace {

using wamp::Message;
using wamp::MessageType;

bool contains_id(const wamp::Array& list, wamp::Id id) {
  return std::any_of(list.begin(), list.end(),
                     [id](const wamp::Value& v) { return v.as_uint() == id; });
}

bool contains_string(const wamp::Array& list, std::string_view s) {
  return std::any_of(list.begin(), list.end(), [s](const wamp::Value& v) {
    const std::string* str = v.as_string();
    return str && *str == s;
  });
}

// Subscriber black- and whitelisting: the PUBLISH options that narrow who receives an event.
struct RecipientFilter {
  const wamp::Array* exclude = nullptr;
  const wamp::Array* exclude_authid = nullptr;
  const wamp::Array* exclude_authrole = nullptr;
  const wamp::Array* eligible = nullptr;
  const wamp::Array* eligible_authid = nullptr;
  const wamp::Array* eligible_authrole = nullptr;

  explicit RecipientFilter(const wamp::Object& options)
      : exclude(wamp::get_array(options, "exclude")),
        exclude_authid(wamp::get_array(options, "exclude_authid")),
        exclude_authrole(wamp::get_array(options, "exclude_authrole")),
        eligible(wamp::get_array(options, "eligible")),
        eligible_authid(wamp::get_array(options, "eligible_authid")),
        eligible_authrole(wamp::get_array(options, "eligible_authrole")) {}

  // Inlined into the fan-out loop (it is also called for retained events, which would otherwise
  // make it an out-of-line call per recipient).
  [[gnu::always_inline]] bool accepts(const Session& s) const {
    if (exclude && contains_id(*exclude, s.id)) return false;
    if (exclude_authid && contains_string(*exclude_authid, s.authid)) return false;
    if (exclude_authrole && contains_string(*exclude_authrole, s.authrole)) return false;
    if (eligible && !contains_id(*eligible, s.id)) return false;
    if (eligible_authid && !contains_string(*eligible_authid, s.authid)) return false;
    if (eligible_authrole && !contains_string(*eligible_authrole, s.authrole)) return false;
    return true;
  }
};

}  // namespace

wamp::Object Broker::features() {
  return wamp::Object{
      {"publisher_exclusion", true},            // publish(): exclude_me
      {"publisher_identification", true},       // publish(): disclose_me, role's disclose
      {"subscriber_blackwhite_listing", true},  // RecipientFilter
      {"pattern_based_subscription", true},     // subscribe(): match; publish(): Details.topic
      {"event_retention", true},                // retain(), send_retained()
      {"payload_passthru_mode", true},          // publish(), retain(): ppt_*
  };
}

void Broker::subscribe(Session& session, const Message& message) {
  const auto match = match_option(session, message);
  if (!match) return;
  if (!admit(realm_, session, message, Action::subscribe, true, *match)) return;
  Subscription* subscription = index_.find(message.uri, *match);
  const std::size_t limit = realm_.config().max_subscriptions_per_session;
  if (limit != 0 && session.subscriptions.size() >= limit &&
      (subscription == nullptr || !session.subscriptions.contains(subscription->id))) {
    reply_error(session, message, wamp::errors::limit_exceeded,
                "this session holds its maximum of " + std::to_string(limit) +
                    " subscriptions (realm options.max_subscriptions_per_session)");
    return;
  }
  const bool created = subscription == nullptr;
  if (created) {
    auto fresh = std::make_unique<Subscription>();
    fresh->topic = message.uri;
    fresh->match = *match;
    fresh->id = realm_.ids().next_unique([this](wamp::Id id) { return by_id_.contains(id); });
    fresh->created = WallClock::now();
    subscription = fresh.get();
    index_.insert(subscription->topic, subscription->match, subscription);
    by_id_.emplace(subscription->id, std::move(fresh));
  }
  // Subscribing twice to the same topic and policy returns the existing subscription (spec).
  const bool added = std::find(subscription->subscribers.begin(), subscription->subscribers.end(),
                               &session) == subscription->subscribers.end();
  if (added) {
    subscription->subscribers.push_back(&session);
    session.subscriptions.insert(subscription->id);
  }
  Message reply;
  reply.type = MessageType::subscribed;
  reply.request = message.request;
  reply.id = subscription->id;
  session.send(std::move(reply));
  if (created) {
    realm_.notify([&](RealmObserver& o) { o.subscription_created(session, *subscription); });
  }
  if (added) realm_.notify([&](RealmObserver& o) { o.subscriber_added(session, *subscription); });
  if (wamp::get_bool(message.options, "get_retained").value_or(false)) {
    send_retained(session, *subscription);
  }
}

void Broker::retain(const Session& publisher, const Message& message, wamp::Id publication) {
  RetainedEvents::Event event;
  event.publication = publication;
  event.payload = message.payload;
  const Authorization auth =
      realm_.authorizer().authorize(publisher.authrole, message.uri, Action::publish);
  if (auth.disclose || wamp::get_bool(message.options, "disclose_me").value_or(false)) {
    event.details["publisher"] = wamp::Value(publisher.id);
    event.details["publisher_authid"] = publisher.authid;
    event.details["publisher_authrole"] = publisher.authrole;
  }
  for (const char* key : {"exclude", "exclude_authid", "exclude_authrole", "eligible",
                          "eligible_authid", "eligible_authrole"}) {
    if (const wamp::Value* value = wamp::find(message.options, key)) event.filter[key] = *value;
  }
  if (passthru_of(message.options) == Passthru::valid)
    copy_passthru(message.options, event.details);
  retained_.retain(message.uri, std::move(event));
}

void Broker::send_retained(const Session& session, const Subscription& subscription) {
  // Per matching topic, the most recent retained event this subscriber would have received
  // (spec); a pattern subscription's events carry the topic, as live ones do.
  const auto send_latest = [&](const std::string& topic,
                               const std::vector<RetainedEvents::Event>& events) {
    for (auto it = events.rbegin(); it != events.rend(); ++it) {
      if (!RecipientFilter(it->filter).accepts(session)) continue;
      Message event;
      event.type = MessageType::event;
      event.id = subscription.id;
      event.id2 = it->publication;
      event.options = it->details;
      event.options["retained"] = true;
      if (subscription.match != MatchPolicy::exact) event.options["topic"] = topic;
      event.payload = it->payload;
      session.send(std::move(event));
      return;
    }
  };
  if (subscription.match == MatchPolicy::exact) {
    if (const auto* events = retained_.find(subscription.topic)) {
      send_latest(subscription.topic, *events);
    }
    return;
  }
  retained_.for_each(
      [&](const std::string& topic, const std::vector<RetainedEvents::Event>& events) {
        if (wamp::matches(subscription.topic, subscription.match, topic))
          send_latest(topic, events);
      });
}

void Broker::unsubscribe(Session& session, const Message& message) {
  const auto it = by_id_.find(message.id);
  if (it == by_id_.end() || !session.subscriptions.contains(message.id)) {
    reply_error(session, message, wamp::errors::no_such_subscription,
                "no subscription with id " + std::to_string(message.id) + " for this session");
    return;
  }
  detach(session, *it->second);
  Message reply;
  reply.type = MessageType::unsubscribed;
  reply.request = message.request;
  session.send(std::move(reply));
}

void Broker::detach(Session& session, Subscription& subscription) {
  session.subscriptions.erase(subscription.id);
  std::erase(subscription.subscribers, &session);
  realm_.notify([&](RealmObserver& o) { o.subscriber_removed(session, subscription); });
  if (subscription.subscribers.empty()) {
    realm_.notify([&](RealmObserver& o) { o.subscription_deleted(session, subscription); });
    index_.erase(subscription.topic, subscription.match);
    by_id_.erase(subscription.id);  // destroys `subscription`
  }
}

bool Broker::remove_subscriber(wamp::Id subscription_id, Session& subscriber,
                               const std::string& reason) {
  const auto it = by_id_.find(subscription_id);
  if (it == by_id_.end() || !subscriber.subscriptions.contains(subscription_id)) return false;
  detach(subscriber, *it->second);
  // Subscription revocation (spec, advanced profile): UNSUBSCRIBED with request 0 and details,
  // only to a subscriber that announced it understands them.
  if (!subscriber.features.subscriber_subscription_revocation) return true;
  Message notice;
  notice.type = MessageType::unsubscribed;
  notice.options["subscription"] = wamp::Value(subscription_id);
  if (!reason.empty()) notice.options["reason"] = reason;
  subscriber.send(std::move(notice));
  return true;
}

void Broker::remove_session(Session& session) {
  const auto ids = session.subscriptions;  // detach() edits the set
  for (wamp::Id id : ids) {
    if (auto it = by_id_.find(id); it != by_id_.end()) detach(session, *it->second);
  }
}

bool Broker::has_subscribers(std::string_view topic) const {
  if (by_id_.empty()) return false;
  bool found = false;
  index_.for_each_match(topic, [&found](const Subscription&) { found = true; });
  return found;
}

void Broker::publish(Session& session, const Message& message) {
  const bool acknowledge = wamp::get_bool(message.options, "acknowledge").value_or(false);
  // Payload passthru (router/passthru.hpp): only from a publisher that announced it (spec: else
  // a protocol error); whether each subscriber can read it is the subscriber's business (spec).
  const Passthru passthru = passthru_of(message.options);
  if (passthru == Passthru::invalid) {
    if (acknowledge) {
      reply_error(session, message, wamp::errors::invalid_argument,
                  "ppt_scheme must be a non-empty string and ppt_serializer, ppt_cipher, "
                  "ppt_keyid strings");
    }
    return;
  }
  if (passthru == Passthru::valid && !session.features.publisher_payload_passthru) {
    abort_session(session, wamp::errors::protocol_violation,
                  "PUBLISH in payload passthru mode from a peer that did not announce "
                  "payload_passthru_mode");
    return;  // `session` is gone
  }
  // Static authorization: a topic this session was granted before needs no check
  // (router/session.hpp, PublishGrants). A dynamic role's answers are its authorizer's.
  const bool static_role = !session.preauthorized && !session.dynamic_role;
  const PublishGrants::Grant* grant =
      static_role && session.publish_grants ? session.publish_grants->find(message.uri) : nullptr;
  std::optional<Authorization> auth;
  if (grant) {
    auth = Authorization{.allowed = true, .disclose = grant->disclose};
  } else {
    // Errors for a publication are reported only when the publisher asked for acknowledgement.
    auth = admit(realm_, session, message, Action::publish, acknowledge);
    if (!auth) return;
    if (static_role) {
      if (!session.publish_grants) session.publish_grants = std::make_unique<PublishGrants>();
      session.publish_grants->keep(message.uri, auth->disclose);
    }
  }
  const wamp::Id publication = realm_.ids().next();
  if (wamp::get_bool(message.options, "retain").value_or(false)) {
    retain(session, message, publication);
  }
  if (!index_.empty()) {
    const bool disclose =
        auth->disclose || wamp::get_bool(message.options, "disclose_me").value_or(false);
    const bool exclude_me = wamp::get_bool(message.options, "exclude_me").value_or(true);
    const RecipientFilter filter(message.options);
    // One EVENT per matching subscription (the spec's "delivered for each subscription"): a
    // session subscribed to a topic and to a pattern that matches it receives both.
    index_.for_each_match(message.uri, [&](const Subscription& subscription) {
      Message event;
      event.type = MessageType::event;
      event.id = subscription.id;
      event.id2 = publication;
      event.payload = message.payload;  // shared, never copied
      if (disclose) {
        event.options["publisher"] = wamp::Value(session.id);
        event.options["publisher_authid"] = session.authid;
        event.options["publisher_authrole"] = session.authrole;
      }
      // A pattern's subscribers learn the concrete topic (spec: EVENT.Details.topic).
      if (subscription.match != MatchPolicy::exact) event.options["topic"] = message.uri;
      if (passthru == Passthru::valid) copy_passthru(message.options, event.options);
      const wamp::OutboundPtr outbound = wamp::make_outbound(std::move(event));
      for (Session* subscriber : subscription.subscribers) {
        if (subscriber == &session && exclude_me) continue;
        if (!filter.accepts(*subscriber)) continue;
        subscriber->send(outbound);
      }
    });
  }
  if (acknowledge) {
    Message reply;
    reply.type = MessageType::published;
    reply.request = message.request;
    reply.id = publication;
    session.send(std::move(reply));
  }
}

}  // namespace junction::router
