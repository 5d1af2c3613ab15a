// tests/unit/websocket_frame_test: src/websocket/frame — the RFC 6455 §5.7 example frames, every
// header error, need_more at every byte boundary, masking in pieces, close payload validity,
// incremental UTF-8 validation, the accept key and header tokens.
#include <gtest/gtest.h>

#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "websocket/frame.hpp"

namespace {

using namespace junction::websocket;

std::string bytes(std::initializer_list<unsigned> list) {
  std::string out;
  for (unsigned b : list)
    out.push_back(static_cast<char>(b));
  return out;
}

std::string header_bytes(Opcode op, std::uint64_t len, bool fin = true, bool rsv1 = false,
                         std::optional<std::uint32_t> key = std::nullopt) {
  std::array<std::uint8_t, kMaxHeaderSize> h{};
  const std::size_t n = write_frame_header(h, op, len, fin, rsv1, key);
  return std::string(reinterpret_cast<const char*>(h.data()), n);
}

// Every proper prefix of a valid header is need_more; the whole is complete.
void expect_need_more_until_complete(const std::string& header) {
  for (std::size_t n = 0; n < header.size(); ++n) {
    const auto r = parse_frame_header(std::string_view(header).substr(0, n), true);
    EXPECT_EQ(r.status, ParseStatus::need_more) << "prefix of " << n << " bytes";
  }
  const auto r = parse_frame_header(header, true);
  EXPECT_EQ(r.status, ParseStatus::complete);
  EXPECT_EQ(r.header.header_size, header.size());
}

// --- RFC 6455 §5.7 examples -------------------------------------------------------------------

TEST(WebSocketFrame, UnmaskedHello) {
  const std::string frame = bytes({0x81, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f});
  const auto r = parse_frame_header(frame, false);
  ASSERT_EQ(r.status, ParseStatus::complete);
  EXPECT_TRUE(r.header.fin);
  EXPECT_FALSE(r.header.rsv1);
  EXPECT_EQ(r.header.opcode, Opcode::text);
  EXPECT_FALSE(r.header.masked);
  EXPECT_EQ(r.header.payload_length, 5u);
  EXPECT_EQ(r.header.header_size, 2u);
  EXPECT_EQ(frame.substr(2), "Hello");
  EXPECT_EQ(header_bytes(Opcode::text, 5), frame.substr(0, 2));
}

TEST(WebSocketFrame, MaskedHello) {
  const std::string frame =
      bytes({0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58});
  const auto r = parse_frame_header(frame, false);
  ASSERT_EQ(r.status, ParseStatus::complete);
  EXPECT_TRUE(r.header.masked);
  EXPECT_EQ(r.header.payload_length, 5u);
  EXPECT_EQ(r.header.header_size, 6u);
  std::uint32_t expected_key;
  std::memcpy(&expected_key, frame.data() + 2, 4);
  EXPECT_EQ(r.header.mask_key, expected_key);
  std::string payload = frame.substr(6);
  apply_mask(payload.data(), payload.size(), r.header.mask_key);
  EXPECT_EQ(payload, "Hello");
  EXPECT_EQ(header_bytes(Opcode::text, 5, true, false, r.header.mask_key), frame.substr(0, 6));
}

TEST(WebSocketFrame, FragmentedUnmaskedText) {
  const auto first = parse_frame_header(bytes({0x01, 0x03, 0x48, 0x65, 0x6c}), false);
  ASSERT_EQ(first.status, ParseStatus::complete);
  EXPECT_FALSE(first.header.fin);
  EXPECT_EQ(first.header.opcode, Opcode::text);
  const auto second = parse_frame_header(bytes({0x80, 0x02, 0x6c, 0x6f}), false);
  ASSERT_EQ(second.status, ParseStatus::complete);
  EXPECT_TRUE(second.header.fin);
  EXPECT_EQ(second.header.opcode, Opcode::continuation);
}

TEST(WebSocketFrame, PingAndMaskedPong) {
  const auto ping = parse_frame_header(bytes({0x89, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f}), false);
  ASSERT_EQ(ping.status, ParseStatus::complete);
  EXPECT_EQ(ping.header.opcode, Opcode::ping);
  EXPECT_TRUE(is_control(ping.header.opcode));
  const auto pong = parse_frame_header(
      bytes({0x8a, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58}), false);
  ASSERT_EQ(pong.status, ParseStatus::complete);
  EXPECT_EQ(pong.header.opcode, Opcode::pong);
  EXPECT_TRUE(pong.header.masked);
}

TEST(WebSocketFrame, Binary256Bytes) {
  const std::string header = bytes({0x82, 0x7E, 0x01, 0x00});
  const auto r = parse_frame_header(header, false);
  ASSERT_EQ(r.status, ParseStatus::complete);
  EXPECT_EQ(r.header.opcode, Opcode::binary);
  EXPECT_EQ(r.header.payload_length, 256u);
  EXPECT_EQ(r.header.header_size, 4u);
  EXPECT_EQ(header_bytes(Opcode::binary, 256), header);
}

TEST(WebSocketFrame, Binary64KiB) {
  const std::string header = bytes({0x82, 0x7F, 0, 0, 0, 0, 0, 0x01, 0x00, 0x00});
  const auto r = parse_frame_header(header, false);
  ASSERT_EQ(r.status, ParseStatus::complete);
  EXPECT_EQ(r.header.payload_length, 65536u);
  EXPECT_EQ(r.header.header_size, 10u);
  EXPECT_EQ(header_bytes(Opcode::binary, 65536), header);
}

// --- writing -----------------------------------------------------------------------------------

TEST(WebSocketFrame, WriteUsesMinimalLengthsAndRoundTrips) {
  struct Case {
    std::uint64_t length;
    std::size_t size;
  };
  for (const Case c : {Case{0, 2}, Case{125, 2}, Case{126, 4}, Case{65535, 4}, Case{65536, 10},
                       Case{std::uint64_t{1} << 40, 10}, Case{(std::uint64_t{1} << 63) - 1, 10}}) {
    for (bool masked : {false, true}) {
      for (bool rsv1 : {false, true}) {
        for (bool fin : {false, true}) {
          const auto key = masked ? std::optional<std::uint32_t>(0xA1B2C3D4) : std::nullopt;
          const std::string h = header_bytes(Opcode::binary, c.length, fin, rsv1, key);
          EXPECT_EQ(h.size(), c.size + (masked ? 4 : 0));
          const auto r = parse_frame_header(h, true);
          ASSERT_EQ(r.status, ParseStatus::complete) << c.length;
          EXPECT_EQ(r.header.payload_length, c.length);
          EXPECT_EQ(r.header.fin, fin);
          EXPECT_EQ(r.header.rsv1, rsv1);
          EXPECT_EQ(r.header.masked, masked);
          if (masked) {
            EXPECT_EQ(r.header.mask_key, 0xA1B2C3D4u);
          }
          EXPECT_EQ(r.header.header_size, h.size());
        }
      }
    }
  }
}

TEST(WebSocketFrame, ParseIgnoresBytesAfterTheHeader) {
  const std::string frame = header_bytes(Opcode::text, 3) + "abc" + header_bytes(Opcode::ping, 0);
  const auto r = parse_frame_header(frame, false);
  ASSERT_EQ(r.status, ParseStatus::complete);
  EXPECT_EQ(r.header.header_size, 2u);
  EXPECT_EQ(r.header.payload_length, 3u);
}

// --- need_more ---------------------------------------------------------------------------------

TEST(WebSocketFrame, NeedMoreAtEveryByteBoundary) {
  for (std::uint64_t len : {0ull, 5ull, 125ull, 126ull, 300ull, 65535ull, 65536ull, 1ull << 33}) {
    expect_need_more_until_complete(header_bytes(Opcode::binary, len));
    expect_need_more_until_complete(header_bytes(Opcode::binary, len, false, true, 0x01020304));
  }
  expect_need_more_until_complete(header_bytes(Opcode::close, 125, true, false, 0xFFFFFFFF));
}

// --- errors ------------------------------------------------------------------------------------

void expect_error(const std::string& header, bool allow_rsv1, std::string_view what) {
  const auto r = parse_frame_header(header, allow_rsv1);
  EXPECT_EQ(r.status, ParseStatus::error) << what;
  EXPECT_FALSE(r.error.empty()) << what;
}

TEST(WebSocketFrame, ReservedBits) {
  expect_error(bytes({0xA1, 0x00}), true, "rsv2");
  expect_error(bytes({0x91, 0x00}), true, "rsv3");
  expect_error(bytes({0xC1, 0x00}), false, "rsv1 without deflate");
  expect_error(bytes({0xC9, 0x00}), true, "rsv1 on a ping");
  expect_error(bytes({0xC8, 0x00}), true, "rsv1 on a close");
  expect_error(bytes({0xC0, 0x00}), true, "rsv1 on a continuation");
  EXPECT_EQ(parse_frame_header(bytes({0xC1, 0x00}), true).status, ParseStatus::complete);
  EXPECT_EQ(parse_frame_header(bytes({0x42, 0x00}), true).status, ParseStatus::complete);
}

TEST(WebSocketFrame, UnknownOpcodes) {
  for (unsigned op : {0x3u, 0x4u, 0x5u, 0x6u, 0x7u, 0xBu, 0xCu, 0xDu, 0xEu, 0xFu}) {
    expect_error(bytes({0x80 | op, 0x00}), true, "opcode " + std::to_string(op));
  }
}

TEST(WebSocketFrame, ControlFrameRules) {
  for (unsigned op : {0x8u, 0x9u, 0xAu}) {
    expect_error(bytes({op, 0x00}), false, "fragmented control frame");
    expect_error(bytes({0x80 | op, 126}), false, "control frame with 16-bit length");
    expect_error(bytes({0x80 | op, 127}), false, "control frame with 64-bit length");
    expect_error(bytes({0x80 | op, 0x80 | 126}), false, "masked control frame, 16-bit length");
    EXPECT_EQ(parse_frame_header(bytes({0x80 | op, 125}), false).status, ParseStatus::complete);
  }
}

TEST(WebSocketFrame, NonMinimalAndHugeLengths) {
  expect_error(bytes({0x82, 126, 0x00, 0x00}), false, "16-bit length 0");
  expect_error(bytes({0x82, 126, 0x00, 125}), false, "16-bit length 125");
  EXPECT_EQ(parse_frame_header(bytes({0x82, 126, 0x00, 126}), false).status, ParseStatus::complete);
  expect_error(bytes({0x82, 127, 0, 0, 0, 0, 0, 0, 0, 0}), false, "64-bit length 0");
  expect_error(bytes({0x82, 127, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF}), false, "64-bit length 65535");
  expect_error(bytes({0x82, 127, 0x80, 0, 0, 0, 0, 0, 0, 0}), false, "64-bit length 2^63");
  expect_error(bytes({0x82, 127, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF}), false,
               "64-bit length 2^64-1");
}

TEST(WebSocketFrame, ErrorsNeverWaitForMoreThanTheyNeed) {
  // A header error is found as soon as the bytes that show it are there: a lone bad first byte.
  expect_error(bytes({0xF1}), true, "rsv bits in the only byte");
  expect_error(bytes({0x83}), true, "unknown opcode in the only byte");
  expect_error(bytes({0x09}), true, "fragmented ping in the only byte");
}

// --- masking -----------------------------------------------------------------------------------

TEST(WebSocketMask, MaskTwiceIsIdentityAndMatchesBytewise) {
  std::mt19937 rng(7);
  for (std::size_t size : {0u, 1u, 3u, 7u, 8u, 9u, 15u, 16u, 17u, 31u, 100u, 1000u}) {
    std::string data(size, '\0');
    for (auto& c : data)
      c = static_cast<char>(rng());
    const std::uint32_t key = rng();
    unsigned char k[4];
    std::memcpy(k, &key, 4);
    std::string expected = data;
    for (std::size_t i = 0; i < size; ++i)
      expected[i] = static_cast<char>(expected[i] ^ k[i % 4]);
    std::string masked = data;
    apply_mask(masked.data(), masked.size(), key);
    EXPECT_EQ(masked, expected) << size;
    apply_mask(masked.data(), masked.size(), key);
    EXPECT_EQ(masked, data) << size;
  }
}

TEST(WebSocketMask, InPiecesEqualsAtOnce) {
  std::mt19937 rng(11);
  std::string data(1000, '\0');
  for (auto& c : data)
    c = static_cast<char>(rng());
  const std::uint32_t key = 0x37fa213d;
  std::string whole = data;
  apply_mask(whole.data(), whole.size(), key);
  for (int trial = 0; trial < 200; ++trial) {
    std::string pieces = data;
    std::size_t at = 0;
    while (at < pieces.size()) {
      const std::size_t n = std::min<std::size_t>(pieces.size() - at, rng() % 40);
      apply_mask(pieces.data() + at, n, key, at);
      at += n;
    }
    ASSERT_EQ(pieces, whole) << "trial " << trial;
  }
  // Misaligned start addresses too.
  for (std::size_t start = 0; start < 8; ++start) {
    std::string pieces = data;
    apply_mask(pieces.data(), start, key, 0);
    apply_mask(pieces.data() + start, pieces.size() - start, key, start);
    EXPECT_EQ(pieces, whole) << start;
  }
}

// --- close payloads ----------------------------------------------------------------------------

std::string close_body(unsigned code, std::string_view reason = {}) {
  std::string out = bytes({code >> 8, code & 0xFF});
  out.append(reason);
  return out;
}

TEST(WebSocketClose, EmptyPayloadIsNoStatus) {
  const auto c = parse_close_payload("");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->code, close_code::no_status);
  EXPECT_TRUE(c->reason.empty());
}

