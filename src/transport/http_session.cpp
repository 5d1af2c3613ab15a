// transport/http_session: see the header. The chain is
//   run -> do_read -> on_read_header -> (read_body ->) on_read -> handle_request
//     -> (a service answers: deliver -> on_service_answer ->) write_response -> on_write -> do_read
//     ...
// and ends in do_close, or in a hand-over of the socket to a WebSocketSession.
#include "transport/http_session.hpp"

#include <algorithm>
#include <cstdio>
#include <exception>
#include <limits>
#include <utility>
#include <vector>

#include <boost/beast/core/bind_handler.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/field.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/verb.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/websocket/rfc6455.hpp>

#include "websocket/deflate.hpp"
#include "websocket/frame.hpp"

#include <sys/sendfile.h>
#include <sys/socket.h>
#include <unistd.h>
#include <array>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/string.hpp>
#include "base/log.hpp"
#include "base/version.hpp"
#include "transport/node_info.hpp"
#include "transport/origin.hpp"
#include "transport/subprotocol.hpp"
#include "transport/tls_context.hpp"
#include "transport/websocket_options.hpp"
#include "transport/websocket_proxy.hpp"
#include "transport/websocket_session.hpp"

namespace junction::transport {

namespace http = beast::http;

namespace {

// The path of a request target: origin-form "/ws?x=1" -> "/ws"; absolute-form
// "http://host/ws" -> "/ws" (allowed by HTTP/1.1 even if browsers do not send it).
std::string_view target_path(std::string_view target) {
  if (const auto scheme = target.find("://");
      scheme != std::string_view::npos && target[0] != '/') {
    const auto slash = target.find('/', scheme + 3);
    target = slash == std::string_view::npos ? std::string_view("/") : target.substr(slash);
  }
  return target.substr(0, target.find_first_of("?#"));
}

bool is_http_parse_error(const error_code& ec) {
  return ec.category() == http::make_error_code(http::error::bad_method).category();
}

// An untrusted header value, shortened for a log line.
std::string shown(std::string_view value) {
  constexpr std::size_t kMax = 200;
  return value.size() > kMax ? std::string(value.substr(0, kMax)) + "..." : std::string(value);
}

// RFC 6455 §4.2.1: the key is 16 bytes, base64-encoded: 22 base64 digits and "==".
bool valid_websocket_key(std::string_view key) {
  auto is_base64 = [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' ||
           c == '/';
  };
  return key.size() == 24 && key.substr(22) == "==" &&
         std::all_of(key.begin(), key.begin() + 22, is_base64);
}

std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& item : items) {
    if (!out.empty()) out += ", ";
    out += item;
  }
  return out;
}

}  // namespace

template <class Stream>
HttpSession<Stream>::HttpSession(Stream stream, std::shared_ptr<const ListenerContext> context,
                                 std::string peer, beast::flat_buffer initial)
    : stream_(std::move(stream)),
      context_(std::move(context)),
      peer_(std::move(peer)),
      description_(std::string(kIsTlsStream<Stream> ? "https " : "http ") + peer_),
      buffer_(std::move(initial)) {}

template <class Stream>
HttpSession<Stream>::~HttpSession() {
  context_->registry->remove(this);
}

template <class Stream>
void HttpSession<Stream>::run() {
  context_->registry->add(this->shared_from_this());
  do_read();
}

template <class Stream>
void HttpSession<Stream>::do_read() {
  // A fresh parser per request: its limits and state do not carry over between requests.
  parser_.emplace();
  parser_->header_limit(kHttpHeaderLimit);
  // No limit yet: Beast refuses a Content-Length over the limit while it parses the head, before
  // the route (and so the service's own limit, set in on_read_header) is known.
  parser_->body_limit(std::numeric_limits<std::uint64_t>::max());
  read_started_ = std::chrono::steady_clock::now();
  beast::get_lowest_layer(stream_).expires_after(read_timeout());
  reading_ = true;
  http::async_read_header(
      stream_, buffer_, *parser_,
      beast::bind_front_handler(&HttpSession::on_read_header, this->shared_from_this()));
}

template <class Stream>
bool HttpSession<Stream>::read_failed(error_code ec) {
  if (!ec) return false;
  if (ec == http::error::end_of_stream) {
    do_close();
  } else if (ec == http::error::header_limit) {
    respond_and_close(http::status::request_header_fields_too_large, "Request header too large.\n");
  } else if (ec == http::error::body_limit) {
    respond_and_close(http::status::payload_too_large, "Request body too large.\n");
  } else if (is_http_parse_error(ec) && ec != http::error::partial_message && !stopping_) {
    JLOG(info, "transport") << description_ << ": bad HTTP request: " << ec.message();
    respond_and_close(http::status::bad_request, "Bad request.\n");
  } else if (ec == beast::error::timeout && first_request_ && read_timeout() < kHttpReadTimeout) {
    JLOG(info, "transport")
        << description_ << ": no WebSocket opening handshake within "
        << std::chrono::duration_cast<std::chrono::milliseconds>(read_timeout()).count()
        << " ms (open_handshake_timeout); closing";
    do_close();
  } else {
    // Timeout, reset, shutdown: nothing to answer.
    JLOG(debug, "transport") << description_ << ": " << ec.message();
    do_close();
  }
  return true;
}

