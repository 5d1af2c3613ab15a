// transport/listener: one configured listener — a TCP acceptor on interface:port that hands each
// accepted socket to an HttpSession, plus the per-listener routing table those sessions share.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include "router/router.hpp"
#include "transport/net.hpp"
#include "transport/node_info.hpp"
#include "transport/server.hpp"
#include "transport/session_registry.hpp"

namespace junction::transport {

// Everything a session of one listener needs; shared, immutable after construction.
struct ListenerContext {
  ListenerContext(ListenerConfig config, router::Router& router,
                  std::shared_ptr<SessionRegistry> registry);

  // The service for a request path (query string already removed), or null for 404.
  const PathService* route(std::string_view path) const;

  ListenerConfig config;
  router::Router& router;
  std::shared_ptr<SessionRegistry> registry;
  std::optional<PathService> any_path;            // from config.websocket_on_any_path
  std::vector<NodeInfoEndpoint> websocket_paths;  // listed on the nodeinfo page
};

class Listener : public std::enable_shared_from_this<Listener> {
 public:
  Listener(asio::io_context& io, std::shared_ptr<const ListenerContext> context);

  // Binds, listens, logs "<name> listening on <addr>:<port>" and starts accepting. Throws
  // std::runtime_error on failure.
  void start();
  void stop();
  // "address:port" actually bound (empty before start()).
  const std::string& bound() const { return bound_; }

 private:
  void do_accept();
  void on_accept(error_code ec, tcp::socket socket);

  asio::io_context& io_;
  std::shared_ptr<const ListenerContext> context_;
  tcp::acceptor acceptor_;
  asio::steady_timer retry_timer_;
  std::string bound_;
  bool stopped_ = false;
};

}  // namespace junction::transport
