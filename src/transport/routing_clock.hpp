// transport/routing_clock: the router's Clock (router/clock.hpp) on the routing thread's event
// loop: one Asio timer, set to the earliest deadline the router has, whose expiry runs the
// router's due timers on that thread, outside any other handler (like a message arriving).
#pragma once

#include "router/clock.hpp"
#include "transport/net.hpp"

namespace junction::transport {

class RoutingClock final : public router::Clock {
 public:
  // `routing_io`: the routing thread's io_context (the router's thread).
  explicit RoutingClock(asio::io_context& routing_io) : timer_(routing_io.get_executor()) {}
  RoutingClock(const RoutingClock&) = delete;
  RoutingClock& operator=(const RoutingClock&) = delete;

  time_point now() const override { return std::chrono::steady_clock::now(); }

  void wake_at(time_point at) override {
    if (at == armed_) return;
    armed_ = at;
    ++generation_;
    if (at == time_point::max()) {
      timer_.cancel();
      return;
    }
    timer_.expires_at(at);  // cancels the wait for an earlier request
    timer_.async_wait([this, generation = generation_](const error_code& ec) {
      // A wait that was replaced may already have completed: only the latest one rings.
      if (ec || generation != generation_) return;
      armed_ = time_point::max();
      ring();
    });
  }

 private:
  Timer timer_;
  time_point armed_ = time_point::max();
  std::uint64_t generation_ = 0;
};

}  // namespace junction::transport
