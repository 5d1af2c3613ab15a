// Fuzz target for the UBJSON codec (body in fuzz_codec.hpp).
#include "fuzz_codec.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  junction::wamp::fuzz_codec(junction::wamp::Serializer::ubjson, data, size);
  return 0;
}
