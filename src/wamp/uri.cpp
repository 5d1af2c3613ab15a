// wamp/uri: the WAMP spec's URI rules. Loose: ^([^\s\.#]+\.)*([^\s\.#]+)$; strict:
// ^([0-9a-z_]+\.)*([0-9a-z_]+)$; the pattern variants also allow empty components.
#include "wamp/uri.hpp"

namespace junction::wamp {
namespace {

bool loose_char(char c) {
  // \s of the spec's regex, ASCII: space, \t, \n, \v, \f, \r.
  return c != '#' && c != ' ' && !(c >= '\t' && c <= '\r');
}

bool strict_char(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || c == '_';
}

bool valid_components(std::string_view uri, UriCheck check, bool allow_empty) {
  std::size_t start = 0;
  while (true) {
    std::size_t dot = uri.find('.', start);
    std::string_view component =
        uri.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start);
    if (component.empty() && !allow_empty) return false;
    for (char c : component) {
      if (check == UriCheck::strict ? !strict_char(c) : !loose_char(c)) return false;
    }
    if (dot == std::string_view::npos) return true;
    start = dot + 1;
  }
}

}  // namespace

bool valid_uri(std::string_view uri, UriCheck check) {
  return !uri.empty() && valid_components(uri, check, false);
}

bool valid_pattern_uri(std::string_view uri, UriCheck check, bool allow_empty_components) {
  // The empty prefix matches every URI.
  if (uri.empty()) return true;
  return valid_components(uri, check, allow_empty_components);
}

}  // namespace junction::wamp
