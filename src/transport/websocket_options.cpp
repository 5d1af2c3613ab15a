// transport/websocket_options: see the header.
#include "transport/websocket_options.hpp"

#include <algorithm>

namespace junction::transport {

namespace websocket = boost::beast::websocket;

websocket::permessage_deflate deflate_option(const WebSocketOptions& options) {
  websocket::permessage_deflate pmd;
  const auto& c = options.compression;
  pmd.server_enable = c.enabled;
  pmd.client_enable = false;
  pmd.server_max_window_bits = std::clamp(c.max_window_bits, 9, 15);
  pmd.server_no_context_takeover = c.no_context_takeover;
  // What we ask of the client: nothing (Crossbar's default; a client that offers nothing for
  // client_max_window_bits must then get no such parameter back).
  pmd.client_max_window_bits = 15;
  pmd.client_no_context_takeover = false;
  pmd.compLevel = kDeflateLevel;
  pmd.memLevel = std::clamp(c.memory_level, 1, 9);
  pmd.msg_size_threshold = 0;
  return pmd;
}

websocket::stream_base::timeout opening_timeouts(const WebSocketOptions& options,
                                                 std::chrono::steady_clock::duration remaining) {
  auto t = open_timeouts(options);
  if (options.open_handshake_timeout.count() > 0) {
    t.handshake_timeout =
        std::max(remaining, std::chrono::steady_clock::duration(std::chrono::milliseconds(1)));
  } else {
    t.handshake_timeout = websocket::stream_base::none();
  }
  return t;
}

websocket::stream_base::timeout open_timeouts(const WebSocketOptions& options) {
  websocket::stream_base::timeout t{};
  t.handshake_timeout = options.close_handshake_timeout.count() > 0
                            ? std::chrono::steady_clock::duration(options.close_handshake_timeout)
                            : websocket::stream_base::none();
  if (own_auto_ping(options)) {
    t.idle_timeout = websocket::stream_base::none();
    t.keep_alive_pings = false;
  } else {
    t.idle_timeout = kDefaultIdleTimeout;
    t.keep_alive_pings = true;
  }
  return t;
}

bool own_auto_ping(const WebSocketOptions& options) {
  return options.auto_ping_interval.count() > 0;
}

std::size_t ping_payload_size(const WebSocketOptions& options) {
  return std::min<std::size_t>(options.auto_ping_size, 125);
}

std::string websocket_url(std::string_view host, std::string_view path,
                          std::optional<std::uint16_t> external_port, bool tls) {
  std::string authority(host);
  if (external_port) {
    // Host is "name", "name:port", "[v6]" or "[v6]:port".
    std::string_view name = host;
    if (!name.empty() && name.front() == '[') {
      name = name.substr(
          0, name.find(']') == std::string_view::npos ? name.size() : name.find(']') + 1);
    } else {
      name = name.substr(0, name.find(':'));
    }
    authority = std::string(name);
    const std::uint16_t default_port = tls ? 443 : 80;
    if (*external_port != default_port) authority += ":" + std::to_string(*external_port);
  }
  std::string url = tls ? "wss://" : "ws://";
  url += authority;
  if (path.empty() || path.front() != '/') url += '/';
  url += path;
  return url;
}

}  // namespace junction::transport
