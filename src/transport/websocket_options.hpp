// transport/websocket_options: how WebSocketOptions (Crossbar's WebSocket "options") turn into
// the settings the WebSocket session runs with — permessage-deflate, the auto-ping schedule —
// and the URL a node shows for its own endpoint. Pure functions, unit-tested without a socket.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "transport/server.hpp"
#include "websocket/deflate.hpp"

namespace junction::transport {

// zlib compression level for permessage-deflate. Crossbar has no option for it; Autobahn uses
// zlib's default level (6).
inline constexpr int kDeflateLevel = 6;
// Without auto_ping_interval, an idle connection still gets a ping after this much silence, and
// is dropped when that ping is not answered within the same time again (Beast's suggested server
// idle timeout of 300 s, which Junction used before it had its own WebSocket engine).
inline constexpr std::chrono::seconds kDefaultPingInterval{150};

// What we offer for permessage-deflate (compression.enabled decides whether to negotiate at all).
// Window bits below 9 become 9 (zlib cannot do raw deflate with 8).
websocket::DeflateConfig deflate_config(const WebSocketOptions& options);

// When to ping and when to give up: `interval` of silence before a ping, `timeout` for the answer
// (zero: pings are sent but a silent peer is never dropped), `payload_size` random bytes.
struct PingSchedule {
  std::chrono::milliseconds interval;
  std::chrono::milliseconds timeout;
  std::size_t payload_size;
};
PingSchedule ping_schedule(const WebSocketOptions& options);

// The WebSocket URL of `path` as a client would write it: "ws://" (or "wss://") + the Host the
// request named + path. With external_port the port in `host` is replaced by it (and left out
// when it is the scheme's default port).
std::string websocket_url(std::string_view host, std::string_view path,
                          std::optional<std::uint16_t> external_port, bool tls);

}  // namespace junction::transport