template <class Stream>
void HttpSession<Stream>::on_read_header(error_code ec, std::size_t) {
  if (read_failed(ec)) {
    reading_ = false;
    return;
  }
  const Request& request = parser_->get();
  route_ = context_->route(target_path(request.target()));
  const auto limit = route_.service != nullptr && route_.service->kind == PathService::Kind::http
                         ? route_.service->http->body_limit()
                         : kHttpBodyLimit;
  parser_->body_limit(limit);
  // Beast checks a Content-Length against the body limit while it parses the head, which was
  // before the route (and so the service's limit) was known: check it here. A chunked body is
  // checked by the parser as it arrives.
  if (const auto length = parser_->content_length(); length && *length > limit) {
    reading_ = false;
    return respond_and_close(http::status::payload_too_large, "Request body too large.\n");
  }
  if (parser_->is_done()) {
    reading_ = false;
    return on_read({}, 0);
  }
  // A client that waits for "100 Continue" before sending its body gets it.
  const auto expect = request[http::field::expect];
  if (beast::iequals(expect, "100-continue")) {
    static constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
    asio::async_write(stream_, asio::buffer(kContinue.data(), kContinue.size()),
                      [self = this->shared_from_this()](error_code write_ec, std::size_t) {
                        if (write_ec) {
                          self->reading_ = false;
                          return self->do_close();
                        }
                        self->read_body();
                      });
    return;
  }
  read_body();
}

template <class Stream>
void HttpSession<Stream>::read_body() {
  http::async_read(stream_, buffer_, *parser_,
                   beast::bind_front_handler(&HttpSession::on_read, this->shared_from_this()));
}

template <class Stream>
void HttpSession<Stream>::on_read(error_code ec, std::size_t) {
  reading_ = false;
  if (read_failed(ec)) return;
  first_request_ = false;
  try {
    handle_request();
  } catch (const std::exception& e) {
    JLOG(error, "transport") << description_ << ": error while handling a request: " << e.what();
    force_close();
  }
}

template <class Stream>
void HttpSession<Stream>::handle_request() {
  Request& request = parser_->get();
  const std::string_view path = target_path(request.target());
  const PathService* service = route_.service;
  const http::verb method = request.method();
  request_keep_alive_ = request.keep_alive();
  request_head_ = method == http::verb::head;
  request_version_ = request.version();
  if (context_->config.web.access_log) {
    request_line_.assign(request.method_string().data(), request.method_string().size());
    request_line_ += ' ';
    request_line_.append(request.target().data(), request.target().size());
    request_line_ += request_version_ == 10 ? " HTTP/1.0" : " HTTP/1.1";
  }

  if (service == nullptr) {
    JLOG(debug, "transport") << description_ << ": " << request.method_string() << " " << path
                             << " -> 404";
    return respond(http::status::not_found, "Not found.\n");
  }

  if (service->kind == PathService::Kind::http) {
    if (!info_) {
      auto info = std::make_shared<HttpConnectionInfo>();
      info->peer = peer_;
      // A Unix-socket client has no address and we no port: peer_ip stays "", local_port 0.
      if constexpr (!kIsUnixStream<Stream>) {
        error_code ec;
        const auto remote = socket().remote_endpoint(ec);
        if (!ec) info->peer_ip = remote.address().to_string();
        const auto local = socket().local_endpoint(ec);
        if (!ec) info->local_port = local.port();
      }
      info->tls = kIsTlsStream<Stream>;
      info_ = std::move(info);
    }
    awaiting_service_ = true;
    const std::uint64_t id = ++exchange_id_;
    HttpExchange exchange(this->shared_from_this(), id, parser_->release(), info_,
                          std::string(route_.mount), route_.rest_offset);
    // The exchange may be answered inside handle(): nothing after this line may assume that
    // the session is still waiting.
    service->http->handle(std::move(exchange));
    return;
  }

  // WebSocket: the path itself only (and "/path/"), not what lies below it.
  if (path.size() > route_.rest_offset &&
      path.find_first_not_of('/', route_.rest_offset) != std::string_view::npos) {
    return respond(http::status::not_found, "Not found.\n");
  }
  if (service->kind == PathService::Kind::websocket_proxy) {
    return handle_websocket_proxy(*service, request);
  }
  if (beast::websocket::is_upgrade(request)) return handle_websocket(*service, request);
  if (method != http::verb::get && method != http::verb::head) {
    HttpResponse response =
        HttpResponse::text(http::status::method_not_allowed, "Method not allowed.\n");
    response.headers.set(http::field::allow, "GET");
    return write_response(std::move(response));
  }
  if (service->websocket.enable_webstatus) return handle_websocket_status(*service, request);
  HttpResponse response = HttpResponse::text(
      http::status::upgrade_required,
      "This is a WAMP endpoint: connect with a WebSocket client offering one of these "
      "subprotocols: " +
          spoken_subprotocols(service->websocket) + "\n");
  response.headers.set(http::field::upgrade, "websocket");
  response.headers.set(http::field::sec_websocket_version, "13");
  write_response(std::move(response));
}