TEST(WebSocketClose, OneByteIsInvalid) {
  EXPECT_FALSE(parse_close_payload(bytes({0x03})));
}

TEST(WebSocketClose, CodeValidityTable) {
  struct Range {
    unsigned from, to;
    bool valid;
  };
  const Range table[] = {
      {0, 999, false},     {1000, 1003, true},  {1004, 1006, false}, {1007, 1014, true},
      {1015, 1015, false}, {1016, 2999, false}, {3000, 4999, true},  {5000, 65535, false},
  };
  for (const Range& r : table) {
    for (unsigned code = r.from; code <= r.to; ++code) {
      const std::string body = close_body(code, "x");  // the reason is a view into it
      const auto c = parse_close_payload(body);
      ASSERT_EQ(c.has_value(), r.valid) << code;
      if (c) {
        EXPECT_EQ(c->code, code);
        EXPECT_EQ(c->reason, "x");
      }
    }
  }
}

TEST(WebSocketClose, ReasonMustBeUtf8) {
  EXPECT_TRUE(
      parse_close_payload(close_body(1000, "\xce\xba\xe1\xbd\xb9\xcf\x83\xce\xbc\xce\xb5")));
  EXPECT_FALSE(parse_close_payload(close_body(1000, "\xce\xba\xe1\xbd")));  // cut character
  EXPECT_FALSE(parse_close_payload(close_body(1000, "\xed\xa0\x80")));      // surrogate
  EXPECT_FALSE(parse_close_payload(close_body(1000, "\xff")));
}

