// transport/websocket_proxy: Crossbar's "websocket-reverseproxy" path service — a client's
// WebSocket connection is forwarded to a backend WebSocket server.
//
// The HTTP session hands over the client's socket with its upgrade request; the proxy connects
// to the backend (`host`, `port`), sends it the upgrade request (the backend URL's path, the
// client's query, Sec-WebSocket-Key/-Version/-Protocol/-Extensions and the client's other header
// fields, Host naming the backend, X-Forwarded-For/-Host/-Proto), and passes the backend's answer
// back: a 101 (the subprotocol and extensions the backend chose) and from then on the bytes both
// ways unchanged, so every WebSocket subprotocol, text and binary messages, pings and the close
// handshake pass through; any other answer is passed to the client and the connection closed. A
// backend that cannot be reached answers 502 (with a log line). Either side closing closes the
// other. Both sockets live on the client connection's I/O thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

#include "transport/session_registry.hpp"

namespace junction::transport {

struct WebSocketProxyOptions {
  std::string host;  // the backend
  std::uint16_t port = 80;
  std::string path = "/";                            // the backend URL's path
  std::chrono::milliseconds connect_timeout{10000};  // connect + the backend's 101
};

// Starts forwarding `client` (TcpSocket, UnixSocket or TlsStream, upgrade request read, nothing
// written). `peer_ip` goes into X-Forwarded-For ("unix" for a Unix-socket client).
// `initial`: bytes the client sent behind its request. Registers itself with `registry`; holds
// the connection's `slot` (connection limits) until the tunnel closes.
template <class ClientStream>
void start_websocket_proxy(ClientStream client, std::string initial,
                           beast::http::request<beast::http::string_body> request,
                           std::shared_ptr<const WebSocketProxyOptions> options,
                           std::shared_ptr<SessionRegistry> registry, std::string peer_ip,
                           std::string description, ConnectionSlot slot);

}  // namespace junction::transport