template <class Stream>
void HttpSession<Stream>::deliver(std::uint64_t exchange_id, HttpResponse response) {
  // Already on the connection's thread (a service that answered at once, or the bridge's answer
  // with one I/O thread): no closure to carry the response over.
  if (socket().get_executor().running_in_this_thread()) {
    return on_service_answer(exchange_id, std::move(response));
  }
  asio::dispatch(socket().get_executor(), [self = this->shared_from_this(), exchange_id,
                                           response = std::move(response)]() mutable {
    self->on_service_answer(exchange_id, std::move(response));
  });
}

template <class Stream>
void HttpSession<Stream>::on_client_gone(std::uint64_t exchange_id, std::function<void()> gone) {
  asio::dispatch(socket().get_executor(),
                 [self = this->shared_from_this(), exchange_id, gone = std::move(gone)]() mutable {
                   if (!self->awaiting_service_ || exchange_id != self->exchange_id_ ||
                       self->upgraded_ || !self->socket().is_open()) {
                     return;
                   }
                   self->client_gone_ = std::move(gone);
                   self->watch_client();
                 });
}

template <class Stream>
void HttpSession<Stream>::on_service_answer(std::uint64_t exchange_id, HttpResponse&& response) {
  if (!awaiting_service_ || exchange_id != exchange_id_ || upgraded_) return;
  awaiting_service_ = false;
  if (client_gone_) client_gone_ = nullptr;
  if (!socket().is_open()) return;  // closed while the service worked
  write_response(std::move(response));
}

template <class Stream>
void HttpSession<Stream>::watch_client() {
  if (watching_client_ || upgraded_) return;
  watching_client_ = true;
  // A peek: the byte stays in the socket (for TLS: in the TCP stream under it), so what the
  // client sends next is read by the HTTP parser as usual.
  socket().async_receive(asio::buffer(&peeked_, 1), asio::socket_base::message_peek,
                         [self = this->shared_from_this()](error_code ec, std::size_t bytes) {
                           self->watching_client_ = false;
                           self->on_client_readable(ec, bytes);
                         });
}

template <class Stream>
void HttpSession<Stream>::on_client_readable(error_code ec, std::size_t bytes) {
  if (ec == asio::error::operation_aborted || upgraded_) return;
  // The client sent something (a pipelined request; for TLS maybe its close_notify, which only
  // the TLS layer could tell apart): it is still there as far as a peek can tell.
  if (!ec && bytes > 0) return;
  if (!(awaiting_service_ && client_gone_) && !streaming_) return;  // nothing waits any more
  // End of stream or an error: the client has gone.
  JLOG(debug, "transport") << description_ << ": the client closed the connection ("
                           << (ec ? ec.message() : std::string("end of stream"))
                           << ") while its answer was pending";
  if (auto gone = std::exchange(client_gone_, nullptr)) gone();
  if (streaming_) return abort_stream();
  awaiting_service_ = false;
  force_close();
}

