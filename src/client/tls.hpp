// client/tls: what the transports need to run over TLS (wss://, rss://) as well as over a plain
// socket, with one copy of their framing code: the stream types, the client's ssl::context
// (client/types.hpp TlsOptions: trusted CAs, peer and host name verification, a client
// certificate), the handshake, TLS failures worded for a client::Error, and the TLS end of a
// connection (close_notify both ways). OpenSSL 3 through Boost.Asio. Included by the transports'
// .cpp files only: users of the library never see OpenSSL headers.
#pragma once

#include <memory>
#include <string>
#include <type_traits>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/error.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/ssl/verify_context.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "client/types.hpp"
#include "client/url.hpp"

namespace junction::client {

template <class Socket>
using TlsStream = boost::asio::ssl::stream<Socket>;

template <class Stream>
inline constexpr bool kIsTls = false;
template <class Socket>
inline constexpr bool kIsTls<boost::asio::ssl::stream<Socket>> = true;

// How long the TLS closing handshake (our close_notify, then the router's) may take.
inline constexpr std::chrono::seconds kTlsShutdownTimeout{3};

// The OS socket under a stream (itself for a plain socket).
template <class Stream>
auto& lowest_socket(Stream& stream) {
  if constexpr (kIsTls<Stream>) {
    return stream.next_layer();
  } else {
    return stream;
  }
}

// The client context for `options`: TLS 1.2 or later, no compression or renegotiation; with
// verify_peer the CAs of ca_files (or the system's default verify paths) are trusted; the client
// certificate and key when given. Built once per distinct set of options and then shared
// (loading the system trust store costs milliseconds per connection otherwise). Throws
// client::Error (errors::disconnected) naming the file at fault and OpenSSL's reason.
std::shared_ptr<boost::asio::ssl::context> tls_context(const TlsOptions& options);

// host_name_verification (RFC 6125: the certificate's DNS names or IP addresses must cover the
// URL's host), recording a mismatch as X509_V_ERR_HOSTNAME_MISMATCH / IP_ADDRESS_MISMATCH so
// that the error can say so (Asio's own check fails with no reason).
class HostNameCheck {
 public:
  explicit HostNameCheck(const std::string& host);
  bool operator()(bool preverified, boost::asio::ssl::verify_context& context) const;

 private:
  boost::asio::ssl::host_name_verification check_;
  bool ip_;
};

// Sets up one connection before its handshake: SNI (host names only, never an IP address) and
// the host name check when verifying.
void prepare_tls(SSL* ssl, const std::string& host);

// A TLS failure on a connection to `where` as a message, or "" when `ec` is no TLS error and the
// handshake was done (the caller words it). "TLS handshake with HOST:PORT failed: certificate
// verify failed (hostname mismatch)", "TLS connection to HOST:PORT failed: tlsv13 alert
// certificate required" (a router refusing our certificate after a TLS 1.3 handshake).
std::string describe_tls_failure(const boost::system::error_code& ec, const SSL* ssl,
                                 const std::string& where, bool in_handshake);

// A new unconnected stream on `executor`: a socket, or TLS over one with options.tls's context.
template <class Stream>
std::shared_ptr<Stream> make_stream(const boost::asio::any_io_executor& executor,
                                    const TlsOptions& options) {
  if constexpr (kIsTls<Stream>) {
    // The SSL object holds a reference to the SSL_CTX: the stream may outlive the cache entry.
    return std::make_shared<Stream>(executor, *tls_context(options));
  } else {
    (void)options;
    return std::make_shared<Stream>(executor);
  }
}

// The TLS handshake on a connected stream (nothing for a plain socket). Errors propagate as
// boost::system::system_error: the caller's deadline handling sees them first, then
// describe_tls_failure(..., true) words them.
template <class Stream>
boost::asio::awaitable<void> start_tls(Stream& stream, const Url& url, const TlsOptions& options) {
  if constexpr (kIsTls<Stream>) {
    prepare_tls(stream.native_handle(), url.host);
    if (options.verify_peer) {
      stream.set_verify_mode(boost::asio::ssl::verify_peer);
      stream.set_verify_callback(HostNameCheck(url.host));
    } else {
      stream.set_verify_mode(boost::asio::ssl::verify_none);
    }
    co_await stream.async_handshake(boost::asio::ssl::stream_base::client,
                                    boost::asio::use_awaitable);
  } else {
    (void)stream, (void)url, (void)options;
  }
}

// A TLS failure (see above) on `stream`; "" for a plain socket.
template <class Stream>
std::string tls_failure(Stream& stream, const boost::system::error_code& ec,
                        const std::string& where, bool in_handshake) {
  if constexpr (kIsTls<Stream>) {
    return describe_tls_failure(ec, stream.native_handle(), where, in_handshake);
  } else {
    (void)stream, (void)ec, (void)where, (void)in_handshake;
    return {};
  }
}

// Ends our sending side once everything queued is written. A plain socket sends its FIN; the
// read still running sees the router's EOF and ends the connection: returns false. TLS sends
// close_notify and waits for the router's (SSL shutdown), which does its own reading: the read
// in progress is cancelled first — its completion carries operation_aborted and is to be ignored
// while `tls_closing` is set, and no new read may start — and `done()` runs when the shutdown
// ends, however it ends (the caller bounds it with a timer): returns true.
template <class Stream, class Done>
bool end_output(Stream& stream, bool& tls_closing, Done done) {
  boost::system::error_code ignored;
  if constexpr (kIsTls<Stream>) {
    if (tls_closing) return true;
    tls_closing = true;
    lowest_socket(stream).cancel(ignored);
    stream.async_shutdown([done = std::move(done)](boost::system::error_code) mutable { done(); });
    return true;
  } else {
    (void)tls_closing, (void)done;
    stream.shutdown(Stream::shutdown_send, ignored);
    return false;
  }
}

}  // namespace junction::client
