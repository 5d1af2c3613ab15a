// client/transport: what a Session needs from a transport, so that WebSocket and RawSocket
// (4-byte header + payload framing, 0x7F handshake; over TCP, TLS or a Unix socket) plug in behind
// one interface, and unit tests can drive a Session with a fake one (no sockets).
//
// Contract: a transport carries whole WAMP messages, each already encoded by the Session with the
// transport's codec. It is single-threaded: every member is called from, and every handler call
// made on, the thread running the io_context it was created on.
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>

#include "client/types.hpp"
#include "wamp/codec.hpp"

namespace junction::client {

// Receives what a transport reads. The transport holds it weakly: a handler that is gone is not
// called.
class TransportHandler {
 public:
  virtual ~TransportHandler() = default;
  // One whole WAMP message (the payload of one WebSocket message or RawSocket frame). The bytes
  // are valid only during the call.
  virtual void on_message(std::string_view bytes) = 0;
  // The transport is closed (by either side, or failed); called once; nothing follows.
  virtual void on_close(std::string reason) = 0;
};

class Transport {
 public:
  virtual ~Transport() = default;
  // The serializer negotiated for this connection.
  virtual const wamp::Codec& codec() const = 0;
  // Starts reading; messages and the close go to `handler`.
  virtual void start(std::weak_ptr<TransportHandler> handler) = 0;
  // Queues one encoded message. Messages queued while a write is in flight leave together in the
  // next write (one system call for many messages). Never blocks; never calls the handler.
  virtual void send(std::string_view message) = 0;
  // Bytes queued and not yet written (for callers that want to pace themselves).
  virtual std::size_t queued_bytes() const = 0;
  // Closes gracefully after queued data is written (WebSocket: the close handshake, then the
  // socket; RawSocket, which has no close handshake: our EOF, then the router's).
  virtual void close() = 0;
  virtual bool is_open() const = 0;
  // TLS only: the "tls-unique" channel id as WAMP-Cryptosign binds to it (SHA-256 of the Finished
  // message this client sent, as Autobahn computes it); empty on a plain connection.
  virtual std::string tls_channel_id() const { return {}; }
};

struct TransportOptions {
  TransportOptions() {}  // not an aggregate: see the note above CallOptions in client/types.hpp
  wamp::Serializer serializer = wamp::Serializer::json;
  // Incoming. WebSocket: a larger message closes with 1009. RawSocket: announced in the handshake
  // as a power of two (rounded down, 512 B to 16 MiB - 1); a larger frame closes the connection.
  std::size_t max_message_size = 16 * 1024 * 1024;
  bool tcp_nodelay = true;
  // Resolve + connect + the TLS handshake + the WebSocket upgrade or RawSocket handshake.
  std::chrono::milliseconds timeout{10000};
  // wss:// and rss:// only (client/types.hpp).
  TlsOptions tls{};
};

// Opens a transport to `url`:
//   ws://host[:port][/path]                          WebSocket
//   wss://host[:port][/path]                         WebSocket over TLS (port 443 by default)
//   rs://host:port, tcp://host:port                  RawSocket over TCP
//   rss://host:port (also rs+tls://)                 RawSocket over TLS
//   unix:///path/to.sock, rs+unix:///path/to.sock    RawSocket over a Unix domain socket
// TLS is set up by options.tls. Throws client::Error (errors::disconnected) when the URL is not
// one of these or the connection, the TLS handshake (its message starts with "TLS" and names the
// host and OpenSSL's reason) or the transport's handshake fails.
boost::asio::awaitable<std::shared_ptr<Transport>> connect_transport(
    boost::asio::any_io_executor executor, std::string_view url, const TransportOptions& options);

// The TCP endpoints of host:port. An IP address literal is used as it is: Asio's resolver runs
// getaddrinfo on a thread of its own, a hop that costs more than a whole loopback connection.
boost::asio::awaitable<std::vector<boost::asio::ip::tcp::endpoint>> resolve_tcp(
    boost::asio::any_io_executor executor, const std::string& host, const std::string& port);

// The codec for a serializer name ("json", "msgpack", "cbor", "ubjson"), or null.
const wamp::Codec* codec_by_name(std::string_view name);
std::string_view serializer_name(wamp::Serializer serializer);

}  // namespace junction::client