template <class Stream>
void HttpSession<Stream>::handle_websocket(const PathService& service, Request& request) {
  if (context_->registry->stopping()) {
    return respond_and_close(http::status::service_unavailable, "This node is shutting down.\n");
  }
  const WebSocketOptions& options = service.websocket;
  // Browsers send Origin; other clients need not, and are let through (as Crossbar does).
  if (!options.allowed_origins.empty() && request.count(http::field::origin) > 0) {
    const std::string_view origin = request[http::field::origin];
    if (request.count(http::field::origin) > 1 ||
        !origin_allowed(origin, options.allowed_origins)) {
      JLOG(info, "transport") << description_ << ": refused WebSocket upgrade on "
                              << target_path(request.target()) << ": origin '" << shown(origin)
                              << "' is not in allowed_origins";
      return respond_and_close(http::status::forbidden, "WebSocket connection denied: origin '" +
                                                            shown(origin) +
                                                            "' is not allowed on this endpoint.\n");
    }
  }
  std::vector<std::string> offered;
  const auto [first, last] = request.equal_range(http::field::sec_websocket_protocol);
  for (auto it = first; it != last; ++it)
    parse_subprotocols(it->value(), offered);
  const wamp::Codec* codec = choose_codec(offered, service.websocket);
  if (codec == nullptr) {
    const std::string spoken = spoken_subprotocols(service.websocket);
    const std::string client = offered.empty() ? std::string("none") : join(offered);
    JLOG(info, "transport") << description_ << ": refused WebSocket upgrade on "
                            << target_path(request.target()) << ": client offered " << client
                            << ", this endpoint speaks " << spoken;
    respond(http::status::bad_request, "No common WAMP subprotocol. This endpoint speaks: " +
                                           spoken + ". Your client offered: " + client + ".\n");
    return;
  }
  // RFC 6455 §4.2.1: version 13 only (426 names it), a key of 16 base64-encoded bytes.
  if (request[http::field::sec_websocket_version] != "13") {
    JLOG(info, "transport") << description_ << ": refused WebSocket upgrade: version '"
                            << shown(request[http::field::sec_websocket_version])
                            << "' (only 13 is spoken)";
    HttpResponse response = HttpResponse::text(
        http::status::upgrade_required,
        "Unsupported WebSocket version: only version 13 (RFC 6455) is spoken.\n");
    response.headers.set(http::field::sec_websocket_version, "13");
    return write_response(std::move(response));
  }
  const std::string_view key = request[http::field::sec_websocket_key];
  if (!valid_websocket_key(key)) {
    JLOG(info, "transport") << description_
                            << ": refused WebSocket upgrade: bad Sec-WebSocket-Key '" << shown(key)
                            << "'";
    return respond(http::status::bad_request,
                   "Bad Sec-WebSocket-Key: it must be 16 random bytes, base64-encoded.\n");
  }
  // What is left of open_handshake_timeout (counted from when we began waiting for this
  // request) is the time the WebSocket session gets to write the 101 response.
  const auto now = std::chrono::steady_clock::now();
  const auto deadline = read_started_ + options.open_handshake_timeout;
  if (options.open_handshake_timeout.count() > 0 && deadline <= now) {
    JLOG(info, "transport") << description_ << ": WebSocket opening handshake took longer than "
                            << options.open_handshake_timeout.count()
                            << " ms (open_handshake_timeout); closing";
    return force_close();
  }

  WebSocketUpgrade upgrade;
  upgrade.codec = codec;
  upgrade.deadline = deadline;
  std::string extensions;
  if (options.compression.enabled) {
    std::string offers;
    const auto [first_offer, last_offer] =
        request.equal_range(http::field::sec_websocket_extensions);
    for (auto it = first_offer; it != last_offer; ++it) {
      if (!offers.empty()) offers += ", ";
      offers += it->value();
    }
    if (auto negotiated = websocket::negotiate_deflate(offers, deflate_config(options))) {
      upgrade.deflate = negotiated->agreement;
      extensions = std::move(negotiated->response);
    }
  }
  upgrade.response =
      "HTTP/1.1 101 Switching Protocols\r\n"
      "Upgrade: websocket\r\n"
      "Connection: Upgrade\r\n"
      "Sec-WebSocket-Accept: " +
      websocket::accept_key(key) +
      "\r\nSec-WebSocket-Protocol: " + std::string(codec->subprotocol()) + "\r\n";
  if (!extensions.empty()) upgrade.response += "Sec-WebSocket-Extensions: " + extensions + "\r\n";
  if (options.cookies) track_cookie(*options.cookies, request, upgrade);
  upgrade.response += "Server: Junction/" + std::string(kVersion) + "\r\n\r\n";
  // Frames the client sent right behind its request.
  const auto rest = buffer_.cdata();
  upgrade.initial.assign(static_cast<const char*>(rest.data()), rest.size());

  // The socket is the WebSocket session's from here on: no HTTP deadline follows it.
  upgraded_ = true;
  beast::get_lowest_layer(stream_).expires_never();
  std::string description =
      std::string(kIsTlsStream<Stream> ? "websocket (TLS) " : "websocket ") + peer_;
  using Session = WebSocketSession<WebSocketStreamFor<Stream>>;
  std::shared_ptr<Session> session;
  if constexpr (kIsTlsStream<Stream>) {
    session = std::make_shared<Session>(std::move(stream_), std::move(description),
                                        std::move(upgrade), context_, options);
  } else {
    session = std::make_shared<Session>(stream_.release_socket(), std::move(description),
                                        std::move(upgrade), context_, options);
  }
  session->adopt_slot(hand_over_slot());
  session->run();
}

