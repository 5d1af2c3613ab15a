// transport/websocket_session: see the header. The chain is
//   run -> on_accept -> do_read -> on_read -> (router) -> do_read ...
//   send -> do_write -> on_write -> do_write ... -> (close requested, queue empty) -> start_close
//   on_accept -> arm_ping_timer -> on_ping_timer -> (async_ping -> on_ping) -> arm_ping_timer ...
// One async_read and at most one async_write are outstanding at any time, plus the close
// handshake, which Beast allows to overlap a pending read, and at most one auto-ping, which
// Beast serialises with the writes (but which must not overlap async_close).
#include "transport/websocket_session.hpp"

#include <algorithm>
#include <exception>
#include <limits>
#include <random>
#include <string_view>
#include <utility>
#include <variant>

#include <boost/beast/core/bind_handler.hpp>
#include <boost/beast/http/field.hpp>
#include <boost/beast/websocket/error.hpp>
#include <boost/beast/websocket/ssl.hpp>

#include "base/log.hpp"
#include "base/version.hpp"
#include "transport/router_link.hpp"
#include "transport/websocket_options.hpp"

namespace junction::transport {

namespace http = beast::http;
namespace websocket = beast::websocket;

namespace {

// A flat_buffer keeps its largest size; give memory back after an unusually large message.
constexpr std::size_t kReadBufferKeep = 1024 * 1024;

// Random bytes for ping payloads; unpredictable enough that a peer cannot pong in advance.
websocket::ping_data random_ping_payload(std::size_t size) {
  thread_local std::mt19937 engine{std::random_device{}()};
  std::uniform_int_distribution<int> byte(0, 255);
  websocket::ping_data payload;
  for (std::size_t i = 0; i < size && i < payload.max_size(); ++i)
    payload.push_back(static_cast<char>(byte(engine)));
  return payload;
}

template <class Stream>
std::string peer_name(Stream& stream) {
  error_code ec;
  const auto endpoint = beast::get_lowest_layer(stream).socket().remote_endpoint(ec);
  return std::string(kIsTlsStream<Stream> ? "websocket (TLS) " : "websocket ") +
         (ec ? std::string("(unknown peer)") : format_endpoint(endpoint));
}

}  // namespace

template <class Stream>
WebSocketSession<Stream>::WebSocketSession(Stream&& stream, const wamp::Codec& codec,
                                           const WebSocketOptions& options, router::Router& router,
                                           std::shared_ptr<SessionRegistry> registry)
    : ws_(std::move(stream)),
      codec_(codec),
      options_(options),
      router_(router),
      registry_(std::move(registry)),
      ping_timer_(ws_.get_executor()) {
  description_ = peer_name(ws_.next_layer());
  transport_info_ = transport_info_of(ws_.next_layer());
}

template <class Stream>
WebSocketSession<Stream>::~WebSocketSession() {
  registry_->remove(this);
  // Normally finish() ran already; this covers an io_context torn down with handlers pending.
  if (connection_) {
    try {
      connection_->closed();
    } catch (...) {
    }
  }
}

template <class Stream>
void WebSocketSession<Stream>::run(http::request<http::string_body> request,
                                   std::chrono::steady_clock::duration handshake_left) {
  registry_->add(this->shared_from_this());

  // The rest of open_handshake_timeout for the 101 response; on_accept switches to the timeouts
  // of an open connection (close_handshake_timeout, idle).
  ws_.set_option(opening_timeouts(options_, handshake_left));
  // permessage-deflate, negotiated during async_accept when enabled.
  ws_.set_option(deflate_option(options_));
  // No limit inside Beast: on an oversized frame it sends 1009 but then tears the socket down at
  // once (Boost 1.81's teardown does not drain), so a client still sending gets a reset instead
  // of the close frame. do_read()/on_read() enforce the limit and close gracefully instead.
  ws_.read_message_max(0);
  // Write each message as one frame: the whole payload goes out in one gather write.
  ws_.auto_fragment(false);
  ws_.binary(codec_.binary_frames());
  ws_.set_option(websocket::stream_base::decorator(
      [this, protocol = std::string(codec_.subprotocol())](websocket::response_type& response) {
        response.set(http::field::server, "Junction/" + std::string(kVersion));
        // Only on success: a refused handshake (Beast's 400) must not claim a subprotocol.
        if (response.result() == http::status::switching_protocols) {
          response.set(http::field::sec_websocket_protocol, protocol);
          // Beast has negotiated permessage-deflate by now; remember it for the log.
          extensions_ = std::string(response[http::field::sec_websocket_extensions]);
        }
      }));
  ws_.async_accept(
      request, beast::bind_front_handler(&WebSocketSession::on_accept, this->shared_from_this()));
}

template <class Stream>
void WebSocketSession<Stream>::on_accept(error_code ec) {
  if (ec) {
    JLOG(info, "transport") << description_ << ": WebSocket handshake failed: " << ec.message();
    finished_ = true;
    close_socket();
    return;
  }
  accepted_ = true;
  if (close_requested_ || registry_->detached()) {
    // Shut down while the handshake was in flight: close without ever joining the router.
    finished_ = true;
    close_requested_ = true;
    start_close();
    do_read();
    return;
  }
  ws_.set_option(open_timeouts(options_));
  last_heard_ = clock::now();
  JLOG(debug, "transport") << description_ << " connected (" << codec_.subprotocol()
                           << (extensions_.empty() ? "" : ", " + extensions_) << ")";
  try {
    connection_ = router_.connect(*this);
  } catch (const std::exception& e) {
    JLOG(error, "transport") << description_ << ": router refused the connection: " << e.what();
    finished_ = true;
    close_socket();
    return;
  }
  if (own_auto_ping(options_)) arm_ping_timer();
  do_read();
}

template <class Stream>
void WebSocketSession<Stream>::do_read() {
  // Read piecewise, never more than one byte past the limit, so an oversized message is noticed
  // before it is buffered (see run() for why Beast's own limit is not used).
  const std::size_t room = max_message_size() - std::min(read_buffer_.size(), max_message_size());
  ws_.async_read_some(
      read_buffer_, room + 1,
      beast::bind_front_handler(&WebSocketSession::on_read, this->shared_from_this()));
}

template <class Stream>
std::size_t WebSocketSession<Stream>::max_message_size() const {
  // 0 means "no limit"; keep one byte of headroom for the "+ 1" in do_read().
  return options_.max_message_size == 0 ? std::numeric_limits<std::size_t>::max() - 1
                                        : options_.max_message_size;
}

template <class Stream>
void WebSocketSession<Stream>::on_read(error_code ec, std::size_t) {
  if (ec) {
    if (ec == websocket::error::closed) {
      const auto& reason = ws_.reason();
      std::string why = "closed by peer (code " + std::to_string(reason.code);
      if (!reason.reason.empty()) why += ", \"" + std::string(reason.reason.c_str()) + "\"";
      finish(why + ")");
    } else if (ec == beast::error::timeout) {
      finish("timed out");
    } else if (ec == asio::error::eof) {
      finish("peer closed the TCP connection without a close handshake");
    } else if (ec.category() == websocket::make_error_code(websocket::error::closed).category()) {
      // Protocol trouble detected by Beast (bad frame, bad UTF-8 in a text frame, ...); Beast
      // has already sent the matching close code.
      JLOG(info, "transport") << description_ << ": WebSocket protocol error: " << ec.message();
      finish(ec.message());
    } else {
      finish(ec.message());
    }
    return;
  }
  last_heard_ = clock::now();
  if (close_started_) {
    // Draining after our close frame: data no longer matters, the close reply does.
    read_buffer_.consume(read_buffer_.size());
    return do_read();
  }
  if (read_buffer_.size() > max_message_size()) {
    JLOG(info, "transport") << description_ << ": message larger than " << max_message_size()
                            << " bytes; closing with 1009";
    read_buffer_.consume(read_buffer_.size());
    read_buffer_.shrink_to_fit();
    // Fail the connection: nothing more goes out but the close frame.
    close_requested_ = true;
    if (writing_ && !queue_.empty()) queue_.erase(queue_.begin() + 1, queue_.end());
    if (!writing_) queue_.clear();
    start_close(websocket::close_code::too_big);
    return;  // the close operation reads (and discards) until the peer's close frame
  }
  if (!ws_.is_message_done()) return do_read();
  if (!finished_ && !close_requested_) {
    const auto data = read_buffer_.cdata();
    deliver(std::string_view(static_cast<const char*>(data.data()), data.size()));
  }
  read_buffer_.consume(read_buffer_.size());
  if (read_buffer_.capacity() > kReadBufferKeep) read_buffer_.shrink_to_fit();
  do_read();
}

template <class Stream>
void WebSocketSession<Stream>::deliver(std::string_view bytes) {
  // The router may call send()/close() on this or any other session from inside these calls;
  // they only queue work, so no state here is invalidated underneath us.
  if (ws_.got_text() == codec_.binary_frames()) {
    connection_->receive_malformed(std::string(ws_.got_text() ? "text" : "binary") +
                                   " WebSocket frame, but " + std::string(codec_.subprotocol()) +
                                   " uses " + (codec_.binary_frames() ? "binary" : "text") +
                                   " frames");
    return;
  }
  if (!route_message(*connection_, codec_, bytes, description_)) abort("internal error");
}

template <class Stream>
void WebSocketSession<Stream>::send(wamp::OutboundPtr message) {
  // After close() the router has said its last word; after finish() nobody is listening.
  if (finished_ || close_requested_ || !message) return;
  std::shared_ptr<const std::string> frame;
  try {
    frame = message->encoded(codec_);
  } catch (const std::exception& e) {
    JLOG(error, "transport") << description_ << ": cannot encode "
                             << wamp::message_name(message->message().type) << ": " << e.what();
  }
  if (!frame) {
    abort("cannot encode a message");  // dropping a message silently could leave a caller waiting
                                       // forever
    return;
  }
  if (!queue_.empty() && queued_bytes_ + frame->size() > kMaxQueuedBytes) {
    JLOG(warn, "transport") << description_ << ": peer is not reading, "
                            << (queued_bytes_ + frame->size()) << " bytes queued (limit "
                            << kMaxQueuedBytes << "); disconnecting";
    abort("outbound queue over its limit");
    return;
  }
  queued_bytes_ += frame->size();
  queue_.push_back(std::move(frame));
  if (!writing_) do_write();
}

template <class Stream>
void WebSocketSession<Stream>::do_write() {
  if (writing_ || queue_.empty() || finished_ || !accepted_) return;
  writing_ = true;
  // The shared buffer stays at the queue's front, alive, until on_write.
  ws_.async_write(asio::buffer(*queue_.front()),
                  beast::bind_front_handler(&WebSocketSession::on_write, this->shared_from_this()));
}

template <class Stream>
void WebSocketSession<Stream>::on_write(error_code ec, std::size_t) {
  writing_ = false;
  if (ec) {
    // The read side sees the same failure and calls finish(); make sure it does.
    if (!finished_) {
      JLOG(debug, "transport") << description_ << ": write failed: " << ec.message();
    }
    queue_.clear();
    queued_bytes_ = 0;
    close_socket();
    return;
  }
  if (!queue_.empty()) {
    queued_bytes_ -= queue_.front()->size();
    queue_.pop_front();
  }
  if (finished_) return;
  if (!queue_.empty()) {
    do_write();
  } else if (close_requested_) {
    start_close();
  }
}

template <class Stream>
void WebSocketSession<Stream>::close() {
  if (close_requested_) return;
  close_requested_ = true;
  // Before the handshake completed, on_accept takes care of it; while writing, on_write does.
  if (accepted_ && !finished_ && !writing_ && queue_.empty()) start_close();
}

template <class Stream>
void WebSocketSession<Stream>::start_close(websocket::close_code code) {
  if (close_started_) return;
  close_started_ = true;
  ping_timer_.cancel();
  ws_.control_callback();
  if (ping_writing_) {
    close_after_ping_ = code;  // on_ping starts it: Beast forbids a close during a ping
    return;
  }
  ws_.async_close(code,
                  beast::bind_front_handler(&WebSocketSession::on_close, this->shared_from_this()));
}

template <class Stream>
void WebSocketSession<Stream>::arm_ping_timer() {
  if (finished_ || close_started_) return;
  // Waiting for an answer: until the timeout. Otherwise: one interval after the last sign of
  // life (or the last ping, when pings go unanswered and there is no timeout).
  const auto at = ping_unanswered_ && options_.auto_ping_timeout.count() > 0
                      ? ping_sent_ + options_.auto_ping_timeout
                      : std::max(last_heard_, ping_sent_) + options_.auto_ping_interval;
  ping_timer_.expires_at(at);
  ping_timer_.async_wait(
      beast::bind_front_handler(&WebSocketSession::on_ping_timer, this->shared_from_this()));
}

template <class Stream>
void WebSocketSession<Stream>::on_ping_timer(error_code ec) {
  if (ec || finished_ || close_started_) return;
  const auto now = clock::now();
  if (ping_unanswered_ && last_heard_ >= ping_sent_) {
    ping_unanswered_ = false;
    ws_.control_callback();  // answered: see send below for why it is not kept installed
  }
  if (ping_unanswered_ && options_.auto_ping_timeout.count() > 0 &&
      now >= ping_sent_ + options_.auto_ping_timeout) {
    JLOG(info, "transport") << description_ << ": no answer to a ping within "
                            << options_.auto_ping_timeout.count()
                            << " ms (auto_ping_timeout); dropping the connection";
    abort("auto-ping timeout");
    return;
  }
  if (now >= std::max(last_heard_, ping_sent_) + options_.auto_ping_interval && !ping_writing_) {
    ping_sent_ = now;
    ping_unanswered_ = true;
    ping_writing_ = true;
    // Pongs (and peer pings) are only visible through Beast's control callback. It is installed
    // only while a ping is unanswered: with a callback set, Beast 1.81's read operation posts
    // itself before handling a buffered close frame, and an async_close started in that window
    // deadlocks the two operations (the connection never finishes, even when its socket is
    // closed). Outside this window sessions never have a callback.
    ws_.control_callback([this](websocket::frame_type kind, beast::string_view) {
      if (kind != websocket::frame_type::close) last_heard_ = clock::now();
    });
    ws_.async_ping(random_ping_payload(ping_payload_size(options_)),
                   beast::bind_front_handler(&WebSocketSession::on_ping, this->shared_from_this()));
  }
  arm_ping_timer();
}

template <class Stream>
void WebSocketSession<Stream>::on_ping(error_code ec) {
  ping_writing_ = false;
  if (close_after_ping_) {
    const auto code = *close_after_ping_;
    close_after_ping_.reset();
    if (!finished_) {
      ws_.async_close(
          code, beast::bind_front_handler(&WebSocketSession::on_close, this->shared_from_this()));
    }
    return;
  }
  // A failed ping means a failed socket; the pending read reports it and finishes the session.
  if (ec && !finished_) {
    JLOG(debug, "transport") << description_ << ": ping failed: " << ec.message();
  }
}

template <class Stream>
void WebSocketSession<Stream>::on_close(error_code ec) {
  // On success both close frames were exchanged and Beast has shut the socket down. A read
  // still pending ends with an error, finds the session finished and does nothing more.
  if (ec && !finished_) {
    JLOG(debug, "transport") << description_ << ": close handshake failed: " << ec.message();
  }
  finish(ec ? "close handshake failed: " + ec.message() : std::string("closed"));
}

template <class Stream>
void WebSocketSession<Stream>::finish(std::string_view why) {
  if (finished_) {
    close_socket();
    return;
  }
  finished_ = true;
  if (accepted_) {
    JLOG(debug, "transport") << description_ << " disconnected: "
                             << (abort_reason_.empty() ? why : std::string_view(abort_reason_));
  }
  // Keep the buffer an in-flight write still points into; drop the rest.
  if (writing_ && !queue_.empty()) {
    queue_.erase(queue_.begin() + 1, queue_.end());
    queued_bytes_ = queue_.front()->size();
  } else {
    queue_.clear();
    queued_bytes_ = 0;
  }
  close_socket();
  release_connection(connection_, description_);
}

template <class Stream>
void WebSocketSession<Stream>::force_close() {
  abort("shutdown grace period over");
}

template <class Stream>
void WebSocketSession<Stream>::abort(std::string reason) {
  if (abort_reason_.empty()) abort_reason_ = std::move(reason);
  close_socket();
}

template <class Stream>
void WebSocketSession<Stream>::detach() {
  finish("server shut down");
}

template <class Stream>
void WebSocketSession<Stream>::close_socket() {
  // Cancels every pending operation on the stream; their handlers run with errors.
  ping_timer_.cancel();
  beast::get_lowest_layer(ws_).close();
}

template class WebSocketSession<beast::tcp_stream>;
template class WebSocketSession<TlsStream>;

}  // namespace junction::transport
