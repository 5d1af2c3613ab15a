// transport/http_session: see the header. The chain is
//   run -> do_read -> on_read -> handle_request -> do_write -> on_write -> do_read ...
// and ends in do_close, or in a hand-over of the socket to a WebSocketSession.
#include "transport/http_session.hpp"

#include <algorithm>
#include <exception>
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

#include "base/log.hpp"
#include "base/version.hpp"
#include "transport/node_info.hpp"
#include "transport/origin.hpp"
#include "transport/subprotocol.hpp"
#include "transport/tls_context.hpp"
#include "transport/websocket_options.hpp"
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
  parser_->body_limit(kHttpBodyLimit);
  read_started_ = std::chrono::steady_clock::now();
  beast::get_lowest_layer(stream_).expires_after(read_timeout());
  reading_ = true;
  http::async_read(stream_, buffer_, *parser_,
                   beast::bind_front_handler(&HttpSession::on_read, this->shared_from_this()));
}

template <class Stream>
void HttpSession<Stream>::on_read(error_code ec, std::size_t) {
  reading_ = false;
  if (ec) {
    if (ec == http::error::end_of_stream) return do_close();
    if (ec == http::error::header_limit) {
      return respond_and_close(http::status::request_header_fields_too_large,
                               "Request header too large.\n");
    }
    if (ec == http::error::body_limit) {
      return respond_and_close(http::status::payload_too_large, "Request body too large.\n");
    }
    if (is_http_parse_error(ec) && ec != http::error::partial_message && !stopping_) {
      JLOG(info, "transport") << description_ << ": bad HTTP request: " << ec.message();
      return respond_and_close(http::status::bad_request, "Bad request.\n");
    }
    if (ec == beast::error::timeout && first_request_ && read_timeout() < kHttpReadTimeout) {
      JLOG(info, "transport")
          << description_ << ": no WebSocket opening handshake within "
          << std::chrono::duration_cast<std::chrono::milliseconds>(read_timeout()).count()
          << " ms (open_handshake_timeout); closing";
      return do_close();
    }
    // Timeout, reset, shutdown: nothing to answer.
    JLOG(debug, "transport") << description_ << ": " << ec.message();
    return do_close();
  }
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
  const PathService* service = context_->route(path);
  const http::verb method = request.method();

  if (service == nullptr) {
    JLOG(debug, "transport") << description_ << ": " << request.method_string() << " " << path
                             << " -> 404";
    respond(request, http::status::not_found, "Not found.\n");
    return do_write();
  }

  if (service->kind == PathService::Kind::websocket) {
    if (beast::websocket::is_upgrade(request)) return handle_websocket(*service, request);
    if (method != http::verb::get && method != http::verb::head) {
      respond(request, http::status::method_not_allowed, "Method not allowed.\n");
      response_.set(http::field::allow, "GET");
      return do_write();
    }
    if (service->websocket.enable_webstatus) return handle_websocket_status(*service, request);
    respond(request, http::status::upgrade_required,
            "This is a WAMP endpoint: connect with a WebSocket client offering one of these "
            "subprotocols: " +
                spoken_subprotocols(service->websocket) + "\n");
    response_.set(http::field::upgrade, "websocket");
    response_.set(http::field::sec_websocket_version, "13");
    return do_write();
  }

  // nodeinfo
  if (method != http::verb::get && method != http::verb::head) {
    respond(request, http::status::method_not_allowed, "Method not allowed.\n");
    response_.set(http::field::allow, "GET, HEAD");
    return do_write();
  }
  handle_node_info(request);
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
    respond(request, http::status::bad_request,
            "No common WAMP subprotocol. This endpoint speaks: " + spoken +
                ". Your client offered: " + client + ".\n");
    return do_write();
  }
  // RFC 6455 §4.2.1: version 13 only (426 names it), a key of 16 base64-encoded bytes.
  if (request[http::field::sec_websocket_version] != "13") {
    JLOG(info, "transport") << description_ << ": refused WebSocket upgrade: version '"
                            << shown(request[http::field::sec_websocket_version])
                            << "' (only 13 is spoken)";
    respond(request, http::status::upgrade_required,
            "Unsupported WebSocket version: only version 13 (RFC 6455) is spoken.\n");
    response_.set(http::field::sec_websocket_version, "13");
    return do_write();
  }
  const std::string_view key = request[http::field::sec_websocket_key];
  if (!valid_websocket_key(key)) {
    JLOG(info, "transport") << description_
                            << ": refused WebSocket upgrade: bad Sec-WebSocket-Key '" << shown(key)
                            << "'";
    respond(request, http::status::bad_request,
            "Bad Sec-WebSocket-Key: it must be 16 random bytes, base64-encoded.\n");
    return do_write();
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
  upgrade.response += "Server: Junction/" + std::string(kVersion) + "\r\n\r\n";
  // Frames the client sent right behind its request.
  const auto rest = buffer_.cdata();
  upgrade.initial.assign(static_cast<const char*>(rest.data()), rest.size());

  // The socket is the WebSocket session's from here on: no HTTP deadline follows it.
  upgraded_ = true;
  beast::get_lowest_layer(stream_).expires_never();
  std::string description =
      std::string(kIsTlsStream<Stream> ? "websocket (TLS) " : "websocket ") + peer_;
  std::shared_ptr<WebSocketSession<WebSocketStreamFor<Stream>>> session;
  if constexpr (kIsTlsStream<Stream>) {
    session = std::make_shared<WebSocketSession<TlsStream>>(
        std::move(stream_), std::move(description), std::move(upgrade), context_, options);
  } else {
    session = std::make_shared<WebSocketSession<TcpSocket>>(
        stream_.release_socket(), std::move(description), std::move(upgrade), context_, options);
  }
  session->run();
}