template <class Stream>
void HttpSession<Stream>::handle_websocket_proxy(const PathService& service, Request& request) {
  if (!beast::websocket::is_upgrade(request)) {
    HttpResponse response = HttpResponse::text(
        http::status::upgrade_required,
        "This path forwards WebSocket connections: connect with a WebSocket client.\n");
    response.headers.set(http::field::upgrade, "websocket");
    response.headers.set(http::field::sec_websocket_version, "13");
    return write_response(std::move(response));
  }
  if (context_->registry->stopping()) {
    return respond_and_close(http::status::service_unavailable, "This node is shutting down.\n");
  }
  const auto rest = buffer_.cdata();
  std::string initial(static_cast<const char*>(rest.data()), rest.size());
  // X-Forwarded-For names the client by its address; a Unix-socket client has none.
  std::string peer_ip = std::string(kUnixPeerName);
  if constexpr (!kIsUnixStream<Stream>) {
    error_code ec;
    const auto remote = socket().remote_endpoint(ec);
    peer_ip = ec ? std::string() : remote.address().to_string();
  }
  // The socket is the proxy's from here on: no HTTP deadline follows it.
  upgraded_ = true;
  beast::get_lowest_layer(stream_).expires_never();
  std::string description =
      std::string(kIsTlsStream<Stream> ? "websocket proxy (TLS) " : "websocket proxy ") + peer_;
  if constexpr (kIsTlsStream<Stream>) {
    start_websocket_proxy<TlsStream>(std::move(stream_), std::move(initial), parser_->release(),
                                     service.websocket_proxy, context_->registry,
                                     std::move(peer_ip), std::move(description), hand_over_slot());
  } else {
    start_websocket_proxy<WebSocketStreamFor<Stream>>(
        stream_.release_socket(), std::move(initial), parser_->release(), service.websocket_proxy,
        context_->registry, std::move(peer_ip), std::move(description), hand_over_slot());
  }
}

// Cookie tracking: the client's known cookie, else a new one sent with the 101 (never logged).
template <class Stream>
void HttpSession<Stream>::track_cookie(cookie::CookieStore& cookies, const Request& request,
                                       WebSocketUpgrade& upgrade) {
  const auto [first, last] = request.equal_range(http::field::cookie);
  for (auto it = first; it != last && upgrade.cbtid.empty(); ++it)
    upgrade.cbtid = cookies.find(it->value());
  if (!upgrade.cbtid.empty()) return;
  try {
    upgrade.cbtid = cookies.create();
  } catch (const std::exception& e) {
    // The cookie file cannot be written: the connection goes on untracked.
    JLOG(error, "transport") << description_ << ": cookie tracking: " << e.what();
    return;
  }
  upgrade.response +=
      "Set-Cookie: " + cookies.set_cookie(upgrade.cbtid, kIsTlsStream<Stream>) + "\r\n";
}

template <class Stream>
void HttpSession<Stream>::handle_websocket_status(const PathService& service,
                                                  const Request& request) {
  NodeInfoEndpoint endpoint;
  endpoint.path = std::string(target_path(request.target()));
  endpoint.subprotocols = spoken_subprotocols(service.websocket);
  endpoint.url = websocket_url(request_host(request), endpoint.path,
                               service.websocket.external_port, context_->config.tls.has_value());
  respond(http::status::ok, render_websocket_status(endpoint), "text/html; charset=utf-8");
}

template <class Stream>
std::string HttpSession<Stream>::request_host(const Request& request) {
  std::string host(request[http::field::host]);
  if (host.empty()) {
    host = "localhost";
    if constexpr (!kIsUnixStream<Stream>) {
      error_code ec;
      const auto local = socket().local_endpoint(ec);
      if (!ec) host = format_endpoint(local);
    }
  }
  return host;
}

template <class Stream>
std::chrono::steady_clock::duration HttpSession<Stream>::read_timeout() const {
  std::chrono::steady_clock::duration timeout = kHttpReadTimeout;
  if (!first_request_) return timeout;
  auto consider = [&timeout](const PathService& service) {
    if (service.kind != PathService::Kind::websocket) return;
    const auto t = service.websocket.open_handshake_timeout;
    if (t.count() > 0) timeout = std::min<std::chrono::steady_clock::duration>(timeout, t);
  };
  if (context_->any_path) consider(*context_->any_path);
  for (const auto& [path, service] : context_->config.paths)
    consider(service);
  return timeout;
}

template <class Stream>
void HttpSession<Stream>::respond(http::status status, std::string body,
                                  std::string_view content_type) {
  write_response(HttpResponse::text(status, std::move(body), content_type));
}

template <class Stream>
void HttpSession<Stream>::respond_and_close(http::status status, std::string body) {
  request_keep_alive_ = false;
  request_head_ = false;
  request_version_ = 11;
  request_line_.clear();
  HttpResponse response = HttpResponse::text(status, std::move(body));
  response.close = true;
  write_response(std::move(response));
}

