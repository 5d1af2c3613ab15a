// Fuzz target for the JSON codec: any input must decode to a Message or a DecodeError without
// crashing, and a decoded Message must re-encode to bytes that decode to the same encoding.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "wamp/codec.hpp"

using namespace junction::wamp;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const Codec& codec = *codec_for(Serializer::json);

  auto decoded = codec.decode(input);
  if (auto* message = std::get_if<Message>(&decoded)) {
    std::string once;
    codec.encode(*message, once);
    auto again = codec.decode(once);
    auto* reparsed = std::get_if<Message>(&again);
    if (!reparsed) std::abort();  // our own output must be valid
    std::string twice;
    codec.encode(*reparsed, twice);
    if (once != twice) std::abort();  // encoding is stable
  }
  auto value = codec.decode_value(input);
  if (auto* v = std::get_if<Value>(&value)) {
    std::string once;
    codec.encode_value(*v, once);
    auto again = codec.decode_value(once);
    if (!std::holds_alternative<Value>(again)) std::abort();
    if (!(std::get<Value>(again) == *v)) {
      // NaN never compares equal; everything else must survive a round trip.
      if (to_debug_string(std::get<Value>(again)) != to_debug_string(*v)) std::abort();
    }
  }
  return 0;
}
