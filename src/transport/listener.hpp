// transport/listener: one configured listener — an acceptor on a TCP interface:port or on a Unix
// domain socket path — and what happens to each accepted connection: an HttpSession (HTTP and
// WebSocket), a RawSocketSession, or, on a universal listener, a look at the first byte to pick
// one of the two. Also the per-listener routing table those sessions share.
#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ssl/context.hpp>

#include "router/router.hpp"
#include "transport/net.hpp"
#include "transport/node_info.hpp"
#include "transport/server.hpp"
#include "transport/session_registry.hpp"
#include "transport/timer_wheel.hpp"

namespace junction::transport {

// Everything a session of one listener needs; shared, immutable after construction (except the
// RawSocket session count, which the sessions of this listener keep; one thread, see net.hpp).
struct ListenerContext {
  // Builds the TLS context when config.tls is set; throws std::runtime_error naming the file
  // at fault (see make_tls_context).
  ListenerContext(ListenerConfig config, router::Router& router,
                  std::shared_ptr<SessionRegistry> registry, std::shared_ptr<TimerWheel> timers);

  // The service for a request path (query string already removed), or null for 404.
  const PathService* route(std::string_view path) const;

  // HTTP (path services or WebSocket on any path) is served on this listener.
  bool serves_http() const { return any_path.has_value() || !config.paths.empty(); }
  bool serves_rawsocket() const { return config.rawsocket.has_value(); }

  ListenerConfig config;
  router::Router& router;
  std::shared_ptr<SessionRegistry> registry;
  std::shared_ptr<TimerWheel> timers;   // session deadlines (auto-ping, handshakes, linger)
  std::optional<PathService> any_path;  // from config.websocket_on_any_path
  std::vector<NodeInfoEndpoint> websocket_paths;  // listed on the nodeinfo page
  std::shared_ptr<asio::ssl::context> tls;        // from config.tls; null: plain
  // RawSocket sessions past their handshake, for RawSocketOptions::max_connections.
  mutable std::size_t rawsocket_sessions = 0;
};

class Listener {
 public:
  virtual ~Listener() = default;
  // Binds, listens, logs "<name> listening on <addr>:<port>" (or "unix:<path>") and starts
  // accepting. Throws std::runtime_error on failure.
  virtual void start() = 0;
  // Stops accepting (and removes the socket file of a Unix listener).
  virtual void stop() = 0;
  // "address:port" or "unix:<path>" actually bound (empty before start()).
  virtual const std::string& bound() const = 0;
};

// A TCP listener, or a Unix domain socket listener when config.unix_path is set.
std::shared_ptr<Listener> make_listener(asio::io_context& io,
                                        std::shared_ptr<const ListenerContext> context);

}  // namespace junction::transport
