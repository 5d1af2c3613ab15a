// transport/listener: see the header. One template serves TCP and Unix domain sockets (RawSocket,
// HTTP and WebSocket on either), and the same session templates serve TLS streams: accept, (TLS:
// TlsHandshake), then start_connection() picks the session kind from what the listener serves.
// Accept errors other than "stopped" (EMFILE, ENOBUFS, ...) pause the accept loop briefly instead
// of failing the listener or spinning on the error.
#include "transport/listener.hpp"

#include <algorithm>
#include <array>
#include <filesystem>
#include <optional>
#include <stdexcept>
#include <type_traits>
#include <utility>

#include <boost/asio/ip/address.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/socket_base.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/stream_traits.hpp>

#include "base/log.hpp"
#include "rawsocket/protocol.hpp"
#include "transport/http_session.hpp"
#include "transport/outbound_budget.hpp"
#include "transport/rawsocket_session.hpp"
#include "transport/subprotocol.hpp"
#include "transport/tls_context.hpp"

namespace junction::transport {

namespace {

using unix_socket = asio::local::stream_protocol;

// Bytes read at once while detecting the protocol: an HTTP request line usually fits.
constexpr std::size_t kDetectRead = 4096;

// Starts a session (a LiveSession) that holds the connection's slot from now on.
template <class Session, class... Args>
void start_holding(ConnectionSlot slot, Args&&... args) {
  auto session = std::make_shared<Session>(std::forward<Args>(args)...);
  session->adopt_slot(std::move(slot));
  session->run();
}

template <class Socket>
void start_http(Socket socket, const std::shared_ptr<const ListenerContext>& context,
                std::string peer, beast::flat_buffer initial, ConnectionSlot slot) {
  if constexpr (std::is_same_v<Socket, TcpSocket>) {
    start_holding<HttpSession<TcpStream>>(std::move(slot), TcpStream(std::move(socket)), context,
                                          std::move(peer), std::move(initial));
  } else if constexpr (std::is_same_v<Socket, UnixSocket>) {
    start_holding<HttpSession<UnixStream>>(std::move(slot), UnixStream(std::move(socket)), context,
                                           std::move(peer), std::move(initial));
  } else {
    static_assert(kIsTlsStream<Socket>, "HTTP over TCP, Unix sockets or TLS");
    start_holding<HttpSession<TlsStream>>(std::move(slot), std::move(socket), context,
                                          std::move(peer), std::move(initial));
  }
}

// Universal listener: reads the first bytes (with the RawSocket handshake timeout) and hands the
// socket, with what was read, to a RawSocketSession (first byte 0x7F, which no HTTP request can
// start with) or to an HttpSession.
template <class Socket>
class ProtocolDetector : public LiveSession,
                         public std::enable_shared_from_this<ProtocolDetector<Socket>> {
 public:
  ProtocolDetector(Socket socket, std::shared_ptr<const ListenerContext> context, std::string peer)
      : socket_(std::move(socket)),
        context_(std::move(context)),
        peer_(std::move(peer)),
        timer_(socket_.get_executor()) {}
  ~ProtocolDetector() override { context_->registry->remove(this); }

  void run() {
    context_->registry->add(this->shared_from_this());
    // A universal listener always has RawSocket options; its handshake_timeout covers the first
    // byte too.
    const auto timeout =
        context_->config.rawsocket && context_->config.rawsocket->handshake_timeout.count() > 0
            ? std::chrono::milliseconds(context_->config.rawsocket->handshake_timeout)
            : std::chrono::milliseconds(kRawSocketHandshakeTimeout);
    timer_.expires_after(timeout);
    timer_.async_wait([self = this->shared_from_this(), timeout](error_code ec) {
      if (ec || self->done_) return;
      JLOG(debug, "transport") << self->peer_ << ": sent nothing within " << timeout.count()
                               << " ms; closing";
      self->force_close();
    });
    socket_.async_read_some(
        buffer_.prepare(kDetectRead),
        [self = this->shared_from_this()](error_code ec, std::size_t n) { self->on_read(ec, n); });
  }

  void shutdown() override { force_close(); }
  void force_close() override {
    if (done_) return;
    error_code ignored;
    lowest_socket(socket_).close(ignored);
  }
  void detach() override { force_close(); }

 private:
  void on_read(error_code ec, std::size_t bytes) {
    timer_.cancel();
    if (done_) return;
    done_ = true;
    if (ec) {
      JLOG(debug, "transport") << peer_ << ": closed before sending anything: " << ec.message();
      return;
    }
    buffer_.commit(bytes);
    if (context_->registry->stopping()) return;  // shutting down: the socket just closes
    const auto first = *static_cast<const std::uint8_t*>(buffer_.data().data());
    try {
      if (first == rawsocket::kMagic) {
        start_holding<RawSocketSession<Socket>>(this->hand_over_slot(), std::move(socket_),
                                                context_, peer_, std::move(buffer_));
      } else {
        start_http(std::move(socket_), context_, std::move(peer_), std::move(buffer_),
                   this->hand_over_slot());
      }
    } catch (const std::exception& e) {
      JLOG(error, "transport") << context_->config.name << ": cannot start a session: " << e.what();
    }
  }

  Socket socket_;
  std::shared_ptr<const ListenerContext> context_;
  std::string peer_;
  Timer timer_;
  beast::flat_buffer buffer_;
  bool done_ = false;  // handed over (or failed): the socket is no longer ours
};

// What a freshly accepted connection becomes.
template <class Socket>
void start_connection(Socket socket, const std::shared_ptr<const ListenerContext>& context,
                      std::string peer, ConnectionSlot slot) {
  if (context->serves_rawsocket() && context->serves_http()) {
    start_holding<ProtocolDetector<Socket>>(std::move(slot), std::move(socket), context,
                                            std::move(peer));
  } else if (context->serves_rawsocket()) {
    start_holding<RawSocketSession<Socket>>(std::move(slot), std::move(socket), context,
                                            std::move(peer));
  } else {
    start_http(std::move(socket), context, std::move(peer), {}, std::move(slot));
  }
}

// What a connection refused by the connection limits is told before it is closed: HTTP 503 on
// a plain HTTP/WebSocket listener, RawSocket handshake error 4 ("maximum connection count
// reached") on a plain RawSocket one, and on a universal listener whichever of the two the
// client's first byte asks for. Nothing (the socket is just closed) on a TLS listener: a TLS
// handshake would cost more than the refusal saves.
struct RefusalAnswer {
  std::string http;       // empty: this listener does not speak HTTP
  std::string rawsocket;  // empty: this listener does not speak RawSocket
  bool empty() const { return http.empty() && rawsocket.empty(); }
  // Both: the client's first byte decides (0x7F is RawSocket's magic octet).
  bool needs_first_byte() const { return !http.empty() && !rawsocket.empty(); }
};

RefusalAnswer refusal_answer(const ListenerContext& context) {
  RefusalAnswer answer;
  if (context.tls) return answer;
  if (context.serves_rawsocket()) {
    const auto reply =
        rawsocket::make_handshake_error(rawsocket::HandshakeError::max_connections_reached);
    answer.rawsocket.assign(reinterpret_cast<const char*>(reply.data()), reply.size());
  }
  if (context.serves_http()) {
    static constexpr std::string_view kBody = "Too many connections; try again later.\n";
    answer.http =
        "HTTP/1.1 503 Service Unavailable\r\n"
        "Content-Type: text/plain; charset=utf-8\r\n"
        "Content-Length: " +
        std::to_string(kBody.size()) +
        "\r\n"
        "Connection: close\r\n"
        "Retry-After: 10\r\n\r\n" +
        std::string(kBody);
  }
  return answer;
}

// A refused connection: writes its answer (on a universal listener, once the client's first
// byte says which), ends our side, reads and discards what the client still sends (closing with
// unread input would reset the connection and could destroy the answer before the client reads
// it) for at most kRefusalLinger in all, then closes. Not a LiveSession: it
// holds no slot and no router state, and its own timer bounds it.
template <class Socket>
class PoliteRefusal : public std::enable_shared_from_this<PoliteRefusal<Socket>> {
 public:
  static constexpr std::chrono::seconds kRefusalLinger{1};

