// transport/listener: one configured listener — an acceptor on a TCP interface:port or on a Unix
// domain socket path — and what happens to each accepted connection: an HttpSession (HTTP and
// WebSocket), a RawSocketSession, or, on a universal listener, a look at the first byte to pick
// one of the two. Also the per-listener routing table those sessions share.
#pragma once

#include <atomic>
#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ssl/context.hpp>

#include "router/router.hpp"
#include "transport/connection_limiter.hpp"
#include "transport/net.hpp"
#include "transport/node_info.hpp"
#include "transport/router_link.hpp"
#include "transport/server.hpp"
#include "transport/session_registry.hpp"
#include "transport/timer_wheel.hpp"

namespace junction::transport {

class TlsContextSlot;  // transport/tls_context.hpp

// Everything a session of one listener needs on one I/O thread; immutable after construction
// (but for the listener's RawSocket session count, shared by its sessions on every thread).
// One per listener and I/O thread: the registry, the timers and the router port are the thread's.
struct ListenerContext {
  // Builds the TLS context when config.tls is set; throws std::runtime_error naming the file
  // at fault (see make_tls_context).
  ListenerContext(ListenerConfig config, IoPort& port, std::shared_ptr<SessionRegistry> registry,
                  std::shared_ptr<TimerWheel> timers);
  // The same listener on another I/O thread (shares the TLS context and the session count).
  ListenerContext(const ListenerContext& other, IoPort& port,
                  std::shared_ptr<SessionRegistry> registry, std::shared_ptr<TimerWheel> timers);

  // Where a request path (query string already removed, still percent-encoded) goes: the
  // service of the longest configured path that is a prefix of it at a '/' boundary ("/app/x/y"
  // -> "/app/x", else "/app", else "/"), as Crossbar's resource tree nests them.
  struct Route {
    const PathService* service = nullptr;  // null: 404
    std::string_view mount;                // the configured path matched ("/" or "/app")
    std::size_t rest_offset = 0;           // where the rest of the path starts in `path`
  };
  Route route(std::string_view path) const;

  // HTTP (path services or WebSocket on any path) is served on this listener.
  bool serves_http() const { return any_path.has_value() || !config.paths.empty(); }
  bool serves_rawsocket() const { return config.rawsocket.has_value(); }

  // Counts a RawSocket session past its handshake unless `limit` (non-zero) are open already.
  bool count_rawsocket_session(std::size_t limit) const;
  void uncount_rawsocket_session() const { rawsocket_sessions->fetch_sub(1); }
  std::size_t rawsocket_session_count() const { return rawsocket_sessions->load(); }

  ListenerConfig config;
  IoPort* port;  // this I/O thread's way to the router
  std::shared_ptr<SessionRegistry> registry;
  std::shared_ptr<TimerWheel> timers;   // session deadlines (auto-ping, handshakes, linger)
  std::optional<PathService> any_path;  // from config.websocket_on_any_path
  std::shared_ptr<TlsContextSlot> tls;  // from config.tls, replaced on SIGHUP; null: plain
  // RawSocket sessions past their handshake on every thread, for RawSocketOptions::max_connections.
  std::shared_ptr<std::atomic<std::size_t>> rawsocket_sessions;
  // The node's connection limits, shared by every listener (null: this listener's connections
  // are not limited, as on the node's private component socket).
  std::shared_ptr<ConnectionLimiter> limiter;
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

// A TCP listener, or a Unix domain socket listener when config.unix_path is set. It accepts on
// the first context's thread and hands connections to the contexts (one per I/O thread) in turn.
// Whether a WebSocket this listener serves may negotiate permessage-deflate.
bool offers_compression(const ListenerConfig& config);
// The I/O thread after `current` in turn among `count`, from `first` on (0, or 1 to leave the
// routing thread out).
std::size_t next_io_thread(std::size_t current, std::size_t count, std::size_t first);

std::shared_ptr<Listener> make_listener(
    asio::io_context& io, std::vector<std::shared_ptr<const ListenerContext>> contexts);

}  // namespace junction::transport
