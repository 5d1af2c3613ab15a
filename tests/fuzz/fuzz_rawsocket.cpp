// Fuzz target for src/rawsocket: the opening handshake and the framing as a server reads them.
// Input: a byte stream from a client (4-byte handshake, then frames), read the way
// RawSocketSession does: the handshake, then 4-byte headers, each followed by its payload.
// Properties: nothing crashes; a parsed handshake re-encodes to itself and its limits are in the
// protocol's range; a parsed frame header re-encodes to itself; a header is refused exactly when
// a reserved bit or an unknown type is set; a length never exceeds the 24-bit field; the
// serializer mapping is a bijection on 1..4; the exponent for a limit never announces more than
// the limit (when the limit is at least 512).
#include <array>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <span>
#include <string_view>
#include <variant>

#include "rawsocket/protocol.hpp"

namespace {

using namespace junction::rawsocket;

[[noreturn]] void fail(const char* what, std::string_view input) {
  std::fprintf(stderr, "fuzz property broken: %s\ninput (hex): ", what);
  for (unsigned char c : input)
    std::fprintf(stderr, "%02x", c);
  std::fprintf(stderr, "\n");
  std::abort();
}

std::span<const std::uint8_t, 4> four(const std::uint8_t* p) {
  return std::span<const std::uint8_t, 4>(p, 4);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  if (size < kHandshakeSize) return 0;

  // Handshake request.
  const auto request = parse_handshake_request(four(data));
  if (const auto* r = std::get_if<HandshakeRequest>(&request)) {
    if (data[0] != kMagic || data[2] != 0 || data[3] != 0) fail("accepted a bad handshake", input);
    if (make_handshake_request(r->serializer_id, r->max_length_exponent) !=
        Bytes4{data[0], data[1], data[2], data[3]}) {
      fail("handshake does not re-encode to itself", input);
    }
    const std::size_t max = max_length_for_exponent(r->max_length_exponent);
    if (max < 512 || max > kMaxFrameLength + 1) fail("exponent limit out of range", input);
    if (const auto s = serializer_from_id(r->serializer_id)) {
      if (serializer_id(*s) != r->serializer_id) fail("serializer id round trip", input);
    } else if (r->serializer_id >= 1 && r->serializer_id <= 4) {
      fail("a spec serializer id is unknown", input);
    }
  } else if (data[0] == kMagic && data[2] == 0 && data[3] == 0) {
    fail("refused a good handshake", input);
  }
  // The same four bytes as a reply (what the client library reads).
  const auto reply = parse_handshake_reply(four(data));
  if (reply.ok && data[0] != kMagic) fail("reply without the magic octet accepted", input);
  (void)describe_handshake_error(data[1] >> 4);

  // The exponent a server announces for a limit taken from the input.
  std::size_t limit = 0;
  for (std::size_t i = 1; i < 4; ++i)
    limit = (limit << 8) | data[i];
  const std::size_t announced = max_length_for_exponent(exponent_for_limit(limit));
  if (limit >= 512 && announced > limit) fail("announced more than the limit", input);

  // Frames after the handshake, as the session reads them.
  std::size_t at = kHandshakeSize;
  while (size - at >= kHeaderSize) {
    const auto parsed = parse_frame_header(four(data + at));
    const std::uint8_t first = data[at];
    if (const auto* h = std::get_if<FrameHeader>(&parsed)) {
      if ((first & 0xF8) != 0 || (first & 7) > 2) fail("accepted a bad frame header", input);
      if (h->length > kMaxFrameLength) fail("length beyond 24 bits", input);
      if (make_frame_header(h->type, h->length) !=
          Bytes4{data[at], data[at + 1], data[at + 2], data[at + 3]}) {
        fail("frame header does not re-encode to itself", input);
      }
      at += kHeaderSize;
      if (h->length > size - at) break;  // an incomplete frame: the session waits for more
      at += h->length;
    } else {
      if ((first & 0xF8) == 0 && (first & 7) <= 2) fail("refused a good frame header", input);
      break;  // the session fails the connection here
    }
  }
  return 0;
}
