// client/rawsocket_transport: WAMP over RawSocket, client side, over TCP, TLS (rss://: the same
// code on a TLS stream, client/tls.hpp) or a Unix domain socket.
//
//   handshake   0x7F | LLLL SSSS | 0x00 | 0x00   (L: max length exponent, S: serializer id)
//   error reply 0x7F | EEEE 0000 | 0x00 | 0x00   (E: error code)
//   frame       00000 TTT | 24-bit big-endian payload length | payload (T: 0 message, 1 PING,
//               2 PONG)
//
// Like the WebSocket transport: everything queued while a write is in flight leaves in the next
// single write, every complete frame in the read buffer is handled before reading again (handed
// over without a copy), and the read buffer starts small and grows under load. RawSocket has no
// close handshake: close() flushes, shuts down the send side (TLS: sends close_notify) and waits
// briefly for the router's EOF (TLS: its close_notify).
//
// The wire format itself (handshake octets, frame headers, length exponents) is src/rawsocket,
// shared with the router.
#pragma once

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/generic/stream_protocol.hpp>
#include <boost/asio/steady_timer.hpp>

#include "client/framed_stream.hpp"
#include "client/transport.hpp"
#include "client/url.hpp"
#include "rawsocket/protocol.hpp"

namespace junction::client {

// The router's 4-byte answer to our RawSocket handshake, checked: ok with the router's length
// exponent, or the reason the connection cannot go on ("refused the RawSocket handshake:
// serializer unsupported ...", to follow "router at HOST:PORT ").
struct RawSocketReply {
  bool ok = false;
  std::uint8_t router_exponent = 0;
  std::string error;
};
RawSocketReply check_rawsocket_reply(std::span<const std::uint8_t, 4> reply, wamp::Serializer asked,
                                     std::uint8_t our_exponent);

// `Stream`: Socket (below), or boost::asio::ssl::stream<Socket> (instantiated in the .cpp for
// these two only).
template <class Stream>
class BasicRawSocketTransport final : public FramedStream<BasicRawSocketTransport<Stream>, Stream> {
  using Base = FramedStream<BasicRawSocketTransport<Stream>, Stream>;
  friend Base;

 public:
  // One socket type for TCP and Unix domain sockets.
  using Socket = boost::asio::generic::stream_protocol::socket;

  // Connects (TCP for rs:// and tcp://, TLS over TCP for rss:// and rs+tls:// with options.tls —
  // whatever Stream is —, a Unix socket for unix:// and rs+unix://) and does the handshake for
  // codec's serializer, announcing options.max_message_size. Throws client::Error
  // (errors::disconnected) with the reason: connection refused, timed out, TLS (handshake,
  // verification), the router's handshake error, not a RawSocket endpoint.
  static boost::asio::awaitable<std::shared_ptr<Transport>> connect(
      boost::asio::any_io_executor executor, const Url& url, const wamp::Codec& codec,
      const TransportOptions& options);

  // A connected stream after a successful handshake: frames up to `max_in` bytes are accepted
  // (what we announced), up to `max_out` bytes sent (what the router announced).
  BasicRawSocketTransport(Stream stream, const wamp::Codec& codec, std::size_t max_in,
                          std::size_t max_out);
  ~BasicRawSocketTransport() override;

  const wamp::Codec& codec() const override { return codec_; }
  void start(std::weak_ptr<TransportHandler> handler) override;
  // A message larger than the router accepts is not sent: the connection is closed with a reason
  // saying so (on the next turn of the loop; send never calls the handler).
  void send(std::string_view message) override;
  std::size_t queued_bytes() const override { return this->writer_.queued_bytes(); }
  void close() override;
  bool is_open() const override { return !this->finished_; }

  std::size_t max_in() const { return max_in_; }
  std::size_t max_out() const { return max_out_; }

 private:
  using Base::do_read, Base::stream_, Base::in_, Base::writer_, Base::finished_, Base::tls_closing_;

  // Handles every complete frame in the input buffer; false once finished.
  bool parse_frames();
  void on_read_error(boost::system::error_code ec);
  void queue_frame(rawsocket::FrameType type, std::string_view payload);
  void flush();
  void start_linger();
  void finish(std::string reason);

  const wamp::Codec& codec_;
  const std::size_t max_in_;
  const std::size_t max_out_;
  std::weak_ptr<TransportHandler> handler_;
  std::shared_ptr<TransportHandler> active_handler_;  // held while a read batch is dispatched

  bool closing_ = false;    // close() called (or a send failed): nothing more is sent or delivered
  bool lingering_ = false;  // send side shut down, waiting for the router's EOF
  std::string end_reason_;  // why the connection ends once the linger is over
  boost::asio::steady_timer timer_;  // the linger after our last bytes
};

// rs://, tcp://, unix:// (connect() also opens rss:// URLs).
using RawSocketTransport = BasicRawSocketTransport<boost::asio::generic::stream_protocol::socket>;

}  // namespace junction::client
