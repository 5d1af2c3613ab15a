// transport/server: the Server facade — owns the listeners and the registry of live sessions and
// implements start-up and the two steps of shutdown (stop listening, close connections).
//
// Threading: everything runs on the one io_context passed in, driven by a single thread that is
// also the router's thread. See net.hpp.
#include "transport/server.hpp"

#include <exception>
#include <utility>

#include "transport/listener.hpp"
#include "transport/session_registry.hpp"
#include "transport/timer_wheel.hpp"

namespace junction::transport {

struct Server::Impl {
  Impl(asio::io_context& io_in, router::Router& router_in, std::vector<ListenerConfig> configs_in)
      : io(io_in),
        router(router_in),
        configs(std::move(configs_in)),
        registry(std::make_shared<SessionRegistry>(io_in)),
        timers(std::make_shared<TimerWheel>(io_in)) {}

  asio::io_context& io;
  router::Router& router;
  std::vector<ListenerConfig> configs;
  std::shared_ptr<SessionRegistry> registry;
  std::shared_ptr<TimerWheel> timers;
  std::vector<std::shared_ptr<Listener>> listeners;
};

Server::Server(boost::asio::io_context& io, router::Router& router,
               std::vector<ListenerConfig> listeners)
    : impl_(std::make_unique<Impl>(io, router, std::move(listeners))) {}

Server::~Server() {
  stop_listening();
  // Sessions may outlive us inside pending handlers; cut them off from the router now, while it
  // certainly still exists.
  impl_->registry->detach_all();
}

void Server::start() {
  try {
    for (const auto& config : impl_->configs) {
      auto context = std::make_shared<const ListenerContext>(config, impl_->router, impl_->registry,
                                                             impl_->timers);
      auto listener = make_listener(impl_->io, std::move(context));
      listener->start();
      impl_->listeners.push_back(std::move(listener));
    }
  } catch (...) {
    stop_listening();
    throw;
  }
}

void Server::stop_listening() {
  for (const auto& listener : impl_->listeners)
    listener->stop();
}

void Server::close_connections() {
  // The router already queued GOODBYE on every session; shutdown() is Peer::close() semantics,
  // so those frames are written before each close handshake starts.
  impl_->registry->close_all();
}

std::vector<std::string> Server::bound_endpoints() const {
  std::vector<std::string> out;
  out.reserve(impl_->listeners.size());
  for (const auto& listener : impl_->listeners)
    out.push_back(listener->bound());
  return out;
}

}  // namespace junction::transport
