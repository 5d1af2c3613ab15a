// base/url_authority: see url_authority.hpp.
#include "base/url_authority.hpp"

namespace junction::base {

std::optional<Authority> split_authority(std::string_view authority) {
  Authority out;
  if (authority.starts_with('[')) {
    const auto close = authority.find(']');
    if (close == std::string_view::npos) return std::nullopt;
    out.host = std::string(authority.substr(1, close - 1));
    const auto after = authority.substr(close + 1);
    if (!after.empty()) {
      if (!after.starts_with(':')) return std::nullopt;
      out.port = after.substr(1);
    }
  } else {
    // The first ':' ends the host: an IPv6 address must be in brackets.
    const auto colon = authority.find(':');
    out.host = std::string(authority.substr(0, colon));
    if (colon != std::string_view::npos) out.port = authority.substr(colon + 1);
  }
  if (out.host.empty()) return std::nullopt;
  return out;
}

}  // namespace junction::base