TEST(WebSocketClose, MakeRoundTrips) {
  const std::string body = make_close_payload(close_code::going_away, "bye");
  EXPECT_EQ(body, close_body(1001, "bye"));
  const auto c = parse_close_payload(body);
  ASSERT_TRUE(c);
  EXPECT_EQ(c->code, 1001);
  EXPECT_EQ(c->reason, "bye");
  EXPECT_EQ(make_close_payload(close_code::normal), close_body(1000));
}

TEST(WebSocketClose, NoStatusIsNeverSent) {
  EXPECT_EQ(make_close_payload(close_code::no_status, "ignored"), "");
}

TEST(WebSocketClose, LongReasonsAreCutAtACharacterBoundary) {
  const std::string ascii(200, 'a');
  EXPECT_EQ(make_close_payload(1000, ascii).size(), kMaxControlPayload);
  // 2-byte characters: 123 bytes would split the 62nd one; 61 whole characters fit.
  std::string greek;
  for (int i = 0; i < 100; ++i)
    greek += "\xce\xba";
  const std::string body = make_close_payload(1000, greek);
  EXPECT_EQ(body.size(), 2u + 122u);
  ASSERT_TRUE(parse_close_payload(body));
  // 4-byte characters after an odd ASCII prefix.
  std::string mixed = "a";
  for (int i = 0; i < 40; ++i)
    mixed += "\xf0\x9f\x98\x80";
  const std::string cut = make_close_payload(1000, mixed);
  EXPECT_LE(cut.size(), kMaxControlPayload);
  EXPECT_EQ((cut.size() - 3) % 4, 0u);
  EXPECT_TRUE(parse_close_payload(cut));
}