template <class Stream>
void HttpSession<Stream>::handle_websocket_status(const PathService& service,
                                                  const Request& request) {
  NodeInfoEndpoint endpoint;
  endpoint.path = std::string(target_path(request.target()));
  endpoint.subprotocols = spoken_subprotocols(service.websocket);
  endpoint.url = websocket_url(request_host(request), endpoint.path,
                               service.websocket.external_port, context_->config.tls.has_value());
  respond(request, http::status::ok, render_websocket_status(endpoint), "text/html; charset=utf-8");
  do_write();
}

template <class Stream>
std::string HttpSession<Stream>::request_host(const Request& request) {
  std::string host(request[http::field::host]);
  if (host.empty()) {
    error_code ec;
    const auto local = socket().local_endpoint(ec);
    host = ec ? std::string("localhost") : format_endpoint(local);
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
void HttpSession<Stream>::handle_node_info(const Request& request) {
  const std::string host = request_host(request);
  // Each endpoint's URL as a client must write it: with its external_port, if configured.
  std::vector<NodeInfoEndpoint> endpoints = context_->websocket_paths;
  for (auto& endpoint : endpoints) {
    const auto it = context_->config.paths.find(endpoint.path);
    const auto external_port =
        it == context_->config.paths.end() ? std::nullopt : it->second.websocket.external_port;
    endpoint.url =
        websocket_url(host, endpoint.path, external_port, context_->config.tls.has_value());
  }
  respond(request, http::status::ok, render_node_info(host, endpoints), "text/html; charset=utf-8");
  do_write();
}

template <class Stream>
void HttpSession<Stream>::respond(const Request& request, http::status status, std::string body,
                                  std::string_view content_type) {
  response_ = Response(status, request.version());
  response_.set(http::field::server, "Junction/" + std::string(kVersion));
  response_.set(http::field::content_type, content_type);
  response_.keep_alive(request.keep_alive() && !stopping_);
  response_.body() = std::move(body);
  response_.prepare_payload();
  // HEAD: the same headers (Content-Length included), no body.
  if (request.method() == http::verb::head) response_.body().clear();
}

template <class Stream>
void HttpSession<Stream>::respond_and_close(http::status status, std::string body) {
  response_ = Response(status, 11);
  response_.set(http::field::server, "Junction/" + std::string(kVersion));
  response_.set(http::field::content_type, "text/plain; charset=utf-8");
  response_.keep_alive(false);
  response_.body() = std::move(body);
  response_.prepare_payload();
  do_write();
}

template <class Stream>
void HttpSession<Stream>::do_write() {
  beast::get_lowest_layer(stream_).expires_after(kHttpWriteTimeout);
  http::async_write(stream_, response_,
                    beast::bind_front_handler(&HttpSession::on_write, this->shared_from_this()));
}

template <class Stream>
void HttpSession<Stream>::on_write(error_code ec, std::size_t) {
  if (ec) {
    JLOG(debug, "transport") << description_ << ": write failed: " << ec.message();
    return do_close();
  }
  if (!response_.keep_alive() || stopping_) return do_close();
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
    socket().shutdown(tcp::socket::shutdown_send, ignored);
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
  beast::get_lowest_layer(stream_).close();
}

template class HttpSession<TcpStream>;
template class HttpSession<TlsStream>;

}  // namespace junction::transport
