// client/websocket_transport: WAMP over WebSocket, client side. The HTTP upgrade is done with
// Beast's HTTP parser; the frames are our own (RFC 6455, src/websocket, shared with the router):
// every queued message is masked straight into one outgoing buffer, and everything queued while a
// write is in flight leaves in the next single write — many WAMP messages per system call. Reads
// parse every complete frame in the buffer before reading again; unfragmented messages are handed
// over without a copy.
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>

#include "client/batch_writer.hpp"
#include "client/read_buffer.hpp"
#include "client/transport.hpp"
#include "client/url.hpp"

namespace junction::client {

class WebSocketTransport final : public Transport,
                                 public std::enable_shared_from_this<WebSocketTransport> {
 public:
  // Connects, upgrades, checks the server accepted `codec`'s subprotocol. Throws client::Error.
  static boost::asio::awaitable<std::shared_ptr<Transport>> connect(
      boost::asio::any_io_executor executor, const Url& url, const wamp::Codec& codec,
      const TransportOptions& options, std::chrono::milliseconds timeout);

  WebSocketTransport(boost::asio::ip::tcp::socket socket, const wamp::Codec& codec,
                     std::size_t max_message_size, std::string_view already_read);
  ~WebSocketTransport() override;

  const wamp::Codec& codec() const override { return codec_; }
  void start(std::weak_ptr<TransportHandler> handler) override;
  void send(std::string_view message) override;
  std::size_t queued_bytes() const override { return writer_.queued_bytes(); }
  void close() override;
  bool is_open() const override { return !finished_; }

 private:
  void do_read();
  // Parses and dispatches every complete frame in the input buffer; false once finished.
  bool parse_frames();
  void queue_frame(unsigned opcode, std::string_view payload);
  void queue_close(unsigned code, std::string_view reason);
  void flush();
  void finish(std::string reason);

  boost::asio::ip::tcp::socket socket_;
  const wamp::Codec& codec_;
  std::size_t max_message_size_;
  std::weak_ptr<TransportHandler> handler_;
  std::shared_ptr<TransportHandler> active_handler_;  // held while a read batch is dispatched

  ReadBuffer in_;
  std::string fragments_;
  bool fragmented_ = false;

  BatchWriter writer_;

  bool close_sent_ = false;
  bool close_received_ = false;
  bool finished_ = false;
  std::string close_reason_;
  boost::asio::steady_timer close_timer_;
  std::uint64_t mask_state_;
};

}  // namespace junction::client
