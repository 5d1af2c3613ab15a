// router/clock: the timer heap (see clock.hpp).
#include "router/clock.hpp"

#include <algorithm>

namespace junction::router {

Timers::Id Timers::start(Clock::duration after, Callback callback) {
  const Id id = ++last_id_;
  const Clock::time_point at = clock_->now() + std::max(after, Clock::duration::zero());
  heap_.push_back(Entry{at, id});
  std::push_heap(heap_.begin(), heap_.end());
  callbacks_.emplace(id, std::move(callback));
  if (at < armed_) {
    armed_ = at;
    clock_->wake_at(at);
  }
  return id;
}

void Timers::cancel(Id id) {
  if (id == 0 || callbacks_.erase(id) == 0) return;
  if (callbacks_.empty()) {
    heap_.clear();
    armed_ = Clock::time_point::max();
    clock_->wake_at(armed_);
  } else if (heap_.size() > 64 && heap_.size() > 2 * callbacks_.size()) {
    compact();  // many calls answered long before their timeout
  }
}

void Timers::run_due() {
  // The clock's wake-up was used (or this call is an early or an extra one): ask again below.
  armed_ = Clock::time_point::max();
  const Clock::time_point now = clock_->now();
  while (!heap_.empty() && heap_.front().at <= now) {
    std::pop_heap(heap_.begin(), heap_.end());
    const Id id = heap_.back().id;
    heap_.pop_back();
    const auto it = callbacks_.find(id);
    if (it == callbacks_.end()) continue;  // cancelled
    Callback callback = std::move(it->second);
    callbacks_.erase(it);
    callback();  // may start or cancel timers
  }
  rearm();
}

void Timers::rearm() {
  // Cancelled entries on top would wake the clock for nothing.
  while (!heap_.empty() && !callbacks_.contains(heap_.front().id)) {
    std::pop_heap(heap_.begin(), heap_.end());
    heap_.pop_back();
  }
  const Clock::time_point next = heap_.empty() ? Clock::time_point::max() : heap_.front().at;
  if (next != armed_) {
    armed_ = next;
    clock_->wake_at(next);
  }
}

void Timers::compact() {
  std::erase_if(heap_, [this](const Entry& entry) { return !callbacks_.contains(entry.id); });
  std::make_heap(heap_.begin(), heap_.end());
}

}  // namespace junction::router