TEST(WebSocketClose, InvalidReasonBytesAreDropped) {
  const std::string body = make_close_payload(1002, "bad \xff tail");
  EXPECT_EQ(body, close_body(1002, "bad "));
}

// --- UTF-8 -------------------------------------------------------------------------------------

bool valid_at_once(std::string_view s) {
  Utf8Validator v;
  return v.feed(s) && v.complete();
}

bool valid_byte_by_byte(std::string_view s) {
  Utf8Validator v;
  for (char c : s) {
    if (!v.feed(std::string_view(&c, 1))) return false;
  }
  return v.complete();
}

TEST(WebSocketUtf8, ValidText) {
  const std::vector<std::string> valid = {
      "",
      "Hello-\xc2\xb5@\xc3\x9f\xc3\xb6\xc3\xa4\xc3\xbc\xc3\xa0\xc3\xa1-UTF-8!!",
      "\xce\xba\xe1\xbd\xb9\xcf\x83\xce\xbc\xce\xb5",
      "\x7f",
      "\xc2\x80",
      "\xdf\xbf",
      "\xe0\xa0\x80",
      "\xed\x9f\xbf",  // U+D7FF, just below the surrogates
      "\xee\x80\x80",  // U+E000, just above
      "\xef\xbf\xbf",
      "\xf0\x90\x80\x80",
      "\xf4\x8f\xbf\xbf",  // U+10FFFF
      std::string(1000, 'x') + "\xf0\x9f\x98\x80" + std::string(13, 'y'),
  };
  for (const auto& s : valid) {
    EXPECT_TRUE(valid_at_once(s)) << s;
    EXPECT_TRUE(valid_byte_by_byte(s)) << s;
  }
}