  PoliteRefusal(Socket socket, RefusalAnswer answer, std::shared_ptr<ConnectionLimiter> limiter)
      : socket_(std::move(socket)),
        answer_(std::move(answer)),
        limiter_(std::move(limiter)),
        timer_(socket_.get_executor()) {}
  ~PoliteRefusal() { limiter_->end_polite_refusal(); }

  void run() {
    timer_.expires_after(kRefusalLinger);
    timer_.async_wait([self = this->shared_from_this()](error_code ec) {
      if (ec) return;
      error_code ignored;
      self->socket_.close(ignored);
    });
    if (!answer_.needs_first_byte()) {
      return write(answer_.http.empty() ? answer_.rawsocket : answer_.http);
    }
    socket_.async_read_some(
        asio::buffer(discard_), [self = this->shared_from_this()](error_code ec, std::size_t n) {
          if (ec || n == 0) return self->finish();
          const bool rawsocket = static_cast<unsigned char>(self->discard_[0]) == 0x7F;
          self->write(rawsocket ? self->answer_.rawsocket : self->answer_.http);
        });
  }

 private:
  void write(const std::string& text) {
    asio::async_write(socket_, asio::buffer(text),
                      [self = this->shared_from_this()](error_code ec, std::size_t) {
                        if (ec) return self->finish();
                        error_code ignored;
                        self->socket_.shutdown(asio::socket_base::shutdown_send, ignored);
                        self->drain();
                      });
  }

