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
#include "transport/outbound_budget.hpp"
#include "transport/router_link.hpp"
#include "transport/websocket_options.hpp"

namespace junction::transport {

namespace ws = junction::websocket;

namespace {

// After failing a connection: how long input is drained, waiting for the peer to close, once our
// close frame is out.
constexpr std::chrono::seconds kFailLinger{2};
// Inflated bytes per turn of the event loop for one connection (about 0.1 ms of zlib): a
// compressed message bigger than this is inflated in slices, other sessions' handlers running in
// between (issue 13: a compression bomb stream must not hold the thread that routes everyone).
constexpr std::size_t kInflateSlice = 64 * 1024;
// Inflated size below which the compression ratio is not checked (websocket::InflateLimits):
// honest messages of a few hundred KB can compress 500:1 (a repeated line of text), bombs
// reach about 1030:1; past this size the ratio bound applies, and inflation is sliced anyway.
constexpr std::size_t kRatioFreeBytes = 1024 * 1024;
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
  if (kIsTlsStream<Stream> || !upgrade.cbtid.empty()) {
    router::TransportInfo info;
    if constexpr (kIsTlsStream<Stream>) info = transport_info_of(stream_);
    info.cbtid = std::move(upgrade.cbtid);
    extra_info_ = std::make_unique<const router::TransportInfo>(std::move(info));
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
  if (cookie_token_ != 0) options_.cookies->detach(extra_info_->cbtid, cookie_token_);
}

template <class Stream>
void WebSocketSession<Stream>::run() {
  context_->registry->add(this->shared_from_this());
  if (options_.cookies && extra_info_ && !extra_info_->cbtid.empty()) {
    // A logout of the cookie closes every connection carrying it (Crossbar's behaviour); the
    // store calls this from the logging-out session's thread, so it only posts to ours.
    cookie_token_ = options_.cookies->attach(
        extra_info_->cbtid, [weak = this->weak_from_this(), executor = stream_.get_executor()] {
          asio::post(executor, [weak] {
            if (const auto self = weak.lock()) self->close();
          });
        });
  }
  if (options_.open_handshake_timeout.count() > 0) arm_timer(deadline_);
  schedule_write();  // the 101 response
}

template <class Stream>
void WebSocketSession<Stream>::on_open() {
  open_ = true;
  last_heard_ = clock::now();
  opened_at_ = last_heard_;
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
  if (inflating_) {
    read_deferred_ = true;  // inflate_some() reads on once the message is through
    return;
  }
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
  bool incomplete = false;  // a frame's first bytes are here, not all of it
  while (!finished_ && !close_received_ && !inflating_ && used < size) {
    // A failed connection processes nothing more, not even a close frame (RFC 6455 §7.1.7):
    // input is only drained until the peer closes.
    if (failed_) return size;
    const auto parsed =
        ws::parse_frame_header(std::string_view(data + used, size - used), compression_ != nullptr);
    if (parsed.status == ws::ParseStatus::need_more) {
      incomplete = true;
      break;
    }
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
      incomplete = true;
      break;
    }
    char* payload = data + used + header.header_size;
    used += static_cast<std::size_t>(total);
    ws::apply_mask(payload, header.payload_length, header.mask_key);
    handle_frame(header, payload);
    if (!lowest_socket(stream_).is_open()) return size;
  }
  // frame_timeout: counted from the first byte of a frame (or fragmented message) that is not
  // complete yet.
  if (incomplete || in_message_) {
    if (incomplete_since_ == clock::time_point{} && options_.frame_timeout.count() > 0) {
      incomplete_since_ = clock::now();
      arm_ping();  // the frame deadline may be the next one
    }
  } else if (used == size) {
    incomplete_since_ = {};
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
  if (!in_message_ && !inflating_ && assembly_) assembly_.reset();
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
    // handle_frame put every compressed message in assembly_->message (it stays there, unlike
    // the shared read buffer, while inflation takes more than one turn).
    ws::InflateLimits limits;
    limits.max_size = max_message_size();
    limits.max_ratio = options_.compression.max_inflate_ratio;
    limits.ratio_free_bytes = kRatioFreeBytes;
    message_text_ = text;
    compression_->inflater.begin(bytes, assembly().inflated, limits);
    inflating_ = true;
    inflate_some(false);
    return;
  }
  handle_text_or_binary(bytes, text);
}

template <class Stream>
void WebSocketSession<Stream>::inflate_some(bool posted) {
  if (finished_ || failed_ || close_sent_) {
    // The connection is going, the message with it; reading goes on (draining, or waiting for
    // the peer's close frame).
    inflating_ = false;
    if (posted && read_deferred_) {
      read_deferred_ = false;
      do_read();
    }
    return;
  }
  std::string error;
  const auto status = compression_->inflater.step(kInflateSlice, error);
  if (status == ws::Inflater::Status::more) {
    asio::post(stream_.get_executor(),
               [self = this->shared_from_this()] { self->inflate_some(true); });
    return;
  }
  const bool read_deferred = read_deferred_;
  inflating_ = false;
  read_deferred_ = false;
  if (status != ws::Inflater::Status::done) {
    if (status == ws::Inflater::Status::too_big)
      ++TransportCounters::get().compressed_messages_refused;
    fail(status == ws::Inflater::Status::too_big ? ws::close_code::too_big
                                                 : ws::close_code::invalid_payload,
         "permessage-deflate: " + error);
    if (posted && read_deferred) do_read();  // drained until the peer closes
    return;
  }
  handle_text_or_binary(assembly_->inflated, message_text_);
  if (!in_message_ && assembly_) assembly_.reset();
  if (!posted) return;  // inflated within process(): its loop goes on with the next frame
  // No read is pending while inflating (do_read() defers): the frames that arrived behind the
  // compressed message, then reading as usual — unless backpressure paused reading meanwhile
  // (its resume reads).
  reader_.process_buffered([this](char* data, std::size_t size) { return process(data, size); });
  if (!inflating_ && read_deferred) read_more();
}

template <class Stream>
void WebSocketSession<Stream>::handle_text_or_binary(std::string_view bytes, bool text) {
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
  if (!hello_seen_) [[unlikely]] {
    hello_seen_ = true;
    hello_at_ = clock::now();
  }
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
void WebSocketSession<Stream>::fail(std::uint16_t code, const std::string& why,
                                    std::string_view reason) {
  JLOG(info, "transport") << description_ << ": " << why << "; closing with " << code;
  failed_ = true;
  in_message_ = false;
  assembly_.reset();
  if (end_reason_.empty()) end_reason_ = why;
  // Nothing queued goes out any more but the close frame (the batch in flight finishes).
  writer_.drop_queued();
  if (reason.empty() && code == ws::close_code::too_big) reason = "message too big";
  start_close(code, reason);
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
  if (!joined_) [[unlikely]] {
    joined_ = message->message().type == wamp::MessageType::welcome;
  }
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
  if (!writer_.push(std::move(frame), description_)) [[unlikely]] {
    // A slow consumer (FrameWriter logged the figures): it is told why in the close frame, and
    // the router drops its session once the connection is gone (its callers get errors).
    const auto count = ++TransportCounters::get().slow_consumers_closed;
    return fail(
        ws::close_code::policy_violation,
        "slow consumer, closed (slow consumers closed so far: " + std::to_string(count) + ")",
        "slow consumer: outbound queue over its limit");
  }
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
  // Past the queue's bound if need be: a slow consumer is told why it is cut.
  const std::string payload = ws::make_close_payload(code, reason);
  OutFrame frame;
  frame.header_size = static_cast<std::uint8_t>(
      ws::write_frame_header(frame.header, ws::Opcode::close, payload.size()));
  if (!payload.empty()) frame.payload = std::make_shared<const std::string>(payload);
  writer_.push_final(std::move(frame));
  schedule_write();
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
  arm_timer(
      std::min(phase_deadline(), ping_unanswered_ && schedule.timeout.count() > 0
                                     ? ping_sent_ + schedule.timeout
                                     : std::max(last_heard_, ping_sent_) + schedule.interval));
}

template <class Stream>
typename WebSocketSession<Stream>::clock::time_point WebSocketSession<Stream>::phase_deadline()
    const {
  auto at = clock::time_point::max();
  if (!hello_seen_) {
    if (options_.hello_timeout.count() > 0) at = opened_at_ + options_.hello_timeout;
  } else if (!joined_ && options_.auth_timeout.count() > 0) {
    at = hello_at_ + options_.auth_timeout;
  }
  if (incomplete_since_ != clock::time_point{} && options_.frame_timeout.count() > 0) {
    at = std::min(at, incomplete_since_ + options_.frame_timeout);
  }
  return at;
}

template <class Stream>
void WebSocketSession<Stream>::on_phase_timeout(clock::time_point now) {
  auto ms = [](std::chrono::milliseconds t) { return std::to_string(t.count()) + " ms"; };
  ++TransportCounters::get().phase_timeouts;
  if (incomplete_since_ != clock::time_point{} && options_.frame_timeout.count() > 0 &&
      now >= incomplete_since_ + options_.frame_timeout) {
    const std::string why = "frame not complete within " + ms(options_.frame_timeout);
    return fail(ws::close_code::policy_violation, why + " (frame_timeout)", why);
  }
  if (!hello_seen_) {
    const std::string why = "no HELLO within " + ms(options_.hello_timeout);
    return fail(ws::close_code::policy_violation, why + " (hello_timeout)", why);
  }
  // HELLO came, WELCOME did not: authentication (or the router) took too long. The peer hears
  // it in WAMP terms first (its ABORT), then in the close frame.
  const std::string why = "session not established within " + ms(options_.auth_timeout);
  JLOG(info, "transport") << description_ << ": " << why << " of its HELLO (auth_timeout)";
  send(wamp::make_outbound(wamp::make_abort("wamp.error.authentication_failed", why)));
  if (end_reason_.empty()) end_reason_ = why;
  start_close(ws::close_code::policy_violation, why);
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
  if (now >= phase_deadline()) return on_phase_timeout(now);
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
template class WebSocketSession<UnixSocket>;
template class WebSocketSession<TlsStream>;

}  // namespace junction::transport
