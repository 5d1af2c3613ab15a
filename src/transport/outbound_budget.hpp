// transport/outbound_budget: the node-wide bound on memory held for peers that do not read fast
// enough (issue 13). Each connection's write queue is bounded (per_connection); on top of that,
// every byte that waits for a slow socket counts against one global budget, and the bound of each
// connection shrinks as the budget fills: all of it up to half the budget, then linearly down to
// `floor` when the budget is used up. So a thousand slow consumers cannot hold a thousand times
// the per-connection bound: past half the budget the slowest are cut first and small queues
// survive.
//
// Only bytes that wait count: a write the socket takes at once never touches the budget (the hot
// path stays free of atomics). Queues reserve from the budget in chunks (kChunk), so a queue that
// grows costs one atomic operation per chunk, not per message.
//
// Also the transport's counters (slow consumers closed, ...): process-wide, reported in the log
// lines that count them.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>

namespace junction::transport {

class OutboundBudget {
 public:
  static constexpr std::size_t kChunk = 256 * 1024;

  // Defaults: 64 MiB per connection, 1 GiB for the node, floor 1 MiB.
  OutboundBudget() = default;
  OutboundBudget(std::size_t total, std::size_t per_connection);

  // The process-wide budget every FrameWriter uses.
  static OutboundBudget& global();
  // Before any connection exists (node start-up); 0 keeps the current value.
  void configure(std::size_t total, std::size_t per_connection);

  std::size_t total() const { return total_.load(std::memory_order_relaxed); }
  std::size_t per_connection() const { return per_connection_.load(std::memory_order_relaxed); }
  std::size_t used() const { return used_.load(std::memory_order_relaxed); }
  // The bound of one connection's queue when `used` bytes of the budget are taken.
  std::size_t connection_limit(std::size_t used) const;

  // A queue of `queued` bytes that has `reserved` asks for room for `after` bytes; true (and
  // `reserved` raised by whole chunks) when that is within the connection's current bound.
  bool reserve(std::size_t& reserved, std::size_t queued, std::size_t after);
  // Gives back reservation beyond what `queued` bytes need (all of it when queued is 0).
  void release(std::size_t& reserved, std::size_t queued);

 private:
  std::atomic<std::size_t> total_{std::size_t{1} << 30};
  std::atomic<std::size_t> per_connection_{64u * 1024 * 1024};
  std::atomic<std::size_t> used_{0};
};

// Process-wide counters of what the transport refused or cut (relaxed atomics: for logs and
// tests, not for decisions).
struct TransportCounters {
  std::atomic<std::uint64_t> slow_consumers_closed{0};
  std::atomic<std::uint64_t> compressed_messages_refused{0};  // max size or ratio
  std::atomic<std::uint64_t> phase_timeouts{0};               // hello, auth, frame timeouts
  std::atomic<std::uint64_t> connections_refused{0};  // max_connections, max_connections_per_ip
  static TransportCounters& get();
};

}  // namespace junction::transport
