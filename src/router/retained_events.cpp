// router/retained_events: what each topic keeps, within the realm's byte budget.
#include "router/retained_events.hpp"

#include "base/log.hpp"

namespace junction::router {

std::size_t RetainedEvents::size_of(const std::string& topic, const Event& event) {
  std::size_t n = topic.size() + sizeof(Event);
  if (event.payload) n += event.payload->args.size() + event.payload->kwargs.size();
  return n;
}

bool RetainedEvents::retain(const std::string& topic, Event event) {
  const std::size_t size = size_of(topic, event);
  auto it = by_topic_.find(topic);
  // What this event frees on its topic: everything when it is for everyone, else (once the topic
  // is full) the oldest filtered entry — the one for everyone, first, stays.
  std::size_t freed = 0;
  std::vector<Event>::iterator evicted;
  bool evict = false;
  if (it != by_topic_.end()) {
    if (event.filter.empty()) {
      for (const Event& old : it->second)
        freed += size_of(topic, old);
    } else if (it->second.size() >= kMaxPerTopic) {
      evicted = it->second.begin();
      if (evicted->filter.empty()) ++evicted;
      freed = size_of(topic, *evicted);
      evict = true;
    }
  }
  if (bytes_ - freed + size > kMaxBytes) {
    if (!warned_) {
      JLOG(warn, "broker") << "retained events reached " << (kMaxBytes >> 20)
                           << " MiB on this realm: '" << topic
                           << "' and further topics are not retained";
      warned_ = true;
    }
    return false;
  }
  if (it == by_topic_.end()) it = by_topic_.try_emplace(topic).first;
  std::vector<Event>& events = it->second;
  if (event.filter.empty()) {
    events.clear();
  } else if (evict) {
    events.erase(evicted);
  }
  bytes_ = bytes_ - freed + size;
  events.push_back(std::move(event));
  return true;
}

}  // namespace junction::router
