// metrics/registry: see the header.
#include "metrics/registry.hpp"

#include <atomic>
#include <map>
#include <mutex>

namespace junction::metrics {

namespace {

struct Collectors {
  std::mutex mutex;  // registration is rare; collection happens once per scrape
  std::uint64_t next_id = 1;
  std::map<std::uint64_t, Collector> all;  // by id: the order they were added
};

Collectors& collectors() {
  static Collectors instance;
  return instance;
}

std::atomic<NodeState> state{NodeState::starting};

}  // namespace

CollectorHandle::~CollectorHandle() {
  if (id_ == 0) return;
  auto& c = collectors();
  std::lock_guard lock(c.mutex);
  c.all.erase(id_);
}

CollectorHandle& CollectorHandle::operator=(CollectorHandle&& other) noexcept {
  if (this != &other) {
    CollectorHandle old(id_);  // removed at the end of this scope
    id_ = other.id_;
    other.id_ = 0;
  }
  return *this;
}

CollectorHandle add_collector(Collector collector) {
  auto& c = collectors();
  std::lock_guard lock(c.mutex);
  const std::uint64_t id = c.next_id++;
  c.all.emplace(id, std::move(collector));
  return CollectorHandle(id);
}

void run_collectors(Exposition& out) {
  auto& c = collectors();
  std::lock_guard lock(c.mutex);
  for (auto& [id, collector] : c.all)
    collector(out);
}

void set_node_state(NodeState s) {
  state.store(s, std::memory_order_relaxed);
}

NodeState node_state() {
  return state.load(std::memory_order_relaxed);
}

}  // namespace junction::metrics
