// client/url: URL parsing for transports (scheme, host, port, target; Unix socket paths).
#include "client/url.hpp"

#include <algorithm>

namespace junction::client {

std::optional<Url> parse_url(std::string_view text) {
  Url url;
  const auto sep = text.find("://");
  if (sep == std::string_view::npos || sep == 0) return std::nullopt;
  url.scheme = std::string(text.substr(0, sep));
  std::transform(url.scheme.begin(), url.scheme.end(), url.scheme.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  std::string_view rest = text.substr(sep + 3);
  if (url.unix_socket()) {
    // Everything after "://" is the file path: "unix:///run/j.sock" is absolute,
    // "unix://j.sock" relative to the working directory.
    if (rest.empty()) return std::nullopt;
    url.path = std::string(rest);
    url.target = "/";
    return url;
  }
  const auto slash = rest.find('/');
  std::string_view authority = rest.substr(0, slash);
  url.target = slash == std::string_view::npos ? "/" : std::string(rest.substr(slash));
  if (authority.empty()) return std::nullopt;
  std::string_view port;
  if (authority.front() == '[') {
    const auto close = authority.find(']');
    if (close == std::string_view::npos) return std::nullopt;
    url.host = std::string(authority.substr(1, close - 1));
    std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return std::nullopt;
      port = after.substr(1);
    }
  } else {
    const auto colon = authority.rfind(':');
    url.host = std::string(authority.substr(0, colon));
    if (colon != std::string_view::npos) port = authority.substr(colon + 1);
  }
  if (url.host.empty()) return std::nullopt;
  // RawSocket has no request target: a path would be silently ignored, so it is refused.
  if (url.rawsocket() && url.target != "/") return std::nullopt;
  if (!port.empty()) {
    if (!std::all_of(port.begin(), port.end(), [](char c) { return c >= '0' && c <= '9'; }))
      return std::nullopt;
    url.port = std::string(port);
  } else if (url.scheme == "ws") {
    url.port = "80";
  } else if (url.scheme == "wss") {
    url.port = "443";
  } else {
    return std::nullopt;  // RawSocket has no default port
  }
  return url;
}

std::string Url::where() const {
  if (unix_socket()) return "unix socket " + path;
  if (host.find(':') != std::string::npos) return "[" + host + "]:" + port;
  return host + ":" + port;
}

}  // namespace junction::client