TEST(WebSocketUtf8, InvalidText) {
  const std::vector<std::string> invalid = {
      "\xc0\xaf",          // overlong '/'
      "\xc1\xbf",          // overlong
      "\xe0\x80\xaf",      // overlong
      "\xe0\x9f\xbf",      // overlong
      "\xf0\x80\x80\xaf",  // overlong
      "\xf0\x8f\xbf\xbf",  // overlong
      "\xed\xa0\x80",      // U+D800
      "\xed\xbf\xbf",      // U+DFFF
      "\xf4\x90\x80\x80",  // U+110000
      "\xf5\x80\x80\x80",
      "\xf8\x88\x80\x80\x80",
      "\xfe",
      "\xff",
      "\x80",                              // stray continuation
      "a\xbf",                             // stray continuation
      "\xc2",                              // truncated at the end
      "\xe2\x82",                          // truncated at the end
      "\xf0\x9f\x98",                      // truncated at the end
      "\xc2\x41",                          // lead followed by ASCII
      "\xce\xba\xe1\xbd\xb9\xcf\x83\xce",  // cut
      std::string(20, 'x') + "\xed\xa0\x80" + std::string(20, 'x'),
  };
  for (const auto& s : invalid) {
    EXPECT_FALSE(valid_at_once(s)) << testing::PrintToString(s);
    EXPECT_FALSE(valid_byte_by_byte(s)) << testing::PrintToString(s);
  }
}

TEST(WebSocketUtf8, FailsAtTheFirstByteThatProvesIt) {
  // Autobahn's "fail fast" cases: the validator must not wait for the end of the character.
  for (std::string_view prefix :
       {"\xc0", "\xc1", "\xe0\x80", "\xed\xa0", "\xf0\x80", "\xf4\x90", "\xf5", "\xff",
        "\xce\xba\xe1\xbd\xb9\xcf\x83\xce\xbc\xce\xb5"
        "\xf4\x90"}) {
    Utf8Validator v;
    EXPECT_FALSE(v.feed(prefix)) << testing::PrintToString(prefix);
    EXPECT_FALSE(v.complete());
  }
}

TEST(WebSocketUtf8, SplitSequencesAreCompletedAcrossFeeds) {
  const std::string text =
      "a\xc2\xb5"
      "b\xe2\x82\xac"
      "c\xf0\x9f\x98\x80"
      "d";
  for (std::size_t cut = 0; cut <= text.size(); ++cut) {
    Utf8Validator v;
    EXPECT_TRUE(v.feed(text.substr(0, cut))) << cut;
    EXPECT_TRUE(v.feed(text.substr(cut))) << cut;
    EXPECT_TRUE(v.complete()) << cut;
  }
  Utf8Validator v;
  EXPECT_TRUE(v.feed("\xf0\x9f"));
  EXPECT_FALSE(v.complete());  // waiting for the rest of the character
  EXPECT_TRUE(v.feed("\x98"));
  EXPECT_FALSE(v.complete());
  EXPECT_TRUE(v.feed("\x80"));
  EXPECT_TRUE(v.complete());
}

