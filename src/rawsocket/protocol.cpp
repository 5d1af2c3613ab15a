// rawsocket: see the header. Pure functions over byte arrays.
#include "rawsocket/protocol.hpp"

#include <algorithm>

namespace junction::rawsocket {

std::string describe_handshake_error(unsigned code) {
  switch (code) {
    case 1:
      return "serializer unsupported";
    case 2:
      return "maximum message length unacceptable";
    case 3:
      return "use of reserved bits (unsupported feature)";
    case 4:
      return "maximum connection count reached";
    case 0:
      return "error code 0 (illegal: the spec does not define it)";
    default:
      return "error code " + std::to_string(code) + " (not defined by the spec)";
  }
}

std::optional<wamp::Serializer> serializer_from_id(std::uint8_t id) {
  switch (id) {
    case 1:
      return wamp::Serializer::json;
    case 2:
      return wamp::Serializer::msgpack;
    case 3:
      return wamp::Serializer::cbor;
    case 4:
      return wamp::Serializer::ubjson;
    default:
      return std::nullopt;
  }
}

std::uint8_t serializer_id(wamp::Serializer serializer) {
  switch (serializer) {
    case wamp::Serializer::json:
      return 1;
    case wamp::Serializer::msgpack:
      return 2;
    case wamp::Serializer::cbor:
      return 3;
    case wamp::Serializer::ubjson:
      return 4;
  }
  return 0;
}

std::size_t max_length_for_exponent(std::uint8_t exponent) {
  const std::size_t bytes = std::size_t{1} << (9 + std::min<std::uint8_t>(exponent, 15));
  return std::min(bytes, kMaxFrameLength);
}

std::uint8_t exponent_for_limit(std::size_t max_message_size) {
  std::uint8_t exponent = 0;
  // Compared with what an exponent really allows (15 means 2^24 - 1, not 2^24).
  while (exponent < 15 && max_length_for_exponent(exponent + 1) <= max_message_size)
    ++exponent;
  return exponent;
}

ParsedRequest parse_handshake_request(std::span<const std::uint8_t, kHandshakeSize> bytes) {
  if (bytes[0] != kMagic) return RequestProblem::not_rawsocket;
  if (bytes[2] != 0 || bytes[3] != 0) return RequestProblem::reserved_bits;
  return HandshakeRequest{static_cast<std::uint8_t>(bytes[1] & 0x0F),
                          static_cast<std::uint8_t>(bytes[1] >> 4)};
}

Bytes4 make_handshake_request(std::uint8_t serializer_id, std::uint8_t max_length_exponent) {
  return {kMagic, static_cast<std::uint8_t>((max_length_exponent << 4) | (serializer_id & 0x0F)), 0,
          0};
}

Bytes4 make_handshake_reply(std::uint8_t serializer_id, std::uint8_t max_length_exponent) {
  return make_handshake_request(serializer_id, max_length_exponent);
}

Bytes4 make_handshake_error(HandshakeError error) {
  return {kMagic, static_cast<std::uint8_t>(static_cast<std::uint8_t>(error) << 4), 0, 0};
}

HandshakeReply parse_handshake_reply(std::span<const std::uint8_t, kHandshakeSize> bytes) {
  HandshakeReply reply;
  if (bytes[0] != kMagic) return reply;
  if ((bytes[1] & 0x0F) == 0) {
    reply.error = static_cast<std::uint8_t>(bytes[1] >> 4);
    return reply;
  }
  reply.ok = true;
  reply.serializer_id = static_cast<std::uint8_t>(bytes[1] & 0x0F);
  reply.max_length_exponent = static_cast<std::uint8_t>(bytes[1] >> 4);
  return reply;
}

ParsedHeader parse_frame_header(std::span<const std::uint8_t, kHeaderSize> bytes) {
  if ((bytes[0] & 0xF8) != 0) return HeaderProblem::reserved_bits;
  const std::uint8_t type = bytes[0] & 0x07;
  if (type > 2) return HeaderProblem::unknown_type;
  const std::size_t length =
      (std::size_t{bytes[1]} << 16) | (std::size_t{bytes[2]} << 8) | std::size_t{bytes[3]};
  return FrameHeader{static_cast<FrameType>(type), length};
}

Bytes4 make_frame_header(FrameType type, std::size_t length) {
  return {static_cast<std::uint8_t>(type), static_cast<std::uint8_t>((length >> 16) & 0xFF),
          static_cast<std::uint8_t>((length >> 8) & 0xFF),
          static_cast<std::uint8_t>(length & 0xFF)};
}

}  // namespace junction::rawsocket
