// router/clock: time on the routing thread. The router owns no timer and never reads the system
// clock itself: its host hands it a Clock (the node: one Asio timer on the routing thread's loop,
// transport/routing_clock.hpp; unit tests: a fake clock they move by hand, so deadlines are tested
// without sleeping). Timers keeps every deadline the router sets (call timeouts, the grace period
// of a `kill` cancel, later authentication timeouts) in one heap and asks the clock for one
// wake-up: the earliest. A router that sets no deadline costs the clock nothing.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <vector>

#include <boost/unordered/unordered_flat_map.hpp>

namespace junction::router {

class Clock {
 public:
  using time_point = std::chrono::steady_clock::time_point;
  using duration = std::chrono::steady_clock::duration;

  virtual ~Clock() = default;
  virtual time_point now() const = 0;
  // Asks for one call of the alarm (set_alarm) on the routing thread, outside any handler of the
  // router, once `at` has come. Replaces any earlier request; time_point::max() withdraws it. An
  // early or extra call is harmless (Timers checks what is due).
  virtual void wake_at(time_point at) = 0;

  void set_alarm(std::function<void()> alarm) { alarm_ = std::move(alarm); }

 protected:
  void ring() const {
    if (alarm_) alarm_();
  }

 private:
  std::function<void()> alarm_;
};

// The clock of a router nobody drives: real time, no wake-ups. Deadlines are kept but fire only
// when Timers::run_due is called (a router built without a clock is a unit test's that does not
// care about time).
class UndrivenClock final : public Clock {
 public:
  time_point now() const override { return std::chrono::steady_clock::now(); }
  void wake_at(time_point) override {}
};

// One-shot timers on a Clock. Starting one costs a heap push and a hash-table insertion (the
// callback is stored in place when it holds no more than two pointers, as libstdc++'s
// std::function does); cancelling one is a hash-table erase (its heap entry is skipped when it
// comes up, and the heap is rebuilt when such entries outnumber the live ones).
class Timers {
 public:
  using Id = std::uint64_t;  // 0 is never an Id: "no timer"
  using Callback = std::function<void()>;

  explicit Timers(Clock& clock) : clock_(&clock) {}
  Timers(const Timers&) = delete;
  Timers& operator=(const Timers&) = delete;

  Clock::time_point now() const { return clock_->now(); }
  // Runs `callback` once, `after` from now (on the routing thread, from run_due).
  Id start(Clock::duration after, Callback callback);
  // The timer will not run (nothing happens if it already ran or `id` is 0).
  void cancel(Id id);
  // Runs every callback whose time has come, in deadline order (those with the same deadline in
  // the order they were started), then asks the clock for the next wake-up. Callbacks may start
  // and cancel timers.
  void run_due();
  std::size_t pending() const { return callbacks_.size(); }

 private:
  struct Entry {
    Clock::time_point at;
    Id id;
    // For a min-heap with std::push_heap/pop_heap (which keep the largest on top).
    bool operator<(const Entry& other) const {
      return at != other.at ? at > other.at : id > other.id;
    }
  };
  void rearm();
  void compact();

  Clock* clock_;
  Id last_id_ = 0;
  std::vector<Entry> heap_;
  boost::unordered_flat_map<Id, Callback> callbacks_;
  Clock::time_point armed_ = Clock::time_point::max();  // the wake-up asked for
};

}  // namespace junction::router