namespace {

// The Date header, formatted once per second per thread.
const std::string& current_http_date() {
  thread_local std::int64_t second = -1;
  thread_local std::string text;
  const auto now = std::chrono::duration_cast<std::chrono::seconds>(
                       std::chrono::system_clock::now().time_since_epoch())
                       .count();
  if (now != second) {
    second = now;
    text = http_date(now);
  }
  return text;
}

bool has_body(http::status status) {
  const auto code = static_cast<unsigned>(status);
  return code >= 200 && code != 204 && code != 304;
}

// Largest piece of a file body read and written at once.
constexpr std::uint64_t kFileChunk = 256 * 1024;

}  // namespace

template <class Stream>
void HttpSession<Stream>::write_response(HttpResponse&& response) {
  out_ = std::move(response);
  close_after_ = !request_keep_alive_ || stopping_ || out_.close;
  const bool body = has_body(out_.status);
  // A streamed body goes out sized (the producer's length), chunked, or close-delimited (an
  // HTTP/1.0 client has no chunked coding). HEAD, 204 and 304 want none: the producer stops.
  bool stream_body = false;
  if (out_.stream) {
    stream_body = body && !request_head_;
    const auto length = out_.stream->length();
    stream_sized_ = length.has_value();
    stream_left_ = length.value_or(0);
    stream_chunked_ = !stream_sized_ && request_version_ != 10;
    if (stream_body && !stream_sized_ && !stream_chunked_) close_after_ = true;
  }
  const auto code = static_cast<unsigned>(out_.status);
  head_.clear();
  head_ += request_version_ == 10 ? "HTTP/1.0 " : "HTTP/1.1 ";
  head_ += std::to_string(code);
  head_ += ' ';
  const auto reason = http::obsolete_reason(out_.status);
  head_.append(reason.data(), reason.size());
  head_ += "\r\nServer: Junction/";
  head_ += kVersion;
  head_ += "\r\nDate: ";
  head_ += current_http_date();
  head_ += "\r\n";
  for (const auto& field : out_.headers) {
    head_.append(field.name_string().data(), field.name_string().size());
    head_ += ": ";
    head_.append(field.value().data(), field.value().size());
    head_ += "\r\n";
  }
  head_ += out_.head_lines;
  // 304: the length of what a 200 would have carried is not known here; none is sent.
  if (body) {
    if (!out_.stream || stream_sized_) {
      head_ += "Content-Length: ";
      head_ += std::to_string(out_.body_size());
      head_ += "\r\n";
    } else if (stream_chunked_) {
      head_ += "Transfer-Encoding: chunked\r\n";
    }
  }
  if (kIsTlsStream<Stream> && context_->config.web.hsts) {
    head_ += "Strict-Transport-Security: max-age=";
    head_ += std::to_string(context_->config.web.hsts_max_age);
    head_ += "; includeSubDomains\r\n";
  }
  if (close_after_) {
    head_ += "Connection: close\r\n";
  } else if (request_version_ == 10) {
    head_ += "Connection: keep-alive\r\n";
  }
  head_ += "\r\n";
  if (context_->config.web.access_log && !request_line_.empty()) {
    JLOG(info, "access") << peer_ << " \"" << request_line_ << "\" " << code << " "
                         << (body && !request_head_ ? out_.body_size() : 0);
  }

  beast::get_lowest_layer(stream_).expires_after(kHttpWriteTimeout);
  if (out_.stream) {
    if (stream_body) {
      streaming_ = true;
      stream_sent_ = 0;
      return write_stream();
    }
    out_.stream.reset();  // not wanted: the producer stops
  }
  file_left_ = 0;
  std::string_view payload;
  if (body && !request_head_) {
    if (out_.file) {
      file_position_ = out_.offset;
      file_left_ = out_.length;
    } else if (out_.shared) {
      payload = std::string_view(*out_.shared).substr(out_.offset, out_.length);
    } else {
      payload = out_.body;
    }
  }
  if (file_left_ > 0) {
    if constexpr (!kIsTlsStream<Stream>) {
      head_sent_ = 0;
      return send_file_body();
    }
    // The head goes out with the first chunk.
    return write_file_chunk();
  }
  const std::array<asio::const_buffer, 2> buffers{asio::buffer(head_.data(), head_.size()),
                                                  asio::buffer(payload.data(), payload.size())};
  asio::async_write(stream_, buffers,
                    beast::bind_front_handler(&HttpSession::on_write, this->shared_from_this()));
}

