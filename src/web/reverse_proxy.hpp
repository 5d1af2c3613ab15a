// web/reverse_proxy: Crossbar's "reverseproxy" path service — requests below the mount path are
// forwarded over HTTP/1.1 to a backend (`host`, `port`, `path`), and the backend's status,
// header fields and body come back to the client.
//
// The forwarded request keeps the method, the path below the mount (appended to `path`), the
// query, the body and the client's header fields, but for the hop-by-hop ones (Connection,
// Keep-Alive, TE, Trailer, Transfer-Encoding, Upgrade, Proxy-*); Host names the backend, and
// X-Forwarded-For (appended to), X-Forwarded-Host, X-Forwarded-Proto and X-Forwarded-Prefix (the
// mount path) tell it about the client. The answer's hop-by-hop fields, Content-Length, Date and
// Server are Junction's own.
//
// Each request opens its own connection to the backend (Connection: close; no pooling). All
// backend I/O runs asynchronously on the service's own thread, never on an I/O thread of the
// router. A backend that cannot be resolved or reached, or answers something that is not HTTP,
// is a 502; one whose answer head does not come within `timeout` a 504 — each with a log line.
// The body is streamed to the client as it comes (with the backend's Content-Length when it sent
// one, else chunked), read no faster than the client takes it; a backend silent for `timeout`
// mid-body, or one that breaks off, resets the client's connection (logged). A client that goes
// away closes the backend connection.
//
// The backend may also listen on a Unix socket (`unix_socket`, used by the "wsgi" service for its
// launcher process); forward_http() is the forwarding itself, for services that run their own
// loop.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include <boost/asio/io_context.hpp>

#include "transport/http_service.hpp"
#include "web/service_thread.hpp"

namespace junction::web {

struct ReverseProxyOptions {
  std::string host;
  std::uint16_t port = 80;
  std::string path = "/";                    // the backend's base path, starting with '/'
  std::chrono::milliseconds timeout{30000};  // connect + answer; Junction's own
  // Non-empty: connect to this Unix socket instead of host:port (host then only names the
  // backend in the Host field).
  std::string unix_socket;
  std::string log_name = "reverseproxy";  // how log lines name the service
};

// Forwards `exchange` to the backend and answers it (or 502/504), asynchronously on `io`, the
// io_context `thread` runs: call it on that thread. The answer's body is streamed
// (transport::HttpBodyStream): the backend is read as fast as the client takes it. `options`
// must outlive every forwarded exchange (stop the thread before destroying them).
void forward_http(ServiceThread& thread, boost::asio::io_context& io,
                  const ReverseProxyOptions& options, transport::HttpExchange exchange);

class ReverseProxyService : public transport::HttpService {
 public:
  explicit ReverseProxyService(ReverseProxyOptions options);
  ~ReverseProxyService() override;

  std::string_view type() const override { return "reverseproxy"; }
  std::uint64_t body_limit() const override { return 16 * 1024 * 1024; }
  void start(router::Router& router, boost::asio::io_context& routing_io) override;
  void stop() override;
  void handle(transport::HttpExchange exchange) override;

  const ReverseProxyOptions& options() const { return options_; }

  // The backend's request target for `rest` (below the mount, still percent-encoded) and
  // `query`: "/base/" + "a/b" + "?x=1". Exposed for tests.
  static std::string backend_target(std::string_view base, std::string_view rest,
                                    bool trailing_slash, std::string_view query);

 private:
  ReverseProxyOptions options_;
  // Started by start(), stopped by stop() while the router's I/O threads still run: requests
  // still in flight then answer 500 to connections that are still there.
  ServiceThread thread_;
};

}  // namespace junction::web
