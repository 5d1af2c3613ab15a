// transport/websocket_session: one WAMP-over-WebSocket connection. Completes the upgrade that the
// HTTP session read, then turns frames into router messages and router messages into frames,
// through a bounded per-connection write queue. Implements router::Peer for its Connection.
#pragma once

#include <cstddef>
#include <deque>
#include <memory>
#include <string>

#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/websocket/stream.hpp>

#include "router/router.hpp"
#include "transport/net.hpp"
#include "transport/server.hpp"
#include "transport/session_registry.hpp"
#include "wamp/codec.hpp"

namespace junction::transport {

class WebSocketSession : public LiveSession,
                         public router::Peer,
                         public std::enable_shared_from_this<WebSocketSession> {
 public:
  // `stream` is the connection the upgrade request arrived on, with its timeouts disarmed.
  WebSocketSession(beast::tcp_stream&& stream, const wamp::Codec& codec,
                   const WebSocketOptions& options, router::Router& router,
                   std::shared_ptr<SessionRegistry> registry);
  ~WebSocketSession() override;

  // Answers the upgrade request (already read and negotiated) and starts the session.
  void run(beast::http::request<beast::http::string_body> request);

  // router::Peer. Called on the routing thread (= our thread), possibly from inside our own
  // call into the router: both only queue work and never call the router back.
  void send(wamp::OutboundPtr message) override;
  void close() override;
  std::string describe() const override { return description_; }

  // LiveSession
  void shutdown() override { close(); }
  void force_close() override;
  void detach() override;

 private:
  void on_accept(error_code ec);
  void do_read();
  std::size_t max_message_size() const;
  void on_read(error_code ec, std::size_t bytes);
  void deliver(std::string_view bytes);
  void do_write();
  void on_write(error_code ec, std::size_t bytes);
  void start_close(beast::websocket::close_code code = beast::websocket::close_code::normal);
  void on_close(error_code ec);
  // The socket is finished: tell the router exactly once and drop the Connection.
  void finish(std::string_view why);
  void close_socket();
  // Closes the socket at once without a close handshake; `reason` is logged on disconnect.
  void abort(std::string reason);

  beast::websocket::stream<beast::tcp_stream> ws_;
  const wamp::Codec& codec_;
  WebSocketOptions options_;
  router::Router& router_;
  std::shared_ptr<SessionRegistry> registry_;
  std::string description_;
  std::string abort_reason_;

  std::unique_ptr<router::Connection> connection_;
  beast::flat_buffer read_buffer_;

  // Encoded messages waiting to be written; the front one is being written while writing_.
  // Buffers are shared with the other recipients of the same message and never copied.
  std::deque<std::shared_ptr<const std::string>> queue_;
  std::size_t queued_bytes_ = 0;
  bool writing_ = false;

  bool accepted_ = false;         // the handshake completed
  bool close_requested_ = false;  // Peer::close(): close once the queue is flushed
  bool close_started_ = false;    // async_close issued
  bool finished_ = false;         // the router was told; nothing more goes in or out
};

}  // namespace junction::transport
