// wamp/json_codec: the JSON serializer ("wamp.2.json"). Internal to the wamp module; other modules
// reach it through codec_for().
#pragma once

#include <functional>
#include <string>
#include <string_view>

#include "wamp/codec.hpp"

namespace junction::wamp {

const Codec& json_codec();

// Compact JSON for a value (binary as "\u0000" + base64). Appends to `out`.
void json_encode_value(const Value& value, std::string& out);
void json_encode_array(const Array& array, std::string& out);
void json_encode_object(const Object& object, std::string& out);

// Nesting limit for decoding, so hostile input cannot exhaust the stack.
inline constexpr int kJsonMaxDepth = 128;

// Reads `text` as one JSON object, as strictly as the codec reads a payload (RFC 8259, UTF-8,
// nesting at most kJsonMaxDepth, no duplicate keys in nested objects, the "\u0000" binary
// convention's base64 checked), and calls `member` with each top-level member's unescaped key
// and the bytes of its value as they stand in `text` (validated, not decoded): a reader that
// wants a few members as Values and splices others unchanged into a payload (the HTTP bridge).
// A key that repeats is visited again. Returns an empty string when the whole text was read, or
// why not (not an object, a syntax error, trailing data); `member` returning false stops the
// read with the reason "stopped".
std::string json_read_object_members(
    std::string_view text,
    const std::function<bool(std::string_view key, std::string_view raw_value)>& member);

}  // namespace junction::wamp
