// router/counters: what the router counts for the node's metrics (src/metrics/): messages
// received and sent by WAMP message type, and authentication failures. Process-wide, written
// only by the routing thread (a Router belongs to one thread), read by anyone.
//
// Cheap on the message path: an increment is a relaxed load and store of the routing thread's
// own counter (no lock, no read-modify-write instruction, no allocation, no lookup: the message
// type code is the array index). Readers on other threads see a value at most a few messages
// old. Two routers on two threads at once (only in tests) may lose increments, never crash.
#pragma once

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>

#include "wamp/message.hpp"

namespace junction::router {

struct RouterCounters {
  // Indexed by the message type code (1..70); 128 slots so that any code masks into range.
  static constexpr std::size_t kSlots = 128;
  std::array<std::atomic<std::uint64_t>, kSlots> received{};
  std::array<std::atomic<std::uint64_t>, kSlots> sent{};
  // Sessions refused while joining for who they are: ABORT wamp.error.authentication_failed,
  // no_auth_method, no_such_role or not_authorized before WELCOME.
  std::atomic<std::uint64_t> authentication_failures{0};
};

// The process's counters (constant-initialised: usable from static initialisers on).
extern RouterCounters router_counters;

// One more, by the single writer (see the file comment).
inline void bump(std::atomic<std::uint64_t>& counter) {
  counter.store(counter.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
}
inline void count_received(wamp::MessageType type) {
  bump(router_counters.received[static_cast<std::size_t>(type) & (RouterCounters::kSlots - 1)]);
}
inline void count_sent(wamp::MessageType type) {
  bump(router_counters.sent[static_cast<std::size_t>(type) & (RouterCounters::kSlots - 1)]);
}

}  // namespace junction::router
