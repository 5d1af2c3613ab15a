// wamp/base64: standard base64 (RFC 4648, '+/' alphabet, '=' padding) for the WAMP binary
// convention in JSON. Internal to the wamp module.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace junction::wamp {

void base64_encode(std::string_view bytes, std::string& out);  // appends
std::string base64_encode(std::string_view bytes);
// Strict: length a multiple of 4, only alphabet characters, '=' only as final padding.
// Returns nullopt for anything else (whitespace included).
std::optional<std::string> base64_decode(std::string_view text);
bool base64_decode(std::string_view text, std::string& out);  // appends; false if invalid

}  // namespace junction::wamp
