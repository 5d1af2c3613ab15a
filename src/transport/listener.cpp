// transport/listener: see the header. Accept errors other than "stopped" (EMFILE, ENOBUFS, ...)
// pause the accept loop briefly instead of failing the listener or spinning on the error.
#include "transport/listener.hpp"

#include <stdexcept>
#include <utility>

#include <boost/asio/ip/address.hpp>
#include <boost/asio/socket_base.hpp>

#include "base/log.hpp"
#include "transport/http_session.hpp"
#include "transport/subprotocol.hpp"

namespace junction::transport {

ListenerContext::ListenerContext(ListenerConfig config_in, router::Router& router_in,
                                 std::shared_ptr<SessionRegistry> registry_in)
    : config(std::move(config_in)), router(router_in), registry(std::move(registry_in)) {
  if (config.websocket_on_any_path) {
    any_path.emplace();
    any_path->kind = PathService::Kind::websocket;
    any_path->websocket = *config.websocket_on_any_path;
  }
  for (const auto& [path, service] : config.paths) {
    if (service.kind == PathService::Kind::websocket) {
      websocket_paths.push_back({path, spoken_subprotocols(service.websocket)});
    }
  }
}

const PathService* ListenerContext::route(std::string_view path) const {
  if (any_path) return &*any_path;
  if (auto it = config.paths.find(std::string(path)); it != config.paths.end()) return &it->second;
  // "/ws/" reaches "/ws" too; clients and people add trailing slashes.
  if (path.size() > 1 && path.back() == '/') {
    path.remove_suffix(1);
    if (auto it = config.paths.find(std::string(path)); it != config.paths.end()) {
      return &it->second;
    }
  }
  return nullptr;
}

Listener::Listener(asio::io_context& io, std::shared_ptr<const ListenerContext> context)
    : io_(io), context_(std::move(context)), acceptor_(io), retry_timer_(io) {}

void Listener::start() {
  const ListenerConfig& config = context_->config;
  const std::string where = config.interface + ":" + std::to_string(config.port);
  auto fail = [&](const std::string& reason) {
    error_code ignored;
    acceptor_.close(ignored);
    throw std::runtime_error(config.name + ": cannot listen on " + where + ": " + reason);
  };

  error_code ec;
  tcp::endpoint endpoint;
  const auto address = asio::ip::make_address(config.interface, ec);
  if (!ec) {
    endpoint = tcp::endpoint(address, config.port);
  } else {
    // Not a literal address: resolve the host name (once, at start-up, so blocking is fine).
    tcp::resolver resolver(io_);
    const auto results =
        resolver.resolve(config.interface, std::to_string(config.port), tcp::resolver::passive, ec);
    if (ec || results.empty()) fail(ec ? ec.message() : "no address");
    endpoint = results.begin()->endpoint();
  }

  acceptor_.open(endpoint.protocol(), ec);
  if (ec) fail(ec.message());
  // Lets a restarted node bind again while old connections sit in TIME_WAIT.
  acceptor_.set_option(asio::socket_base::reuse_address(true), ec);
  if (ec) fail(ec.message());
  acceptor_.bind(endpoint, ec);
  if (ec) fail(ec.message());
  acceptor_.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) fail(ec.message());
  const auto local = acceptor_.local_endpoint(ec);
  if (ec) fail(ec.message());

  bound_ = format_endpoint(local);
  JLOG(info, "transport") << config.name << " listening on " << bound_;
  do_accept();
}

void Listener::stop() {
  if (stopped_) return;
  stopped_ = true;
  error_code ignored;
  acceptor_.close(ignored);
  retry_timer_.cancel();
  JLOG(debug, "transport") << context_->config.name << " stopped listening";
}

void Listener::do_accept() {
  if (stopped_) return;
  acceptor_.async_accept([self = shared_from_this()](error_code ec, tcp::socket socket) {
    self->on_accept(ec, std::move(socket));
  });
}

void Listener::on_accept(error_code ec, tcp::socket socket) {
  if (stopped_) return;
  if (ec) {
    if (ec == asio::error::operation_aborted) return;
    JLOG(warn, "transport") << context_->config.name << ": accept failed: " << ec.message();
    retry_timer_.expires_after(kAcceptRetryDelay);
    retry_timer_.async_wait([self = shared_from_this()](error_code timer_ec) {
      if (!timer_ec) self->do_accept();
    });
    return;
  }
  if (context_->registry->stopping()) return;  // shutting down: the socket just closes
  try {
    std::make_shared<HttpSession>(std::move(socket), context_)->run();
  } catch (const std::exception& e) {
    JLOG(error, "transport") << context_->config.name << ": cannot start a session: " << e.what();
  }
  do_accept();
}

}  // namespace junction::transport
