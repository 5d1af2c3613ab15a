// client/url: URL parsing for transports (scheme, host, port, target; Unix socket paths).
#include "client/url.hpp"

#include <algorithm>

#include "base/url_authority.hpp"

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
  auto split = base::split_authority(authority);
  if (!split) return std::nullopt;
  url.host = std::move(split->host);
  const std::string_view port = split->port;
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
