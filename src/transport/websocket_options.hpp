// transport/websocket_options: how WebSocketOptions (Crossbar's WebSocket "options") turn into
// Boost.Beast settings — permessage-deflate, the handshake and idle timeouts, the auto-ping
// schedule — and the URL a node shows for its own endpoint. Pure functions, unit-tested without
// a socket.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <boost/beast/websocket/option.hpp>
#include <boost/beast/websocket/stream_base.hpp>

#include "transport/server.hpp"

namespace junction::transport {

// zlib compression level for permessage-deflate. Crossbar has no option for it; Autobahn uses
// zlib's default level (6), which is also a better speed/size trade-off than Beast's 8.
inline constexpr int kDeflateLevel = 6;
// Beast's suggested server idle timeout, used when auto_ping_interval is not set: a ping after
// half of it without traffic, the connection closed after all of it.
inline constexpr std::chrono::seconds kDefaultIdleTimeout{300};

// Beast's permessage-deflate option for a server: off unless compression.enabled. Window bits
// below 9 become 9 (zlib cannot do raw deflate with 8; Beast refuses 8 as well).
boost::beast::websocket::permessage_deflate deflate_option(const WebSocketOptions& options);

// Beast's timeouts while the opening handshake (the 101 response) is written: what is left of
// open_handshake_timeout (`remaining`); none when open_handshake_timeout is 0.
boost::beast::websocket::stream_base::timeout opening_timeouts(
    const WebSocketOptions& options, std::chrono::steady_clock::duration remaining);

// Beast's timeouts once the connection is open: close_handshake_timeout for the closing
// handshake (none when 0); Beast's own idle timeout with keep-alive pings only when
// auto_ping_interval is 0 — otherwise the session runs its own ping timer (own_auto_ping).
boost::beast::websocket::stream_base::timeout open_timeouts(const WebSocketOptions& options);

// True when the session pings on its own schedule (auto_ping_interval > 0).
bool own_auto_ping(const WebSocketOptions& options);

// auto_ping_size clamped to what a ping frame can carry (0..125).
std::size_t ping_payload_size(const WebSocketOptions& options);

// The WebSocket URL of `path` as a client would write it: "ws://" (or "wss://") + the Host the
// request named + path. With external_port the port in `host` is replaced by it (and left out
// when it is the scheme's default port).
std::string websocket_url(std::string_view host, std::string_view path,
                          std::optional<std::uint16_t> external_port, bool tls);

}  // namespace junction::transport