TEST(WebSocketUtf8, StaysInvalidAndResets) {
  Utf8Validator v;
  EXPECT_FALSE(v.feed("\xff"));
  EXPECT_FALSE(v.feed("ok"));
  EXPECT_FALSE(v.complete());
  v.reset();
  EXPECT_TRUE(v.feed("ok"));
  EXPECT_TRUE(v.complete());
}

TEST(WebSocketUtf8, AgreesWithAReferenceDecoderOnAllShortSequences) {
  // Every 1-, 2- and 3-byte string over a set of interesting bytes, against a straightforward
  // decoder written from the Unicode table of well-formed sequences (Table 3-7).
  auto reference = [](std::string_view s) {
    std::size_t i = 0;
    while (i < s.size()) {
      const auto b0 = static_cast<unsigned char>(s[i]);
      auto cont = [&](std::size_t k, unsigned lo = 0x80, unsigned hi = 0xBF) {
        if (i + k >= s.size()) return false;
        const auto b = static_cast<unsigned char>(s[i + k]);
        return b >= lo && b <= hi;
      };
      if (b0 < 0x80) {
        i += 1;
      } else if (b0 >= 0xC2 && b0 <= 0xDF) {
        if (!cont(1)) return false;
        i += 2;
      } else if (b0 >= 0xE0 && b0 <= 0xEF) {
        const unsigned lo = b0 == 0xE0 ? 0xA0 : 0x80, hi = b0 == 0xED ? 0x9F : 0xBF;
        if (!cont(1, lo, hi) || !cont(2)) return false;
        i += 3;
      } else if (b0 >= 0xF0 && b0 <= 0xF4) {
        const unsigned lo = b0 == 0xF0 ? 0x90 : 0x80, hi = b0 == 0xF4 ? 0x8F : 0xBF;
        if (!cont(1, lo, hi) || !cont(2) || !cont(3)) return false;
        i += 4;
      } else {
        return false;
      }
    }
    return true;
  };
  const std::vector<unsigned char> interesting = {0x00, 0x41, 0x7F, 0x80, 0x8F, 0x90, 0x9F,
                                                  0xA0, 0xBF, 0xC0, 0xC1, 0xC2, 0xDF, 0xE0,
                                                  0xE1, 0xED, 0xEF, 0xF0, 0xF4, 0xF5, 0xFF};
  std::vector<std::string> strings = {""};
  for (int len = 1; len <= 4; ++len) {
    std::vector<std::string> longer;
    for (const auto& s : strings) {
      if (static_cast<int>(s.size()) != len - 1) continue;
      for (unsigned char b : interesting)
        longer.push_back(s + static_cast<char>(b));
    }
    for (const auto& s : longer) {
      ASSERT_EQ(valid_at_once(s), reference(s)) << testing::PrintToString(s);
      ASSERT_EQ(valid_byte_by_byte(s), reference(s)) << testing::PrintToString(s);
    }
    strings.insert(strings.end(), longer.begin(), longer.end());
  }
}

// --- handshake helpers -------------------------------------------------------------------------

TEST(WebSocketHandshake, AcceptKeyRfcExample) {
  EXPECT_EQ(accept_key("dGhlIHNhbXBsZSBub25jZQ=="), "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
}

TEST(WebSocketHandshake, HeaderHasToken) {
  EXPECT_TRUE(header_has_token("Upgrade", "upgrade"));
  EXPECT_TRUE(header_has_token("keep-alive, Upgrade", "upgrade"));
  EXPECT_TRUE(header_has_token("keep-alive,\tUPGRADE ", "upgrade"));
  EXPECT_TRUE(header_has_token("websocket", "WebSocket"));
  EXPECT_FALSE(header_has_token("", "upgrade"));
  EXPECT_FALSE(header_has_token("keep-alive", "upgrade"));
  EXPECT_FALSE(header_has_token("upgrades", "upgrade"));
  EXPECT_FALSE(header_has_token("x-upgrade, close", "upgrade"));
  EXPECT_TRUE(header_has_token(",,upgrade,", "upgrade"));
}

}  // namespace
