// transport/origin: the browser Origin check of a WebSocket upgrade (Crossbar's
// `allowed_origins` / `allow_null_origin`). Pure functions over header text, unit-tested without
// a socket.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace junction::transport {

// '*' matches any run of characters (also none, also '.', ':' and '/'); everything else matches
// itself, ASCII case-insensitively. The whole text must match.
bool wildcard_match(std::string_view pattern, std::string_view text);

struct ParsedOrigin {
  std::string scheme;                 // lower case: "https"
  std::string host;                   // lower case; IPv6 in brackets: "[::1]"
  std::optional<std::uint16_t> port;  // as sent; none when absent
  // The port a browser means: the explicit one, else 80 (http, ws) or 443 (https, wss).
  std::optional<std::uint16_t> effective_port() const;
};

// "scheme://host[:port]" (a path, query or fragment after it is ignored). None when it is not
// of that form: no scheme, no host, user info, a bad port.
std::optional<ParsedOrigin> parse_origin(std::string_view origin);

// Whether a WebSocket upgrade with this Origin header value may proceed.
//  - `patterns` empty: every origin is allowed.
//  - "null" (sandboxed frames, file pages in Firefox) and "file://..." (Chrome's file pages) are
//    allowed only by the pattern "null" itself (config's allow_null_origin adds it).
//  - Otherwise each pattern is matched with wildcard_match() against the origin without its
//    port when that is the scheme's default ("https://a.example.com", as browsers send it) and
//    with the port always explicit ("https://a.example.com:443", as Autobahn matches), so both
//    "https://*.example.com" and "https://*.example.com:443" work. An origin that does not parse
//    matches nothing.
// Requests without an Origin header are not passed here: non-browser clients send none, and are
// allowed (as in Crossbar).
bool origin_allowed(std::string_view origin, const std::vector<std::string>& patterns);

}  // namespace junction::transport
