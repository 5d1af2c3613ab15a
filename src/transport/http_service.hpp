// transport/http_service: the interface between the HTTP front door (transport/http_session) and
// the path services that answer plain HTTP requests (static files, redirects, JSON values, node
// info, the HTTP bridge, ... — implemented in src/web/).
//
// A service is handed an HttpExchange: the request, where it was routed (the service's mount
// path and the rest of the path below it) and who sent it. It answers by calling
// HttpExchange::respond() exactly once — at once, or later from any thread (a bridge call that
// waits for a callee, a reverse proxy that waits for its backend). An exchange dropped without an
// answer answers 500 by itself, so a service bug never leaves a client hanging. Services never
// block the I/O thread that called them for long: anything slow runs elsewhere and answers later.
// A connection handles one request at a time; pipelined requests wait in its read buffer until
// the answer to the one before has been written.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include <boost/asio/io_context.hpp>
#include <boost/beast/http/fields.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/status.hpp>
#include <boost/beast/http/string_body.hpp>

#include "transport/http_body_stream.hpp"

namespace junction::router {
class Router;
}

namespace junction::transport {

using HttpRequest = boost::beast::http::request<boost::beast::http::string_body>;
using HttpStatus = boost::beast::http::status;

// An open file, closed with its last owner (response bodies served from a file share it).
class OpenFile {
 public:
  explicit OpenFile(int fd) : fd_(fd) {}
  ~OpenFile();
  OpenFile(const OpenFile&) = delete;
  OpenFile& operator=(const OpenFile&) = delete;
  int fd() const { return fd_; }

 private:
  int fd_;
};

struct HttpResponse {
  HttpStatus status = HttpStatus::ok;
  // The service's header fields. The session adds Content-Length, Connection, Date and Server
  // (and Strict-Transport-Security on TLS listeners with options.hsts).
  boost::beast::http::fields headers;
  // More header fields, already formatted ("Name: value\r\n" each), written after `headers`:
  // for services that answer the same fields over and over (a cached file's ETag, type and
  // dates) without building a field map per answer. The service vouches for them (no CR/LF
  // inside a value).
  std::string head_lines;
  // The body is one of: `body` (owned bytes); `shared` (immutable bytes shared with a cache,
  // e.g. a static file held in memory) from `offset` for `length` bytes; `file` from `offset`
  // for `length` bytes; or `stream`, produced over time (transport/http_body_stream: sent as it
  // comes, with the stream's length as Content-Length when it has one, else chunked, or
  // close-delimited to HTTP/1.0 clients). HEAD requests get the headers only, with the body's
  // Content-Length (a stream is cancelled).
  std::string body;
  std::shared_ptr<const std::string> shared;
  std::shared_ptr<const OpenFile> file;
  HttpBodyReader stream;
  std::uint64_t offset = 0;
  std::uint64_t length = 0;
  bool close = false;  // close the connection after this response

  // A response with an owned body and its Content-Type.
  static HttpResponse text(HttpStatus status, std::string body,
                           std::string_view content_type = "text/plain; charset=utf-8");
  // A stream without a known length: 0.
  std::uint64_t body_size() const {
    if (stream) return stream->length().value_or(0);
    return (shared || file) ? length : static_cast<std::uint64_t>(body.size());
  }
};

// What a Unix-socket client is called where an IP address would name a client (X-Forwarded-For):
// it has none. Autobahn|Python (and so Crossbar) names an unnamed Unix peer "unix" too.
inline constexpr std::string_view kUnixPeerName = "unix";

// What the connection a request came on knows about itself.
struct HttpConnectionInfo {
  std::string peer;     // "127.0.0.1:50122", "[::1]:50122"; "unix:<listener's path>"
  std::string peer_ip;  // "127.0.0.1", "::1"; "" for a Unix-socket client (it has no address)
  std::uint16_t local_port = 0;  // 0 on a Unix socket
  // How X-Forwarded-For names this client: its IP address, or "unix" (Crossbar's name for an
  // unnamed Unix peer).
  std::string_view forwarded_for() const { return peer_ip.empty() ? kUnixPeerName : peer_ip; }
  bool tls = false;
};

// The session side of an exchange: receives the answer (on any thread) and writes it.
class HttpResponder {
 public:
  virtual ~HttpResponder() = default;
  virtual void deliver(std::uint64_t exchange_id, HttpResponse response) = 0;
  // Runs `gone` (once, on the connection's I/O thread) if the client closes its connection
  // before exchange `exchange_id` is answered. Nothing when it is answered first.
  virtual void on_client_gone(std::uint64_t exchange_id, std::function<void()> gone) {
    (void)exchange_id;
    (void)gone;
  }
};

class HttpExchange {
 public:
  HttpExchange(std::shared_ptr<HttpResponder> responder, std::uint64_t id, HttpRequest request,
               std::shared_ptr<const HttpConnectionInfo> connection, std::string mount,
               std::size_t rest_offset);
  HttpExchange(HttpExchange&&) noexcept = default;
  HttpExchange& operator=(HttpExchange&&) noexcept = default;
  HttpExchange(const HttpExchange&) = delete;
  HttpExchange& operator=(const HttpExchange&) = delete;
  // Not answered: 500 (and a log line).
  ~HttpExchange();

