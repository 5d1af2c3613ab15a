// transport/websocket_session: one WAMP-over-WebSocket connection after the HTTP upgrade was
// accepted. Our own RFC 6455 engine (framing from src/websocket) rather than Beast's stream, so
// that a connection costs little and a message costs one gather write:
//  - reads: on plain TCP the session waits for readability and reads into one buffer shared by
//    every session of the thread, parsing whole frames in place; only an incomplete frame is kept
//    per session. An idle session holds no read buffer. (TLS keeps a small buffer per session.)
//  - writes: everything queued during one turn of the event loop leaves in one gather write, each
//    frame as a small header plus the payload buffer shared with every other recipient of the
//    same message (never copied); on plain TCP the write is tried at once, and only what the
//    socket does not take waits for writability.
// Also: permessage-deflate (RFC 7692), the auto-ping schedule that drops dead peers, the close
// handshake both ways with a timeout, UTF-8 checks of text messages, the maximum message size.
// Implements router::Peer for its Connection.
#pragma once

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <type_traits>
#include <vector>

#include <boost/asio/steady_timer.hpp>

#include "router/router.hpp"
#include "transport/frame_writer.hpp"
#include "transport/input_reader.hpp"
#include "transport/listener.hpp"
#include "transport/net.hpp"
#include "transport/router_link.hpp"
#include "transport/server.hpp"
#include "transport/session_registry.hpp"
#include "transport/tls_context.hpp"
#include "wamp/codec.hpp"
#include "websocket/deflate.hpp"
#include "websocket/frame.hpp"

