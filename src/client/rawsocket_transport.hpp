// client/rawsocket_transport: WAMP over RawSocket, client side, over TCP or a Unix domain socket.
//
//   handshake   0x7F | LLLL SSSS | 0x00 | 0x00   (L: max length exponent, S: serializer id)
//   error reply 0x7F | EEEE 0000 | 0x00 | 0x00   (E: error code)
//   frame       00000 TTT | 24-bit big-endian payload length | payload (T: 0 message, 1 PING,
//               2 PONG)
//
// Like the WebSocket transport: everything queued while a write is in flight leaves in the next
// single write, every complete frame in the read buffer is handled before reading again (handed
// over without a copy), and the read buffer starts small and grows under load. RawSocket has no
// close handshake: close() flushes, shuts down the send side and waits briefly for the router's
// EOF.
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

#include "client/batch_writer.hpp"
#include "client/read_buffer.hpp"
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

class RawSocketTransport final : public Transport,
                                 public std::enable_shared_from_this<RawSocketTransport> {
 public:
  // One socket type for TCP and Unix domain sockets.
  using Socket = boost::asio::generic::stream_protocol::socket;

  // Connects (TCP for rs:// and tcp://, a Unix socket for unix:// and rs+unix://) and does the
  // handshake for codec's serializer, announcing options.max_message_size. Throws client::Error
  // (errors::disconnected) with the reason: connection refused, timed out, the router's
  // handshake error, not a RawSocket endpoint.
  static boost::asio::awaitable<std::shared_ptr<Transport>> connect(
      boost::asio::any_io_executor executor, const Url& url, const wamp::Codec& codec,
      const TransportOptions& options);

  // A connected socket after a successful handshake: frames up to `max_in` bytes are accepted
  // (what we announced), up to `max_out` bytes sent (what the router announced).
  RawSocketTransport(Socket socket, const wamp::Codec& codec, std::size_t max_in,
                     std::size_t max_out);
  ~RawSocketTransport() override;

  const wamp::Codec& codec() const override { return codec_; }
  void start(std::weak_ptr<TransportHandler> handler) override;
  // A message larger than the router accepts is not sent: the connection is closed with a reason
  // saying so (on the next turn of the loop; send never calls the handler).
  void send(std::string_view message) override;
  std::size_t queued_bytes() const override { return writer_.queued_bytes(); }
  void close() override;
  bool is_open() const override { return !finished_; }

  std::size_t max_in() const { return max_in_; }
  std::size_t max_out() const { return max_out_; }

 private:
  void do_read();
  // Handles every complete frame in the input buffer; false once finished.
  bool parse_frames();
  void queue_frame(rawsocket::FrameType type, std::string_view payload);
  void flush();
  void start_linger();
  void finish(std::string reason);

  Socket socket_;
  const wamp::Codec& codec_;
  const std::size_t max_in_;
  const std::size_t max_out_;
  std::weak_ptr<TransportHandler> handler_;
  std::shared_ptr<TransportHandler> active_handler_;  // held while a read batch is dispatched

  ReadBuffer in_;

  BatchWriter writer_;

  bool closing_ = false;    // close() called (or a send failed): nothing more is sent or delivered
  bool lingering_ = false;  // send side shut down, waiting for the router's EOF
  bool finished_ = false;
  boost::asio::steady_timer timer_;  // the linger after our last bytes
};

}  // namespace junction::client
