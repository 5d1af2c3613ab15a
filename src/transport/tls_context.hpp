// transport/tls_context: TLS for listeners (OpenSSL 3 through Asio/Beast). Owns building the
// server ssl::context from TlsOptions (Crossbar's endpoint "tls": key, certificate,
// chain_certificates, ca_certificates, ciphers, dhparam) with modern defaults — TLS 1.2 minimum,
// AEAD-only TLS 1.2 suites, no compression, no renegotiation — the TLS stream type the sessions
// are instantiated for, the slot that lets SIGHUP replace a listener's context while it runs, and
// reading the verified client certificate out of a finished handshake.
#pragma once

#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <type_traits>

#include <boost/asio/ssl/context.hpp>
#include <boost/beast/core/stream_traits.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>

#include "router/router.hpp"
#include "transport/net.hpp"
#include "transport/server.hpp"

namespace junction::transport {

// Every TLS connection, whatever it serves (HTTP, WebSocket, RawSocket): Beast's SSL stream over
// a tcp_stream (whose timeouts bound the TLS handshake).
using TlsStream = beast::ssl_stream<TcpStream>;

template <class Stream>
inline constexpr bool kIsTlsStream = std::is_same_v<Stream, TlsStream>;

// Time a client has to complete the TLS handshake after connecting.
inline constexpr std::chrono::seconds kTlsHandshakeTimeout{10};
// Time allowed for the TLS closing handshake (close_notify both ways) of an HTTP connection.
inline constexpr std::chrono::seconds kTlsShutdownTimeout{3};

// TLS 1.2 suites used when "ciphers" is not given: forward-secret AEAD only (Mozilla's
// "intermediate" list). TLS 1.3 suites are OpenSSL's defaults (all AEAD).
inline constexpr const char* kDefaultTls12Ciphers =
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
    "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
    "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305:"
    "DHE-RSA-AES128-GCM-SHA256:DHE-RSA-AES256-GCM-SHA384";

// Builds the server context. Throws std::runtime_error starting with `who` (the listener's name)
// and naming the file or key at fault: a file that is missing or unreadable, not PEM, a key that
// does not match the certificate, a cipher list OpenSSL matches nothing with.
std::shared_ptr<asio::ssl::context> make_tls_context(const TlsOptions& options,
                                                     const std::string& who);

// A TLS listener's context in force, replaced on SIGHUP (Server::reload_tls) while connections
// run. A connection takes the context in force when it is accepted; OpenSSL's SSL holds its own
// reference to the SSL_CTX, so an established connection keeps its certificate after a
// replacement (and after the old context object is gone), and new ones get the new certificate.
// The contexts set no Asio-level callbacks (password, verify) that would point into the old
// object. current() and replace() from any thread; current() runs once per accepted connection.
class TlsContextSlot {
 public:
  explicit TlsContextSlot(std::shared_ptr<asio::ssl::context> context)
      : context_(std::move(context)) {}
  std::shared_ptr<asio::ssl::context> current() const {
    std::lock_guard lock(mutex_);
    return context_;
  }
  void replace(std::shared_ptr<asio::ssl::context> context) {
    std::lock_guard lock(mutex_);
    context_.swap(context);  // the old one is released outside the lock
  }

 private:
  mutable std::mutex mutex_;
  std::shared_ptr<asio::ssl::context> context_;
};

// The peer's certificate after a successful handshake, if it sent one (it was verified: with
// ca_certificates set, a handshake with an unverifiable certificate fails).
std::optional<router::TransportInfo::PeerCertificate> peer_certificate(const SSL* ssl);

// TLS channel binding "tls-unique" as WAMP-Cryptosign (and Autobahn) define it: SHA-256 of the
// TLS Finished message the client sent (the server's "peer finished"); empty before a handshake.
std::string tls_unique_channel_id(const SSL* ssl);

// What a session tells the router about its transport.
template <class Stream>
router::TransportInfo transport_info_of(Stream& stream) {
  router::TransportInfo info;
  if constexpr (kIsTlsStream<Stream>) {
    info.tls = true;
    info.peer_certificate = peer_certificate(stream.native_handle());
    info.tls_unique = tls_unique_channel_id(stream.native_handle());
  }
  return info;
}

// The OS socket under any stream we use (TcpSocket, a Unix socket, tcp_stream, TlsStream).
template <class Stream>
auto& lowest_socket(Stream& stream) {
  auto& lowest = beast::get_lowest_layer(stream);
  if constexpr (requires { lowest.socket(); }) {
    return lowest.socket();
  } else {
    return lowest;
  }
}

}  // namespace junction::transport
