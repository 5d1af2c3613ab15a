// wamp/json_codec: the JSON serializer ("wamp.2.json"). Internal to the wamp module; other modules
// reach it through codec_for().
#pragma once

#include <string>

#include "wamp/codec.hpp"

namespace junction::wamp {

const Codec& json_codec();

// Compact JSON for a value (binary as "\u0000" + base64). Appends to `out`.
void json_encode_value(const Value& value, std::string& out);
void json_encode_array(const Array& array, std::string& out);
void json_encode_object(const Object& object, std::string& out);

// Nesting limit for decoding, so hostile input cannot exhaust the stack.
inline constexpr int kJsonMaxDepth = 128;

}  // namespace junction::wamp
