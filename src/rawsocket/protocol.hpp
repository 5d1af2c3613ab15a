// rawsocket: the WAMP-over-RawSocket wire format as pure functions, without a socket, shared by
// the router's RawSocket sessions (src/transport) and the client library (src/client): the 4-byte
// opening handshake (request, reply, error reply), the 4-byte frame header, the length exponent
// <-> byte limit mapping and the RawSocket serializer ids.
//
//   handshake   0x7F | LLLL SSSS | 0x00 | 0x00   (L: max length exponent, S: serializer)
//   error reply 0x7F | EEEE 0000 | 0x00 | 0x00   (E: error code 1..4)
//   frame       RRRR RTTT | 24-bit big-endian payload length | payload
//               (R: reserved, must be 0; T: 0 WAMP message, 1 PING, 2 PONG)
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>

#include "wamp/message.hpp"

namespace junction::rawsocket {

inline constexpr std::uint8_t kMagic = 0x7F;
inline constexpr std::size_t kHandshakeSize = 4;
inline constexpr std::size_t kHeaderSize = 4;
// The 24-bit length field's largest value; exponent 15 announces 2^24, one more than fits.
inline constexpr std::size_t kMaxFrameLength = (std::size_t{1} << 24) - 1;

using Bytes4 = std::array<std::uint8_t, 4>;

// Handshake error codes (upper nibble of the second octet of an error reply).
enum class HandshakeError : std::uint8_t {
  serializer_unsupported = 1,
  max_length_unacceptable = 2,
  reserved_bits_used = 3,
  max_connections_reached = 4,
};
// The text of a handshake error code: the spec's 1..4, and what a peer might send besides
// (0 and 5..15 are not defined).
std::string describe_handshake_error(unsigned code);

// RawSocket serializer ids: 1 JSON, 2 MessagePack, 3 CBOR, 4 UBJSON. Others: nullopt.
std::optional<wamp::Serializer> serializer_from_id(std::uint8_t id);
std::uint8_t serializer_id(wamp::Serializer serializer);

// Bytes a length exponent (0..15) allows: 2^(9 + exponent), capped at what a frame can carry.
std::size_t max_length_for_exponent(std::uint8_t exponent);
// The exponent a server announces for a configured size limit: the largest one whose limit does
// not exceed `max_message_size` (so a compliant client never sends what we would refuse), but at
// least 0 (512 bytes, the smallest the protocol can say) and at most 15.
std::uint8_t exponent_for_limit(std::size_t max_message_size);

struct HandshakeRequest {
  std::uint8_t serializer_id = 0;        // as sent; 0 is illegal
  std::uint8_t max_length_exponent = 0;  // what the client is willing to receive
};

// Why a 4-byte handshake request cannot be accepted as such.
enum class RequestProblem {
  not_rawsocket,  // first octet is not 0x7F: fail the connection without a reply
  reserved_bits,  // octets 3-4 are not zero: reply error 3
};
using ParsedRequest = std::variant<HandshakeRequest, RequestProblem>;
ParsedRequest parse_handshake_request(std::span<const std::uint8_t, kHandshakeSize> bytes);

Bytes4 make_handshake_request(std::uint8_t serializer_id, std::uint8_t max_length_exponent);
Bytes4 make_handshake_reply(std::uint8_t serializer_id, std::uint8_t max_length_exponent);
Bytes4 make_handshake_error(HandshakeError error);

// A reply as a client sees it (used by tests and the client library).
struct HandshakeReply {
  bool ok = false;
  std::uint8_t serializer_id = 0;        // ok
  std::uint8_t max_length_exponent = 0;  // ok
  std::uint8_t error = 0;                // !ok: the error code (0 if the magic octet was wrong)
};
HandshakeReply parse_handshake_reply(std::span<const std::uint8_t, kHandshakeSize> bytes);

enum class FrameType : std::uint8_t { message = 0, ping = 1, pong = 2 };

struct FrameHeader {
  FrameType type = FrameType::message;
  std::size_t length = 0;
};
enum class HeaderProblem {
  reserved_bits,  // one of the five reserved bits is set
  unknown_type,   // frame type 3..7
};
using ParsedHeader = std::variant<FrameHeader, HeaderProblem>;
ParsedHeader parse_frame_header(std::span<const std::uint8_t, kHeaderSize> bytes);
// `length` must not exceed kMaxFrameLength.
Bytes4 make_frame_header(FrameType type, std::size_t length);

}  // namespace junction::rawsocket
