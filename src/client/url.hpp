// client/url: splitting a router URL into the pieces a transport connects with. The forms:
//   ws://host[:port][/path]       WebSocket (port 80 by default)
//   wss://host[:port][/path]      WebSocket over TLS (port 443 by default)
//   rs://host:port, tcp://host:port  RawSocket over TCP (no default port, no path)
//   rss://host:port, rs+tls://host:port  RawSocket over TLS (no default port, no path)
//   unix:///path/to/socket, rs+unix:///path/to/socket  RawSocket over a Unix domain socket
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace junction::client {

struct Url {
  std::string scheme;  // lower case: "ws", "wss", "rs", "rss", "rs+tls", "tcp", "unix", ...
  std::string host;    // without IPv6 brackets; empty for Unix sockets
  std::string port;    // defaults: ws 80, wss 443; RawSocket has none
  std::string target;  // WebSocket request target, "/ws" ("/" when absent); "/" for RawSocket
  std::string path;    // Unix sockets: the socket file ("/run/x.sock", or relative: "x.sock")

  bool unix_socket() const { return scheme == "unix" || scheme == "rs+unix"; }
  bool rawsocket() const {
    return scheme == "rs" || scheme == "rss" || scheme == "rs+tls" || scheme == "tcp" ||
           unix_socket();
  }
  bool tls() const { return scheme == "wss" || scheme == "rss" || scheme == "rs+tls"; }
  // "host:port", with brackets around an IPv6 address; Unix sockets: "unix socket PATH".
  std::string where() const;
};

// nullopt when the text is not scheme://host[:port][/path] (a RawSocket URL over TCP needs a port
// and takes no path other than "/"), or unix:// / rs+unix:// followed by a non-empty path.
std::optional<Url> parse_url(std::string_view text);

}  // namespace junction::client
