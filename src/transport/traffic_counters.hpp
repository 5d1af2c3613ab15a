// transport/traffic_counters: bytes read from and written to WAMP connections (WebSocket and
// RawSocket sessions, counted after TLS: what the session itself reads and writes), for the
// node's metrics (src/metrics/).
//
// Per thread, so that I/O threads never share a cache line or a locked instruction: each thread
// counts into a block of its own (a relaxed load and store, once per read or gather write, not
// per message), and a reader sums every thread's block. Blocks live as long as the process (a
// thread that ends leaves its totals behind), so totals never go down.
#pragma once

#include <atomic>
#include <cstdint>

namespace junction::transport {

struct TrafficCounters {
  std::atomic<std::uint64_t> bytes_received{0};
  std::atomic<std::uint64_t> bytes_sent{0};
};

namespace detail {
extern thread_local constinit TrafficCounters* thread_traffic_block;
TrafficCounters* register_thread_traffic();  // the calling thread's block, made once
}  // namespace detail

// The calling thread's counters (written by this thread only).
inline TrafficCounters& thread_traffic() {
  TrafficCounters* block = detail::thread_traffic_block;
  if (block == nullptr) [[unlikely]]
    block = detail::register_thread_traffic();
  return *block;
}

inline void count_bytes(std::atomic<std::uint64_t>& counter, std::uint64_t bytes) {
  counter.store(counter.load(std::memory_order_relaxed) + bytes, std::memory_order_relaxed);
}
inline void count_bytes_received(std::uint64_t bytes) {
  count_bytes(thread_traffic().bytes_received, bytes);
}
inline void count_bytes_sent(std::uint64_t bytes) {
  count_bytes(thread_traffic().bytes_sent, bytes);
}

// Every thread's counters summed.
struct TrafficTotals {
  std::uint64_t bytes_received = 0;
  std::uint64_t bytes_sent = 0;
};
TrafficTotals traffic_totals();

}  // namespace junction::transport
