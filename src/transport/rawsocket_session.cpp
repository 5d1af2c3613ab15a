// transport/rawsocket_session: see the header. The chains are
//   run -> do_read -> InputReader -> process (handshake, then frames) -> do_read ...
//   send/pong/reply -> enqueue -> (posted) do_write -> FrameWriter -> on_write -> do_write ...
//     -> (close requested, queue empty) -> start_linger -> (EOF or timer) -> finish
// One read and at most one (gather) write are outstanding at any time; one timer serves the
// handshake deadline, auto-ping and the linger after our last bytes.
#include "transport/rawsocket_session.hpp"

#include <algorithm>
#include <exception>
#include <span>
#include <string_view>
#include <utility>
#include <variant>

#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/stream_traits.hpp>

#include "base/log.hpp"
#include "transport/outbound_budget.hpp"
#include "transport/router_link.hpp"
#include "transport/tls_context.hpp"

namespace junction::transport {

namespace {

std::span<const std::uint8_t, 4> first4(const char* data) {
  return std::span<const std::uint8_t, 4>(reinterpret_cast<const std::uint8_t*>(data), 4);
}

std::string hex_byte(std::uint8_t byte) {
  constexpr char kDigits[] = "0123456789abcdef";
  return std::string("0x") + kDigits[byte >> 4] + kDigits[byte & 0x0F];
}

}  // namespace

template <class Stream>
RawSocketSession<Stream>::RawSocketSession(Stream stream,
                                           std::shared_ptr<const ListenerContext> context,
                                           std::string peer, beast::flat_buffer initial)
    : stream_(std::move(stream)),
      context_(std::move(context)),
      options_(*context_->config.rawsocket),
      description_((kIsTlsStream<Stream> ? "rawsocket (TLS) " : "rawsocket ") + peer),
      transport_info_(transport_info_of(stream_)) {
  transport_info_.authenticator = options_.auth;
  transport_info_.trusted = options_.trusted;
  const auto bytes = initial.cdata();
  reader_.prime(std::string_view(static_cast<const char*>(bytes.data()), bytes.size()));
}

template <class Stream>
RawSocketSession<Stream>::~RawSocketSession() {
  context_->registry->remove(this);
  if (counted_) context_->uncount_rawsocket_session();
}

template <class Stream>
void RawSocketSession<Stream>::run() {
  context_->registry->add(this->shared_from_this());
  arm_timer(options_.handshake_timeout.count() > 0
                ? std::chrono::steady_clock::duration(options_.handshake_timeout)
                : kRawSocketHandshakeTimeout);
  reader_.process_buffered([this](char* data, std::size_t size) { return process(data, size); });
  do_read();
}

template <class Stream>
void RawSocketSession<Stream>::do_read() {
  if (finished_ || tls_closing_) return;  // the TLS shutdown does the reading now
  reader_.read(
      stream_, this->shared_from_this(),
      [this](char* data, std::size_t size) {
        last_received_ = std::chrono::steady_clock::now();
        return process(data, size);
      },
      [this](error_code ec) {
        if (finished_) return;
        if (ec == asio::error::operation_aborted && tls_closing_) return;  // see start_linger
        if (ec) return on_read_error(ec);
        read_more();
      });
}

template <class Stream>
void RawSocketSession<Stream>::read_more() {
  // On another thread than the router's, reading waits while the router is far behind with what
  // this session sent (backpressure: the hand-over queue must not grow without bound).
  if (link_.pause_reading(description_, [self = this->shared_from_this()] { self->do_read(); }))
    return;
  do_read();
}

template <class Stream>
void RawSocketSession<Stream>::on_read_error(error_code ec) {
  if (!abort_reason_.empty()) {
    finish(abort_reason_);
  } else if (ec == asio::error::eof) {
    finish(lingering_ ? "closed" : "peer closed the connection");
  } else {
    finish(ec.message());
  }
}

template <class Stream>
std::size_t RawSocketSession<Stream>::process(const char* data, std::size_t size) {
  // After a failure or our last bytes, input is only read to notice the peer's EOF.
  if (finished_ || failed_ || lingering_) return size;
  std::size_t used = 0;
  if (!handshake_done_) {
    const auto first = static_cast<std::uint8_t>(data[0]);
    if (first != rawsocket::kMagic) {
      JLOG(info, "transport") << description_ << ": not a RawSocket client (first byte "
                              << hex_byte(first)
                              << (first >= 'A' && first <= 'Z' ? ", looks like HTTP" : "")
                              << "); closing";
      finish("not a RawSocket client");
      return size;
    }
    if (size < rawsocket::kHandshakeSize) return 0;
    on_handshake(first4(data));
    used = rawsocket::kHandshakeSize;
    if (finished_ || !handshake_done_) return size;
  }
  used += process_frames(data + used, size - used);
  return failed_ ? size : used;
}

template <class Stream>
void RawSocketSession<Stream>::on_handshake(std::span<const std::uint8_t, 4> request_bytes) {
  const auto parsed = rawsocket::parse_handshake_request(request_bytes);
  if (std::holds_alternative<rawsocket::RequestProblem>(parsed)) {
    // not_rawsocket was caught on the first byte already.
    return refuse(rawsocket::HandshakeError::reserved_bits_used,
                  "reserved octets 3-4 of the handshake are not zero");
  }
  const auto request = std::get<rawsocket::HandshakeRequest>(parsed);
  const auto serializer = rawsocket::serializer_from_id(request.serializer_id);
  const bool configured =
      serializer && std::find(options_.serializers.begin(), options_.serializers.end(),
                              *serializer) != options_.serializers.end();
  const wamp::Codec* codec = configured ? wamp::codec_for(*serializer) : nullptr;
  if (codec == nullptr) {
    return refuse(rawsocket::HandshakeError::serializer_unsupported,
                  "client asked for serializer id " + std::to_string(request.serializer_id));
  }
  if (context_->registry->stopping()) {
    return finish("node is shutting down");
  }
  if (!context_->count_rawsocket_session(options_.max_connections)) {
    return refuse(rawsocket::HandshakeError::max_connections_reached,
                  std::to_string(context_->rawsocket_session_count()) +
                      " RawSocket sessions open, limit " +
                      std::to_string(options_.max_connections));
  }

  codec_ = codec;
  max_out_ = rawsocket::max_length_for_exponent(request.max_length_exponent);
  const std::uint8_t exponent = rawsocket::exponent_for_limit(options_.max_message_size);
  max_in_ = rawsocket::max_length_for_exponent(exponent);
  handshake_done_ = true;
  counted_ = true;
  enqueue(rawsocket::make_handshake_reply(request.serializer_id, exponent));

  // From now on the timer serves auto-ping and the phase deadlines.
  last_received_ = std::chrono::steady_clock::now();
  opened_at_ = last_received_;
  if (options_.auto_ping_interval.count() > 0) {
    next_ping_at_ = last_received_ + options_.auto_ping_interval;
  }
  arm_session_timer();

  JLOG(debug, "transport") << description_ << " connected (" << codec_->subprotocol()
                           << ", client accepts " << max_out_ << " bytes, we accept " << max_in_
                           << ")";
  try {
    link_.open(*context_->port, *this, *codec_);
  } catch (const std::exception& e) {
    JLOG(error, "transport") << description_ << ": router refused the connection: " << e.what();
    finish("router refused the connection");
  }
}

template <class Stream>
void RawSocketSession<Stream>::refuse(rawsocket::HandshakeError error, const std::string& why) {
  JLOG(info, "transport") << description_ << ": RawSocket handshake refused with error "
                          << static_cast<int>(error) << " ("
                          << rawsocket::describe_handshake_error(static_cast<unsigned>(error))
                          << "): " << why;
  failed_ = true;
  close_requested_ = true;
  enqueue(rawsocket::make_handshake_error(error));
}

template <class Stream>
std::size_t RawSocketSession<Stream>::process_frames(const char* data, std::size_t size) {
  std::size_t used = 0;
  bool incomplete = false;
  while (!failed_ && !finished_ && size - used >= rawsocket::kHeaderSize) {
    const auto header_bytes = first4(data + used);
    const auto parsed = rawsocket::parse_frame_header(header_bytes);
    if (const auto* problem = std::get_if<rawsocket::HeaderProblem>(&parsed)) {
      fail(*problem == rawsocket::HeaderProblem::reserved_bits
               ? "frame header with reserved bits set (first octet " + hex_byte(header_bytes[0]) +
                     ")"
               : "frame of unknown type " + std::to_string(header_bytes[0] & 7));
      break;
    }
    const auto header = std::get<rawsocket::FrameHeader>(parsed);
    if (header.length > max_in_) {
      fail("frame of " + std::to_string(header.length) +
           " bytes is larger than the limit we announced (" + std::to_string(max_in_) + " bytes)");
      break;
    }
    const std::size_t total = rawsocket::kHeaderSize + header.length;
    if (size - used < total) {
      reader_.expect(total);  // at most max_in_ + 4 bytes
      incomplete = true;
      break;
    }
    const std::string_view payload(data + used + rawsocket::kHeaderSize, header.length);
    used += total;
    switch (header.type) {
      case rawsocket::FrameType::message:
        if (!close_requested_) deliver(payload);
        break;
      case rawsocket::FrameType::ping:
        // The spec: answer every PING with exactly one PONG echoing its payload.
        enqueue(rawsocket::make_frame_header(rawsocket::FrameType::pong, payload.size()),
                std::make_shared<const std::string>(payload));
        break;
      case rawsocket::FrameType::pong:
        ping_outstanding_ = false;
        break;
    }
  }
  // frame_timeout counts from the first byte of a frame not complete yet (a header alone too).
  if (incomplete || (used < size && !failed_ && !finished_)) {
    if (incomplete_since_ == std::chrono::steady_clock::time_point{} &&
        options_.frame_timeout.count() > 0) {
      incomplete_since_ = std::chrono::steady_clock::now();
      arm_session_timer();
    }
  } else {
    incomplete_since_ = {};
  }
  return used;
}

template <class Stream>
void RawSocketSession<Stream>::deliver(std::string_view bytes) {
  // The router may call send()/close() on this or any other session from inside these calls;
  // they only queue work, so no state here is invalidated underneath us.
  if (!link_.is_open()) return;
  if (!hello_seen_) [[unlikely]] {
    hello_seen_ = true;
    hello_at_ = std::chrono::steady_clock::now();
  }
  if (!link_.route(bytes, description_)) abort("internal error");
}

template <class Stream>
void RawSocketSession<Stream>::send(wamp::OutboundPtr message) {
  // After close() the router has said its last word; after finish() nobody is listening.
  if (finished_ || close_requested_ || !handshake_done_ || !message) return;
  if (!joined_) [[unlikely]] {
    joined_ = message->message().type == wamp::MessageType::welcome;
  }
  std::shared_ptr<const std::string> payload;
  try {
    payload = message->encoded(*codec_);
  } catch (const std::exception& e) {
    JLOG(error, "transport") << description_ << ": cannot encode "
                             << wamp::message_name(message->message().type) << ": " << e.what();
  }
  if (!payload) {
    abort("cannot encode a message");  // dropping it silently could leave a caller waiting
    return;
  }
  if (payload->size() > max_out_) {
    // The client said it cannot take this; dropping the message silently could leave a caller
    // waiting forever, so the connection goes (the router then cleans up the session).
    JLOG(warn, "transport") << description_ << ": " << wamp::message_name(message->message().type)
                            << " of " << payload->size() << " bytes exceeds the " << max_out_
                            << " bytes the client accepts; closing the connection";
    abort("outgoing message larger than the client accepts");
    return;
  }
  const auto header = rawsocket::make_frame_header(rawsocket::FrameType::message, payload->size());
  enqueue(header, std::move(payload));
}

template <class Stream>
void RawSocketSession<Stream>::enqueue(const rawsocket::Bytes4& header,
                                       std::shared_ptr<const std::string> payload) {
  if (finished_) return;
  OutFrame frame;
  std::copy(header.begin(), header.end(), frame.header.begin());
  frame.header_size = static_cast<std::uint8_t>(header.size());
  frame.payload = std::move(payload);
  if (!writer_.push(std::move(frame), description_)) [[unlikely]] {
    return close_slow_consumer();
  }
  writer_.schedule(stream_, this->shared_from_this(), [this] { do_write(); });
}

template <class Stream>
void RawSocketSession<Stream>::do_write() {
  if (finished_) return;
  writer_.write(stream_, this->shared_from_this(), [this](error_code ec) { on_write(ec); });
}

template <class Stream>
void RawSocketSession<Stream>::on_write(error_code ec) {
  if (ec) {
    // The read side sees the same failure and calls finish(); make sure it does.
    if (!finished_) {
      JLOG(debug, "transport") << description_ << ": write failed: " << ec.message();
    }
    writer_.drop_queued();
    close_socket();
    return;
  }
  if (finished_) return;
  if (writer_.has_queued()) {
    do_write();
  } else if (close_requested_) {
    start_linger();
  }
}

template <class Stream>
void RawSocketSession<Stream>::close() {
  if (close_requested_) return;
  close_requested_ = true;
  if (!finished_ && !writer_.writing() && !writer_.scheduled() && !writer_.has_queued()) {
    start_linger();
  }
}

template <class Stream>
void RawSocketSession<Stream>::start_linger() {
  if (lingering_ || finished_) return;
  lingering_ = true;
  if constexpr (kIsTlsStream<Stream>) {
    // TLS ends with close_notify both ways. An SSL shutdown reads the peer's close_notify itself,
    // so our pending read is cancelled first (its completion is ignored); the stream's timeout
    // bounds the wait, as kRawSocketLingerTimeout does for plain sockets.
    tls_closing_ = true;
    TimerWheel::cancel(*this);
    auto& tcp = beast::get_lowest_layer(stream_);
    tcp.cancel();
    tcp.expires_after(kTlsShutdownTimeout);
    stream_.async_shutdown(
        [self = this->shared_from_this()](error_code) { self->finish("closed"); });
    return;
  }
  error_code ignored;
  lowest_socket(stream_).shutdown(asio::socket_base::shutdown_send, ignored);
  arm_timer(kRawSocketLingerTimeout);
}

template <class Stream>
void RawSocketSession<Stream>::arm_timer(std::chrono::steady_clock::duration after) {
  context_->timers->schedule(*this, std::chrono::steady_clock::now() + after);
}

template <class Stream>
void RawSocketSession<Stream>::on_deadline() {
  const auto self = this->shared_from_this();  // alive until the handler is done, whatever it does
  on_timer();
}

template <class Stream>
void RawSocketSession<Stream>::on_timer() {
  if (finished_) return;
  if (lingering_) return finish("closed");
  if (!handshake_done_) {
    JLOG(info, "transport") << description_ << ": no RawSocket handshake within "
                            << (options_.handshake_timeout.count() > 0
                                    ? options_.handshake_timeout.count()
                                    : std::chrono::milliseconds(kRawSocketHandshakeTimeout).count())
                            << " ms (handshake_timeout); closing";
    return finish("handshake timed out");
  }
  // On its way out. After an ABORT of ours, the last bytes had their time (a slow consumer's may
  // never leave): close now.
  if (failed_) return abort(abort_reason_.empty() ? "closing timed out" : abort_reason_);
  if (close_requested_) return;  // the linger timer takes over
  const auto now = std::chrono::steady_clock::now();
  if (now >= phase_deadline()) return on_phase_timeout(now);
  if (now >= next_ping_at_) {
    // Auto-ping.
    const auto interval = options_.auto_ping_interval;
    const auto timeout =
        options_.auto_ping_timeout.count() > 0 ? options_.auto_ping_timeout : interval;
    if (ping_outstanding_) {
      if (last_received_ < ping_sent_at_) {
        JLOG(info, "transport") << description_ << ": no PONG within " << timeout.count()
                                << " ms; closing";
        abort("auto-ping timed out");
        return;
      }
      ping_outstanding_ = false;  // something else arrived: the peer is alive
    }
    const auto silence = now - last_received_;
    if (silence >= interval) {
      send_ping();
      next_ping_at_ = now + timeout;
    } else {
      next_ping_at_ = now + (interval - silence);
    }
  }
  arm_session_timer();
}

template <class Stream>
void RawSocketSession<Stream>::arm_session_timer() {
  const auto at = std::min(next_ping_at_, phase_deadline());
  if (at == std::chrono::steady_clock::time_point::max()) {
    TimerWheel::cancel(*this);
  } else {
    context_->timers->schedule(*this, at);
  }
}

template <class Stream>
std::chrono::steady_clock::time_point RawSocketSession<Stream>::phase_deadline() const {
  auto at = std::chrono::steady_clock::time_point::max();
  if (!hello_seen_) {
    if (options_.hello_timeout.count() > 0) at = opened_at_ + options_.hello_timeout;
  } else if (!joined_ && options_.auth_timeout.count() > 0) {
    at = hello_at_ + options_.auth_timeout;
  }
  if (incomplete_since_ != std::chrono::steady_clock::time_point{} &&
      options_.frame_timeout.count() > 0) {
    at = std::min(at, incomplete_since_ + options_.frame_timeout);
  }
  return at;
}

template <class Stream>
void RawSocketSession<Stream>::on_phase_timeout(std::chrono::steady_clock::time_point now) {
  auto ms = [](std::chrono::milliseconds t) { return std::to_string(t.count()) + " ms"; };
  ++TransportCounters::get().phase_timeouts;
  if (incomplete_since_ != std::chrono::steady_clock::time_point{} &&
      options_.frame_timeout.count() > 0 && now >= incomplete_since_ + options_.frame_timeout) {
    // The buffered part goes with the next read (input is discarded from here on).
    return abort_session("wamp.error.protocol_violation",
                         "frame not complete within " + ms(options_.frame_timeout));
  }
  if (!hello_seen_) {
    JLOG(info, "transport") << description_ << ": no HELLO within " << ms(options_.hello_timeout)
                            << " (hello_timeout); closing";
    failed_ = true;
    if (abort_reason_.empty()) abort_reason_ = "no HELLO in time";
    return close();
  }
  abort_session("wamp.error.authentication_failed",
                "session not established within " + ms(options_.auth_timeout));
}

template <class Stream>
void RawSocketSession<Stream>::abort_session(const std::string& reason,
                                             const std::string& message) {
  JLOG(info, "transport") << description_ << ": " << message << "; ABORT " << reason
                          << " and closing";
  if (abort_reason_.empty()) abort_reason_ = message;
  failed_ = true;
  writer_.drop_queued();
  if (!close_requested_ && handshake_done_) {
    // Past the queue's bound if need be (a slow consumer is told why it is cut).
    std::shared_ptr<const std::string> payload;
    try {
      payload = wamp::make_outbound(wamp::make_abort(reason, message))->encoded(*codec_);
    } catch (const std::exception&) {
    }
    if (payload && payload->size() <= max_out_) {
      OutFrame frame;
      const auto header =
          rawsocket::make_frame_header(rawsocket::FrameType::message, payload->size());
      std::copy(header.begin(), header.end(), frame.header.begin());
      frame.header_size = static_cast<std::uint8_t>(header.size());
      frame.payload = std::move(payload);
      writer_.push_final(std::move(frame));
      writer_.schedule(stream_, this->shared_from_this(), [this] { do_write(); });
    }
  }
  close();
  if (!lingering_) arm_timer(kRawSocketLingerTimeout);  // bounds the wait for the flush
}

template <class Stream>
void RawSocketSession<Stream>::close_slow_consumer() {
  // FrameWriter logged the figures. The router drops the session once the connection is gone
  // (its callers get errors).
  const auto count = ++TransportCounters::get().slow_consumers_closed;
  abort_session("junction.close.slow_consumer",
                "slow consumer: outbound queue over its limit (slow consumers closed so far: " +
                    std::to_string(count) + ")");
}

template <class Stream>
void RawSocketSession<Stream>::send_ping() {
  if (close_requested_) return;
  auto payload = std::make_shared<std::string>("junction-ping-" + std::to_string(++ping_counter_));
  ping_outstanding_ = true;
  ping_sent_at_ = std::chrono::steady_clock::now();
  const auto header = rawsocket::make_frame_header(rawsocket::FrameType::ping, payload->size());
  enqueue(header, std::move(payload));
}

template <class Stream>
void RawSocketSession<Stream>::fail(const std::string& why) {
  JLOG(info, "transport") << description_ << ": " << why << "; closing the connection";
  failed_ = true;
  abort(why);
}

template <class Stream>
void RawSocketSession<Stream>::finish(std::string_view why) {
  if (finished_) {
    close_socket();
    return;
  }
  finished_ = true;
  if (counted_) {
    counted_ = false;
    context_->uncount_rawsocket_session();
  }
  if (handshake_done_) {
    JLOG(debug, "transport") << description_ << " disconnected: "
                             << (abort_reason_.empty() ? why : std::string_view(abort_reason_));
  }
  TimerWheel::cancel(*this);
  // The batch in flight stays until its write completes; the rest goes.
  writer_.drop_queued();
  close_socket();
  link_.release(description_);
}

template <class Stream>
void RawSocketSession<Stream>::force_close() {
  abort("shutdown grace period over");
}

template <class Stream>
void RawSocketSession<Stream>::abort(std::string reason) {
  if (abort_reason_.empty()) abort_reason_ = std::move(reason);
  close_socket();
}

template <class Stream>
void RawSocketSession<Stream>::detach() {
  finish("server shut down");
}

template <class Stream>
void RawSocketSession<Stream>::close_socket() {
  // Cancels every pending operation on the stream; their handlers run with errors.
  error_code ignored;
  lowest_socket(stream_).close(ignored);
}

template class RawSocketSession<TcpSocket>;
template class RawSocketSession<UnixSocket>;
template class RawSocketSession<TlsStream>;

}  // namespace junction::transport
