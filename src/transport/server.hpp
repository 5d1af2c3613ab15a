// transport/server: the network front door. Listens on TCP, speaks HTTP/1.1 (Boost.Beast), serves
// the configured path services and upgrades WebSocket requests on WAMP paths into router
// Connections. Owns sockets, framing and per-connection write queues; knows no routing rules.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>

#include "router/router.hpp"
#include "wamp/message.hpp"

namespace junction::transport {

struct WebSocketOptions {
  // Serializers offered, in the server's order of preference.
  std::vector<wamp::Serializer> serializers{wamp::Serializer::json};
  // Largest message accepted from a peer; a larger one closes the connection with 1009.
  std::size_t max_message_size = 16 * 1024 * 1024;
};

struct PathService {
  enum class Kind {
    websocket,  // WAMP over WebSocket
    nodeinfo,   // a small HTML page about this node (Crossbar's "nodeinfo")
  };
  Kind kind = Kind::websocket;
  WebSocketOptions websocket;
};

struct ListenerConfig {
  std::string name;                   // for logs, e.g. "transport 'web1'" or "transports[0]"
  std::string interface = "0.0.0.0";  // address to bind
  std::uint16_t port = 8080;          // 0 picks a free port (see Server::bound_endpoints)
  // "web" transports: service per path ("/" and "/ws"; keys are normalised to start with '/').
  std::map<std::string, PathService> paths;
  // "websocket" transports: WAMP over WebSocket on every path.
  std::optional<WebSocketOptions> websocket_on_any_path;
};

class Server {
 public:
  Server(boost::asio::io_context& io, router::Router& router,
         std::vector<ListenerConfig> listeners);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds and starts every listener. Throws std::runtime_error naming the listener and the
  // address on failure (port in use, bad address). Logs "<name> listening on <addr>:<port>".
  void start();
  // Stops accepting; established connections are left to Router::shutdown() / their peers.
  void stop_listening();
  // Closes every connection still open (after the router said GOODBYE), then returns.
  void close_connections();

  // "address:port" actually bound by each listener, in config order (useful with port 0).
  std::vector<std::string> bound_endpoints() const;

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace junction::transport
