// The body every codec fuzz target shares: any input must decode to a Message or a DecodeError
// without crashing; a decoded Message must re-encode stably, and encode into every other
// serializer (payloads transcoded) as bytes that serializer decodes again; a decoded value must
// survive its own codec's round trip.
#pragma once

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "wamp/codec.hpp"

namespace junction::wamp {

// Reports the input that broke a property (hex, so binary inputs survive a terminal) and aborts.
[[noreturn]] inline void fuzz_fail(const char* what, std::string_view input) {
  std::fprintf(stderr, "fuzz property broken: %s\ninput (hex): ", what);
  for (unsigned char c : input)
    std::fprintf(stderr, "%02x", c);
  std::fprintf(stderr, "\n");
  std::abort();
}

// A text string that starts with NUL cannot reach a JSON peer as text: the WAMP binary convention
// reads it as "\0"+base64 (documented in docs/design.md). Such messages skip the JSON check.
inline bool has_nul_led_string(const Value& v) {
  if (const auto* s = v.as_string()) return !s->empty() && (*s)[0] == '\0';
  if (const auto* a = v.as_array()) {
    for (const auto& item : *a)
      if (has_nul_led_string(item)) return true;
  }
  if (const auto* o = v.as_object()) {
    for (const auto& [key, item] : *o)
      if (has_nul_led_string(item)) return true;
  }
  return false;
}
inline bool has_nul_led_string(const Message& m, const Codec& codec) {
  if (!m.uri.empty() && m.uri[0] == '\0') return true;
  if (has_nul_led_string(Value(m.options))) return true;
  if (!m.payload) return false;
  for (const std::string* bytes : {&m.payload->args, &m.payload->kwargs}) {
    auto decoded = codec.decode_value(*bytes);
    if (auto* v = std::get_if<Value>(&decoded); v != nullptr && has_nul_led_string(*v)) return true;
  }
  return false;
}

inline void fuzz_codec(Serializer serializer, const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const Codec& codec = *codec_for(serializer);

  auto decoded = codec.decode(input);
  if (auto* message = std::get_if<Message>(&decoded)) {
    std::string once;
    codec.encode(*message, once);
    auto again = codec.decode(once);
    auto* reparsed = std::get_if<Message>(&again);
    if (!reparsed) fuzz_fail("own encoding does not decode", input);
    std::string twice;
    codec.encode(*reparsed, twice);
    if (once != twice) fuzz_fail("encoding is not stable", input);
    for (auto other :
         {Serializer::json, Serializer::msgpack, Serializer::cbor, Serializer::ubjson}) {
      const Codec* target = codec_for(other);
      if (other == Serializer::json && other != serializer && has_nul_led_string(*message, codec)) {
        continue;
      }
      std::string bytes;
      target->encode(*message, bytes);
      auto transcoded = target->decode(bytes);
      auto* m = std::get_if<Message>(&transcoded);
      if (m == nullptr) fuzz_fail("transcoded message does not decode", input);
      if ((m->payload == nullptr) != (message->payload == nullptr)) {
        fuzz_fail("payload lost in transcoding", input);
      }
    }
  }
  auto value = codec.decode_value(input);
  if (auto* v = std::get_if<Value>(&value)) {
    std::string once;
    codec.encode_value(*v, once);
    auto again = codec.decode_value(once);
    if (!std::holds_alternative<Value>(again))
      fuzz_fail("own value encoding does not decode", input);
    if (!(std::get<Value>(again) == *v)) {
      // NaN never compares equal; everything else must survive a round trip.
      if (to_debug_string(std::get<Value>(again)) != to_debug_string(*v)) {
        fuzz_fail("value changed in a round trip", input);
      }
    }
  }
}

}  // namespace junction::wamp
