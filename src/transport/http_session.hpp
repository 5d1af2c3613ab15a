// transport/http_session: one HTTP/1.1 connection before (or instead of) a WebSocket upgrade.
// Reads requests with size limits and a timeout, answers each from the listener's path services
// (welcome page, WebSocket status page, 404, 405, 426, refused upgrades — wrong subprotocol,
// disallowed Origin), keeps the connection alive between requests, bounds the wait for the first
// request by the WebSocket open_handshake_timeout, and hands the socket to a WebSocketSession
// when an upgrade is negotiated. One template for plain TCP (TcpStream) and TLS
// (TlsStream, handshake already done), like Beast's advanced "flex" server.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/status.hpp>
#include <boost/beast/http/string_body.hpp>

#include "transport/listener.hpp"
#include "transport/net.hpp"
#include "transport/session_registry.hpp"
#include "transport/tls_context.hpp"

namespace junction::transport {

// Explicitly instantiated in http_session.cpp for TcpStream and TlsStream.
template <class Stream>
class HttpSession : public LiveSession, public std::enable_shared_from_this<HttpSession<Stream>> {
 public:
  // `peer`: the remote address as the listener wrote it. `initial`: bytes already read from the
  // socket (a universal listener's protocol detection).
  HttpSession(Stream stream, std::shared_ptr<const ListenerContext> context, std::string peer,
              beast::flat_buffer initial = {});
  ~HttpSession() override;

  void run();

  // LiveSession: an idle keep-alive connection closes now, a response in flight is finished.
  void shutdown() override;
  void force_close() override;
  void detach() override { force_close(); }

 private:
  using Request = beast::http::request<beast::http::string_body>;
  using Response = beast::http::response<beast::http::string_body>;

  void do_read();
  void on_read(error_code ec, std::size_t bytes);
  void handle_request();
  void handle_websocket(const PathService& service, Request& request);
  void handle_node_info(const Request& request);
  void handle_websocket_status(const PathService& service, const Request& request);
  // The Host the request named, else our local address.
  std::string request_host(const Request& request);
  // How long to wait for the next request: on a fresh connection to a listener with WebSocket
  // services, the shortest open_handshake_timeout among them (at most kHttpReadTimeout).
  std::chrono::steady_clock::duration read_timeout() const;
  // Prepares response_ for the current request; the body is dropped for HEAD.
  void respond(const Request& request, beast::http::status status, std::string body,
               std::string_view content_type = "text/plain; charset=utf-8");
  void respond_and_close(beast::http::status status, std::string body);
  void do_write();
  void on_write(error_code ec, std::size_t bytes);
  void do_close();
  TcpSocket& socket() { return beast::get_lowest_layer(stream_).socket(); }

  Stream stream_;
  std::shared_ptr<const ListenerContext> context_;
  std::string peer_;         // "127.0.0.1:50122"
  std::string description_;  // "http 127.0.0.1:50122"
  beast::flat_buffer buffer_;
  std::optional<beast::http::request_parser<beast::http::string_body>> parser_;
  Response response_;  // the response being written; lives here until on_write

  std::chrono::steady_clock::time_point read_started_{};  // when do_read() began waiting
  bool first_request_ = true;                             // nothing read on this connection yet
  bool reading_ = false;
  bool stopping_ = false;  // close after the current response
  bool upgraded_ = false;  // stream_ now belongs to a WebSocketSession
  bool closing_ = false;   // TLS close_notify in progress
};

}  // namespace junction::transport
