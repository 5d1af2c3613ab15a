// meta/event_history: Crossbar's memory event store ("store": {"type": "memory",
// "event-history": [{"uri", "match", "limit"}]}). For each configured topic (or pattern) an
// in-process session of the router subscribes at start-up — so the subscription exists from
// the start, and a client subscribing to the same topic gets the same subscription id — and
// keeps the last `limit` events it receives, sharing their payloads with the publication (no
// copy). wamp.subscription.get_events(subscription_id, limit) reads them, newest first.
//
// The history session is a subscriber like any other: it keeps what a subscriber would have
// received (an event whose eligible/exclude lists leave it out is not kept), and knows the
// publisher only when the publication disclosed it.
#pragma once

#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <unordered_map>

#include "router/in_process_session.hpp"

namespace junction::meta {

class EventHistory {
 public:
  // Subscribes to every configured topic of the realm; `session` must outlive this object.
  EventHistory(router::InProcessSession& session, const router::RealmConfig& realm);

  struct Stored {
    std::int64_t time_ns = 0;
    wamp::Id publication = 0;
    std::string topic;
    wamp::PayloadPtr payload;
    wamp::Object publisher;  // session_id, authid, authrole when the publisher was disclosed
  };

  // The last `limit` events of `subscription`, newest first, as Crossbar's dicts; nullopt when
  // the subscription keeps no history.
  std::optional<wamp::Array> events(wamp::Id subscription, std::size_t limit,
                                    const std::string& realm) const;
  bool enabled() const { return !configured_.empty(); }

 private:
  struct History {
    std::size_t limit = 0;
    std::string uri;
    std::deque<Stored> events;
  };
  void keep(const router::InProcessSession::Event& event);

  router::InProcessSession& session_;
  std::vector<router::EventHistoryConfig> configured_;
  std::unordered_map<wamp::Id, History> by_subscription_;
};

}  // namespace junction::meta
