// transport/websocket_session: one WAMP-over-WebSocket connection. Completes the upgrade that the
// HTTP session read, then turns frames into router messages and router messages into frames,
// through a bounded per-connection write queue. Implements router::Peer for its Connection.
// Applies the per-connection WebSocket options: permessage-deflate, handshake timeouts, the
// auto-ping schedule that drops dead peers, and the maximum message size. One template for plain
// TCP and TLS streams (see http_session.hpp).
#pragma once

#include <chrono>
#include <cstddef>
#include <deque>
#include <memory>
#include <optional>
#include <string>

#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/websocket/stream.hpp>

#include "router/router.hpp"
#include "transport/net.hpp"
#include "transport/server.hpp"
#include "transport/session_registry.hpp"
#include "transport/tls_context.hpp"
#include "wamp/codec.hpp"

namespace junction::transport {

// Explicitly instantiated in websocket_session.cpp for beast::tcp_stream and TlsStream.
template <class Stream>
class WebSocketSession : public LiveSession,
                         public router::Peer,
                         public std::enable_shared_from_this<WebSocketSession<Stream>> {
 public:
  // `stream` is the connection the upgrade request arrived on, with its timeouts disarmed.
  WebSocketSession(Stream&& stream, const wamp::Codec& codec, const WebSocketOptions& options,
                   router::Router& router, std::shared_ptr<SessionRegistry> registry);
  ~WebSocketSession() override;

  // Answers the upgrade request (already read and negotiated) and starts the session.
  // `handshake_left` is what remains of open_handshake_timeout for writing the 101 response.
  void run(beast::http::request<beast::http::string_body> request,
           std::chrono::steady_clock::duration handshake_left);

  // router::Peer. Called on the routing thread (= our thread), possibly from inside our own
  // call into the router: both only queue work and never call the router back.
  void send(wamp::OutboundPtr message) override;
  void close() override;
  std::string describe() const override { return description_; }
  router::TransportInfo transport_info() const override { return transport_info_; }

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
  // auto_ping_interval/auto_ping_timeout (own_auto_ping): one timer, re-armed from the time
  // anything was last heard from the peer.
  void arm_ping_timer();
  void on_ping_timer(error_code ec);
  void on_ping(error_code ec);
  void on_close(error_code ec);
  // The socket is finished: tell the router exactly once and drop the Connection.
  void finish(std::string_view why);
  void close_socket();
  // Closes the socket at once without a close handshake; `reason` is logged on disconnect.
  void abort(std::string reason);

  beast::websocket::stream<Stream> ws_;
  const wamp::Codec& codec_;
  WebSocketOptions options_;
  router::Router& router_;
  std::shared_ptr<SessionRegistry> registry_;
  std::string description_;
  router::TransportInfo transport_info_;
  std::string abort_reason_;
  std::string extensions_;  // Sec-WebSocket-Extensions we answered with (permessage-deflate)

  std::unique_ptr<router::Connection> connection_;
  beast::flat_buffer read_buffer_;

  // Encoded messages waiting to be written; the front one is being written while writing_.
  // Buffers are shared with the other recipients of the same message and never copied.
  std::deque<std::shared_ptr<const std::string>> queue_;
  std::size_t queued_bytes_ = 0;
  bool writing_ = false;

  asio::steady_timer ping_timer_;
  using clock = std::chrono::steady_clock;
  clock::time_point last_heard_{};  // last data or control frame from the peer
  clock::time_point ping_sent_{};   // last auto-ping
  bool ping_unanswered_ = false;    // nothing heard since ping_sent_
  bool ping_writing_ = false;       // async_ping in flight (Beast: no async_close meanwhile)
  // start_close() while a ping was being written: the close code to send once it is done.
  std::optional<beast::websocket::close_code> close_after_ping_;

  bool accepted_ = false;         // the handshake completed
  bool close_requested_ = false;  // Peer::close(): close once the queue is flushed
  bool close_started_ = false;    // async_close issued
  bool finished_ = false;         // the router was told; nothing more goes in or out
};

}  // namespace junction::transport
