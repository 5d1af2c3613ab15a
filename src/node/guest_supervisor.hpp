// node/guest_supervisor: runs the node's guest workers on the routing thread's io_context.
// Starts each (once the router listens), logs its output lines, notices its exit (SIGCHLD),
// restarts it per its policy (Junction's options.junction.restart, with doubling back-off),
// tells the node when a controller shutdown trigger fires, and stops them all at shutdown:
// SIGTERM to each process group, SIGKILL after the guest's stop_timeout. A guest whose node
// dies without a goodbye (SIGKILL) is killed by the kernel (base/child_process.hpp).
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>

#include "metrics/registry.hpp"
#include "node/config.hpp"
#include "node/worker_config.hpp"

namespace junction::node {

// Where Python component launchers find their script and the router (node/component_launcher).
struct ComponentRuntime {
  std::string launcher;  // the junction-components.py script
  std::string socket;    // the node's private Unix socket (RawSocket, trusted)
};

class GuestSupervisor {
 public:
  // `shutdown_node` is called (once) when a shutdown trigger of `triggers` fires. `components`
  // is needed only when a guest is a component launcher.
  GuestSupervisor(boost::asio::io_context& io, std::vector<GuestConfig> guests,
                  std::vector<ShutdownTrigger> triggers, std::function<void()> shutdown_node,
                  ComponentRuntime components = {});
  ~GuestSupervisor();
  GuestSupervisor(const GuestSupervisor&) = delete;
  GuestSupervisor& operator=(const GuestSupervisor&) = delete;

  void start();
  // Stops every guest (and any restart pending); `done` runs once no guest process is left.
  void stop(std::function<void()> done);

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
  metrics::CollectorHandle metrics_;  // junction_worker_restarts_total (removed before impl_)
};

}  // namespace junction::node