  const HttpRequest& request() const { return *request_; }
  HttpRequest& request() { return *request_; }
  // The request target's path, as sent (still percent-encoded): "/app/a%20b.html".
  std::string_view path() const { return path_; }
  // The query string without '?', or empty.
  std::string_view query() const { return query_; }
  // The configured path the request was routed to: "/" or "/app".
  const std::string& mount() const { return mount_; }
  // The path below the mount, without a leading '/' (still percent-encoded): "a%20b.html";
  // empty for the mount path itself.
  std::string_view rest() const { return rest_; }
  // The request named a directory-like path ("/app/" or "/app/css/"): a trailing slash.
  bool trailing_slash() const { return !path_.empty() && path_.back() == '/'; }
  const HttpConnectionInfo& connection() const { return *connection_; }

  // Answers the request (once). Callable from any thread; the write happens on the
  // connection's own I/O thread.
  void respond(HttpResponse response);
  // Shorthand for a text answer: respond(HttpResponse::text(status, body)).
  void respond(HttpStatus status, std::string body);
  bool answered() const { return responder_ == nullptr; }
  // For a service that holds a request for long (a long-poll /receive): `gone` runs, once and
  // on the connection's I/O thread, if the client closes its connection before the answer (a
  // TCP close seen while the request waits; see docs/web.md for what is noticed). Call from
  // any thread before respond().
  void on_client_gone(std::function<void()> gone);

 private:
  std::shared_ptr<HttpResponder> responder_;  // null once answered
  std::uint64_t id_;
  std::unique_ptr<HttpRequest> request_;
  std::shared_ptr<const HttpConnectionInfo> connection_;
  std::string mount_;
  std::string_view path_;   // into request_->target()
  std::string_view query_;  // into request_->target()
  std::string_view rest_;   // into request_->target()
};

class HttpService {
 public:
  virtual ~HttpService() = default;
  // The Crossbar name of the service ("static", "redirect", ...), for logs and tests.
  virtual std::string_view type() const = 0;
  // Largest request body this service accepts (a larger one is answered 413 without reading
  // it). Most services take none worth speaking of.
  virtual std::uint64_t body_limit() const { return 64 * 1024; }
  // Called once by the Server on the routing thread before its listeners accept anything:
  // services that talk to the router (the HTTP bridge, long-poll) join it here.
  // `routing_io` runs the router's thread: post router work there. Throws std::runtime_error to
  // refuse to start (a realm that does not exist, say).
  virtual void start(router::Router& router, boost::asio::io_context& routing_io) {
    (void)router;
    (void)routing_io;
  }
  // Called on the routing thread when the server stops listening: leave the router.
  virtual void stop() {}
  // Answers the request (see the file comment). Runs on the connection's I/O thread; must not
  // throw for bad input (answer 4xx instead). An exception is logged and answered 500.
  virtual void handle(HttpExchange exchange) = 0;
};

// Helpers every service needs.
// "Sun, 06 Nov 1994 08:49:37 GMT" (RFC 9110 IMF-fixdate) for a time in seconds since the epoch.
std::string http_date(std::int64_t unix_seconds);
// The time an IMF-fixdate names, or -1 if it is not one (obsolete formats are not accepted).
std::int64_t parse_http_date(std::string_view text);
// "a%20b" -> "a b". Returns false for a malformed escape; '+' stays '+' (paths, not forms).
bool percent_decode(std::string_view in, std::string& out);
// HTML-escapes &, <, >, " and '.
std::string escape_html(std::string_view text);

}  // namespace junction::transport
