// router/retained_events: event retention (spec, advanced profile). A PUBLISH with
// `retain: true` leaves its event on the topic; a later SUBSCRIBE with `get_retained: true` gets
// the most recent retained event it would have received had it been subscribed then, with
// `EVENT.Details.retained: true`.
//
// Per topic: the newest event published for everyone, followed by newer ones published with
// black/whitelists (which only some may receive), at most kMaxPerTopic of them. Bounded: the
// payloads of all retained events of a realm together stay under kMaxBytes; past it a new topic
// is not retained (logged), while a topic already retained may still be replaced.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "wamp/message.hpp"

namespace junction::router {

class RetainedEvents {
 public:
  static constexpr std::size_t kMaxPerTopic = 8;
  static constexpr std::size_t kMaxBytes = 64u << 20;

  struct Event {
    wamp::Id publication = 0;
    wamp::PayloadPtr payload;
    wamp::Object details;  // publisher, publisher_authid, publisher_authrole when disclosed
    wamp::Object filter;   // the PUBLISH's exclude*/eligible* options; empty: for everyone
  };

  // Keeps `event` on `topic`. False when it was refused (the realm's retained bytes are full).
  bool retain(const std::string& topic, Event event);
  // The events retained on `topic`, oldest first, or null.
  const std::vector<Event>* find(std::string_view topic) const {
    const auto it = by_topic_.find(std::string(topic));
    return it == by_topic_.end() ? nullptr : &it->second;
  }
  // f(topic, events) for every topic with retained events.
  template <typename F>
  void for_each(F&& f) const {
    for (const auto& [topic, events] : by_topic_)
      f(topic, events);
  }
  std::size_t bytes() const { return bytes_; }
  std::size_t topic_count() const { return by_topic_.size(); }

 private:
  static std::size_t size_of(const std::string& topic, const Event& event);

  std::unordered_map<std::string, std::vector<Event>> by_topic_;
  std::size_t bytes_ = 0;
  bool warned_ = false;
};

}  // namespace junction::router
