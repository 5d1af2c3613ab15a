// client/websocket_transport: the client side of RFC 6455 for WAMP: HTTP upgrade with
// subprotocol negotiation, masked frame writer with batched writes, frame parser, ping/pong and
// the close handshake. Frame headers, masking, close payloads and the accept key are
// src/websocket's (shared with the router); this file keeps the client's own rules: message
// sequencing, the size limit, and what to do with each frame.
#include "client/websocket_transport.hpp"

#include <cstring>
#include <random>

#include <boost/asio/connect.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/detail/base64.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>

#include "client/error.hpp"
#include "client/tls.hpp"
#include "websocket/frame.hpp"

namespace junction::client {

namespace asio = boost::asio;
namespace http = boost::beast::http;
using tcp = asio::ip::tcp;
namespace ws = junction::websocket;
using ws::Opcode;

namespace {

constexpr unsigned op(Opcode opcode) {
  return static_cast<unsigned>(opcode);
}

constexpr auto kCloseTimeout = std::chrono::seconds(3);

std::string base64(const void* data, std::size_t size) {
  std::string out(boost::beast::detail::base64::encoded_size(size), '\0');
  out.resize(boost::beast::detail::base64::encode(out.data(), data, size));
  return out;
}

// A per-thread generator seeded once from the OS: std::random_device costs a device open (or
// an RDRAND probe) per construction, which was a sixth of the bench's cost per connection.
std::uint64_t thread_seed() {
  thread_local std::mt19937_64 engine{(std::uint64_t{std::random_device{}()} << 32) ^
                                      std::random_device{}()};
  return engine();
}

std::uint64_t next_random(std::uint64_t& state) {  // xorshift64*
  state ^= state >> 12;
  state ^= state << 25;
  state ^= state >> 27;
  return state * 0x2545F4914F6CDD1DULL;
}

[[noreturn]] void fail_connect(std::string why) {
  throw Error(std::string(errors::disconnected), wamp::Array{wamp::Value(std::move(why))});
}

// resolve + connect + TLS handshake (wss) + upgrade, on `Stream`.
template <class Stream>
asio::awaitable<std::shared_ptr<Transport>> connect_over(asio::any_io_executor executor,
                                                         const Url& url, const wamp::Codec& codec,
                                                         const TransportOptions& options,
                                                         std::chrono::milliseconds timeout) {
  // One deadline for resolve + connect + TLS + upgrade: on expiry the socket is closed, which
  // fails whatever is pending.
  auto stream = make_stream<Stream>(executor, options.tls);
  auto timed_out = std::make_shared<bool>(false);
  asio::steady_timer deadline(executor, timeout);
  deadline.async_wait([stream, timed_out](boost::system::error_code ec) {
    if (ec) return;
    *timed_out = true;
    boost::system::error_code ignored;
    lowest_socket(*stream).close(ignored);
  });
  const std::string where = url.where();
  std::string leftover;
  bool handshaking = false;
  try {
    const auto endpoints = co_await resolve_tcp(executor, url.host, url.port);
    co_await asio::async_connect(lowest_socket(*stream), endpoints, asio::use_awaitable);
    if (options.tcp_nodelay) lowest_socket(*stream).set_option(tcp::no_delay(true));
    handshaking = true;
    co_await start_tls(*stream, url, options.tls);
    handshaking = false;

    unsigned char nonce[16];
    const std::uint64_t nonce_bits[2] = {thread_seed(), thread_seed()};
    std::memcpy(nonce, nonce_bits, sizeof nonce);
    const std::string key = base64(nonce, sizeof nonce);
    http::request<http::empty_body> req{http::verb::get, url.target, 11};
    const bool default_port = url.port == (url.tls() ? "443" : "80");
    req.set(http::field::host, url.host + (default_port ? "" : ":" + url.port));
    req.set(http::field::upgrade, "websocket");
    req.set(http::field::connection, "Upgrade");
    req.set(http::field::sec_websocket_key, key);
    req.set(http::field::sec_websocket_version, "13");
    req.set(http::field::sec_websocket_protocol, codec.subprotocol());
    req.set(http::field::user_agent, "junction-client");
    co_await http::async_write(*stream, req, asio::use_awaitable);

    boost::beast::flat_buffer buffer;
    http::response<http::string_body> res;
    co_await http::async_read(*stream, buffer, res, asio::use_awaitable);
    if (res.result() != http::status::switching_protocols) {
      fail_connect("WebSocket upgrade to " + where + url.target + " refused: HTTP " +
                   std::to_string(res.result_int()) + " " + std::string(res.reason()));
    }
    if (!ws::header_has_token(res[http::field::upgrade], "websocket") ||
        res[http::field::sec_websocket_accept] != ws::accept_key(key)) {
      fail_connect("bad WebSocket upgrade response from " + where);
    }
    if (res[http::field::sec_websocket_protocol] != codec.subprotocol()) {
      fail_connect("router at " + where + " did not accept subprotocol " +
                   std::string(codec.subprotocol()));
    }
    const auto data = buffer.data();
    leftover.assign(static_cast<const char*>(data.data()), data.size());
  } catch (const Error&) {
    deadline.cancel();
    throw;
  } catch (const boost::system::system_error& e) {
    deadline.cancel();
    if (*timed_out) fail_connect("connecting to " + where + " timed out");
    if (auto tls = tls_failure(*stream, e.code(), where, handshaking); !tls.empty()) {
      fail_connect(std::move(tls));
    }
    fail_connect("cannot connect to " + where + ": " + e.code().message());
  }
  deadline.cancel();
  co_return std::make_shared<BasicWebSocketTransport<Stream>>(std::move(*stream), codec,
                                                              options.max_message_size, leftover);
}

}  // namespace

template <class Stream>
asio::awaitable<std::shared_ptr<Transport>> BasicWebSocketTransport<Stream>::connect(
    asio::any_io_executor executor, const Url& url, const wamp::Codec& codec,
    const TransportOptions& options, std::chrono::milliseconds timeout) {
  if (url.tls()) {
    co_return co_await connect_over<TlsStream<tcp::socket>>(executor, url, codec, options, timeout);
  }
  co_return co_await connect_over<tcp::socket>(executor, url, codec, options, timeout);
}

template <class Stream>
BasicWebSocketTransport<Stream>::BasicWebSocketTransport(Stream stream, const wamp::Codec& codec,
                                                         std::size_t max_message_size,
                                                         std::string_view already_read)
    : Base(std::move(stream), already_read),
      codec_(codec),
      max_message_size_(max_message_size),
      close_timer_(stream_.get_executor()) {
  mask_state_ = thread_seed() ^ 0x9E3779B97F4A7C15ULL;
  if (mask_state_ == 0) mask_state_ = 1;
}

template <class Stream>
BasicWebSocketTransport<Stream>::~BasicWebSocketTransport() = default;

template <class Stream>
void BasicWebSocketTransport<Stream>::start(std::weak_ptr<TransportHandler> handler) {
  handler_ = std::move(handler);
  // Bytes that arrived with the upgrade response are parsed on the next turn of the loop.
  asio::post(stream_.get_executor(), [self = this->shared_from_this()] {
    if (self->parse_frames()) self->do_read();
  });
}

template <class Stream>
void BasicWebSocketTransport<Stream>::on_read_error(boost::system::error_code ec) {
  finish(close_received_ ? close_reason_ : "connection lost: " + ec.message());
}

template <class Stream>
bool BasicWebSocketTransport<Stream>::parse_frames() {
  active_handler_ = handler_.lock();
  struct Release {
    std::shared_ptr<TransportHandler>& h;
    ~Release() { h.reset(); }
  } release{active_handler_};

  while (!finished_) {
    const std::size_t avail = in_.size();
    // RSV1 is never allowed: we offer no extensions.
    const ws::HeaderParse parsed =
        ws::parse_frame_header(std::string_view(in_.data(), avail), false);
    if (parsed.status == ws::ParseStatus::need_more) break;
    if (parsed.status == ws::ParseStatus::error) {
      queue_close(ws::close_code::protocol_error, parsed.error);
      finish("protocol error from the router: " + std::string(parsed.error));
      return false;
    }
    const ws::FrameHeader& frame = parsed.header;
    const Opcode opcode = frame.opcode;
    const std::uint64_t len = frame.payload_length;
    const std::size_t header = frame.header_size;
    if ((opcode == Opcode::continuation && !fragmented_) ||
        ((opcode == Opcode::text || opcode == Opcode::binary) && fragmented_)) {
      queue_close(ws::close_code::protocol_error, "bad frame");
      finish("protocol error from the router: bad WebSocket frame");
      return false;
    }
    if (!ws::is_control(opcode) &&
        len + (opcode == Opcode::continuation ? fragments_.size() : 0) > max_message_size_) {
      queue_close(ws::close_code::too_big, "message too big");
      finish("router sent a message larger than max_message_size");
      return false;
    }
    if (avail < header + len) {
      in_.expect(header + len);  // the whole frame fits the next read
      break;
    }
    char* payload = in_.data() + header;
    // Servers must not mask; a router that does anyway is still understood.
    if (frame.masked) ws::apply_mask(payload, len, frame.mask_key);
    const std::string_view data(payload, len);
    in_.consume(header + len);
    const bool fin = frame.fin;

    switch (opcode) {
      case Opcode::ping:
        queue_frame(op(Opcode::pong), data);
        break;
      case Opcode::pong:
        break;
      case Opcode::close: {
        close_received_ = true;
        const auto close = ws::parse_close_payload(data);
        if (!close) {
          // A code that may not be sent, a 1-byte body or a reason that is not UTF-8.
          close_reason_ = "closed by the router (invalid close frame)";
          if (!close_sent_) queue_close(ws::close_code::protocol_error, {});
        } else {
          close_reason_ = "closed by the router (" + std::to_string(close->code) +
                          (close->reason.empty() ? "" : " " + std::string(close->reason)) + ")";
          // Echo the router's code; "no code" is answered with a normal close.
          if (!close_sent_) {
            queue_close(
                close->code == ws::close_code::no_status ? ws::close_code::normal : close->code,
                {});
          }
        }
        if (!writer_.in_flight()) end_output();
        break;  // the router closes TCP next; the read (or the TLS shutdown) then finishes us
      }
      default:
        if (!fin) {
          if (opcode != Opcode::continuation) {
            fragmented_ = true;
            fragments_.clear();
          }
          fragments_.append(data);
        } else if (opcode == Opcode::continuation) {
          fragments_.append(data);
          fragmented_ = false;
          if (active_handler_ && !close_received_) active_handler_->on_message(fragments_);
        } else if (active_handler_ && !close_received_) {
          active_handler_->on_message(data);
        }
    }
  }
  return !finished_;
}

template <class Stream>
void BasicWebSocketTransport<Stream>::queue_frame(unsigned opcode, std::string_view payload) {
  if (finished_ || close_sent_) return;
  const auto key = static_cast<std::uint32_t>(next_random(mask_state_));
  std::array<std::uint8_t, ws::kMaxHeaderSize> header;
  const std::size_t n =
      ws::write_frame_header(header, static_cast<Opcode>(opcode), payload.size(), true, false, key);
  std::string& pending = writer_.pending();
  pending.append(reinterpret_cast<const char*>(header.data()), n);
  const std::size_t at = pending.size();
  pending.append(payload);
  ws::apply_mask(pending.data() + at, payload.size(), key);
  flush();
}

template <class Stream>
void BasicWebSocketTransport<Stream>::send(std::string_view message) {
  queue_frame(op(codec_.binary_frames() ? Opcode::binary : Opcode::text), message);
}

template <class Stream>
void BasicWebSocketTransport<Stream>::queue_close(unsigned code, std::string_view reason) {
  if (close_sent_ || finished_) return;
  queue_frame(op(Opcode::close), ws::make_close_payload(static_cast<std::uint16_t>(code), reason));
  close_sent_ = true;
}

template <class Stream>
void BasicWebSocketTransport<Stream>::flush() {
  if (finished_) return;
  writer_.flush(stream_, this->shared_from_this(), [this](boost::system::error_code ec) {
    if (finished_) return;
    if (ec) return finish("connection lost while writing: " + ec.message());
    if (!writer_.pending().empty()) {
      flush();
    } else if (close_received_) {
      end_output();
    }
  });
}

template <class Stream>
void BasicWebSocketTransport<Stream>::end_output() {
  if (!client::end_output(stream_, tls_closing_, [self = this->shared_from_this()] {
        self->finish(self->close_reason_);
      })) {
    return;
  }
  close_timer_.expires_after(kTlsShutdownTimeout);
  close_timer_.async_wait([self = this->shared_from_this()](boost::system::error_code ec) {
    if (!ec) self->finish(self->close_reason_ + " (the router did not end TLS with close_notify)");
  });
}

template <class Stream>
void BasicWebSocketTransport<Stream>::close() {
  if (finished_ || close_sent_) return;
  queue_close(ws::close_code::normal, {});
  close_timer_.expires_after(kCloseTimeout);
  close_timer_.async_wait([self = this->shared_from_this()](boost::system::error_code ec) {
    if (!ec) self->finish("closed (the router did not answer the close handshake)");
  });
}

template <class Stream>
void BasicWebSocketTransport<Stream>::finish(std::string reason) {
  if (finished_) return;
  finished_ = true;
  boost::system::error_code ignored;
  lowest_socket(stream_).close(ignored);
  close_timer_.cancel();
  auto handler = active_handler_ ? active_handler_ : handler_.lock();
  if (handler) handler->on_close(std::move(reason));
}

template class BasicWebSocketTransport<tcp::socket>;
template class BasicWebSocketTransport<TlsStream<tcp::socket>>;

}  // namespace junction::client