template <class Stream>
void HttpSession<Stream>::write_file_chunk() {
  const auto want = static_cast<std::size_t>(std::min(file_left_, kFileChunk));
  file_chunk_.resize(want);
  std::size_t got = 0;
  while (got < want) {
    const auto n = ::pread(out_.file->fd(), file_chunk_.data() + got, want - got,
                           static_cast<off_t>(file_position_ + got));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      // The file shrank or failed under us: the length is promised, so the connection ends.
      JLOG(warn, "transport") << description_ << ": reading a file body failed; closing";
      return force_close();
    }
    got += static_cast<std::size_t>(n);
  }
  file_position_ += want;
  file_left_ -= want;
  std::array<asio::const_buffer, 2> buffers{asio::buffer(head_.data(), head_.size()),
                                            asio::buffer(file_chunk_.data(), want)};
  asio::async_write(stream_, buffers,
                    [self = this->shared_from_this()](error_code ec, std::size_t bytes) {
                      self->head_.clear();  // sent with the first chunk
                      if (!ec && self->file_left_ > 0) {
                        beast::get_lowest_layer(self->stream_).expires_after(kHttpWriteTimeout);
                        return self->write_file_chunk();
                      }
                      self->on_write(ec, bytes);
                    });
}

template <class Stream>
void HttpSession<Stream>::send_file_body() {
  if constexpr (!kIsTlsStream<Stream>) {
    error_code ec;
    // Async reads made the descriptor non-blocking already, unless the request came whole in
    // the listener's first bytes: make sure, a blocking send would stall the I/O thread.
    if (!socket().native_non_blocking()) socket().native_non_blocking(true, ec);
    if (ec) return on_write(ec, 0);
    const int sock = socket().native_handle();
    // The head first, held back (MSG_MORE) to leave with the file's first bytes.
    while (head_sent_ < head_.size()) {
      const auto n = ::send(sock, head_.data() + head_sent_, head_.size() - head_sent_,
                            MSG_MORE | MSG_NOSIGNAL);
      if (n >= 0) {
        head_sent_ += static_cast<std::size_t>(n);
        continue;
      }
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) return wait_writable();
      return on_write(error_code(errno, boost::system::system_category()), 0);
    }
    constexpr std::uint64_t kMaxSend = 1u << 30;
    while (file_left_ > 0) {
      off_t offset = static_cast<off_t>(file_position_);
      const auto n = ::sendfile(sock, out_.file->fd(), &offset,
                                static_cast<std::size_t>(std::min(file_left_, kMaxSend)));
      if (n > 0) {
        file_position_ += static_cast<std::uint64_t>(n);
        file_left_ -= static_cast<std::uint64_t>(n);
        continue;
      }
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return wait_writable();
      if (n == 0) {
        // The file shrank under us: the length is promised, so the connection ends.
        JLOG(warn, "transport") << description_ << ": reading a file body failed; closing";
        return force_close();
      }
      return on_write(error_code(errno, boost::system::system_category()), 0);
    }
    on_write({}, 0);
  }
}

template <class Stream>
void HttpSession<Stream>::write_stream() {
  using Take = HttpBodyStream::Take;
  const Take taken = out_.stream->take(stream_chunk_, [self = this->shared_from_this()] {
    // On the producer's thread: continue on ours (unless the stream ended meanwhile).
    asio::post(self->socket().get_executor(), [self] {
      // A write in flight goes on with write_stream() when it completes.
      if (self->streaming_ && !self->stream_writing_) self->write_stream();
    });
  });
  auto& lowest = beast::get_lowest_layer(stream_);
  switch (taken) {
    case Take::data: {
      std::size_t size = stream_chunk_.size();
      if (stream_sized_) {
        if (stream_left_ == 0) {
          JLOG(warn, "transport") << description_
                                  << ": the streamed answer is longer than its Content-Length";
          return abort_stream();
        }
        size = static_cast<std::size_t>(std::min<std::uint64_t>(size, stream_left_));
        stream_left_ -= size;
      }
      stream_sent_ += size;
      static constexpr std::string_view kCrlf = "\r\n";
      chunk_prefix_.clear();
      if (stream_chunked_) {
        char hex[20];
        const int n = std::snprintf(hex, sizeof hex, "%zx\r\n", size);
        chunk_prefix_.assign(hex, static_cast<std::size_t>(n));
      }
      const std::array<asio::const_buffer, 4> buffers{
          asio::buffer(head_.data(), head_.size()),
          asio::buffer(chunk_prefix_.data(), chunk_prefix_.size()),
          asio::buffer(stream_chunk_.data(), size),
          asio::buffer(kCrlf.data(), stream_chunked_ ? kCrlf.size() : 0)};
      lowest.expires_after(kHttpWriteTimeout);
      stream_writing_ = true;
      asio::async_write(stream_, buffers,
                        [self = this->shared_from_this()](error_code ec, std::size_t) {
                          self->on_stream_write(ec);
                        });
      return;
    }
    case Take::waiting:
      if (!head_.empty()) {
        // The head goes out now: the client learns the status while the producer works.
        lowest.expires_after(kHttpWriteTimeout);
        stream_writing_ = true;
        asio::async_write(stream_, asio::buffer(head_.data(), head_.size()),
                          [self = this->shared_from_this()](error_code ec, std::size_t) {
                            self->on_stream_write(ec);
                          });
        return;
      }
      // No deadline while the producer works (it has its own); a client that goes meanwhile is
      // noticed here.
      lowest.expires_never();
      return watch_client();
    case Take::finished: {
      if (stream_sized_ && stream_left_ > 0) {
        JLOG(warn, "transport") << description_
                                << ": the streamed answer ended before its Content-Length ("
                                << stream_left_ << " bytes short)";
        return abort_stream();
      }
      std::string().swap(stream_chunk_);  // the connection may live on: do not keep its buffer
      static constexpr std::string_view kLastChunk = "0\r\n\r\n";
      const std::array<asio::const_buffer, 2> buffers{
          asio::buffer(head_.data(), head_.size()),
          asio::buffer(kLastChunk.data(), stream_chunked_ ? kLastChunk.size() : 0)};
      streaming_ = false;
      lowest.expires_after(kHttpWriteTimeout);
      asio::async_write(
          stream_, buffers,
          beast::bind_front_handler(&HttpSession::on_write, this->shared_from_this()));
      return;
    }
    case Take::failed:
      JLOG(warn, "transport") << description_ << ": the streamed answer broke off after "
                              << stream_sent_ << " bytes (" << out_.stream->failure()
                              << "); resetting the connection";
      return abort_stream();
    case Take::cancelled:
      return abort_stream();
  }
}

