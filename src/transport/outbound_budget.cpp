// transport/outbound_budget: see the header.
#include "transport/outbound_budget.hpp"

#include <algorithm>

namespace junction::transport {

namespace {
constexpr std::size_t kFloor = 1024 * 1024;
}

OutboundBudget::OutboundBudget(std::size_t total, std::size_t per_connection) {
  configure(total, per_connection);
}

OutboundBudget& OutboundBudget::global() {
  static OutboundBudget budget;
  return budget;
}

void OutboundBudget::configure(std::size_t total, std::size_t per_connection) {
  if (total != 0) total_.store(total, std::memory_order_relaxed);
  if (per_connection != 0) per_connection_.store(per_connection, std::memory_order_relaxed);
}

std::size_t OutboundBudget::connection_limit(std::size_t used) const {
  const std::size_t total = this->total();
  const std::size_t full = per_connection();
  const std::size_t floor = std::min(full, kFloor);
  const std::size_t half = total / 2;
  if (used <= half) return full;
  if (used >= total) return floor;
  // Linear from `full` at half the budget to `floor` when it is used up.
  const double left = static_cast<double>(total - used) / static_cast<double>(total - half);
  return floor + static_cast<std::size_t>(static_cast<double>(full - floor) * left);
}

bool OutboundBudget::reserve(std::size_t& reserved, std::size_t queued, std::size_t after) {
  if (after <= reserved) return true;
  const std::size_t need = (after - reserved + kChunk - 1) / kChunk * kChunk;
  const std::size_t now_used = used_.fetch_add(need, std::memory_order_relaxed) + need;
  // A single message bigger than the bound still goes when nothing else waits (as before).
  if (queued != 0 && after > connection_limit(now_used)) {
    used_.fetch_sub(need, std::memory_order_relaxed);
    return false;
  }
  reserved += need;
  return true;
}

void OutboundBudget::release(std::size_t& reserved, std::size_t queued) {
  const std::size_t keep = queued == 0 ? 0 : (queued + kChunk - 1) / kChunk * kChunk;
  if (reserved <= keep) return;
  used_.fetch_sub(reserved - keep, std::memory_order_relaxed);
  reserved = keep;
}

TransportCounters& TransportCounters::get() {
  static TransportCounters counters;
  return counters;
}

}  // namespace junction::transport