  void drain() {
    socket_.async_read_some(asio::buffer(discard_),
                            [self = this->shared_from_this()](error_code ec, std::size_t) {
                              if (ec) return self->finish();
                              self->drain();
                            });
  }
  void finish() {
    timer_.cancel();
    error_code ignored;
    socket_.close(ignored);
  }

  Socket socket_;
  RefusalAnswer answer_;
  std::shared_ptr<ConnectionLimiter> limiter_;
  Timer timer_;
  std::array<char, 4096> discard_{};
};

// A TLS listener's connection until its TLS handshake is done (at most kTlsHandshakeTimeout),
// then start_connection() on the TLS stream. A failed handshake (plain TCP client, TLS 1.1,
// unknown CA, no client certificate where one is required) is logged at info with the peer.
class TlsHandshake : public LiveSession, public std::enable_shared_from_this<TlsHandshake> {
 public:
  TlsHandshake(TcpSocket socket, std::shared_ptr<const ListenerContext> context, std::string peer)
      // The context in force now; the SSL keeps its SSL_CTX even if SIGHUP replaces it.
      : stream_(TcpStream(std::move(socket)), *context->tls->current()),
        context_(std::move(context)),
        peer_(std::move(peer)) {}
  ~TlsHandshake() override { context_->registry->remove(this); }

  void run() {
    context_->registry->add(shared_from_this());
    beast::get_lowest_layer(stream_).expires_after(kTlsHandshakeTimeout);
    stream_.async_handshake(asio::ssl::stream_base::server,
                            [self = shared_from_this()](error_code ec) { self->on_handshake(ec); });
  }

  void shutdown() override { force_close(); }
  void force_close() override {
    if (done_) return;
    error_code ignored;
    lowest_socket(stream_).close(ignored);
  }
  void detach() override { force_close(); }

 private:
  void on_handshake(error_code ec) {
    if (done_) return;
    done_ = true;
    if (ec) {
      std::string why =
          ec == beast::error::timeout
              ? "no TLS handshake within " + std::to_string(kTlsHandshakeTimeout.count()) + " s"
              : ec.message();
      JLOG(info, "transport") << context_->config.name << ": TLS handshake with " << peer_
                              << " failed: " << why;
      error_code ignored;
      lowest_socket(stream_).close(ignored);
      return;
    }
    beast::get_lowest_layer(stream_).expires_never();
    if (context_->registry->stopping()) return;  // shutting down: the socket just closes
    const SSL* ssl = stream_.native_handle();
    const auto client = peer_certificate(ssl);
    JLOG(debug, "transport") << context_->config.name << ": TLS handshake with " << peer_
                             << " done (" << SSL_get_version(ssl) << ", "
                             << SSL_CIPHER_get_name(SSL_get_current_cipher(ssl))
                             << (client ? ", client certificate " + client->subject + " SHA-256 " +
                                              client->sha256_fingerprint
                                        : std::string(", no client certificate"))
                             << ")";
    try {
      start_connection(std::move(stream_), context_, peer_, hand_over_slot());
    } catch (const std::exception& e) {
      JLOG(error, "transport") << context_->config.name << ": cannot start a session: " << e.what();
    }
  }

