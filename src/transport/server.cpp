// transport/server: the Server facade — owns the listeners, the I/O threads with their registries
// of live sessions and their timers, and the routing hub; implements start-up and the two steps
// of shutdown (stop listening, close connections) across every I/O thread.
//
// Threading: I/O thread 0 is the caller's io_context, which is also the router's thread; the
// others are threads of our own, one io_context each (see server.hpp, router_link.hpp).
#include "transport/server.hpp"

#include <algorithm>
#include <atomic>
#include <exception>
#include <optional>
#include <string>
#include <thread>
#include <utility>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/post.hpp>

#include "base/log.hpp"
#include "transport/listener.hpp"
#include "transport/router_link.hpp"
#include "transport/session_registry.hpp"
#include "transport/timer_wheel.hpp"
#include "transport/tls_context.hpp"

namespace junction::transport {

namespace {

using WorkGuard = asio::executor_work_guard<asio::io_context::executor_type>;

// One I/O thread. Thread 0 runs on the caller's io_context (`own_io` null, no thread of ours).
struct IoThread {
  std::unique_ptr<asio::io_context> own_io;
  asio::io_context* io = nullptr;
  IoPort* port = nullptr;
  std::shared_ptr<SessionRegistry> registry;
  std::shared_ptr<TimerWheel> timers;
  std::optional<WorkGuard> keep_running;
  std::thread thread;
};

// Keeps the routing thread's io_context running while sessions of other I/O threads are still
// closing (they hand their last words to the router).
struct ShutdownWait {
  std::atomic<std::size_t> threads_left{0};
  std::optional<WorkGuard> keep_routing;
};

}  // namespace

struct Server::Impl {
  Impl(asio::io_context& io_in, router::Router& router_in, std::vector<ListenerConfig> configs_in,
       std::size_t thread_count, ConnectionLimits limits_in)
      : io(io_in),
        router(router_in),
        configs(std::move(configs_in)),
        limits(limits_in),
        hub(std::make_shared<RoutingHub>(io_in, router_in)) {
    if (thread_count == 0) thread_count = 1;
    threads.resize(thread_count);
    for (std::size_t i = 0; i < thread_count; ++i) {
      IoThread& t = threads[i];
      if (i == 0) {
        t.io = &io_in;
      } else {
        t.own_io = std::make_unique<asio::io_context>(1);
        t.io = t.own_io.get();
      }
      t.port = &hub->add_port(*t.io);
      t.registry = std::make_shared<SessionRegistry>(*t.io);
      t.timers = std::make_shared<TimerWheel>(*t.io);
    }
  }

