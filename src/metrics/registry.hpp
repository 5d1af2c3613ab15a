// metrics/registry: what the node's metrics and health endpoints read that no single module owns:
// figures other modules add (collectors: the node's worker restarts, ...) and the node's state
// (starting, running, stopping) that the health endpoint reports.
#pragma once

#include <cstdint>
#include <functional>

#include "metrics/exposition.hpp"

namespace junction::metrics {

// Appends families to the exposition. Collectors run on the routing thread (the metrics service
// posts its collection there), so they may read state that thread owns without locks.
using Collector = std::function<void(Exposition&)>;

// Removes its collector when destroyed (before what the collector reads goes away).
class CollectorHandle {
 public:
  CollectorHandle() = default;
  explicit CollectorHandle(std::uint64_t id) : id_(id) {}
  ~CollectorHandle();
  CollectorHandle(CollectorHandle&& other) noexcept : id_(other.id_) { other.id_ = 0; }
  CollectorHandle& operator=(CollectorHandle&& other) noexcept;
  CollectorHandle(const CollectorHandle&) = delete;
  CollectorHandle& operator=(const CollectorHandle&) = delete;

 private:
  std::uint64_t id_ = 0;
};

[[nodiscard]] CollectorHandle add_collector(Collector collector);
// Runs every collector, in the order they were added.
void run_collectors(Exposition& out);

enum class NodeState { starting, running, stopping };
// Set by the node: running once its listeners accept, stopping when shutdown begins.
void set_node_state(NodeState state);
NodeState node_state();

}  // namespace junction::metrics
