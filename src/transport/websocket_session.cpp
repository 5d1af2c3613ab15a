// transport/websocket_session: see the header. The chains are
//   run -> (101 written) on_open -> do_read -> InputReader -> process -> (router) -> do_read ...
//   send/control frames -> queue_frame -> (posted) do_write -> FrameWriter (direct or async)
//     -> on_write -> do_write ...
//   close/fail -> start_close (close frame queued last) -> peer's close frame -> finish
// At most one read (or readability wait) and one write are outstanding; one timer serves the
// opening deadline, the auto-ping schedule and the closing handshake timeout.
#include "transport/websocket_session.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <exception>
#include <limits>
#include <random>
#include <span>
#include <string_view>
#include <utility>

#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>

#include "base/log.hpp"
#include "transport/router_link.hpp"
#include "transport/websocket_options.hpp"

namespace junction::transport {

namespace ws = junction::websocket;

namespace {

// After failing a connection: how long input is drained, waiting for the peer to close, once our
// close frame is out.
constexpr std::chrono::seconds kFailLinger{2};
// Random bytes for ping payloads; unpredictable enough that a peer cannot pong in advance.
std::string random_ping_payload(std::size_t size) {
  thread_local std::mt19937 engine{std::random_device{}()};
  std::uniform_int_distribution<int> byte(0, 255);
  std::string payload(size, '\0');
  for (auto& c : payload)
    c = static_cast<char>(byte(engine));
  return payload;
}

std::string quoted_reason(std::string_view reason) {
  return reason.empty() ? std::string() : ", \"" + std::string(reason.substr(0, 123)) + "\"";
}

}  // namespace

template <class Stream>
WebSocketSession<Stream>::Compression::Compression(const ws::DeflateAgreement& agreement,
                                                   const ws::DeflateConfig& config)
    : deflater(agreement.server_max_window_bits, config.memory_level, config.level,
               agreement.server_no_context_takeover),
      inflater(agreement.client_max_window_bits, agreement.client_no_context_takeover) {}

template <class Stream>
WebSocketSession<Stream>::WebSocketSession(Stream&& stream, std::string description,
                                           WebSocketUpgrade upgrade,
                                           std::shared_ptr<const ListenerContext> context,
                                           const WebSocketOptions& options)
    : stream_(std::move(stream)),
      context_(std::move(context)),
      options_(options),
      description_(std::move(description)),
      codec_(*upgrade.codec) {
  if constexpr (kIsTlsStream<Stream>) {
    tls_info_ = std::make_unique<const router::TransportInfo>(transport_info_of(stream_));
  }
  if (upgrade.deflate) {
    compression_ = std::make_unique<Compression>(*upgrade.deflate, deflate_config(options_));
  }
  reader_.prime(upgrade.initial);
  deadline_ = upgrade.deadline;
  // The 101 response leaves first; run() schedules the write.
  writer_.push(OutFrame{{}, 0, std::make_shared<const std::string>(std::move(upgrade.response))},
               description_);
}

template <class Stream>
WebSocketSession<Stream>::~WebSocketSession() {
  context_->registry->remove(this);
}

template <class Stream>
void WebSocketSession<Stream>::run() {
  context_->registry->add(this->shared_from_this());
  if (options_.open_handshake_timeout.count() > 0) arm_timer(deadline_);
  schedule_write();  // the 101 response
}

template <class Stream>
void WebSocketSession<Stream>::on_open() {
  open_ = true;
  last_heard_ = clock::now();
  if (close_requested_ || context_->registry->detached()) {
    // Shut down while the 101 was being written: close without ever joining the router.
    start_close(ws::close_code::going_away);
  } else {
    JLOG(debug, "transport") << description_ << " connected (" << codec_.subprotocol()
                             << (compression_ ? ", permessage-deflate" : "") << ")";
    try {
      link_.open(*context_->port, *this, codec_);
    } catch (const std::exception& e) {
      JLOG(error, "transport") << description_ << ": router refused the connection: " << e.what();
      abort("router refused the connection");
      return;
    }
    arm_ping();
  }
  // Frames the client sent right behind its upgrade request.
  reader_.process_buffered([this](char* data, std::size_t size) { return process(data, size); });
  do_read();
}

// --- reading ----------------------------------------------------------------------------------

template <class Stream>
void WebSocketSession<Stream>::do_read() {
  if (finished_ || close_received_) return;
  reader_.read(
      stream_, this->shared_from_this(),
      [this](char* data, std::size_t size) {
        last_heard_ = clock::now();
        return process(data, size);
      },
      [this](error_code ec) {
        if (finished_) return;
        if (ec) return on_read_error(ec);
        read_more();
      });
}

template <class Stream>
void WebSocketSession<Stream>::read_more() {
  // On another thread than the router's, reading waits while the router is far behind with what
  // this session sent (backpressure: the hand-over queue must not grow without bound).
  if (link_.pause_reading(description_, [self = this->shared_from_this()] { self->do_read(); }))
    return;
  do_read();
}

template <class Stream>
void WebSocketSession<Stream>::on_read_error(error_code ec) {
  if (ec == asio::error::eof) {
    return finish(close_sent_ ? "closed (peer closed TCP without answering our close frame)"
                              : "peer closed the TCP connection without a close handshake");
  }
  finish(ec.message());
}

template <class Stream>
std::size_t WebSocketSession<Stream>::process(char* data, std::size_t size) {
  std::size_t used = 0;
  while (!finished_ && !close_received_ && used < size) {
    // A failed connection processes nothing more, not even a close frame (RFC 6455 §7.1.7):
    // input is only drained until the peer closes.
    if (failed_) return size;
    const auto parsed =
        ws::parse_frame_header(std::string_view(data + used, size - used), compression_ != nullptr);
    if (parsed.status == ws::ParseStatus::need_more) break;
    if (parsed.status == ws::ParseStatus::error) {
      fail(ws::close_code::protocol_error, std::string(parsed.error));
      return size;
    }
    const ws::FrameHeader& header = parsed.header;
    const std::size_t so_far =
        header.opcode == ws::Opcode::continuation
            ? std::min(assembly_ ? assembly_->message.size() : 0, max_message_size())
            : 0;
    if (!header.masked) {
      fail(ws::close_code::protocol_error, "client frame not masked");
    } else if (header.opcode == ws::Opcode::continuation && !in_message_) {
      fail(ws::close_code::protocol_error, "continuation frame without a message to continue");
    } else if ((header.opcode == ws::Opcode::text || header.opcode == ws::Opcode::binary) &&
               in_message_) {
      fail(ws::close_code::protocol_error, "new message before the last one was finished");
    } else if (!ws::is_control(header.opcode) &&
               header.payload_length > max_message_size() - so_far) {
      fail(ws::close_code::too_big,
           "message larger than " + std::to_string(max_message_size()) + " bytes");
    }
    if (failed_) return size;
    const std::uint64_t total = header.header_size + header.payload_length;
    if (size - used < total) {
      reader_.expect(static_cast<std::size_t>(total));  // bounded by the checks above
      break;
    }
    char* payload = data + used + header.header_size;
    used += static_cast<std::size_t>(total);
    ws::apply_mask(payload, header.payload_length, header.mask_key);
    handle_frame(header, payload);
    if (!lowest_socket(stream_).is_open()) return size;
  }
  return used;
}

template <class Stream>
void WebSocketSession<Stream>::handle_frame(const ws::FrameHeader& header, char* payload) {
  const std::string_view bytes(payload, header.payload_length);
  switch (header.opcode) {
    case ws::Opcode::ping:
      queue_control(ws::Opcode::pong, bytes);
      return;
    case ws::Opcode::pong:
      return;  // last_heard_ is already updated
    case ws::Opcode::close:
      return handle_close_frame(bytes);
    case ws::Opcode::text:
    case ws::Opcode::binary:
      if (header.fin && !header.rsv1) {
        handle_message(bytes, header.opcode == ws::Opcode::text, false);
      } else {
        auto& message = assembly().message;
        message.assign(bytes);
        message_text_ = header.opcode == ws::Opcode::text;
        message_compressed_ = header.rsv1;
        in_message_ = !header.fin;
        if (header.fin) handle_message(message, message_text_, message_compressed_);
      }
      break;
    case ws::Opcode::continuation:
      assembly().message.append(bytes);
      if (header.fin) {
        in_message_ = false;
        handle_message(assembly_->message, message_text_, message_compressed_);
      }
      break;
  }
  // Only sessions that are putting a message together keep the buffers for it.
  if (!in_message_ && assembly_) assembly_.reset();
}

template <class Stream>
void WebSocketSession<Stream>::handle_message(std::string_view bytes, bool text, bool compressed) {
  if (close_sent_ || !link_.is_open()) return;  // the router has said its last word
  if (text == codec_.binary_frames()) {
    link_.malformed(std::string(text ? "text" : "binary") + " WebSocket frame, but " +
                    std::string(codec_.subprotocol()) + " uses " +
                    (codec_.binary_frames() ? "binary" : "text") + " frames");
    return;
  }
  if (compressed) {
    std::string error;
    bool too_big = false;
    auto& inflated = assembly().inflated;
    if (!compression_->inflater.decompress(bytes, inflated, max_message_size(), error, too_big)) {
      fail(too_big ? ws::close_code::too_big : ws::close_code::invalid_payload,
           "permessage-deflate: " + error);
      return;
    }
    bytes = inflated;
  }
  if (text) {
    ws::Utf8Validator utf8;
    if (!utf8.feed(bytes) || !utf8.complete()) {
      fail(ws::close_code::invalid_payload, "text message is not valid UTF-8");
      return;
    }
  }
  deliver(bytes);
}

template <class Stream>
void WebSocketSession<Stream>::deliver(std::string_view bytes) {
  // The router may call send()/close() on this or any other session from inside these calls;
  // they only queue work, so no state here is invalidated underneath us.
  if (!link_.route(bytes, description_)) abort("internal error");
}

template <class Stream>
typename WebSocketSession<Stream>::Assembly& WebSocketSession<Stream>::assembly() {
  if (!assembly_) assembly_ = std::make_unique<Assembly>();
  return *assembly_;
}

template <class Stream>
void WebSocketSession<Stream>::handle_close_frame(std::string_view payload) {
  close_received_ = true;
  const auto close = ws::parse_close_payload(payload);
  std::uint16_t reply = ws::close_code::normal;
  if (!close) {
    if (end_reason_.empty()) end_reason_ = "closed by peer with an invalid close frame";
    reply = ws::close_code::protocol_error;
  } else {
    if (end_reason_.empty())
      end_reason_ = "closed by peer (code " + std::to_string(close->code) +
                    quoted_reason(close->reason) + ")";
    if (close->code != ws::close_code::no_status) reply = close->code;
  }
  if (close_sent_) {
    // The answer to our own close frame: the closing handshake is complete once ours is on the
    // wire too (on_write finishes when it is still queued).
    if (!writer_.writing() && !writer_.has_queued()) finish("closed");
    return;
  }
  // The peer is leaving: the router hears it now; our answer goes out after what is queued
  // (and, on another I/O thread than the router's, after the router's answers to everything the
  // peer sent before), then the socket is closed (on_write()).
  // Nothing else may be pending meanwhile: the continuation keeps the session alive.
  link_.release_then(description_,
                     [self = this->shared_from_this(), reply] { self->start_close(reply); });
}

template <class Stream>
void WebSocketSession<Stream>::fail(std::uint16_t code, const std::string& why) {
  JLOG(info, "transport") << description_ << ": " << why << "; closing with " << code;
  failed_ = true;
  in_message_ = false;
  assembly_.reset();
  if (end_reason_.empty()) end_reason_ = why;
  // Nothing queued goes out any more but the close frame (the batch in flight finishes).
  writer_.drop_queued();
  start_close(code, code == ws::close_code::too_big ? "message too big" : "");
  // Once the close frame is written the send side is shut down (on_write) and input is drained
  // until the peer closes; closing with unread input would reset the connection and could destroy
  // the close frame before the peer reads it. This bounds the wait when the peer never closes.
  deadline_ = clock::now() + kFailLinger;
  arm_timer(deadline_);
}

// --- writing ----------------------------------------------------------------------------------

template <class Stream>
void WebSocketSession<Stream>::send(wamp::OutboundPtr message) {
  // After close() the router has said its last word; after finish() nobody is listening.
  if (finished_ || close_sent_ || close_requested_ || !open_ || !message) return;
  std::shared_ptr<const std::string> payload;
  try {
    payload = message->encoded(codec_);
    if (payload && compression_) {
      auto compressed = std::make_shared<std::string>();
      compression_->deflater.compress(*payload, *compressed);
      payload = std::move(compressed);
    }
  } catch (const std::exception& e) {
    JLOG(error, "transport") << description_ << ": cannot encode "
                             << wamp::message_name(message->message().type) << ": " << e.what();
    payload.reset();
  }
  if (!payload) {
    abort("cannot encode a message");  // dropping it silently could leave a caller waiting
    return;
  }
  OutFrame frame;
  frame.header_size = static_cast<std::uint8_t>(ws::write_frame_header(
      frame.header, codec_.binary_frames() ? ws::Opcode::binary : ws::Opcode::text, payload->size(),
      true, compression_ != nullptr));
  frame.payload = std::move(payload);
  queue_frame(std::move(frame));
}

template <class Stream>
void WebSocketSession<Stream>::queue_control(ws::Opcode opcode, std::string_view payload) {
  OutFrame frame;
  frame.header_size =
      static_cast<std::uint8_t>(ws::write_frame_header(frame.header, opcode, payload.size()));
  if (!payload.empty()) frame.payload = std::make_shared<const std::string>(payload);
  queue_frame(std::move(frame));
}

template <class Stream>
void WebSocketSession<Stream>::queue_frame(OutFrame frame) {
  if (finished_ || close_sent_) return;
  if (!writer_.push(std::move(frame), description_)) return abort("outbound queue over its limit");
  schedule_write();
}

template <class Stream>
void WebSocketSession<Stream>::schedule_write() {
  if (finished_) return;
  writer_.schedule(stream_, this->shared_from_this(), [this] { do_write(); });
}

template <class Stream>
void WebSocketSession<Stream>::do_write() {
  if (finished_) return;
  writer_.write(stream_, this->shared_from_this(), [this](error_code ec) { on_write(ec); });
}

template <class Stream>
void WebSocketSession<Stream>::on_write(error_code ec) {
  if (ec) {
    if (!finished_) {
      JLOG(debug, "transport") << description_ << ": write failed: " << ec.message();
    }
    return finish("write failed: " + ec.message());
  }
  if (finished_) return;
  if (!open_) {
    on_open();
    if (finished_) return;
  }
  if (writer_.has_queued()) return do_write();
  if (close_sent_ && close_received_) return finish("closed");  // the handshake is complete
  if (failed_ && close_sent_) {
    error_code ignored;
    lowest_socket(stream_).shutdown(TcpSocket::shutdown_send, ignored);
  }
}

template <class Stream>
void WebSocketSession<Stream>::close() {
  if (close_requested_) return;
  close_requested_ = true;
  // Before the 101 is written, on_open takes care of it. The close frame is queued behind
  // everything the router sent before.
  if (open_ && !finished_) start_close(ws::close_code::normal);
}

template <class Stream>
void WebSocketSession<Stream>::start_close(std::uint16_t code, std::string_view reason) {
  if (close_sent_ || finished_) return;
  queue_control(ws::Opcode::close, ws::make_close_payload(code, reason));
  close_sent_ = true;
  if (options_.close_handshake_timeout.count() > 0) {
    deadline_ = clock::now() + options_.close_handshake_timeout;
    arm_timer(deadline_);
  } else {
    TimerWheel::cancel(*this);
  }
}

// --- timers -----------------------------------------------------------------------------------

template <class Stream>
void WebSocketSession<Stream>::arm_timer(clock::time_point at) {
  context_->timers->schedule(*this, at);
}

template <class Stream>
void WebSocketSession<Stream>::on_deadline() {
  const auto self = this->shared_from_this();  // alive until the handler is done, whatever it does
  on_timer();
}

template <class Stream>
void WebSocketSession<Stream>::arm_ping() {
  if (finished_ || close_sent_ || !open_) return;
  const auto schedule = ping_schedule(options_);
  // Waiting for an answer: until the timeout. Otherwise: one interval after the last sign of
  // life (or the last ping, when pings go unanswered and there is no timeout).
  arm_timer(ping_unanswered_ && schedule.timeout.count() > 0
                ? ping_sent_ + schedule.timeout
                : std::max(last_heard_, ping_sent_) + schedule.interval);
}

template <class Stream>
void WebSocketSession<Stream>::on_timer() {
  if (finished_) return;
  const auto now = clock::now();
  if (!open_) {
    JLOG(info, "transport") << description_ << ": WebSocket opening handshake took longer than "
                            << options_.open_handshake_timeout.count()
                            << " ms (open_handshake_timeout); closing";
    return abort("opening handshake timed out");
  }
  if (close_sent_) {
    if (now < deadline_) return arm_timer(deadline_);
    return finish("closed (no close frame from the peer within close_handshake_timeout)");
  }
  const auto schedule = ping_schedule(options_);
  if (ping_unanswered_ && last_heard_ >= ping_sent_) ping_unanswered_ = false;
  if (ping_unanswered_ && schedule.timeout.count() > 0 && now >= ping_sent_ + schedule.timeout) {
    JLOG(info, "transport") << description_ << ": no answer to a ping within "
                            << schedule.timeout.count() << " ms; dropping the connection";
    return abort("auto-ping timeout");
  }
  if (now >= std::max(last_heard_, ping_sent_) + schedule.interval) {
    ping_sent_ = now;
    ping_unanswered_ = true;
    queue_control(ws::Opcode::ping, random_ping_payload(schedule.payload_size));
  }
  arm_ping();
}

// --- the end ----------------------------------------------------------------------------------

template <class Stream>
std::size_t WebSocketSession<Stream>::max_message_size() const {
  return options_.max_message_size == 0 ? std::numeric_limits<std::size_t>::max()
                                        : options_.max_message_size;
}

template <class Stream>
void WebSocketSession<Stream>::finish(std::string_view why) {
  if (finished_) {
    close_socket();
    return;
  }
  finished_ = true;
  if (open_) {
    JLOG(debug, "transport") << description_ << " disconnected: "
                             << (end_reason_.empty() ? why : std::string_view(end_reason_));
  }
  TimerWheel::cancel(*this);
  // The batch in flight stays until its write completes; the rest goes.
  writer_.drop_queued();
  if constexpr (kIsTlsStream<Stream>) {
    if (close_sent_ && close_received_ && !writer_.writing()) {
      // The closing handshake is complete and nothing is being read or written: end TLS with
      // close_notify as well (bounded by kTlsShutdownTimeout), then close the socket.
      link_.release(description_);
      beast::get_lowest_layer(stream_).expires_after(kTlsShutdownTimeout);
      stream_.async_shutdown(
          [self = this->shared_from_this()](error_code) { self->close_socket(); });
      return;
    }
  }
  close_socket();
  link_.release(description_);
}

template <class Stream>
void WebSocketSession<Stream>::force_close() {
  abort("shutdown grace period over");
}

template <class Stream>
void WebSocketSession<Stream>::abort(std::string reason) {
  if (end_reason_.empty()) end_reason_ = std::move(reason);
  close_socket();
  // Not finish() here: abort() may run inside the router (a send() during a fan-out), which
  // must not be re-entered; the router hears of it right after.
  asio::post(stream_.get_executor(),
             [self = this->shared_from_this()] { self->finish("aborted"); });
}

template <class Stream>
void WebSocketSession<Stream>::detach() {
  finish("server shut down");
}

template <class Stream>
void WebSocketSession<Stream>::close_socket() {
  // Cancels every pending operation on the stream; their handlers run with errors. After a
  // completed close handshake the server closes TCP first (RFC 6455 §7.1.1); close() sends the
  // FIN, a shutdown() before it would only cost a system call.
  TimerWheel::cancel(*this);
  error_code ignored;
  auto& socket = lowest_socket(stream_);
  if (socket.is_open()) socket.close(ignored);
}

template class WebSocketSession<TcpSocket>;
template class WebSocketSession<TlsStream>;

}  // namespace junction::transport