  asio::io_context& io;
  router::Router& router;
  std::vector<ListenerConfig> configs;
  ConnectionLimits limits;
  std::shared_ptr<ConnectionLimiter> limiter;  // null: no connection limit
  bool services_started = false;
  std::shared_ptr<RoutingHub> hub;  // outlives the I/O threads' io_contexts (declared first)
  std::vector<IoThread> threads;
  std::vector<std::shared_ptr<Listener>> listeners;
  // The running listeners by name, with their TLS context slot (null: plain), for reload_tls().
  std::vector<std::pair<std::string, std::shared_ptr<TlsContextSlot>>> tls_slots;
  std::shared_ptr<ShutdownWait> shutdown_wait = std::make_shared<ShutdownWait>();
};

Server::Server(boost::asio::io_context& io, router::Router& router,
               std::vector<ListenerConfig> listeners, std::size_t io_threads,
               ConnectionLimits limits)
    : impl_(std::make_unique<Impl>(io, router, std::move(listeners), io_threads, limits)) {}

Server::~Server() {
  stop_listening();
  // Sessions may outlive us inside pending handlers; cut them off from the router now, while it
  // certainly still exists. The other I/O threads do it on their own thread, then stop.
  for (std::size_t i = 1; i < impl_->threads.size(); ++i) {
    IoThread& t = impl_->threads[i];
    if (!t.thread.joinable()) continue;
    asio::post(*t.io, [registry = t.registry, port = t.port, io = t.io] {
      registry->detach_all();
      port->flush_to_router();
      io->stop();
    });
    t.keep_running.reset();
    t.thread.join();
  }
  impl_->threads[0].registry->detach_all();
  // What the stopped threads handed over last is routed; their sessions still joined leave.
  impl_->hub->stop();
}

void Server::start() {
  try {
    // HTTP services that talk to the router join it before anyone can reach them.
    impl_->services_started = true;
    for (const auto& config : impl_->configs) {
      for (const auto& [path, service] : config.paths) {
        if (!service.http) continue;
        try {
          service.http->start(impl_->router, impl_->io);
        } catch (const std::exception& e) {
          throw std::runtime_error(config.name + ": path \"" + path + "\": " + e.what());
        }
      }
    }
    const auto effective = impl_->limits.effective();
    if (effective.total != 0 || effective.per_ip != 0) {
      impl_->limiter = std::make_shared<ConnectionLimiter>(effective);
      JLOG(info, "transport") << "connection limits: "
                              << (effective.total ? std::to_string(effective.total) : "no limit")
                              << " in total (max_connections), "
                              << (effective.per_ip ? std::to_string(effective.per_ip) : "no limit")
                              << " per source address (max_connections_per_ip)";
    }
    std::vector<std::shared_ptr<const ListenerContext>> contexts;
    for (const auto& config : impl_->configs) {
      contexts.clear();
      const IoThread& first = impl_->threads[0];
      auto context =
          std::make_shared<ListenerContext>(config, *first.port, first.registry, first.timers);
      // The node's private component socket is the node's own: never refused.
      if (!(config.rawsocket && config.rawsocket->trusted)) context->limiter = impl_->limiter;
      impl_->tls_slots.emplace_back(config.name, context->tls);
      std::shared_ptr<const ListenerContext> base = std::move(context);
      contexts.push_back(base);
      for (std::size_t i = 1; i < impl_->threads.size(); ++i) {
        const IoThread& t = impl_->threads[i];
        contexts.push_back(
            std::make_shared<const ListenerContext>(*base, *t.port, t.registry, t.timers));
      }
      auto listener = make_listener(impl_->io, contexts);
      listener->start();
      impl_->listeners.push_back(std::move(listener));
    }
  } catch (...) {
    stop_listening();
    throw;
  }
  for (std::size_t i = 1; i < impl_->threads.size(); ++i) {
    IoThread& t = impl_->threads[i];
    t.keep_running.emplace(t.io->get_executor());
    t.thread = std::thread([io = t.io, index = i] {
      for (;;) {
        try {
          io->run();
          return;
        } catch (const std::exception& e) {
          JLOG(error, "transport") << "I/O thread " << index << ": " << e.what();
        }
      }
    });
  }
  if (impl_->threads.size() > 1) {
    JLOG(info, "transport") << impl_->threads.size() << " I/O threads";
  }
}

void Server::stop_listening() {
  for (const auto& listener : impl_->listeners)
    listener->stop();
  if (impl_->services_started) {
    impl_->services_started = false;
    for (const auto& config : impl_->configs) {
      for (const auto& [path, service] : config.paths) {
        if (service.http) service.http->stop();
      }
    }
  }
}

void Server::close_connections() {
  // The router already queued GOODBYE on every session; shutdown() is Peer::close() semantics,
  // so those frames are written before each close handshake starts.
  impl_->threads[0].registry->close_all();
  // The GOODBYEs for sessions on other threads go before their close_all() (same queue, in order).
  impl_->hub->flush_to_ports();
  auto wait = impl_->shutdown_wait;
  std::size_t others = 0;
  for (std::size_t i = 1; i < impl_->threads.size(); ++i) {
    if (impl_->threads[i].thread.joinable()) ++others;
  }
  if (others == 0) return;
  wait->threads_left = others;
  wait->keep_routing.emplace(impl_->io.get_executor());
  for (std::size_t i = 1; i < impl_->threads.size(); ++i) {
    IoThread& t = impl_->threads[i];
    if (!t.thread.joinable()) continue;
    asio::post(*t.io, [registry = t.registry, port = t.port, routing = &impl_->io, wait] {
      registry->close_all();
      registry->when_empty([port, routing, wait] {
        port->flush_to_router();
        asio::post(*routing, [wait] {
          if (--wait->threads_left == 0) wait->keep_routing.reset();
        });
      });
    });
  }
}

std::size_t Server::open_connections() const {
  return impl_->limiter ? impl_->limiter->open() : 0;
}

Server::TlsReload Server::reload_tls(const std::vector<ListenerConfig>& fresh) {
  TlsReload out;
  std::vector<std::pair<TlsContextSlot*, std::shared_ptr<asio::ssl::context>>> built;
  for (const auto& [name, slot] : impl_->tls_slots) {
    const auto it = std::find_if(fresh.begin(), fresh.end(),
                                 [&](const ListenerConfig& c) { return c.name == name; });
    if (it == fresh.end()) {
      // The node's private component socket is never in the file; it has no TLS either.
      if (slot) out.need_restart.push_back(name + " is no longer in the config");
      continue;
    }
    if (!slot) {
      if (it->tls) out.need_restart.push_back("TLS was added to " + name + " in the config");
      continue;
    }
    if (!it->tls) {
      out.need_restart.push_back("TLS was removed from " + name + " in the config");
      continue;
    }
    try {
      built.emplace_back(slot.get(), make_tls_context(*it->tls, name));
    } catch (const std::exception& e) {
      out.error = e.what();
      return out;
    }
    out.reloaded.push_back(name);
  }
  for (const auto& config : fresh) {
    const auto running =
        std::find_if(impl_->tls_slots.begin(), impl_->tls_slots.end(),
                     [&](const auto& entry) { return entry.first == config.name; });
    if (running == impl_->tls_slots.end()) {
      out.need_restart.push_back(config.name + " was added to the config");
    }
  }
  for (auto& [slot, context] : built)
    slot->replace(std::move(context));
  return out;
}

std::vector<std::string> Server::bound_endpoints() const {
  std::vector<std::string> out;
  out.reserve(impl_->listeners.size());
  for (const auto& listener : impl_->listeners)
    out.push_back(listener->bound());
  return out;
}

}  // namespace junction::transport
