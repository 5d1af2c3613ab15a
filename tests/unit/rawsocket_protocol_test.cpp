// rawsocket_protocol_test: the WAMP-over-RawSocket wire format (src/rawsocket) as
// pure functions — handshake request/reply/error octets, frame headers, the length exponent and
// serializer id mappings. No sockets.
#include <array>
#include <cstddef>
#include <cstdint>
#include <variant>

#include <gtest/gtest.h>

#include "rawsocket/protocol.hpp"

namespace junction::rawsocket {
namespace {

ParsedRequest request(std::array<std::uint8_t, 4> bytes) {
  return parse_handshake_request(bytes);
}
ParsedHeader header(std::array<std::uint8_t, 4> bytes) {
  return parse_frame_header(bytes);
}

TEST(RawSocketHandshake, ParsesSerializerAndLengthExponent) {
  const auto parsed = request({0x7F, 0xF1, 0x00, 0x00});
  ASSERT_TRUE(std::holds_alternative<HandshakeRequest>(parsed));
  EXPECT_EQ(std::get<HandshakeRequest>(parsed).serializer_id, 1);
  EXPECT_EQ(std::get<HandshakeRequest>(parsed).max_length_exponent, 15);

  const auto msgpack = std::get<HandshakeRequest>(request({0x7F, 0x02, 0x00, 0x00}));
  EXPECT_EQ(msgpack.serializer_id, 2);
  EXPECT_EQ(msgpack.max_length_exponent, 0);
  // Serializer 0 is illegal but still parses: deciding about it is the session's job (error 1).
  EXPECT_EQ(std::get<HandshakeRequest>(request({0x7F, 0x30, 0, 0})).serializer_id, 0);
}

TEST(RawSocketHandshake, RejectsWrongMagicAndReservedOctets) {
  EXPECT_EQ(std::get<RequestProblem>(request({'G', 'E', 'T', ' '})), RequestProblem::not_rawsocket);
  EXPECT_EQ(std::get<RequestProblem>(request({0x7E, 0xF1, 0, 0})), RequestProblem::not_rawsocket);
  EXPECT_EQ(std::get<RequestProblem>(request({0x7F, 0xF1, 0x01, 0})),
            RequestProblem::reserved_bits);
  EXPECT_EQ(std::get<RequestProblem>(request({0x7F, 0xF1, 0, 0x80})),
            RequestProblem::reserved_bits);
}

TEST(RawSocketHandshake, BuildsRepliesAndErrors) {
  EXPECT_EQ(make_handshake_reply(1, 8), (Bytes4{0x7F, 0x81, 0, 0}));
  EXPECT_EQ(make_handshake_request(3, 15), (Bytes4{0x7F, 0xF3, 0, 0}));
  EXPECT_EQ(make_handshake_error(HandshakeError::serializer_unsupported),
            (Bytes4{0x7F, 0x10, 0, 0}));
  EXPECT_EQ(make_handshake_error(HandshakeError::max_length_unacceptable),
            (Bytes4{0x7F, 0x20, 0, 0}));
  EXPECT_EQ(make_handshake_error(HandshakeError::reserved_bits_used), (Bytes4{0x7F, 0x30, 0, 0}));
  EXPECT_EQ(make_handshake_error(HandshakeError::max_connections_reached),
            (Bytes4{0x7F, 0x40, 0, 0}));
  EXPECT_EQ(describe_handshake_error(4), "maximum connection count reached");
  EXPECT_EQ(describe_handshake_error(1), "serializer unsupported");
  EXPECT_EQ(describe_handshake_error(0), "error code 0 (illegal: the spec does not define it)");
  EXPECT_EQ(describe_handshake_error(9), "error code 9 (not defined by the spec)");
}

TEST(RawSocketHandshake, ClientSideReplyParsing) {
  const auto ok = parse_handshake_reply(Bytes4{0x7F, 0x82, 0, 0});
  EXPECT_TRUE(ok.ok);
  EXPECT_EQ(ok.serializer_id, 2);
  EXPECT_EQ(ok.max_length_exponent, 8);
  const auto error = parse_handshake_reply(Bytes4{0x7F, 0x40, 0, 0});
  EXPECT_FALSE(error.ok);
  EXPECT_EQ(error.error, 4);
  const auto garbage = parse_handshake_reply(Bytes4{'H', 'T', 'T', 'P'});
  EXPECT_FALSE(garbage.ok);
  EXPECT_EQ(garbage.error, 0);
}

TEST(RawSocketHandshake, LengthExponents) {
  EXPECT_EQ(max_length_for_exponent(0), 512u);
  EXPECT_EQ(max_length_for_exponent(8), 128u * 1024);
  EXPECT_EQ(max_length_for_exponent(14), 8u * 1024 * 1024);
  // 2^24 does not fit the 24-bit length field: the real limit is one less.
  EXPECT_EQ(max_length_for_exponent(15), kMaxFrameLength);
  EXPECT_EQ(kMaxFrameLength, 16777215u);

  // The largest power of two not above the configured size, within 512 B .. 16 MiB.
  EXPECT_EQ(exponent_for_limit(128 * 1024), 8);
  EXPECT_EQ(exponent_for_limit(128 * 1024 + 1), 8);
  EXPECT_EQ(exponent_for_limit(128 * 1024 - 1), 7);
  EXPECT_EQ(exponent_for_limit(1), 0);
  EXPECT_EQ(exponent_for_limit(512), 0);
  EXPECT_EQ(exponent_for_limit(1024), 1);
  EXPECT_EQ(exponent_for_limit(16 * 1024 * 1024), 15);
  EXPECT_EQ(exponent_for_limit(64 * 1024 * 1024), 15);
  EXPECT_EQ(exponent_for_limit(SIZE_MAX), 15);
  // What an exponent announces maps back to that exponent.
  for (std::uint8_t e = 0; e <= 15; ++e)
    EXPECT_EQ(exponent_for_limit(max_length_for_exponent(e)), e);
}

TEST(RawSocketHandshake, SerializerIds) {
  EXPECT_EQ(serializer_from_id(1), wamp::Serializer::json);
  EXPECT_EQ(serializer_from_id(2), wamp::Serializer::msgpack);
  EXPECT_EQ(serializer_from_id(3), wamp::Serializer::cbor);
  EXPECT_EQ(serializer_from_id(4), wamp::Serializer::ubjson);
  EXPECT_EQ(serializer_from_id(0), std::nullopt);
  EXPECT_EQ(serializer_from_id(5), std::nullopt);
  EXPECT_EQ(serializer_from_id(15), std::nullopt);
  for (auto s : {wamp::Serializer::json, wamp::Serializer::msgpack, wamp::Serializer::cbor,
                 wamp::Serializer::ubjson}) {
    EXPECT_EQ(serializer_from_id(serializer_id(s)), s);
  }
}

TEST(RawSocketFrame, ParsesTypeAndBigEndianLength) {
  const auto message = std::get<FrameHeader>(header({0x00, 0x01, 0x02, 0x03}));
  EXPECT_EQ(message.type, FrameType::message);
  EXPECT_EQ(message.length, 0x010203u);
  const auto ping = std::get<FrameHeader>(header({0x01, 0x00, 0x00, 0x05}));
  EXPECT_EQ(ping.type, FrameType::ping);
  EXPECT_EQ(ping.length, 5u);
  const auto pong = std::get<FrameHeader>(header({0x02, 0xFF, 0xFF, 0xFF}));
  EXPECT_EQ(pong.type, FrameType::pong);
  EXPECT_EQ(pong.length, kMaxFrameLength);
  EXPECT_EQ(std::get<FrameHeader>(header({0, 0, 0, 0})).length, 0u);
}

TEST(RawSocketFrame, RejectsReservedBitsAndUnknownTypes) {
  for (std::uint8_t type = 3; type < 8; ++type) {
    EXPECT_EQ(std::get<HeaderProblem>(header({type, 0, 0, 1})), HeaderProblem::unknown_type);
  }
  for (std::uint8_t bit = 3; bit < 8; ++bit) {
    const auto first = static_cast<std::uint8_t>(1u << bit);
    EXPECT_EQ(std::get<HeaderProblem>(header({first, 0, 0, 1})), HeaderProblem::reserved_bits);
  }
  // An HTTP request line read as a frame header: reserved bits set.
  EXPECT_EQ(std::get<HeaderProblem>(header({'G', 'E', 'T', ' '})), HeaderProblem::reserved_bits);
}

TEST(RawSocketFrame, BuildsHeadersThatParseBack) {
  EXPECT_EQ(make_frame_header(FrameType::message, 0x123456), (Bytes4{0x00, 0x12, 0x34, 0x56}));
  EXPECT_EQ(make_frame_header(FrameType::pong, 4), (Bytes4{0x02, 0, 0, 4}));
  for (std::size_t length : {std::size_t{0}, std::size_t{1}, std::size_t{255}, std::size_t{256},
                             std::size_t{65536}, kMaxFrameLength}) {
    for (auto type : {FrameType::message, FrameType::ping, FrameType::pong}) {
      const auto parsed = std::get<FrameHeader>(header(make_frame_header(type, length)));
      EXPECT_EQ(parsed.type, type);
      EXPECT_EQ(parsed.length, length);
    }
  }
}

}  // namespace
}  // namespace junction::rawsocket
