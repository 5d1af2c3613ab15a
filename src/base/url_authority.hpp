// base/url_authority: a URL's authority split into host and port text, the one rule the C++
// client's WAMP URLs and the archive downloader's http(s) URLs share.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace junction::base {

struct Authority {
  std::string host;       // an IPv6 address without its brackets
  std::string_view port;  // the text after ':' (a view into the argument), "" when absent
};

// "host", "host:port", "[v6]" or "[v6]:port". Nullopt for an empty host, an unclosed bracket, or
// anything after "]" but ":port". The port's digits and the host's characters are the caller's
// to check (each has its own rules: default ports, allowed characters).
std::optional<Authority> split_authority(std::string_view authority);

}  // namespace junction::base