namespace junction::transport {

// The stream a WebSocket session runs on, given the HTTP session's: a plain socket (the
// basic_stream's timeouts are not needed any more; TCP or Unix) or the same TLS stream.
template <class HttpStream>
using WebSocketStreamFor = std::conditional_t<
    kIsTlsStream<HttpStream>, TlsStream,
    std::conditional_t<std::is_same_v<HttpStream, UnixStream>, UnixSocket, TcpSocket>>;

// What the HTTP session negotiated, handed to the WebSocket session with the socket.
struct WebSocketUpgrade {
  const wamp::Codec* codec = nullptr;
  std::string response;  // the complete 101 response to write
  std::optional<websocket::DeflateAgreement> deflate;
  std::string initial;  // bytes the client sent after its request (frames may follow at once)
  std::chrono::steady_clock::time_point deadline;  // for writing the 101 (open_handshake_timeout)
  std::string cbtid;  // cookie tracking: the connection's tracking cookie ("" without)
};

// Explicitly instantiated in websocket_session.cpp for TcpSocket, UnixSocket and TlsStream.
template <class Stream>
class WebSocketSession : public LiveSession,
                         public router::Peer,
                         public TimerWheel::Client,
                         public std::enable_shared_from_this<WebSocketSession<Stream>> {
 public:
  // `options` belong to `context` (one of its path services).
  WebSocketSession(Stream&& stream, std::string description, WebSocketUpgrade upgrade,
                   std::shared_ptr<const ListenerContext> context, const WebSocketOptions& options);
  ~WebSocketSession() override;

  // Writes the 101 response and starts the session.
  void run();

  // router::Peer. Called on our own thread — by the router when that is the routing thread,
  // possibly from inside our own call into the router; else by our RouterLink's bridge. Both
  // only queue work and never call the router back.
  void send(wamp::OutboundPtr message) override;
  void close() override;
  std::string describe() const override { return description_; }
  router::TransportInfo transport_info() const override {
    router::TransportInfo info = extra_info_ ? *extra_info_ : router::TransportInfo{};
    info.authenticator = options_.auth;
    if (options_.cookies && !info.cbtid.empty()) {
      // The connection's cbtid no longer authenticates, and its connections are closed, this
      // one too once the GOODBYE is answered (CookieStore::logout).
      info.logout = [cookies = options_.cookies, cbtid = info.cbtid] { cookies->logout(cbtid); };
    }
    return info;
  }

  // LiveSession
  void shutdown() override { close(); }
  void force_close() override;
  void detach() override;

 private:
  // --- reading
  void do_read();
  void read_more();  // do_read(), unless the router asks us to wait
  void on_read_error(error_code ec);
  void on_open();
  // Handles every whole frame at the start of `data` (writable: payloads are unmasked in place);
  // returns the bytes consumed.
  std::size_t process(char* data, std::size_t size);
  void handle_frame(const websocket::FrameHeader& header, char* payload);
  void handle_message(std::string_view bytes, bool text, bool compressed);
  // Inflates the compressed message in assembly_->message at most kInflateSlice bytes per turn
  // of the event loop (reading waits meanwhile; `posted`: not called from process()), so that a big
  // or hostile compressed message delays the thread's other sessions by one slice at a time, not by
  // the whole inflation.
  void inflate_some(bool posted);
  void handle_text_or_binary(std::string_view bytes, bool text);
  void handle_close_frame(std::string_view payload);
  void deliver(std::string_view bytes);
  // Fails the connection (RFC 6455 §7.1.7): a close frame with `code`, no more data either way.
  // `reason` goes into the close frame (1009 says "message too big" without one).
  void fail(std::uint16_t code, const std::string& why, std::string_view reason = {});

  // --- writing
  void queue_frame(OutFrame frame);
  void queue_control(websocket::Opcode opcode, std::string_view payload);
  void schedule_write();
  void do_write();
  void on_write(error_code ec);
  // Sends our close frame after what is queued; the connection is closed once the peer's close
  // frame arrives (or close_handshake_timeout passes).
  void start_close(std::uint16_t code, std::string_view reason = {});

  // --- one deadline (the server's TimerWheel) for the 101, auto-ping and the closing handshake.
  void arm_timer(std::chrono::steady_clock::time_point at);
  void on_deadline() override;
  void on_timer();
  void arm_ping();
  // The earliest of the phase deadlines that apply now (hello_timeout, auth_timeout,
  // frame_timeout), or time_point::max().
  std::chrono::steady_clock::time_point phase_deadline() const;
  void on_phase_timeout(std::chrono::steady_clock::time_point now);

  // The socket is finished: tell the router exactly once and drop the Connection.
  void finish(std::string_view why);
  void close_socket();
  // Closes the socket at once without a close handshake; `reason` is logged on disconnect.
  void abort(std::string reason);
  std::size_t max_message_size() const;

  // Kept small on purpose: an idle session should cost about 2 KB in all (docs/performance.md).
  // Options, router and registry are the listener's; what only some sessions need (TLS
  // certificate details, the tracking cookie, message reassembly, compression) is allocated
  // only for them.
  Stream stream_;
  std::shared_ptr<const ListenerContext> context_;
  const WebSocketOptions& options_;
  std::string description_;
  std::unique_ptr<const router::TransportInfo> extra_info_;
  std::uint64_t cookie_token_ = 0;  // attached to the cookie store (options_.cookies): its logout
  const wamp::Codec& codec_;
  RouterLink link_;
  std::string end_reason_;  // why the connection ends, for the disconnect log line

  InputReader<Stream> reader_;

  // A fragmented message being put together, and decompressed messages.
  struct Assembly {
    std::string message;
    std::string inflated;
  };
  Assembly& assembly();
  std::unique_ptr<Assembly> assembly_;
  bool in_message_ = false;
  bool message_text_ = false;
  bool message_compressed_ = false;
  bool inflating_ = false;      // a compressed message is being inflated (inflate_some)
  bool read_deferred_ = false;  // do_read() was asked for while inflating

  // permessage-deflate, when negotiated.
  struct Compression {
    Compression(const websocket::DeflateAgreement& agreement,
                const websocket::DeflateConfig& config);
    websocket::Deflater deflater;
    websocket::Inflater inflater;
  };
  std::unique_ptr<Compression> compression_;

  FrameWriter<Stream> writer_;

  using clock = std::chrono::steady_clock;
  clock::time_point deadline_{};  // 101 write or close handshake deadline, when set
  clock::time_point last_heard_{};
  clock::time_point ping_sent_{};
  bool ping_unanswered_ = false;
  // Phases (issue 13): when the session opened, when its HELLO (its first message) came, when
  // the frame or fragmented message still incomplete began (epoch: none is).
  clock::time_point opened_at_{};
  clock::time_point hello_at_{};
  clock::time_point incomplete_since_{};
  bool hello_seen_ = false;  // a WAMP message arrived
  bool joined_ = false;      // a WELCOME went out

  bool open_ = false;             // the 101 response is written
  bool close_requested_ = false;  // Peer::close(): close once the queue is flushed
  bool close_sent_ = false;       // our close frame is queued; nothing more goes out
  bool close_received_ = false;   // the peer's close frame arrived; nothing more comes in
  bool failed_ = false;           // input is no longer parsed as WAMP
  bool finished_ = false;         // the router was told; nothing more goes in or out
};

}  // namespace junction::transport
