// client/websocket_transport: WAMP over WebSocket (ws://, and wss:// over TLS: the same code on
// either stream, client/tls.hpp), client side. The HTTP upgrade is done with
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

#include "client/framed_stream.hpp"
#include "client/transport.hpp"
#include "client/url.hpp"

namespace junction::client {

// `Stream`: boost::asio::ip::tcp::socket, or boost::asio::ssl::stream of one (instantiated in
// the .cpp for these two only).
template <class Stream>
class BasicWebSocketTransport final : public FramedStream<BasicWebSocketTransport<Stream>, Stream> {
  using Base = FramedStream<BasicWebSocketTransport<Stream>, Stream>;
  friend Base;

 public:
  // Connects (over TLS for wss://, whatever Stream is: options.tls), upgrades, checks the server
  // accepted `codec`'s subprotocol. Throws client::Error.
  static boost::asio::awaitable<std::shared_ptr<Transport>> connect(
      boost::asio::any_io_executor executor, const Url& url, const wamp::Codec& codec,
      const TransportOptions& options, std::chrono::milliseconds timeout);

  BasicWebSocketTransport(Stream stream, const wamp::Codec& codec, std::size_t max_message_size,
                          std::string_view already_read);
  ~BasicWebSocketTransport() override;

  const wamp::Codec& codec() const override { return codec_; }
  void start(std::weak_ptr<TransportHandler> handler) override;
  void send(std::string_view message) override;
  std::size_t queued_bytes() const override { return this->writer_.queued_bytes(); }
  void close() override;
  bool is_open() const override { return !this->finished_; }

 private:
  using Base::do_read, Base::stream_, Base::in_, Base::writer_, Base::finished_, Base::tls_closing_;

  // Parses and dispatches every complete frame in the input buffer; false once finished.
  bool parse_frames();
  void on_read_error(boost::system::error_code ec);
  void queue_frame(unsigned opcode, std::string_view payload);
  void queue_close(unsigned code, std::string_view reason);
  void flush();
  // After the close handshake: our FIN, or TLS's close_notify both ways (then finish()).
  void end_output();
  void finish(std::string reason);

  const wamp::Codec& codec_;
  std::size_t max_message_size_;
  std::weak_ptr<TransportHandler> handler_;
  std::shared_ptr<TransportHandler> active_handler_;  // held while a read batch is dispatched

  std::string fragments_;
  bool fragmented_ = false;

  bool close_sent_ = false;
  bool close_received_ = false;
  std::string close_reason_;
  boost::asio::steady_timer close_timer_;
  std::uint64_t mask_state_;
};

// ws:// (connect() also opens wss:// URLs).
using WebSocketTransport = BasicWebSocketTransport<boost::asio::ip::tcp::socket>;

}  // namespace junction::client
