// transport/origin: see the header. Matching is linear-time greedy wildcard matching with
// backtracking to the last '*' only, so a hostile Origin header cannot make it expensive.
#include "transport/origin.hpp"

#include <algorithm>
#include <charconv>

namespace junction::transport {
namespace {

char lower(char c) {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

std::string to_lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(), lower);
  return out;
}

std::string_view trim(std::string_view text) {
  const auto first = text.find_first_not_of(" \t");
  if (first == std::string_view::npos) return {};
  const auto last = text.find_last_not_of(" \t");
  return text.substr(first, last - first + 1);
}

bool scheme_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' || c == '-' || c == '.';
}

}  // namespace

bool wildcard_match(std::string_view pattern, std::string_view text) {
  std::size_t p = 0, t = 0;
  std::size_t star = std::string_view::npos, resume = 0;
  while (t < text.size()) {
    if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      resume = t;
    } else if (p < pattern.size() && lower(pattern[p]) == lower(text[t])) {
      ++p;
      ++t;
    } else if (star != std::string_view::npos) {
      p = star + 1;
      t = ++resume;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*')
    ++p;
  return p == pattern.size();
}

std::optional<std::uint16_t> ParsedOrigin::effective_port() const {
  if (port) return port;
  if (scheme == "http" || scheme == "ws") return 80;
  if (scheme == "https" || scheme == "wss") return 443;
  return std::nullopt;
}

std::optional<ParsedOrigin> parse_origin(std::string_view origin) {
  const std::string text = to_lower(trim(origin));
  const auto sep = text.find("://");
  if (sep == std::string::npos || sep == 0) return std::nullopt;
  ParsedOrigin out;
  out.scheme = text.substr(0, sep);
  if (!std::all_of(out.scheme.begin(), out.scheme.end(), scheme_char)) return std::nullopt;
  std::string_view authority(text);
  authority.remove_prefix(sep + 3);
  authority = authority.substr(0, authority.find_first_of("/?#"));
  if (authority.find('@') != std::string_view::npos) return std::nullopt;

  std::string_view host, port;
  if (!authority.empty() && authority.front() == '[') {
    const auto close = authority.find(']');
    if (close == std::string_view::npos) return std::nullopt;
    host = authority.substr(0, close + 1);
    const auto rest = authority.substr(close + 1);
    if (!rest.empty()) {
      if (rest.front() != ':') return std::nullopt;
      port = rest.substr(1);
      if (port.empty()) return std::nullopt;
    }
  } else {
    const auto colon = authority.find(':');
    host = authority.substr(0, colon);
    if (colon != std::string_view::npos) {
      port = authority.substr(colon + 1);
      if (port.empty()) return std::nullopt;
    }
  }
  if (host.empty() || host == "[]") return std::nullopt;
  out.host = std::string(host);
  if (!port.empty()) {
    unsigned value = 0;
    const auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
    if (ec != std::errc{} || end != port.data() + port.size() || value > 65535) return std::nullopt;
    out.port = static_cast<std::uint16_t>(value);
  }
  return out;
}

bool origin_allowed(std::string_view origin, const std::vector<std::string>& patterns) {
  if (patterns.empty()) return true;
  const std::string text = to_lower(trim(origin));
  if (text == "null" || text.rfind("file:", 0) == 0) {
    return std::any_of(patterns.begin(), patterns.end(),
                       [](const std::string& p) { return to_lower(p) == "null"; });
  }
  const auto parsed = parse_origin(text);
  if (!parsed) return false;
  // Two spellings: without the port when it is the scheme's default (as browsers send it), and
  // with the port always explicit (as Autobahn matches).
  const std::string base = parsed->scheme + "://" + parsed->host;
  const auto effective = parsed->effective_port();
  const auto scheme_default = ParsedOrigin{parsed->scheme, "", std::nullopt}.effective_port();
  const bool default_port = parsed->port && parsed->port == scheme_default;
  const std::string short_form =
      parsed->port && !default_port ? base + ":" + std::to_string(*parsed->port) : base;
  const std::string long_form = effective ? base + ":" + std::to_string(*effective) : short_form;
  for (const auto& pattern : patterns) {
    if (to_lower(pattern) == "null") continue;
    if (wildcard_match(pattern, short_form) || wildcard_match(pattern, long_form)) return true;
  }
  return false;
}

}  // namespace junction::transport
