// transport/traffic_counters: the per-thread blocks and their sum (see the header).
#include "transport/traffic_counters.hpp"

#include <memory>
#include <mutex>
#include <vector>

namespace junction::transport {

namespace {

struct Blocks {
  std::mutex mutex;  // taken when a thread counts for the first time, and by readers
  std::vector<std::unique_ptr<TrafficCounters>> all;
};

Blocks& blocks() {
  static Blocks* const instance = new Blocks;  // never destroyed: threads may outlive main()
  return *instance;
}

}  // namespace

namespace detail {

thread_local constinit TrafficCounters* thread_traffic_block = nullptr;

TrafficCounters* register_thread_traffic() {
  auto& b = blocks();
  std::lock_guard lock(b.mutex);
  b.all.push_back(std::make_unique<TrafficCounters>());
  thread_traffic_block = b.all.back().get();
  return thread_traffic_block;
}

}  // namespace detail

TrafficTotals traffic_totals() {
  auto& b = blocks();
  std::lock_guard lock(b.mutex);
  TrafficTotals totals;
  for (const auto& block : b.all) {
    totals.bytes_received += block->bytes_received.load(std::memory_order_relaxed);
    totals.bytes_sent += block->bytes_sent.load(std::memory_order_relaxed);
  }
  return totals;
}

}  // namespace junction::transport
