// wamp/utf8: UTF-8 validation shared by every codec (WAMP strings must be valid UTF-8 so they can
// be transcoded to JSON and handed to any client). Also used by the node for YAML config strings.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace junction::wamp {

// Length of the well-formed UTF-8 sequence at p (lead byte >= 0x80), or 0 if it is not one:
// rejects overlong forms, surrogates (U+D800..DFFF) and code points above U+10FFFF.
inline std::size_t utf8_sequence(const char* p, const char* end) {
  const auto c = static_cast<unsigned char>(p[0]);
  std::size_t n = 0;
  std::uint32_t cp = 0;
  if (c >= 0xC2 && c <= 0xDF) {
    n = 2;
    cp = c & 0x1Fu;
  } else if (c >= 0xE0 && c <= 0xEF) {
    n = 3;
    cp = c & 0x0Fu;
  } else if (c >= 0xF0 && c <= 0xF4) {
    n = 4;
    cp = c & 0x07u;
  } else {
    return 0;
  }
  if (static_cast<std::size_t>(end - p) < n) return 0;
  for (std::size_t i = 1; i < n; ++i) {
    const auto b = static_cast<unsigned char>(p[i]);
    if ((b & 0xC0u) != 0x80u) return 0;
    cp = cp << 6 | (b & 0x3Fu);
  }
  if (n == 3 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))) return 0;
  if (n == 4 && (cp < 0x10000 || cp > 0x10FFFF)) return 0;
  return n;
}

// Whether all of `s` is well-formed UTF-8.
inline bool valid_utf8(std::string_view s) {
  const char* p = s.data();
  const char* end = p + s.size();
  while (p != end) {
    if (static_cast<unsigned char>(*p) < 0x80) {
      ++p;
      continue;
    }
    const std::size_t n = utf8_sequence(p, end);
    if (n == 0) return false;
    p += n;
  }
  return true;
}

}  // namespace junction::wamp