template <class Stream>
void HttpSession<Stream>::wait_writable() {
  if (!send_wait_timer_) send_wait_timer_.emplace(socket().get_executor());
  send_wait_timer_->expires_after(kHttpWriteTimeout);
  send_wait_timer_->async_wait([self = this->shared_from_this()](error_code ec) {
    if (ec) return;  // cancelled: the socket became writable (or closed) in time
    JLOG(debug, "transport") << self->description_ << ": write timed out";
    self->force_close();
  });
  socket().async_wait(asio::socket_base::wait_write,
                      [self = this->shared_from_this()](error_code ec) {
                        self->send_wait_timer_->cancel();
                        if (ec) return self->on_write(ec, 0);
                        self->send_file_body();
                      });
}

template <class Stream>
void HttpSession<Stream>::on_stream_write(error_code ec) {
  stream_writing_ = false;
  head_.clear();  // sent with the first write
  if (!streaming_) return;
  if (ec) {
    JLOG(debug, "transport") << description_
                             << ": writing a streamed answer failed: " << ec.message();
    return abort_stream();
  }
  write_stream();
}

template <class Stream>
void HttpSession<Stream>::abort_stream() {
  streaming_ = false;
  out_.stream.reset();  // cancels the producer (nothing when it has ended)
  std::string().swap(stream_chunk_);
  if (upgraded_) return;
  error_code ignored;
  socket().set_option(asio::socket_base::linger(true, 0), ignored);  // a reset, not a clean end
  force_close();
}

template <class Stream>
void HttpSession<Stream>::on_write(error_code ec, std::size_t) {
  out_ = HttpResponse();
  file_chunk_.clear();
  file_chunk_.shrink_to_fit();
  if (ec) {
    JLOG(debug, "transport") << description_ << ": write failed: " << ec.message();
    return do_close();
  }
  if (close_after_ || stopping_) return do_close();
  do_read();
}

template <class Stream>
void HttpSession<Stream>::do_close() {
  if (upgraded_) return;
  if constexpr (kIsTlsStream<Stream>) {
    // TLS: close_notify first (bounded by the write timeout), then the socket.
    if (closing_) return;
    closing_ = true;
    beast::get_lowest_layer(stream_).expires_after(kTlsShutdownTimeout);
    stream_.async_shutdown([self = this->shared_from_this()](error_code) {
      beast::get_lowest_layer(self->stream_).close();
    });
  } else {
    error_code ignored;
    socket().shutdown(asio::socket_base::shutdown_send, ignored);
    stream_.close();
  }
}

template <class Stream>
void HttpSession<Stream>::shutdown() {
  stopping_ = true;
  // Waiting for a request that may never come: stop now. A response in flight ends in on_write.
  if (reading_) force_close();
}

template <class Stream>
void HttpSession<Stream>::force_close() {
  if (upgraded_) return;  // the socket is the WebSocket session's now
  if (streaming_) {
    streaming_ = false;
    out_.stream.reset();  // the producer stops
  }
  beast::get_lowest_layer(stream_).close();
}

template class HttpSession<TcpStream>;
template class HttpSession<UnixStream>;
template class HttpSession<TlsStream>;

}  // namespace junction::transport
