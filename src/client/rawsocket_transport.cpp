// client/rawsocket_transport: the client side of WAMP over RawSocket: connect (TCP or Unix
// socket) and handshake, batched frame writer, frame parser, PING answered with PONG, and the
// close without a handshake (flush, shut down the send side, wait for EOF).
#include "client/rawsocket_transport.hpp"

#include <algorithm>
#include <cstring>
#include <variant>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include "client/error.hpp"
#include "client/tls.hpp"

namespace junction::client {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

namespace {

// How long close() waits for the router's EOF after shutting down our send side.
constexpr auto kLingerTimeout = std::chrono::seconds(2);

[[noreturn]] void fail_connect(std::string why) {
  throw Error(std::string(errors::disconnected), wamp::Array{wamp::Value(std::move(why))});
}

std::string hex(unsigned char byte) {
  constexpr char kDigits[] = "0123456789abcdef";
  return std::string("0x") + kDigits[byte >> 4] + kDigits[byte & 0x0F];
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// The handshake reply, with the reasons a user can act on

RawSocketReply check_rawsocket_reply(std::span<const std::uint8_t, 4> reply, wamp::Serializer asked,
                                     std::uint8_t our_exponent) {
  RawSocketReply result;
  const std::string name(serializer_name(asked));
  const auto parsed = rawsocket::parse_handshake_reply(reply);
  if (reply[0] != rawsocket::kMagic) {
    const bool text = std::all_of(reply.begin(), reply.end(),
                                  [](unsigned char c) { return c >= 0x20 && c < 0x7F; });
    result.error = "did not answer the RawSocket handshake (reply starts with " + hex(reply[0]) +
                   (text ? " \"" + std::string(reply.begin(), reply.end()) + "\"" : "") +
                   "): not a RawSocket endpoint?";
    return result;
  }
  if (!parsed.ok) {
    result.error =
        "refused the RawSocket handshake: " + rawsocket::describe_handshake_error(parsed.error);
    if (parsed.error == 1) result.error += " (we asked for " + name + ")";
    if (parsed.error == 2) {
      result.error += " (we announced " +
                      std::to_string(rawsocket::max_length_for_exponent(our_exponent)) + " bytes)";
    }
    return result;
  }
  if (reply[2] != 0 || reply[3] != 0) {
    result.error = "answered the RawSocket handshake with reserved octets set";
    return result;
  }
  const auto expected = rawsocket::serializer_id(asked);
  if (parsed.serializer_id != expected) {
    result.error = "answered the RawSocket handshake with serializer id " +
                   std::to_string(parsed.serializer_id) + " (we asked for " + name + ", id " +
                   std::to_string(expected) + ")";
    return result;
  }
  result.ok = true;
  result.router_exponent = parsed.max_length_exponent;
  return result;
}

// ---------------------------------------------------------------------------------------------
// Connecting

namespace {

// connect (TCP or a Unix socket) + TLS handshake (rss) + RawSocket handshake, on `Stream`.
template <class Stream>
asio::awaitable<std::shared_ptr<Transport>> connect_over(asio::any_io_executor executor,
                                                         const Url& url, const wamp::Codec& codec,
                                                         const TransportOptions& options) {
  using Socket = typename BasicRawSocketTransport<Stream>::Socket;
  // One deadline for resolve + connect + TLS + handshake: on expiry the socket is closed, which
  // fails whatever is pending.
  auto stream = make_stream<Stream>(executor, options.tls);
  Socket& socket = lowest_socket(*stream);
  auto timed_out = std::make_shared<bool>(false);
  asio::steady_timer deadline(executor, options.timeout);
  deadline.async_wait([stream, timed_out](boost::system::error_code ec) {
    if (ec) return;
    *timed_out = true;
    boost::system::error_code ignored;
    lowest_socket(*stream).close(ignored);
  });
  const std::string where = url.where();
  const std::uint8_t our_exponent = rawsocket::exponent_for_limit(options.max_message_size);
  std::array<unsigned char, 4> reply{};
  bool tls_handshaking = false;
  bool handshaking = false;
  try {
    if (url.unix_socket()) {
      co_await socket.async_connect(
          typename Socket::endpoint_type(asio::local::stream_protocol::endpoint(url.path)),
          asio::use_awaitable);
    } else {
      const auto endpoints = co_await resolve_tcp(executor, url.host, url.port);
      // asio::async_connect cannot convert TCP endpoints to generic ones: try each here.
      boost::system::error_code ec = asio::error::host_not_found;
      for (const auto& endpoint : endpoints) {
        if (*timed_out) break;
        boost::system::error_code ignored;
        socket.close(ignored);
        co_await socket.async_connect(typename Socket::endpoint_type(endpoint),
                                      asio::redirect_error(asio::use_awaitable, ec));
        if (!ec) break;
      }
      if (*timed_out) ec = asio::error::operation_aborted;
      if (ec) throw boost::system::system_error(ec);
      if (options.tcp_nodelay) socket.set_option(tcp::no_delay(true));
    }
    tls_handshaking = true;
    co_await start_tls(*stream, url, options.tls);
    tls_handshaking = false;
    handshaking = true;
    const auto request = rawsocket::make_handshake_request(
        rawsocket::serializer_id(codec.serializer()), our_exponent);
    co_await asio::async_write(*stream, asio::buffer(request), asio::use_awaitable);
    co_await asio::async_read(*stream, asio::buffer(reply), asio::use_awaitable);
  } catch (const boost::system::system_error& e) {
    deadline.cancel();
    if (*timed_out) fail_connect("connecting to " + where + " timed out");
    if (auto tls = tls_failure(*stream, e.code(), where, tls_handshaking); !tls.empty()) {
      fail_connect(std::move(tls));
    }
    if (handshaking) {
      fail_connect("router at " + where + " closed the connection during the RawSocket handshake" +
                   (e.code() == asio::error::eof ? " (not a RawSocket endpoint?)"
                                                 : ": " + e.code().message()));
    }
    fail_connect("cannot connect to " + where + ": " + e.code().message());
  }
  deadline.cancel();
  const auto checked = check_rawsocket_reply(reply, codec.serializer(), our_exponent);
  if (!checked.ok) fail_connect("router at " + where + " " + checked.error);
  co_return std::make_shared<BasicRawSocketTransport<Stream>>(
      std::move(*stream), codec, rawsocket::max_length_for_exponent(our_exponent),
      rawsocket::max_length_for_exponent(checked.router_exponent));
}

}  // namespace

template <class Stream>
asio::awaitable<std::shared_ptr<Transport>> BasicRawSocketTransport<Stream>::connect(
    asio::any_io_executor executor, const Url& url, const wamp::Codec& codec,
    const TransportOptions& options) {
  if (url.tls()) {
    co_return co_await connect_over<TlsStream<Socket>>(executor, url, codec, options);
  }
  co_return co_await connect_over<Socket>(executor, url, codec, options);
}

// ---------------------------------------------------------------------------------------------
// Reading

template <class Stream>
BasicRawSocketTransport<Stream>::BasicRawSocketTransport(Stream stream, const wamp::Codec& codec,
                                                         std::size_t max_in, std::size_t max_out)
    : Base(std::move(stream)),
      codec_(codec),
      max_in_(max_in),
      max_out_(max_out),
      timer_(stream_.get_executor()) {}

template <class Stream>
BasicRawSocketTransport<Stream>::~BasicRawSocketTransport() = default;

template <class Stream>
void BasicRawSocketTransport<Stream>::start(std::weak_ptr<TransportHandler> handler) {
  handler_ = std::move(handler);
  asio::post(stream_.get_executor(), [self = this->shared_from_this()] {
    if (!self->finished_) self->do_read();
  });
}

template <class Stream>
void BasicRawSocketTransport<Stream>::on_read_error(boost::system::error_code ec) {
  if (lingering_) {
    finish("closed");
  } else if (ec == asio::error::eof && kIsTls<Stream> && !writer_.in_flight()) {
    // The router's close_notify: answer with ours, then end. (Not while a write is in flight:
    // the shutdown would cancel it.)
    closing_ = true;
    end_reason_ = "connection closed by the router";
    start_linger();
  } else if (ec == asio::error::eof) {
    finish("connection closed by the router");
  } else {
    finish("connection lost: " + ec.message());
  }
}

template <class Stream>
bool BasicRawSocketTransport<Stream>::parse_frames() {
  active_handler_ = handler_.lock();
  struct Release {
    std::shared_ptr<TransportHandler>& h;
    ~Release() { h.reset(); }
  } release{active_handler_};

  while (!finished_ && in_.size() >= rawsocket::kHeaderSize) {
    const auto* p = reinterpret_cast<const std::uint8_t*>(in_.data());
    const auto parsed = rawsocket::parse_frame_header(std::span<const std::uint8_t, 4>(p, 4));
    if (const auto* problem = std::get_if<rawsocket::HeaderProblem>(&parsed)) {
      finish("protocol error from the router: RawSocket frame header " + hex(p[0]) +
             (*problem == rawsocket::HeaderProblem::reserved_bits
                  ? " has reserved bits set"
                  : " has unknown frame type " + std::to_string(p[0] & 7)));
      return false;
    }
    const auto header = std::get<rawsocket::FrameHeader>(parsed);
    if (header.length > max_in_) {
      finish("router sent a RawSocket frame of " + std::to_string(header.length) +
             " bytes, more than the " + std::to_string(max_in_) +
             " bytes we announced (max_message_size)");
      return false;
    }
    const std::size_t total = rawsocket::kHeaderSize + header.length;
    if (in_.size() < total) {
      in_.expect(total);  // the whole frame fits the next read
      break;
    }
    const std::string_view payload(in_.data() + rawsocket::kHeaderSize, header.length);
    in_.consume(total);
    switch (header.type) {
      case rawsocket::FrameType::message:
        if (active_handler_ && !closing_) active_handler_->on_message(payload);
        break;
      case rawsocket::FrameType::ping:
        // The spec: answer every PING with a PONG echoing its payload.
        queue_frame(rawsocket::FrameType::pong, payload);
        break;
      case rawsocket::FrameType::pong:
        break;  // we send no PINGs; an unsolicited PONG is harmless
    }
  }
  return !finished_;
}

// ---------------------------------------------------------------------------------------------
// Writing and closing

template <class Stream>
void BasicRawSocketTransport<Stream>::queue_frame(rawsocket::FrameType type,
                                                  std::string_view payload) {
  if (finished_ || lingering_) return;
  const auto header = rawsocket::make_frame_header(type, payload.size());
  writer_.pending().append(reinterpret_cast<const char*>(header.data()), header.size());
  writer_.pending().append(payload);
  flush();
}

template <class Stream>
void BasicRawSocketTransport<Stream>::send(std::string_view message) {
  if (finished_ || closing_) return;
  if (message.size() > max_out_) {
    // Truncating or dropping it would leave the other side (or our own caller) waiting forever;
    // the connection goes, with a reason that says why. Not from inside send(): posted.
    closing_ = true;
    const std::string reason = "cannot send a message of " + std::to_string(message.size()) +
                               " bytes: the router accepts at most " + std::to_string(max_out_) +
                               " bytes (its RawSocket handshake); closing the connection";
    asio::post(stream_.get_executor(),
               [self = this->shared_from_this(), reason] { self->finish(reason); });
    return;
  }
  queue_frame(rawsocket::FrameType::message, message);
}

template <class Stream>
void BasicRawSocketTransport<Stream>::flush() {
  if (finished_) return;
  writer_.flush(stream_, this->shared_from_this(), [this](boost::system::error_code ec) {
    if (finished_) return;
    if (ec) return finish("connection lost while writing: " + ec.message());
    if (!writer_.pending().empty()) {
      flush();
    } else if (closing_) {
      start_linger();
    }
  });
}

template <class Stream>
void BasicRawSocketTransport<Stream>::close() {
  if (finished_ || closing_) return;
  closing_ = true;
  if (!writer_.in_flight()) start_linger();  // else once the queued frames are written
}

template <class Stream>
void BasicRawSocketTransport<Stream>::start_linger() {
  if (lingering_ || finished_) return;
  lingering_ = true;
  // No close handshake in RawSocket: our EOF (TLS: close_notify) tells the router we are done;
  // its EOF (seen by the read in progress; TLS: its close_notify, seen by the shutdown) ends the
  // connection, or the timer does.
  if (end_reason_.empty()) end_reason_ = "closed";
  end_output(stream_, tls_closing_,
             [self = this->shared_from_this()] { self->finish(self->end_reason_); });
  timer_.expires_after(kIsTls<Stream> ? kTlsShutdownTimeout : kLingerTimeout);
  timer_.async_wait([self = this->shared_from_this()](boost::system::error_code ec) {
    if (!ec) self->finish(self->end_reason_);
  });
}

template <class Stream>
void BasicRawSocketTransport<Stream>::finish(std::string reason) {
  if (finished_) return;
  finished_ = true;
  boost::system::error_code ignored;
  lowest_socket(stream_).close(ignored);
  timer_.cancel();
  auto handler = active_handler_ ? active_handler_ : handler_.lock();
  if (handler) handler->on_close(std::move(reason));
}

template class BasicRawSocketTransport<RawSocketTransport::Socket>;
template class BasicRawSocketTransport<TlsStream<RawSocketTransport::Socket>>;

}  // namespace junction::client
