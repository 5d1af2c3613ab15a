// client/websocket_transport: the client side of RFC 6455 for WAMP: HTTP upgrade with
// subprotocol negotiation, masked frame writer with batched writes, frame parser, ping/pong and
// the close handshake.
#include "client/websocket_transport.hpp"

#include <cstring>
#include <random>

#include <boost/asio/connect.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/detail/base64.hpp>
#include <boost/beast/core/detail/sha1.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>

#include "client/error.hpp"

namespace junction::client {

namespace asio = boost::asio;
namespace http = boost::beast::http;
using tcp = asio::ip::tcp;

namespace {

constexpr unsigned kContinuation = 0x0, kText = 0x1, kBinary = 0x2, kClose = 0x8, kPing = 0x9,
                   kPong = 0xA;
// The read buffer starts small (many idle sessions stay cheap) and doubles, up to kMaxReadChunk,
// whenever a read fills it (busy sessions then read in big batches).
constexpr std::size_t kReadChunk = 8 * 1024;
constexpr std::size_t kMaxReadChunk = 256 * 1024;
constexpr auto kCloseTimeout = std::chrono::seconds(3);

std::string base64(const void* data, std::size_t size) {
  std::string out(boost::beast::detail::base64::encoded_size(size), '\0');
  out.resize(boost::beast::detail::base64::encode(out.data(), data, size));
  return out;
}

std::string accept_key(const std::string& key) {
  namespace sha = boost::beast::detail;
  sha::sha1_context ctx;
  sha::init(ctx);
  const std::string input = key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
  sha::update(ctx, input.data(), input.size());
  unsigned char digest[sha::sha1_context::digest_size];
  sha::finish(ctx, digest);
  return base64(digest, sizeof digest);
}

bool header_has_token(std::string_view value, std::string_view token) {
  std::size_t pos = 0;
  while (pos <= value.size()) {
    std::size_t end = value.find(',', pos);
    if (end == std::string_view::npos) end = value.size();
    std::string_view item = value.substr(pos, end - pos);
    while (!item.empty() && item.front() == ' ')
      item.remove_prefix(1);
    while (!item.empty() && item.back() == ' ')
      item.remove_suffix(1);
    if (item.size() == token.size() &&
        std::equal(item.begin(), item.end(), token.begin(),
                   [](char a, char b) { return std::tolower(a) == std::tolower(b); }))
      return true;
    pos = end + 1;
  }
  return false;
}

std::uint64_t next_random(std::uint64_t& state) {  // xorshift64*
  state ^= state >> 12;
  state ^= state << 25;
  state ^= state >> 27;
  return state * 0x2545F4914F6CDD1DULL;
}

// XORs `size` bytes at `data` with the 4-byte `key`, eight bytes at a time where possible.
void apply_mask(char* data, std::size_t size, std::uint32_t key) {
  const std::uint64_t key8 = (std::uint64_t{key} << 32) | key;
  std::size_t i = 0;
  for (; i + 8 <= size; i += 8) {
    std::uint64_t word;
    std::memcpy(&word, data + i, 8);
    word ^= key8;
    std::memcpy(data + i, &word, 8);
  }
  const auto* k = reinterpret_cast<const unsigned char*>(&key);
  for (; i < size; ++i)
    data[i] = static_cast<char>(data[i] ^ k[i % 4]);
}

[[noreturn]] void fail_connect(std::string why) {
  throw Error(std::string(errors::disconnected), wamp::Array{wamp::Value(std::move(why))});
}

}  // namespace

asio::awaitable<std::shared_ptr<Transport>> WebSocketTransport::connect(
    asio::any_io_executor executor, const Url& url, const wamp::Codec& codec,
    const TransportOptions& options, std::chrono::milliseconds timeout) {
  // One deadline for resolve + connect + upgrade: on expiry the socket is closed, which fails
  // whatever is pending.
  auto socket = std::make_shared<tcp::socket>(executor);
  auto timed_out = std::make_shared<bool>(false);
  asio::steady_timer deadline(executor, timeout);
  deadline.async_wait([socket, timed_out](boost::system::error_code ec) {
    if (ec) return;
    *timed_out = true;
    boost::system::error_code ignored;
    socket->close(ignored);
  });
  const std::string where = url.host + ":" + url.port;
  std::string leftover;
  try {
    tcp::resolver resolver(executor);
    auto endpoints = co_await resolver.async_resolve(url.host, url.port, asio::use_awaitable);
    co_await asio::async_connect(*socket, endpoints, asio::use_awaitable);
    if (options.tcp_nodelay) socket->set_option(tcp::no_delay(true));

    unsigned char nonce[16];
    std::random_device rd;
    for (auto& b : nonce)
      b = static_cast<unsigned char>(rd());
    const std::string key = base64(nonce, sizeof nonce);
    http::request<http::empty_body> req{http::verb::get, url.target, 11};
    req.set(http::field::host, url.host + (url.port == "80" ? "" : ":" + url.port));
    req.set(http::field::upgrade, "websocket");
    req.set(http::field::connection, "Upgrade");
    req.set(http::field::sec_websocket_key, key);
    req.set(http::field::sec_websocket_version, "13");
    req.set(http::field::sec_websocket_protocol, codec.subprotocol());
    req.set(http::field::user_agent, "junction-client");
    co_await http::async_write(*socket, req, asio::use_awaitable);

    boost::beast::flat_buffer buffer;
    http::response<http::string_body> res;
    co_await http::async_read(*socket, buffer, res, asio::use_awaitable);
    if (res.result() != http::status::switching_protocols) {
      fail_connect("WebSocket upgrade to " + where + url.target + " refused: HTTP " +
                   std::to_string(res.result_int()) + " " + std::string(res.reason()));
    }
    if (!header_has_token(res[http::field::upgrade], "websocket") ||
        res[http::field::sec_websocket_accept] != accept_key(key)) {
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
    fail_connect(*timed_out ? "connecting to " + where + " timed out"
                            : "cannot connect to " + where + ": " + e.code().message());
  }
  deadline.cancel();
  co_return std::make_shared<WebSocketTransport>(std::move(*socket), codec,
                                                 options.max_message_size, leftover);
}

WebSocketTransport::WebSocketTransport(tcp::socket socket, const wamp::Codec& codec,
                                       std::size_t max_message_size, std::string_view already_read)
    : socket_(std::move(socket)),
      codec_(codec),
      max_message_size_(max_message_size),
      close_timer_(socket_.get_executor()) {
  std::random_device rd;
  mask_state_ = (std::uint64_t{rd()} << 32) ^ rd() ^ 0x9E3779B97F4A7C15ULL;
  if (mask_state_ == 0) mask_state_ = 1;
  in_capacity_ = std::max(kReadChunk, already_read.size());
  in_ = std::make_unique<char[]>(in_capacity_);
  std::memcpy(in_.get(), already_read.data(), already_read.size());
  in_end_ = already_read.size();
}

WebSocketTransport::~WebSocketTransport() = default;

void WebSocketTransport::grow_read_buffer(std::size_t capacity) {
  auto grown = std::make_unique<char[]>(capacity);
  std::memcpy(grown.get(), in_.get() + in_begin_, in_end_ - in_begin_);
  in_end_ -= in_begin_;
  in_begin_ = 0;
  in_ = std::move(grown);
  in_capacity_ = capacity;
}

void WebSocketTransport::start(std::weak_ptr<TransportHandler> handler) {
  handler_ = std::move(handler);
  // Bytes that arrived with the upgrade response are parsed on the next turn of the loop.
  asio::post(socket_.get_executor(), [self = shared_from_this()] {
    if (self->parse_frames()) self->do_read();
  });
}

void WebSocketTransport::do_read() {
  if (in_begin_ == in_end_) in_begin_ = in_end_ = 0;
  if (in_capacity_ - in_end_ < kReadChunk / 4 && in_begin_ > 0) {
    std::memmove(in_.get(), in_.get() + in_begin_, in_end_ - in_begin_);
    in_end_ -= in_begin_;
    in_begin_ = 0;
  }
  if (in_capacity_ - in_end_ < kReadChunk / 4) grow_read_buffer(in_capacity_ * 2);
  socket_.async_read_some(asio::buffer(in_.get() + in_end_, in_capacity_ - in_end_),
                          [self = shared_from_this()](boost::system::error_code ec, std::size_t n) {
                            if (self->finished_) return;
                            if (ec) {
                              self->finish(self->close_received_
                                               ? self->close_reason_
                                               : "connection lost: " + ec.message());
                              return;
                            }
                            self->in_end_ += n;
                            if (self->parse_frames()) self->do_read();
                          });
}

bool WebSocketTransport::parse_frames() {
  active_handler_ = handler_.lock();
  struct Release {
    std::shared_ptr<TransportHandler>& h;
    ~Release() { h.reset(); }
  } release{active_handler_};

  while (!finished_) {
    const auto* p = reinterpret_cast<const unsigned char*>(in_.get() + in_begin_);
    const std::size_t avail = in_end_ - in_begin_;
    if (avail < 2) break;
    const bool fin = p[0] & 0x80;
    const unsigned opcode = p[0] & 0x0F;
    const bool masked = p[1] & 0x80;
    std::uint64_t len = p[1] & 0x7F;
    std::size_t header = 2;
    if (len == 126) {
      if (avail < 4) break;
      len = (std::uint64_t{p[2]} << 8) | p[3];
      header = 4;
    } else if (len == 127) {
      if (avail < 10) break;
      len = 0;
      for (int i = 0; i < 8; ++i)
        len = (len << 8) | p[2 + i];
      header = 10;
    }
    if (masked) header += 4;
    if ((p[0] & 0x70) != 0) {
      queue_close(1002, "reserved bits set");
      finish("protocol error from the router: reserved bits set");
      return false;
    }
    const bool control = opcode >= 0x8;
    if ((control && (len > 125 || !fin)) ||
        (opcode != kContinuation && opcode != kText && opcode != kBinary && !control) ||
        (opcode == kContinuation && !fragmented_) ||
        ((opcode == kText || opcode == kBinary) && fragmented_)) {
      queue_close(1002, "bad frame");
      finish("protocol error from the router: bad WebSocket frame");
      return false;
    }
    if (!control && len + (opcode == kContinuation ? fragments_.size() : 0) > max_message_size_) {
      queue_close(1009, "message too big");
      finish("router sent a message larger than max_message_size");
      return false;
    }
    if (avail < header + len) {
      // Make room for the whole frame before the next read.
      if (header + len > in_capacity_ - in_begin_ && in_begin_ > 0) {
        std::memmove(in_.get(), in_.get() + in_begin_, avail);
        in_end_ = avail;
        in_begin_ = 0;
      }
      if (header + len + kReadChunk / 4 > in_capacity_) grow_read_buffer(header + len + kReadChunk);
      break;
    }
    char* payload = in_.get() + in_begin_ + header;
    if (masked) {
      std::uint32_t key;
      std::memcpy(&key, payload - 4, 4);
      apply_mask(payload, len, key);
    }
    const std::string_view data(payload, len);
    in_begin_ += header + len;

    switch (opcode) {
      case kPing:
        queue_frame(kPong, data);
        break;
      case kPong:
        break;
      case kClose: {
        close_received_ = true;
        unsigned code = data.size() >= 2 ? (static_cast<unsigned char>(data[0]) << 8) |
                                               static_cast<unsigned char>(data[1])
                                         : 1005;
        close_reason_ = "closed by the router (" + std::to_string(code) +
                        (data.size() > 2 ? " " + std::string(data.substr(2)) : "") + ")";
        if (!close_sent_) queue_close(code == 1005 ? 1000 : code, {});
        if (!write_in_flight_) {
          boost::system::error_code ignored;
          socket_.shutdown(tcp::socket::shutdown_send, ignored);
        }
        break;  // the router closes TCP next; the read then finishes us
      }
      default:
        if (!fin) {
          if (opcode != kContinuation) {
            fragmented_ = true;
            fragments_.clear();
          }
          fragments_.append(data);
        } else if (opcode == kContinuation) {
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

void WebSocketTransport::queue_frame(unsigned opcode, std::string_view payload) {
  if (finished_ || close_sent_) return;
  const std::size_t len = payload.size();
  unsigned char header[14];
  std::size_t n = 0;
  header[n++] = static_cast<unsigned char>(0x80 | opcode);
  if (len < 126) {
    header[n++] = static_cast<unsigned char>(0x80 | len);
  } else if (len <= 0xFFFF) {
    header[n++] = 0x80 | 126;
    header[n++] = static_cast<unsigned char>(len >> 8);
    header[n++] = static_cast<unsigned char>(len);
  } else {
    header[n++] = 0x80 | 127;
    for (int i = 7; i >= 0; --i)
      header[n++] = static_cast<unsigned char>(len >> (8 * i));
  }
  const auto key = static_cast<std::uint32_t>(next_random(mask_state_));
  std::memcpy(header + n, &key, 4);
  n += 4;
  pending_.append(reinterpret_cast<const char*>(header), n);
  const std::size_t at = pending_.size();
  pending_.append(payload);
  apply_mask(pending_.data() + at, len, key);
  if (!write_in_flight_) flush();
}

void WebSocketTransport::send(std::string_view message) {
  queue_frame(codec_.binary_frames() ? kBinary : kText, message);
}

void WebSocketTransport::queue_close(unsigned code, std::string_view reason) {
  if (close_sent_ || finished_) return;
  std::string body;
  body.push_back(static_cast<char>(code >> 8));
  body.push_back(static_cast<char>(code & 0xFF));
  body.append(reason.substr(0, 123));
  queue_frame(kClose, body);
  close_sent_ = true;
}

void WebSocketTransport::flush() {
  if (write_in_flight_ || pending_.empty() || finished_) return;
  writing_.clear();
  writing_.swap(pending_);
  write_in_flight_ = true;
  asio::async_write(socket_, asio::buffer(writing_),
                    [self = shared_from_this()](boost::system::error_code ec, std::size_t) {
                      self->write_in_flight_ = false;
                      if (self->finished_) return;
                      if (ec) {
                        self->finish("connection lost while writing: " + ec.message());
                        return;
                      }
                      if (!self->pending_.empty()) {
                        self->flush();
                      } else if (self->close_received_) {
                        boost::system::error_code ignored;
                        self->socket_.shutdown(tcp::socket::shutdown_send, ignored);
                      }
                    });
}

void WebSocketTransport::close() {
  if (finished_ || close_sent_) return;
  queue_close(1000, {});
  close_timer_.expires_after(kCloseTimeout);
  close_timer_.async_wait([self = shared_from_this()](boost::system::error_code ec) {
    if (!ec) self->finish("closed (the router did not answer the close handshake)");
  });
}

void WebSocketTransport::finish(std::string reason) {
  if (finished_) return;
  finished_ = true;
  boost::system::error_code ignored;
  socket_.close(ignored);
  close_timer_.cancel();
  auto handler = active_handler_ ? active_handler_ : handler_.lock();
  if (handler) handler->on_close(std::move(reason));
}

}  // namespace junction::client
