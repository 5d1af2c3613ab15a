// transport/rawsocket_session: see the header. The chains are
//   run -> process_input (handshake, then frames) -> do_read -> on_read -> process_input ...
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
#include "transport/router_link.hpp"
#include "transport/tls_context.hpp"

namespace junction::transport {

namespace {

// Bytes asked from the socket per read when no larger frame is pending.
constexpr std::size_t kReadChunk = 64 * 1024;
// A flat_buffer keeps its largest size; give memory back after an unusually large frame.
constexpr std::size_t kReadBufferKeep = 1024 * 1024;

std::span<const std::uint8_t, 4> first4(const beast::flat_buffer& buffer) {
  return std::span<const std::uint8_t, 4>(static_cast<const std::uint8_t*>(buffer.data().data()),
                                          4);
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
      transport_info_(transport_info_of(stream_)),
      read_buffer_(std::move(initial)),
      timer_(stream_.get_executor()) {}

template <class Stream>
RawSocketSession<Stream>::~RawSocketSession() {
  context_->registry->remove(this);
  if (counted_) --context_->rawsocket_sessions;
  // Normally finish() ran already; this covers an io_context torn down with handlers pending.
  if (connection_) {
    try {
      connection_->closed();
    } catch (...) {
    }
  }
}

template <class Stream>
void RawSocketSession<Stream>::run() {
  context_->registry->add(this->shared_from_this());
  arm_timer(kRawSocketHandshakeTimeout);
  process_input();
}

template <class Stream>
void RawSocketSession<Stream>::do_read() {
  if (finished_) return;
  std::size_t want = kReadChunk;
  // A frame bigger than a chunk is read in one go once its header is known.
  if (handshake_done_ && !failed_ && read_buffer_.size() >= rawsocket::kHeaderSize) {
    const auto parsed = rawsocket::parse_frame_header(first4(read_buffer_));
    if (const auto* header = std::get_if<rawsocket::FrameHeader>(&parsed)) {
      const std::size_t total = rawsocket::kHeaderSize + header->length;
      if (total > read_buffer_.size()) want = std::max(want, total - read_buffer_.size());
    }
  }
  stream_.async_read_some(read_buffer_.prepare(want),
                          [self = this->shared_from_this()](error_code ec, std::size_t bytes) {
                            self->on_read(ec, bytes);
                          });
}

template <class Stream>
void RawSocketSession<Stream>::on_read(error_code ec, std::size_t bytes) {
  if (ec) {
    if (finished_) return;
    if (!abort_reason_.empty()) {
      finish(abort_reason_);
    } else if (ec == asio::error::eof) {
      finish(lingering_ ? "closed" : "peer closed the connection");
    } else {
      finish(ec.message());
    }
    return;
  }
  read_buffer_.commit(bytes);
  last_received_ = std::chrono::steady_clock::now();
  process_input();
}

template <class Stream>
void RawSocketSession<Stream>::process_input() {
  if (finished_) return;
  if (failed_ || lingering_) {
    // Nothing read from here on matters; keep reading only to notice the peer's EOF.
    read_buffer_.consume(read_buffer_.size());
    return do_read();
  }
  if (!handshake_done_) {
    const auto data = read_buffer_.data();
    if (data.size() >= 1 && *static_cast<const std::uint8_t*>(data.data()) != rawsocket::kMagic) {
      const auto first = *static_cast<const std::uint8_t*>(data.data());
      JLOG(info, "transport") << description_ << ": not a RawSocket client (first byte "
                              << hex_byte(first)
                              << (first >= 'A' && first <= 'Z' ? ", looks like HTTP" : "")
                              << "); closing";
      return finish("not a RawSocket client");
    }
    if (data.size() < rawsocket::kHandshakeSize) return do_read();
    on_handshake();
    if (finished_) return;
    if (!handshake_done_) {
      read_buffer_.consume(read_buffer_.size());
      return do_read();
    }
  }
  process_frames();
  if (read_buffer_.size() == 0 && read_buffer_.capacity() > kReadBufferKeep) {
    read_buffer_.shrink_to_fit();
  }
  do_read();
}

template <class Stream>
void RawSocketSession<Stream>::on_handshake() {
  const auto parsed = rawsocket::parse_handshake_request(first4(read_buffer_));
  read_buffer_.consume(rawsocket::kHandshakeSize);
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
  if (options_.max_connections != 0 && context_->rawsocket_sessions >= options_.max_connections) {
    return refuse(rawsocket::HandshakeError::max_connections_reached,
                  std::to_string(context_->rawsocket_sessions) +
                      " RawSocket sessions open, limit " +
                      std::to_string(options_.max_connections));
  }

  codec_ = codec;
  max_out_ = rawsocket::max_length_for_exponent(request.max_length_exponent);
  const std::uint8_t exponent = rawsocket::exponent_for_limit(options_.max_message_size);
  max_in_ = rawsocket::max_length_for_exponent(exponent);
  handshake_done_ = true;
  counted_ = true;
  ++context_->rawsocket_sessions;
  enqueue(rawsocket::make_handshake_reply(request.serializer_id, exponent));

  // From now on the timer is the auto-ping timer (or idle).
  last_received_ = std::chrono::steady_clock::now();
  if (options_.auto_ping_interval.count() > 0) {
    arm_timer(options_.auto_ping_interval);
  } else {
    ++timer_generation_;
    timer_.cancel();
  }

  JLOG(debug, "transport") << description_ << " connected (" << codec_->subprotocol()
                           << ", client accepts " << max_out_ << " bytes, we accept " << max_in_
                           << ")";
  try {
    connection_ = context_->router.connect(*this);
  } catch (const std::exception& e) {
    JLOG(error, "transport") << description_ << ": router refused the connection: " << e.what();
    finish("router refused the connection");
  }
}

template <class Stream>
void RawSocketSession<Stream>::refuse(rawsocket::HandshakeError error, const std::string& why) {
  JLOG(info, "transport") << description_ << ": RawSocket handshake refused with error "
                          << static_cast<int>(error) << " (" << rawsocket::describe(error)
                          << "): " << why;
  failed_ = true;
  close_requested_ = true;
  enqueue(rawsocket::make_handshake_error(error));
}

template <class Stream>
void RawSocketSession<Stream>::process_frames() {
  while (!failed_ && !finished_ && read_buffer_.size() >= rawsocket::kHeaderSize) {
    const auto parsed = rawsocket::parse_frame_header(first4(read_buffer_));
    if (const auto* problem = std::get_if<rawsocket::HeaderProblem>(&parsed)) {
      return fail(*problem == rawsocket::HeaderProblem::reserved_bits
                      ? "frame header with reserved bits set (first octet " +
                            hex_byte(first4(read_buffer_)[0]) + ")"
                      : "frame of unknown type " + std::to_string(first4(read_buffer_)[0] & 7));
    }
    const auto header = std::get<rawsocket::FrameHeader>(parsed);
    if (header.length > max_in_) {
      return fail("frame of " + std::to_string(header.length) +
                  " bytes is larger than the limit we announced (" + std::to_string(max_in_) +
                  " bytes)");
    }
    if (read_buffer_.size() < rawsocket::kHeaderSize + header.length) return;
    const std::string_view payload(
        static_cast<const char*>(read_buffer_.data().data()) + rawsocket::kHeaderSize,
        header.length);
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
    read_buffer_.consume(rawsocket::kHeaderSize + header.length);
  }
}

template <class Stream>
void RawSocketSession<Stream>::deliver(std::string_view bytes) {
  // The router may call send()/close() on this or any other session from inside these calls;
  // they only queue work, so no state here is invalidated underneath us.
  if (!connection_) return;
  if (!route_message(*connection_, *codec_, bytes, description_)) abort("internal error");
}

template <class Stream>
void RawSocketSession<Stream>::send(wamp::OutboundPtr message) {
  // After close() the router has said its last word; after finish() nobody is listening.
  if (finished_ || close_requested_ || !handshake_done_ || !message) return;
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
  const std::size_t size = frame.size();
  if (!writer_.push(std::move(frame))) {
    JLOG(warn, "transport") << description_ << ": peer is not reading, "
                            << (writer_.queued_bytes() + size) << " bytes queued (limit "
                            << kMaxQueuedBytes << "); disconnecting";
    abort("outbound queue over its limit");
    return;
  }
  if (!writer_.writing() && !write_posted_) {
    // Write after the current handler: whatever else it queues (a fan-out, the answers to every
    // frame of one read) goes out in the same gather write.
    write_posted_ = true;
    asio::post(stream_.get_executor(), [self = this->shared_from_this()] {
      self->write_posted_ = false;
      self->do_write();
    });
  }
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
  if (!finished_ && !writer_.writing() && !write_posted_ && !writer_.has_queued()) start_linger();
}

template <class Stream>
void RawSocketSession<Stream>::start_linger() {
  if (lingering_ || finished_) return;
  lingering_ = true;
  error_code ignored;
  // TLS: no close_notify (asio's SSL shutdown would read concurrently with our pending read);
  // the peer sees the TCP EOF after our last record, which clients accept after a GOODBYE.
  lowest_socket(stream_).shutdown(asio::socket_base::shutdown_send, ignored);
  arm_timer(kRawSocketLingerTimeout);
}

template <class Stream>
void RawSocketSession<Stream>::arm_timer(std::chrono::steady_clock::duration after) {
  // A generation guards against a wait that already completed (and cannot be cancelled any
  // more) running after the timer was re-armed.
  const std::uint64_t generation = ++timer_generation_;
  timer_.expires_after(after);
  timer_.async_wait([self = this->shared_from_this(), generation](error_code ec) {
    if (ec || generation != self->timer_generation_) return;
    self->on_timer();
  });
}

template <class Stream>
void RawSocketSession<Stream>::on_timer() {
  if (finished_) return;
  if (lingering_) return finish("closed");
  if (!handshake_done_) {
    JLOG(info, "transport") << description_ << ": no RawSocket handshake within "
                            << kRawSocketHandshakeTimeout.count() << " s; closing";
    return finish("handshake timed out");
  }
  // Auto-ping.
  const auto interval = options_.auto_ping_interval;
  const auto timeout =
      options_.auto_ping_timeout.count() > 0 ? options_.auto_ping_timeout : interval;
  const auto now = std::chrono::steady_clock::now();
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
    arm_timer(timeout);
  } else {
    arm_timer(interval - silence);
  }
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
    --context_->rawsocket_sessions;
  }
  if (handshake_done_) {
    JLOG(debug, "transport") << description_ << " disconnected: "
                             << (abort_reason_.empty() ? why : std::string_view(abort_reason_));
  }
  ++timer_generation_;
  timer_.cancel();
  // The batch in flight stays until its write completes; the rest goes.
  writer_.drop_queued();
  close_socket();
  release_connection(connection_, description_);
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
