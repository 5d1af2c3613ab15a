// transport/websocket_options: see the header.
#include "transport/websocket_options.hpp"

#include <algorithm>

namespace junction::transport {

websocket::DeflateConfig deflate_config(const WebSocketOptions& options) {
  const auto& c = options.compression;
  websocket::DeflateConfig config;
  config.max_window_bits = std::clamp(c.max_window_bits, 9, 15);
  config.memory_level = std::clamp(c.memory_level, 1, 9);
  config.no_context_takeover = c.no_context_takeover;
  config.level = kDeflateLevel;
  return config;
}

PingSchedule ping_schedule(const WebSocketOptions& options) {
  PingSchedule schedule;
  schedule.payload_size = std::min<std::size_t>(options.auto_ping_size, 125);
  if (options.auto_ping_interval.count() > 0) {
    schedule.interval = options.auto_ping_interval;
    schedule.timeout = options.auto_ping_timeout;
  } else {
    schedule.interval = kDefaultPingInterval;
    schedule.timeout = kDefaultPingInterval;
  }
  return schedule;
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
