// meta/event_history: one bounded deque of events per history subscription.
#include "meta/event_history.hpp"

#include <algorithm>
#include <chrono>

#include "base/log.hpp"
#include "wamp/codec.hpp"

namespace junction::meta {
namespace {

const char* match_name(router::MatchPolicy match) {
  switch (match) {
    case router::MatchPolicy::prefix:
      return "prefix";
    case router::MatchPolicy::wildcard:
      return "wildcard";
    case router::MatchPolicy::exact:
      break;
  }
  return "exact";
}

wamp::Value decoded(const wamp::PayloadPtr& payload, bool kwargs) {
  if (!payload) return kwargs ? wamp::Value(wamp::Object{}) : wamp::Value(wamp::Array{});
  const std::string& bytes = kwargs ? payload->kwargs : payload->args;
  if (bytes.empty()) return kwargs ? wamp::Value(wamp::Object{}) : wamp::Value(wamp::Array{});
  const wamp::Codec* codec = wamp::codec_for(payload->format);
  if (!codec) return wamp::Value();
  auto value = codec->decode_value(bytes);
  if (auto* v = std::get_if<wamp::Value>(&value)) return std::move(*v);
  return wamp::Value();
}

}  // namespace

EventHistory::EventHistory(router::InProcessSession& session, const router::RealmConfig& realm)
    : session_(session), configured_(realm.event_history) {
  for (const router::EventHistoryConfig& config : configured_) {
    wamp::Object options;
    if (config.match != router::MatchPolicy::exact) options["match"] = match_name(config.match);
    session_.subscribe(
        config.uri, [this](const router::InProcessSession::Event& event) { keep(event); },
        std::move(options),
        [this, config](router::InProcessSession::Answer answer) {
          if (!answer.ok()) {
            JLOG(error, "meta") << "event history for '" << config.uri
                                << "': could not subscribe: " << answer.error;
            return;
          }
          History& history = by_subscription_[answer.id];
          history.uri = config.uri;
          history.limit = std::max(history.limit, config.limit);
        });
  }
}

void EventHistory::keep(const router::InProcessSession::Event& event) {
  const auto it = by_subscription_.find(event.subscription);
  if (it == by_subscription_.end()) return;
  History& history = it->second;
  Stored stored;
  stored.time_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(
                       std::chrono::system_clock::now().time_since_epoch())
                       .count();
  stored.publication = event.publication;
  const std::string* topic = wamp::get_string(event.details, "topic");  // pattern subscriptions
  stored.topic = topic ? *topic : history.uri;
  stored.payload = event.payload;
  if (const auto publisher = wamp::get_uint(event.details, "publisher")) {
    stored.publisher["session_id"] = wamp::Value(*publisher);
    if (const std::string* a = wamp::get_string(event.details, "publisher_authid")) {
      stored.publisher["authid"] = *a;
    }
    if (const std::string* r = wamp::get_string(event.details, "publisher_authrole")) {
      stored.publisher["authrole"] = *r;
    }
  }
  history.events.push_back(std::move(stored));
  while (history.events.size() > history.limit)
    history.events.pop_front();
}

std::optional<wamp::Array> EventHistory::events(wamp::Id subscription, std::size_t limit,
                                                const std::string& realm) const {
  const auto it = by_subscription_.find(subscription);
  if (it == by_subscription_.end()) return std::nullopt;
  wamp::Array out;
  const auto& events = it->second.events;
  for (auto e = events.rbegin(); e != events.rend() && out.size() < limit; ++e) {
    // Crossbar's event dict; the publisher's fields are null unless it was disclosed.
    wamp::Object item{{"time_ns", wamp::Value(e->time_ns)},
                      {"realm", realm},
                      {"session_id", nullptr},
                      {"authid", nullptr},
                      {"authrole", nullptr},
                      {"publication", wamp::Value(e->publication)},
                      {"topic", e->topic},
                      {"args", decoded(e->payload, false)},
                      {"kwargs", decoded(e->payload, true)}};
    for (const auto& [key, value] : e->publisher)
      item[key] = value;
    out.push_back(std::move(item));
  }
  return out;
}

}  // namespace junction::meta