  TlsStream stream_;
  std::shared_ptr<const ListenerContext> context_;
  std::string peer_;
  bool done_ = false;  // handed over (or failed): the stream is no longer ours
};

template <class Protocol>
class BasicListener : public Listener,
                      public std::enable_shared_from_this<BasicListener<Protocol>> {
 public:
  using Acceptor = asio::basic_socket_acceptor<Protocol, Executor>;
  using Socket = asio::basic_stream_socket<Protocol, Executor>;
  static constexpr bool kUnix = std::is_same_v<Protocol, unix_socket>;

  BasicListener(asio::io_context& io, std::vector<std::shared_ptr<const ListenerContext>> contexts)
      : io_(io),
        contexts_(std::move(contexts)),
        context_(contexts_.front()),
        first_thread_(contexts_.size() > 1 && offers_compression(context_->config) ? 1 : 0),
        acceptor_(io),
        retry_timer_(io) {}

  void start() override {
    const ListenerConfig& config = context_->config;
    const std::string where =
        kUnix ? "unix:" + config.unix_path : config.interface + ":" + std::to_string(config.port);
    auto fail = [&](const std::string& reason) {
      error_code ignored;
      acceptor_.close(ignored);
      throw std::runtime_error(config.name + ": cannot listen on " + where + ": " + reason);
    };
    if (!context_->serves_http() && !context_->serves_rawsocket()) fail("nothing to serve");

    error_code ec;
    typename Protocol::endpoint endpoint;
    if constexpr (kUnix) {
      if (context_->tls) fail("TLS over Unix sockets is not supported");
      remove_stale_socket_file(fail);
      endpoint = typename Protocol::endpoint(config.unix_path);
    } else {
      const auto address = asio::ip::make_address(config.interface, ec);
      if (!ec) {
        endpoint = tcp::endpoint(address, config.port);
      } else {
        // Not a literal address: resolve the host name (once, at start-up, so blocking is fine).
        tcp::resolver resolver(io_);
        const auto results = resolver.resolve(config.interface, std::to_string(config.port),
                                              tcp::resolver::passive, ec);
        if (ec || results.empty()) fail(ec ? ec.message() : "no address");
        endpoint = results.begin()->endpoint();
      }
    }

    acceptor_.open(endpoint.protocol(), ec);
    if (ec) fail(ec.message());
    if constexpr (!kUnix) {
      // Lets a restarted node bind again while old connections sit in TIME_WAIT.
      acceptor_.set_option(asio::socket_base::reuse_address(true), ec);
      if (ec) fail(ec.message());
    }
    acceptor_.bind(endpoint, ec);
    if (ec) fail(ec.message());
    if constexpr (kUnix) created_file_ = true;
    acceptor_.listen(
        config.backlog > 0 ? config.backlog : asio::socket_base::max_listen_connections, ec);
    if (ec) fail(ec.message());

    if constexpr (kUnix) {
      bound_ = where;
    } else {
      const auto local = acceptor_.local_endpoint(ec);
      if (ec) fail(ec.message());
      bound_ = format_endpoint(local);
    }
    JLOG(info, "transport") << config.name << " listening on " << bound_
                            << (context_->tls ? " (TLS)" : "");
    do_accept();
  }

  void stop() override {
    if (stopped_) return;
    stopped_ = true;
    error_code ignored;
    acceptor_.close(ignored);
    retry_timer_.cancel();
    if constexpr (kUnix) {
      if (created_file_) {
        std::error_code fs_ec;
        std::filesystem::remove(context_->config.unix_path, fs_ec);
      }
    }
    JLOG(debug, "transport") << context_->config.name << " stopped listening";
  }

  const std::string& bound() const override { return bound_; }

 private:
  // A socket file left behind by a node that did not stop cleanly would make bind() fail with
  // "address in use". Remove it, unless something still accepts connections on it.
  template <class Fail>
  void remove_stale_socket_file(Fail& fail) {
    namespace fs = std::filesystem;
    const std::string& path = context_->config.unix_path;
    std::error_code fs_ec;
    const auto status = fs::symlink_status(path, fs_ec);
    if (fs_ec || !fs::exists(status)) return;
    if (!fs::is_socket(status)) fail("the path exists and is not a socket");
    Socket probe(io_);
    error_code ec;
    probe.connect(typename Protocol::endpoint(path), ec);
    if (!ec) fail("another process is listening on it");
    JLOG(info, "transport") << context_->config.name << ": removing stale socket file " << path;
    fs::remove(path, fs_ec);
    if (fs_ec) fail("cannot remove the stale socket file: " + fs_ec.message());
  }

  // Connections go to the I/O threads in turn; the socket is accepted straight into the chosen
  // thread's io_context, and the session starts there. A listener that offers permessage-deflate
  // leaves the routing thread (thread 0) out when there are others: inflating a peer's messages
  // is the one per-connection cost a peer can inflate at will (compression bombs), and it must
  // not run where everybody's messages are routed.
  void do_accept() {
    if (stopped_) return;
    next_ = next_io_thread(next_, contexts_.size(), first_thread_);
    const auto& target = contexts_[next_];
    acceptor_.async_accept(target->port->io(),
                           [self = this->shared_from_this(), target](error_code ec, Socket socket) {
                             self->on_accept(ec, std::move(socket), target);
                           });
  }

  void on_accept(error_code ec, Socket socket,
                 const std::shared_ptr<const ListenerContext>& target) {
    if (stopped_) return;
    if (ec) {
      if (ec == asio::error::operation_aborted) return;
      JLOG(warn, "transport") << context_->config.name << ": accept failed: " << ec.message();
      retry_timer_.expires_after(kAcceptRetryDelay);
      retry_timer_.async_wait([self = this->shared_from_this()](error_code timer_ec) {
        if (!timer_ec) self->do_accept();
      });
      return;
    }
    if (context_->registry->stopping()) return;  // shutting down: the socket just closes
    try {
      std::optional<asio::ip::address> address;
      std::string peer = peer_name(socket, address);
      ConnectionSlot slot;
      if (context_->limiter) {
        ConnectionLimiter::Refusal why = ConnectionLimiter::Refusal::none;
        slot = context_->limiter->admit(address, why);
        if (!slot.holds()) {
          refuse(std::move(socket), target, peer, why);
          do_accept();
          return;
        }
      }
      if constexpr (!kUnix) {
        // Every WAMP message is written whole; Nagle would only hold small answers back until
        // the peer's delayed ACK (the ~40 ms latency spikes the first benchmark showed).
        error_code nodelay_ec;
        socket.set_option(tcp::no_delay(true), nodelay_ec);
      }
      if (target->port->is_routing_thread()) {
        start_accepted(std::move(socket), target, std::move(peer), std::move(slot));
      } else {
        asio::post(target->port->io(), [socket = std::move(socket), target, peer = std::move(peer),
                                        slot = std::move(slot)]() mutable {
          if (target->registry->stopping()) return;  // shutting down: the socket just closes
          try {
            start_accepted(std::move(socket), target, std::move(peer), std::move(slot));
          } catch (const std::exception& e) {
            JLOG(error, "transport")
                << target->config.name << ": cannot start a session: " << e.what();
          }
        });
      }
    } catch (const std::exception& e) {
      JLOG(error, "transport") << context_->config.name << ": cannot start a session: " << e.what();
    }
    do_accept();
  }

  // The peer's name for logs; `address` its IP address (unset for Unix clients).
  std::string peer_name(Socket& socket, std::optional<asio::ip::address>& address) const {
    if constexpr (kUnix) {
      return bound_;  // Unix clients are usually unnamed; the listener's path says where
    } else {
      error_code ec;
      const auto endpoint = socket.remote_endpoint(ec);
      if (ec) return "(unknown peer)";
      address = endpoint.address();
      return format_endpoint(endpoint);
    }
  }

  static void start_accepted(Socket socket, const std::shared_ptr<const ListenerContext>& context,
                             std::string peer, ConnectionSlot slot) {
    if constexpr (!kUnix) {
      if (context->tls) {
        start_holding<TlsHandshake>(std::move(slot), std::move(socket), context, std::move(peer));
        return;
      }
    }
    start_connection(std::move(socket), context, std::move(peer), std::move(slot));
  }

  // A connection past a connection limit: logged (at most once a second, with the count of the
  // others), counted, answered when that is cheap (refusal_answer) and closed. Other sessions
  // are not touched.
  void refuse(Socket socket, const std::shared_ptr<const ListenerContext>& target,
              const std::string& peer, ConnectionLimiter::Refusal why) {
    const auto& limiter = context_->limiter;
    ++TransportCounters::get().connections_refused;
    if (auto line = limiter->note_refusal(context_->config.name, peer, why); !line.empty()) {
      JLOG(warn, "transport") << line;
    }
    RefusalAnswer answer = refusal_answer(*context_);
    if (answer.empty() || !limiter->begin_polite_refusal()) {
      error_code ignored;
      socket.close(ignored);
      return;
    }
    auto refusal =
        std::make_shared<PoliteRefusal<Socket>>(std::move(socket), std::move(answer), limiter);
    if (target->port->is_routing_thread()) {
      refusal->run();
    } else {
      asio::post(target->port->io(), [refusal] { refusal->run(); });
    }
  }

  asio::io_context& io_;
  std::vector<std::shared_ptr<const ListenerContext>> contexts_;  // one per I/O thread
  std::shared_ptr<const ListenerContext> context_;  // the first: config, registry for stopping()
  std::size_t first_thread_;                        // 1: the routing thread is left out
  std::size_t next_ = 0;                            // the I/O thread of the next connection
  Acceptor acceptor_;
  Timer retry_timer_;
  std::string bound_;
  bool stopped_ = false;
  bool created_file_ = false;  // our bind() created the socket file; stop() removes it
};

}  // namespace

ListenerContext::ListenerContext(ListenerConfig config_in, IoPort& port_in,
                                 std::shared_ptr<SessionRegistry> registry_in,
                                 std::shared_ptr<TimerWheel> timers_in)
    : config(std::move(config_in)),
      port(&port_in),
      registry(std::move(registry_in)),
      timers(std::move(timers_in)),
      rawsocket_sessions(std::make_shared<std::atomic<std::size_t>>(0)) {
  if (config.tls)
    tls = std::make_shared<TlsContextSlot>(make_tls_context(*config.tls, config.name));
  if (config.websocket_on_any_path) {
    any_path.emplace();
    any_path->kind = PathService::Kind::websocket;
    any_path->websocket = *config.websocket_on_any_path;
  }
}

ListenerContext::ListenerContext(const ListenerContext& other, IoPort& port_in,
                                 std::shared_ptr<SessionRegistry> registry_in,
                                 std::shared_ptr<TimerWheel> timers_in)
    : ListenerContext(other) {
  port = &port_in;
  registry = std::move(registry_in);
  timers = std::move(timers_in);
}

bool ListenerContext::count_rawsocket_session(std::size_t limit) const {
  std::size_t open = rawsocket_sessions->load();
  do {
    if (limit != 0 && open >= limit) return false;
  } while (!rawsocket_sessions->compare_exchange_weak(open, open + 1));
  return true;
}

ListenerContext::Route ListenerContext::route(std::string_view path) const {
  if (any_path) return {&*any_path, "/", path.size()};  // every path is the WebSocket
  if (path.empty() || path.front() != '/') return {};
  std::string_view prefix = path;
  // "/ws/" reaches "/ws" too; clients and people add trailing slashes.
  while (prefix.size() > 1 && prefix.back() == '/')
    prefix.remove_suffix(1);
  for (;;) {
    if (auto it = config.paths.find(prefix); it != config.paths.end()) {
      return {&it->second, it->first, prefix.size()};
    }
    if (prefix.size() == 1) return {};
    const auto slash = prefix.rfind('/');
    prefix = slash == 0 ? path.substr(0, 1) : prefix.substr(0, slash);
  }
}

bool offers_compression(const ListenerConfig& config) {
  if (config.websocket_on_any_path && config.websocket_on_any_path->compression.enabled) {
    return true;
  }
  for (const auto& [path, service] : config.paths) {
    if (service.kind == PathService::Kind::websocket && service.websocket.compression.enabled) {
      return true;
    }
  }
  return false;
}

std::size_t next_io_thread(std::size_t current, std::size_t count, std::size_t first) {
  const std::size_t next = current + 1;
  return next < count ? next : std::min(first, count - 1);
}

std::shared_ptr<Listener> make_listener(
    asio::io_context& io, std::vector<std::shared_ptr<const ListenerContext>> contexts) {
  if (!contexts.front()->config.unix_path.empty()) {
    return std::make_shared<BasicListener<unix_socket>>(io, std::move(contexts));
  }
  return std::make_shared<BasicListener<tcp>>(io, std::move(contexts));
}

}  // namespace junction::transport
