// transport/http_session: one HTTP/1.1 connection before (or instead of) a WebSocket upgrade.
// Reads requests with size limits and a timeout (the header first, then the body up to the
// routed service's body_limit, with "100 Continue" when asked), routes each by longest path
// prefix, answers WebSocket paths itself (status page, 404, 405, 426, refused upgrades — wrong
// subprotocol, disallowed Origin) and hands every other request to its HttpService
// (transport/http_service.hpp), whose answer may come later and from any thread. One request at
// a time: pipelined requests wait in the read buffer until the previous answer is written. Keeps
// the connection alive between requests, bounds the wait for the first request by the WebSocket
// open_handshake_timeout, and hands the socket to a WebSocketSession when an upgrade is
// negotiated. One template for plain TCP (TcpStream), Unix domain sockets (UnixStream) and TLS
// (TlsStream, handshake already done), like Beast's advanced "flex" server.
#pragma once

#include <chrono>
#include <functional>
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

#include "transport/http_service.hpp"
#include "transport/listener.hpp"
#include "transport/net.hpp"
#include "transport/session_registry.hpp"
#include "transport/tls_context.hpp"

namespace junction::transport {

struct WebSocketUpgrade;

// Explicitly instantiated in http_session.cpp for TcpStream, UnixStream and TlsStream.
template <class Stream>
class HttpSession : public LiveSession,
                    public HttpResponder,
                    public std::enable_shared_from_this<HttpSession<Stream>> {
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

  // HttpResponder: a service's answer, from any thread.
  void deliver(std::uint64_t exchange_id, HttpResponse response) override;
  void on_client_gone(std::uint64_t exchange_id, std::function<void()> gone) override;

 private:
  using Request = beast::http::request<beast::http::string_body>;

  void do_read();
  void on_read_header(error_code ec, std::size_t bytes);
  void read_body();
  void on_read(error_code ec, std::size_t bytes);
  // Whether the read failed (and was answered or closed).
  bool read_failed(error_code ec);
  void handle_request();
  void handle_websocket(const PathService& service, Request& request);
  void handle_websocket_proxy(const PathService& service, Request& request);
  void track_cookie(cookie::CookieStore& cookies, const Request& request,
                    WebSocketUpgrade& upgrade);
  void handle_websocket_status(const PathService& service, const Request& request);
  void on_service_answer(std::uint64_t exchange_id, HttpResponse&& response);
  // The Host the request named, else our local address.
  std::string request_host(const Request& request);
  // How long to wait for the next request: on a fresh connection to a listener with WebSocket
  // services, the shortest open_handshake_timeout among them (at most kHttpReadTimeout).
  std::chrono::steady_clock::duration read_timeout() const;
  // Answers the current request with a text body.
  void respond(beast::http::status status, std::string body,
               std::string_view content_type = "text/plain; charset=utf-8");
  // Answers and closes (after a request we could not read whole).
  void respond_and_close(beast::http::status status, std::string body);
  // Serialises `response` for the current request (the body is dropped for HEAD) and writes it.
  void write_response(HttpResponse&& response);
  void on_write(error_code ec, std::size_t bytes);
  // Writes the next chunk of a file body (TLS: read into memory, then written).
  void write_file_chunk();
  // Plain TCP: writes the head, then the file body with sendfile() (straight from the page
  // cache); when the socket is full, waits until it is writable (at most kHttpWriteTimeout).
  void send_file_body();
  void wait_writable();
  // Streamed bodies (out_.stream): writes what the producer has queued, waits for more, ends.
  void write_stream();
  void on_stream_write(error_code ec);
  // The body cannot be completed (the producer failed, the client went): the producer is
  // stopped and the connection reset, so the client sees the answer is cut short.
  void abort_stream();
  // While a request waits for its answer or a streamed body for its producer: notices the
  // client closing (a peek at the socket, so a pipelined request stays where it is).
  void watch_client();
  void on_client_readable(error_code ec, std::size_t bytes);
  void do_close();
  auto& socket() { return beast::get_lowest_layer(stream_).socket(); }

  Stream stream_;
  std::shared_ptr<const ListenerContext> context_;
  std::string peer_;         // "127.0.0.1:50122", "unix:/run/junction.sock"
  std::string description_;  // "http 127.0.0.1:50122"
  beast::flat_buffer buffer_;
  std::optional<beast::http::request_parser<beast::http::string_body>> parser_;
  std::shared_ptr<const HttpConnectionInfo> info_;  // handed to services with each request
  ListenerContext::Route route_;                    // of the current request

  // The current request, as far as the response needs it (the request itself may be a
  // service's now).
  bool request_keep_alive_ = true;
  bool request_head_ = false;  // HEAD: headers only
  unsigned request_version_ = 11;
  std::string request_line_;       // "GET /x HTTP/1.1", for the access log
  std::uint64_t exchange_id_ = 0;  // of the request a service answers
  bool awaiting_service_ = false;

  // The response being written; lives here until the write completes.
  HttpResponse out_;
  std::string head_;                 // status line and header fields
  bool close_after_ = false;         // Connection: close
  std::uint64_t file_position_ = 0;  // file bodies: next byte to read
  std::uint64_t file_left_ = 0;      // file bodies: bytes still to write
  std::string file_chunk_;
  std::size_t head_sent_ = 0;             // send_file_body: bytes of head_ sent
  std::optional<Timer> send_wait_timer_;  // send_file_body: bounds a wait
  bool streaming_ = false;                // writing out_.stream
  bool stream_writing_ = false;           // a write of it is in flight
  bool stream_chunked_ = false;           // Transfer-Encoding: chunked
  bool stream_sized_ = false;  // Content-Length from the stream: stream_left_ bytes to go
  std::uint64_t stream_left_ = 0;
  std::uint64_t stream_sent_ = 0;  // for the access log
  std::string stream_chunk_;       // the piece being written
  std::string chunk_prefix_;       // "1f40\r\n"
  bool watching_client_ = false;
  char peeked_ = 0;
  std::function<void()> client_gone_;  // of the exchange a service holds

  std::chrono::steady_clock::time_point read_started_{};  // when do_read() began waiting
  bool first_request_ = true;                             // nothing read on this connection yet
  bool reading_ = false;
  bool stopping_ = false;  // close after the current response
  bool upgraded_ = false;  // stream_ now belongs to a WebSocketSession
  bool closing_ = false;   // TLS close_notify in progress
};

}  // namespace junction::transport
