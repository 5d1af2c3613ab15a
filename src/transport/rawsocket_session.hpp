// transport/rawsocket_session: one WAMP-over-RawSocket connection on any byte stream (TCP, Unix
// domain socket, TLS over TCP). Runs the opening handshake (serializer
// and maximum length negotiation, the spec's error replies, a handshake timeout), turns frames
// into router messages and router messages into frames, answers PING with PONG, sends its own
// PINGs on silence when configured, and writes through a bounded per-connection queue: every
// message queued since the last write goes out in one gather write, each frame as a 4-byte header
// plus the payload buffer shared with the other recipients (never copied; frame_writer.hpp).
// Implements router::Peer for its Connection.
#pragma once

#include <chrono>
#include <cstddef>
#include <deque>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/flat_buffer.hpp>

#include "rawsocket/protocol.hpp"
#include "router/router.hpp"
#include "transport/frame_writer.hpp"
#include "transport/input_reader.hpp"
#include "transport/listener.hpp"
#include "transport/net.hpp"
#include "transport/router_link.hpp"
#include "transport/session_registry.hpp"
#include "wamp/codec.hpp"

namespace junction::transport {

// Time a client has to send its 4-byte handshake after connecting (and, on a universal
// listener, its first byte) when RawSocketOptions::handshake_timeout is 0.
inline constexpr std::chrono::seconds kRawSocketHandshakeTimeout{10};
// After our last bytes (error reply, or the flush before a close), how long we keep reading and
// discarding before closing: closing with unread input would reset the connection and could
// destroy the reply before the peer reads it.
inline constexpr std::chrono::seconds kRawSocketLingerTimeout{2};

// Explicitly instantiated in rawsocket_session.cpp for TcpSocket,
// UnixSocket and TlsStream (handshake already done).
template <class Stream>
class RawSocketSession : public LiveSession,
                         public router::Peer,
                         public TimerWheel::Client,
                         public std::enable_shared_from_this<RawSocketSession<Stream>> {
 public:
  // `peer` names the remote end in logs ("127.0.0.1:50122", "unix:/run/junction.sock").
  // `initial` holds bytes already read from the stream (protocol detection); they are parsed
  // before anything is read from the stream.
  RawSocketSession(Stream stream, std::shared_ptr<const ListenerContext> context, std::string peer,
                   beast::flat_buffer initial = {});
  ~RawSocketSession() override;

  void run();

  // router::Peer. Called on our own thread — by the router when that is the routing thread,
  // possibly from inside our own call into the router; else by our RouterLink's bridge. Both
  // only queue work and never call the router back.
  void send(wamp::OutboundPtr message) override;
  void close() override;
  std::string describe() const override { return description_; }
  router::TransportInfo transport_info() const override { return transport_info_; }

  // LiveSession
  void shutdown() override { close(); }
  void force_close() override;
  void detach() override;

 private:
  void do_read();
  void read_more();  // do_read(), unless the router asks us to wait
  void on_read_error(error_code ec);
  // Handles what was read (handshake, then every complete frame); returns the bytes consumed.
  std::size_t process(const char* data, std::size_t size);
  void on_handshake(std::span<const std::uint8_t, 4> request);
  void refuse(rawsocket::HandshakeError error, const std::string& why);
  std::size_t process_frames(const char* data, std::size_t size);
  void deliver(std::string_view bytes);
  void enqueue(const rawsocket::Bytes4& header, std::shared_ptr<const std::string> payload = {});
  void do_write();
  void on_write(error_code ec);
  void start_linger();
  void on_timer();
  void on_deadline() override;
  void arm_timer(std::chrono::steady_clock::duration after);
  // After the handshake: the timer for the next of auto-ping and the phase deadlines.
  void arm_session_timer();
  // hello_timeout, auth_timeout, frame_timeout (RawSocketOptions), whichever applies first;
  // time_point::max() when none does.
  std::chrono::steady_clock::time_point phase_deadline() const;
  void on_phase_timeout(std::chrono::steady_clock::time_point now);
  // ABORT `reason` with `message` after what is being written (the rest of the queue is
  // dropped), then the connection is closed; input is ignored from here on.
  void abort_session(const std::string& reason, const std::string& message);
  // The write queue passed its bound: ABORT junction.close.slow_consumer, counted and logged.
  void close_slow_consumer();
  void send_ping();
  // The socket is finished: tell the router exactly once and drop the Connection.
  void finish(std::string_view why);
  void close_socket();
  // Closes the socket at once; `reason` is logged on disconnect.
  void abort(std::string reason);
  // Stop reading WAMP messages, flush nothing more, close: the peer broke the protocol.
  void fail(const std::string& why);

  Stream stream_;
  std::shared_ptr<const ListenerContext> context_;
  const RawSocketOptions& options_;
  std::string description_;
  router::TransportInfo transport_info_;
  std::string abort_reason_;
  InputReader<Stream> reader_;

  const wamp::Codec* codec_ = nullptr;
  std::size_t max_in_ = 0;   // largest frame we accept (what we announced)
  std::size_t max_out_ = 0;  // largest frame the client accepts (what it announced)
  RouterLink link_;

  FrameWriter<Stream> writer_;

  // Auto-ping state.
  std::chrono::steady_clock::time_point last_received_;
  bool ping_outstanding_ = false;
  std::chrono::steady_clock::time_point ping_sent_at_;
  std::uint64_t ping_counter_ = 0;
  std::chrono::steady_clock::time_point next_ping_at_ =
      std::chrono::steady_clock::time_point::max();

  // Phases (issue 13): when the handshake was done, when HELLO (the first message) came, when
  // the frame still incomplete began (epoch: none is).
  std::chrono::steady_clock::time_point opened_at_{};
  std::chrono::steady_clock::time_point hello_at_{};
  std::chrono::steady_clock::time_point incomplete_since_{};
  bool hello_seen_ = false;
  bool joined_ = false;  // a WELCOME went out

  bool handshake_done_ = false;   // our success reply is queued; frames are WAMP from here on
  bool counted_ = false;          // counted in the listener's rawsocket_sessions
  bool close_requested_ = false;  // Peer::close() or a refusal: close once the queue is flushed
  bool lingering_ = false;        // our side is shut down; reading and discarding until EOF
  bool tls_closing_ = false;      // TLS: close_notify exchange in progress instead of lingering
  bool failed_ = false;           // input is no longer parsed
  bool finished_ = false;         // the router was told; nothing more goes in or out
};

}  // namespace junction::transport
