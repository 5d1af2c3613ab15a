// client/url: splitting "ws://host:port/path" into the pieces a transport connects with.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace junction::client {

struct Url {
  std::string scheme;  // "ws", "wss", "rs", "rss", "tcp"
  std::string host;    // without IPv6 brackets
  std::string port;    // defaults: ws 80, wss 443
  std::string target;  // "/ws" ("/" when absent)
};

// nullopt when the text is not scheme://host[:port][/path].
std::optional<Url> parse_url(std::string_view text);

}  // namespace junction::client
