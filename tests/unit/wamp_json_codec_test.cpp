// Unit tests for the JSON codec: decoding rules, error reasons, encoding rules, raw payload
// passthrough, transcoding hooks and the Outbound encode-once cache.
#include <gtest/gtest.h>

#include <charconv>
#include <climits>
#include <cstdint>
#include <string>
#include <vector>

#include "wamp/codec.hpp"
#include "wamp/message.hpp"

namespace junction::wamp {
namespace {

const Codec& json() {
  return *codec_for(Serializer::json);
}

Message decode_ok(std::string_view bytes) {
  auto result = json().decode(bytes);
  if (auto* e = std::get_if<DecodeError>(&result)) {
    ADD_FAILURE() << "decode failed for " << bytes << ": " << e->reason;
    return {};
  }
  return std::get<Message>(std::move(result));
}

std::string decode_error(std::string_view bytes) {
  auto result = json().decode(bytes);
  if (auto* e = std::get_if<DecodeError>(&result)) {
    EXPECT_FALSE(e->reason.empty());
    return e->reason;
  }
  ADD_FAILURE() << "decode unexpectedly succeeded for: " << bytes;
  return {};
}

std::string encode(const Message& m) {
  std::string out;
  json().encode(m, out);
  return out;
}

TEST(WampCodecRegistry, Lookup) {
  ASSERT_NE(codec_for(Serializer::json), nullptr);
  EXPECT_EQ(codec_for(Serializer::json)->subprotocol(), "wamp.2.json");
  EXPECT_FALSE(codec_for(Serializer::json)->binary_frames());
  EXPECT_EQ(codec_for(Serializer::json)->serializer(), Serializer::json);
  EXPECT_EQ(codec_for_subprotocol("wamp.2.json"), codec_for(Serializer::json));
  EXPECT_EQ(codec_for_subprotocol("wamp.2.cbor.batched"), nullptr);
  EXPECT_EQ(codec_for_subprotocol(""), nullptr);
}

TEST(WampMessage, Names) {
  EXPECT_EQ(message_name(MessageType::call), "CALL");
  EXPECT_EQ(message_name(MessageType::reg), "REGISTER");
  EXPECT_TRUE(is_known_message_type(70));
  EXPECT_FALSE(is_known_message_type(7));
  EXPECT_FALSE(is_known_message_type(0));
  EXPECT_FALSE(is_known_message_type(71));
  EXPECT_FALSE(is_known_message_type(337));
  EXPECT_EQ(required_fields(MessageType::unsubscribed), 1u);
  EXPECT_EQ(required_fields(MessageType::error), 4u);
  EXPECT_EQ(message_schema(MessageType::event).size(), 5u);
  EXPECT_EQ(field_name(MessageType::call, 2), "Procedure");
}

TEST(WampJsonDecode, Call) {
  Message m = decode_ok(R"( [48, 7814135, {"timeout": 5}, "com.x.p", [1, "two"], {"k": null}] )");
  EXPECT_EQ(m.type, MessageType::call);
  EXPECT_EQ(m.request, 7814135u);
  EXPECT_EQ(get_uint(m.options, "timeout"), 5u);
  EXPECT_EQ(m.uri, "com.x.p");
  ASSERT_NE(m.payload, nullptr);
  EXPECT_EQ(m.payload->format, Serializer::json);
  EXPECT_EQ(m.payload->args, R"([1, "two"])");
  EXPECT_EQ(m.payload->kwargs, R"({"k": null})");
}

TEST(WampJsonDecode, NoPayload) {
  Message m = decode_ok(R"([48,1,{},"p"])");
  EXPECT_EQ(m.payload, nullptr);
  m = decode_ok(R"([35,5])");
  EXPECT_EQ(m.type, MessageType::unsubscribed);
  EXPECT_TRUE(m.options.empty());
  m = decode_ok(R"([35,5,{"reason":"x"}])");
  EXPECT_EQ(*get_string(m.options, "reason"), "x");
}

TEST(WampJsonDecode, EventAndError) {
  Message m = decode_ok(R"([36,1,9007199254740992,{},[]])");
  EXPECT_EQ(m.id, 1u);
  EXPECT_EQ(m.id2, kMaxId);
  ASSERT_NE(m.payload, nullptr);
  EXPECT_EQ(m.payload->args, "[]");
  EXPECT_EQ(m.payload->kwargs, "");
  m = decode_ok(R"([8,48,77,{},"com.err",[],{"a":1}])");
  EXPECT_EQ(m.error_type, MessageType::call);
  EXPECT_EQ(m.request, 77u);
  EXPECT_EQ(m.uri, "com.err");
  EXPECT_EQ(m.payload->kwargs, R"({"a":1})");
}

TEST(WampJsonDecode, StringsAndEscapes) {
  Message m = decode_ok(R"([1,"a\"\\\/\b\f\n\r\t\u00e9\u20AC\ud83d\ude00z",{}])");
  EXPECT_EQ(m.uri, "a\"\\/\b\f\n\r\t\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80z");
  m = decode_ok("[1,\"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\",{}]");
  EXPECT_EQ(m.uri, "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80");
}

TEST(WampJsonDecode, NumbersInOptions) {
  Message m = decode_ok(
      R"([48,1,{"a":-5,"b":18446744073709551615,"c":1.5e3,"d":-0,"e":0.25,"f":9223372036854775807,"g":-9223372036854775808},"p"])");
  EXPECT_EQ(m.options["a"], Value(-5));
  EXPECT_TRUE(std::holds_alternative<std::uint64_t>(m.options["b"].v));
  EXPECT_EQ(m.options["b"].as_uint(), 18446744073709551615u);
  EXPECT_EQ(m.options["c"], Value(1500.0));
  EXPECT_EQ(m.options["d"], Value(0));
  EXPECT_EQ(m.options["e"], Value(0.25));
  EXPECT_EQ(m.options["f"].as_int(), INT64_MAX);
  EXPECT_EQ(m.options["g"].as_int(), INT64_MIN);
}

TEST(WampJsonDecode, BinaryConvention) {
  Message m = decode_ok(R"([48,1,{"bin":"\u0000AQID","empty":"\u0000"},"p"])");
  ASSERT_TRUE(m.options["bin"].is_binary());
  EXPECT_EQ(m.options["bin"].as_binary()->bytes, std::string("\x01\x02\x03"));
  ASSERT_TRUE(m.options["empty"].is_binary());
  EXPECT_EQ(m.options["empty"].as_binary()->bytes, "");
  // Bad base64 is an error, in options and (validated only) in args alike.
  EXPECT_NE(decode_error(R"([48,1,{"bin":"\u0000AQI"},"p"])").find("base64"), std::string::npos);
  EXPECT_NE(decode_error(R"([48,1,{},"p",["\u0000!!!!"]])").find("base64"), std::string::npos);
  EXPECT_NE(decode_error(R"([48,1,{},"p",[],{"x":[["\u0000A"]]}])").find("base64"),
            std::string::npos);
  // A binary procedure name is not a string.
  EXPECT_EQ(decode_error(R"([48,1,{},"\u0000AQID"])"),
            "CALL: element 3 (Procedure) must be a string");
}

TEST(WampJsonDecode, BinaryRoundTrip) {
  std::string all_bytes;
  for (int i = 0; i < 256; ++i)
    all_bytes += static_cast<char>(i);
  Message m;
  m.type = MessageType::publish;
  m.request = 3;
  m.uri = "t";
  m.options["blob"] = Binary{all_bytes};
  m.payload = make_payload(Array{Binary{all_bytes}, Binary{""}}, Object{{"k", Binary{"x"}}});
  Message back = decode_ok(encode(m));
  EXPECT_EQ(back.options, m.options);
  auto args = json().decode_value(back.payload->args);
  ASSERT_TRUE(std::holds_alternative<Value>(args));
  EXPECT_EQ(std::get<Value>(args), Value(Array{Binary{all_bytes}, Binary{""}}));
}

TEST(WampJsonDecode, SchemaErrors) {
  EXPECT_EQ(decode_error(R"([48,1,{},5])"), "CALL: element 3 (Procedure) must be a string");
  EXPECT_EQ(decode_error(R"([48,"1",{},"p"])"),
            "CALL: element 1 (Request) must be an integer in [0, 2^53]");
  EXPECT_EQ(decode_error(R"([48,1.5,{},"p"])"),
            "CALL: element 1 (Request) must be an integer in [0, 2^53]");
  EXPECT_EQ(decode_error(R"([48,-1,{},"p"])"),
            "CALL: element 1 (Request) must be an integer in [0, 2^53]");
  EXPECT_EQ(decode_error(R"([48,9007199254740993,{},"p"])"),
            "CALL: element 1 (Request) must be an integer in [0, 2^53]");
  EXPECT_EQ(decode_error(R"([48,1,[],"p"])"), "CALL: element 2 (Options) must be a dict");
  EXPECT_EQ(decode_error(R"([48,1,{},"p",{}])"), "CALL: element 4 (Arguments) must be a list");
  EXPECT_EQ(decode_error(R"([48,1,{},"p",[],[]])"), "CALL: element 5 (ArgumentsKw) must be a dict");
  EXPECT_EQ(decode_error(R"([48,1,{},"p",null])"), "CALL: element 4 (Arguments) must be a list");
  EXPECT_EQ(decode_error(R"([8,99,1,{},"e"])"),
            "ERROR: element 1 (REQUEST.Type) must be a known message type");
  EXPECT_EQ(decode_error(R"([99,1])"), "unknown message type 99");
  EXPECT_EQ(decode_error(R"([337,1])"), "unknown message type 337");
  EXPECT_EQ(decode_error(R"([-1,1])"), "unknown message type -1");
  EXPECT_EQ(decode_error(R"([1.5,1])"), "element 0 (message type) must be an integer");
  EXPECT_EQ(decode_error(R"(["CALL",1])"), "element 0 (message type) must be an integer");
  EXPECT_EQ(decode_error(R"({"type":48})"), "message must be a list");
  EXPECT_EQ(decode_error(R"("x")"), "message must be a list");
  EXPECT_EQ(decode_error(R"([])"), "message must not be an empty list");
  EXPECT_NE(decode_error(R"([48,1,{}])").find("CALL: too few elements"), std::string::npos);
  EXPECT_NE(decode_error(R"([48,1,{},"p",[],{},1])").find("CALL: too many elements"),
            std::string::npos);
  EXPECT_NE(decode_error(R"([35])").find("too few"), std::string::npos);
  EXPECT_NE(decode_error(R"([35,1,{},2])").find("too many"), std::string::npos);
  EXPECT_NE(decode_error(R"([1,"r",{"a":1,"a":2}])").find("duplicate key"), std::string::npos);
}

TEST(WampJsonDecode, SyntaxErrors) {
  EXPECT_EQ(decode_error(R"([1,"abc)"), "invalid JSON at offset 7: unterminated string");
  const char* bad[] = {
      "",
      "   ",
      "[",
      "[48",
      "[48,",
      "[48,1,{},\"p\"",
      "[48,1,{},\"p\"]x",
      "[48,1,{},\"p\"] ]",
      "[48,1,{},\"p\"][",
      "[48,1,{},\"p\",]",
      "[48,,1,{},\"p\"]",
      "[48 1,{},\"p\"]",
      "[48,1,{,},\"p\"]",
      "[48,1,{\"a\"},\"p\"]",
      "[48,1,{\"a\":},\"p\"]",
      "[48,1,{\"a\" 1},\"p\"]",
      "[48,1,{a:1},\"p\"]",
      "[48,1,{\"a\":1,},\"p\"]",
      "[48,1,{'a':1},\"p\"]",
      "[48,01,{},\"p\"]",
      "[48,1,{\"a\":01},\"p\"]",
      "[48,1,{\"a\":1.},\"p\"]",
      "[48,1,{\"a\":.5},\"p\"]",
      "[48,1,{\"a\":1e},\"p\"]",
      "[48,1,{\"a\":+1},\"p\"]",
      "[48,1,{\"a\":-},\"p\"]",
      "[48,1,{\"a\":NaN},\"p\"]",
      "[48,1,{\"a\":Infinity},\"p\"]",
      "[48,1,{\"a\":tru},\"p\"]",
      "[48,1,{\"a\":nul},\"p\"]",
      "[48,1,{\"a\":True},\"p\"]",
      "[48,1,{},\"p\",[1,]]",
      "[48,1,{},\"p\",[1 2]]",
      "[48,1,{},\"p\",[\"x]]",
      "[48,1,{},\"p\",[],{\"a\":1]]",
      "[48,1,{},\"p\",[],{\"a\":1}",
      "[48,1,{},\"p\",[]",
      "[48,1,{},\"p\\x\"]",
      "[48,1,{},\"p\\u12\"]",
      "[48,1,{},\"p\\u12G4\"]",
      "[48,1,{},\"p\\",
      "[48,1,{},\"tab\there\"]",
      "[48,1,{},\"new\nline\"]",
      "\xef\xbb\xbf[48,1,{},\"p\"]",  // BOM is not JSON whitespace
      "[48,1,{},\"p\",[/*c*/]]",
  };
  for (const char* b : bad) {
    const std::string reason = decode_error(b);
    EXPECT_NE(reason.find("invalid JSON"), std::string::npos) << b << " -> " << reason;
  }
  EXPECT_NE(decode_error(std::string("[48,1,{},\"p\"]\0", 14)).find("trailing data"),
            std::string::npos);
  // Embedded NUL inside a literal string.
  EXPECT_NE(decode_error(std::string("[48,1,{},\"a\0b\"]", 15)).find("control character"),
            std::string::npos);
}

TEST(WampJsonDecode, BadUtf8AndSurrogates) {
  const char* bad[] = {
      "[1,\"\x80\",{}]",                     // stray continuation
      "[1,\"\xc3\",{}]",                     // truncated 2-byte
      "[1,\"\xc3\x28\",{}]",                 // bad continuation
      "[1,\"\xc0\xaf\",{}]",                 // overlong '/'
      "[1,\"\xe0\x80\xaf\",{}]",             // overlong 3-byte
      "[1,\"\xed\xa0\x80\",{}]",             // encoded surrogate
      "[1,\"\xf4\x90\x80\x80\",{}]",         // > U+10FFFF
      "[1,\"\xf8\x88\x80\x80\x80\",{}]",     // 5-byte form
      "[1,\"\xff\",{}]",                     //
      "[1,\"\\ud800\",{}]",                  // lone high surrogate
      "[1,\"\\ud800x\",{}]",                 //
      "[1,\"\\ud800\\u0041\",{}]",           // high + non-low
      "[1,\"\\udc00\",{}]",                  // lone low surrogate
      "[1,\"\\ude00\\ud83d\",{}]",           // reversed pair
      "[48,1,{},\"p\",[\"\xed\xbf\xbf\"]]",  // surrogate inside args (validated)
      "[48,1,{},\"p\",[],{\"\xc3\":1}]",     // bad key inside kwargs
      "[48,1,{},\"p\",[\"\\udc00\"]]",       // lone surrogate escape inside args
  };
  for (const char* b : bad) {
    const std::string reason = decode_error(b);
    EXPECT_TRUE(reason.find("UTF-8") != std::string::npos ||
                reason.find("surrogate") != std::string::npos)
        << b << " -> " << reason;
  }
}

TEST(WampJsonDecode, HugeNumbers) {
  EXPECT_NE(decode_error(R"([48,1,{"a":18446744073709551616},"p"])").find("out of range"),
            std::string::npos);
  EXPECT_NE(decode_error(R"([48,1,{"a":-9223372036854775809},"p"])").find("out of range"),
            std::string::npos);
  EXPECT_NE(decode_error(R"([48,1,{"a":1e400},"p"])").find("out of range"), std::string::npos);
  EXPECT_NE(decode_error(R"([48,1,{},"p",[123456789012345678901234567890]])").find("out of range"),
            std::string::npos);
  EXPECT_NE(decode_error(R"([48,1,{},"p",[-1e999]])").find("out of range"), std::string::npos);
  EXPECT_NE(decode_error(R"([48,99999999999999999999999,{},"p"])").find("out of range"),
            std::string::npos);
  EXPECT_NE(decode_error(R"([99999999999999999999999])").find("out of range"), std::string::npos);
}

// Envelope integers take a fast path (up to 18 plain digits); its edges behave like the full
// number parser.
TEST(WampJsonDecode, EnvelopeIntegerEdges) {
  EXPECT_EQ(decode_ok(R"([48,0,{},"p"])").request, 0u);
  EXPECT_EQ(decode_ok(R"([48,9007199254740992,{},"p"])").request, 9007199254740992u);
  EXPECT_NE(decode_error(R"([48,999999999999999999,{},"p"])").find("[0, 2^53]"), std::string::npos);
  EXPECT_EQ(decode_ok(R"([68,7,9007199254740992,{}])").id, 9007199254740992u);
  EXPECT_EQ(decode_ok(R"( [ 48 , 12 , {} , "p" ] )").request, 12u);
  EXPECT_NE(decode_error(R"([48,01,{},"p"])").find("expected ',' or ']'"), std::string::npos);
  EXPECT_NE(decode_error(R"([48,1234567890123456789,{},"p"])").find("[0, 2^53]"),
            std::string::npos);
  EXPECT_NE(decode_error(R"([48,9223372036854775808,{},"p"])").find("[0, 2^53]"),
            std::string::npos);
  EXPECT_NE(decode_error(R"([48,-1,{},"p"])").find("[0, 2^53]"), std::string::npos);
  // Whole floats are ids too (wampy.js writes ids above 2^32 as floats: wamp_client_quirks_test).
  EXPECT_EQ(decode_ok(R"([48,1e2,{},"p"])").request, 100u);
  EXPECT_EQ(decode_ok(R"([48,2.0,{},"p"])").request, 2u);
  EXPECT_NE(decode_error(R"([48,2.5,{},"p"])").find("[0, 2^53]"), std::string::npos);
  EXPECT_NE(decode_error(R"([48,1e-2,{},"p"])").find("[0, 2^53]"), std::string::npos);
  EXPECT_NE(decode_error(R"([48,1)").find("unterminated"), std::string::npos);
  EXPECT_NE(decode_error(R"([48.0,1,{},"p"])").find("must be an integer"), std::string::npos);
}

// Strings are scanned eight bytes at a time: every special byte at every offset and length is
// still found.
TEST(WampJsonDecode, StringScanAtEveryOffset) {
  for (std::size_t len = 0; len < 24; ++len) {
    for (std::size_t at = 0; at <= len; ++at) {
      std::string plain(len, 'a');
      EXPECT_EQ(decode_ok("[48,1,{},\"" + plain + "\"]").uri, plain);
      std::string escaped = plain;
      escaped.insert(at, "\\n");
      std::string expected = plain;
      expected.insert(at, "\n");
      EXPECT_EQ(decode_ok("[48,1,{},\"" + escaped + "\"]").uri, expected);
      std::string quoted = plain;
      quoted.insert(at, "\\\"");
      expected = plain;
      expected.insert(at, "\"");
      EXPECT_EQ(decode_ok("[48,1,{},\"" + quoted + "\"]").uri, expected);
      std::string utf8 = plain;
      utf8.insert(at, "\xC3\xA9");
      EXPECT_EQ(decode_ok("[48,1,{},\"" + utf8 + "\"]").uri, utf8);
      for (const char* bad : {"\x01", "\x1F", "\x80", "\xFF"}) {
        std::string broken = plain;
        broken.insert(at, bad);
        decode_error("[48,1,{},\"" + broken + "\"]");
        decode_error("[48,1,{},\"p\",[\"" + broken + "\"]]");
      }
      EXPECT_NE(decode_error("[48,1,{},\"" + plain).find("unterminated string"), std::string::npos);
    }
  }
}

std::string nested(int depth, std::string_view open, std::string_view close,
                   std::string_view inner = "") {
  std::string s;
  for (int i = 0; i < depth; ++i)
    s += open;
  s += inner;
  for (int i = 0; i < depth; ++i)
    s += close;
  return s;
}

TEST(WampJsonDecode, NestingLimit) {
  // The limit counts each element's own depth (issue 13), not the envelope's: Arguments nested
  // 128 deep (an argument 127 deep inside the list) fit, 129 do not.
  EXPECT_EQ(decode_ok("[48,1,{},\"p\"," + nested(128, "[", "]") + "]").type, MessageType::call);
  EXPECT_EQ(decode_ok("[48,1,{},\"p\",[" + nested(127, "[", "]") + "]]").type, MessageType::call);
  EXPECT_NE(decode_error("[48,1,{},\"p\"," + nested(129, "[", "]") + "]").find("nesting"),
            std::string::npos);
  // The same for ArgumentsKw and Options: a dict 128 deep fits, 129 does not.
  EXPECT_EQ(decode_ok("[48,1,{},\"p\",[]," + nested(128, "{\"a\":", "}", "1") + "]").type,
            MessageType::call);
  EXPECT_EQ(decode_ok("[48,1," + nested(128, "{\"a\":", "}", "1") + ",\"p\"]").type,
            MessageType::call);
  EXPECT_NE(
      decode_error("[48,1,{},\"p\",[]," + nested(129, "{\"a\":", "}", "1") + "]").find("nesting"),
      std::string::npos);
  // A value decoded on its own has the same limit.
  EXPECT_TRUE(std::holds_alternative<Value>(json().decode_value(nested(128, "[", "]"))));
  EXPECT_TRUE(std::holds_alternative<DecodeError>(json().decode_value(nested(129, "[", "]"))));
  // Deep objects in kwargs and options are limited too.
  std::string deep_obj;
  for (int i = 0; i < 200; ++i)
    deep_obj += "{\"a\":";
  deep_obj += "1";
  for (int i = 0; i < 200; ++i)
    deep_obj += "}";
  EXPECT_NE(decode_error("[48,1,{},\"p\",[]," + deep_obj + "]").find("nesting"), std::string::npos);
  EXPECT_NE(decode_error("[48,1," + deep_obj + ",\"p\"]").find("nesting"), std::string::npos);
  // Hostile depth far beyond any stack: must fail cleanly, not crash.
  EXPECT_NE(decode_error("[48,1,{},\"p\"," + nested(1'000'000, "[", "]") + "]").find("nesting"),
            std::string::npos);
  EXPECT_NE(decode_error("[48,1,{},\"p\"," + std::string(1'000'000, '[')).find("nesting"),
            std::string::npos);
  auto v = json().decode_value(nested(1'000'000, "[", "]"));
  EXPECT_TRUE(std::holds_alternative<DecodeError>(v));
}

TEST(WampJsonDecode, TruncationsNeverSucceedOrCrash) {
  const std::string full =
      R"([48,7814135,{"a":[1,2.5,"\u00e9\ud83d\ude00",{"b":null}],"c":"\u0000AQID"},"com.p",["x",{"y":[true,false]}],{"k":"v"}])";
  EXPECT_EQ(decode_ok(full).uri, "com.p");
  for (std::size_t n = 0; n < full.size(); ++n) {
    auto r = json().decode(std::string_view(full).substr(0, n));
    EXPECT_TRUE(std::holds_alternative<DecodeError>(r)) << n;
  }
}

TEST(WampJsonDecode, ArbitraryBytesNeverCrash) {
  // A cheap in-test fuzz: every single-byte mutation of a valid message decodes or fails cleanly.
  const std::string base = R"([48,1,{"a":[1,"\u0041"]},"p",[1.5e3,"\u0000AQID"],{"k":{}}])";
  for (std::size_t i = 0; i < base.size(); ++i) {
    for (int b : {0x00, 0x22, 0x2c, 0x5b, 0x5d, 0x7b, 0x7d, 0x5c, 0x80, 0xff, 0x30, 0x2d}) {
      std::string s = base;
      s[i] = static_cast<char>(b);
      auto r = json().decode(s);
      if (auto* m = std::get_if<Message>(&r)) {
        std::string re;
        json().encode(*m, re);
        EXPECT_TRUE(std::holds_alternative<Message>(json().decode(re))) << s << " -> " << re;
      }
    }
  }
}

TEST(WampJsonDecode, DecodeValue) {
  auto v = json().decode_value(R"( {"a":[1,"x",null,true,-2.5]} )");
  ASSERT_TRUE(std::holds_alternative<Value>(v));
  EXPECT_EQ(std::get<Value>(v), Value(Object{{"a", Array{1, "x", nullptr, true, -2.5}}}));
  EXPECT_TRUE(std::holds_alternative<DecodeError>(json().decode_value("[1] 2")));
  EXPECT_TRUE(std::holds_alternative<DecodeError>(json().decode_value("")));
  EXPECT_TRUE(std::holds_alternative<Value>(json().decode_value("\"\\u0000\"")));
}

TEST(WampJsonEncode, Layouts) {
  EXPECT_EQ(encode(make_abort("wamp.error.no_such_realm", "no realm \"x\"")),
            R"([3,{"message":"no realm \"x\""},"wamp.error.no_such_realm"])");
  EXPECT_EQ(encode(make_abort("wamp.error.protocol_violation")),
            R"([3,{},"wamp.error.protocol_violation"])");
  EXPECT_EQ(encode(make_goodbye("wamp.close.goodbye_and_out")),
            R"([6,{},"wamp.close.goodbye_and_out"])");
  EXPECT_EQ(encode(make_error(MessageType::call, 5, "wamp.error.no_such_procedure")),
            R"([8,48,5,{},"wamp.error.no_such_procedure"])");
  EXPECT_EQ(encode(make_error(MessageType::call, 5, "e", make_payload({"why"}))),
            R"([8,48,5,{},"e",["why"]])");
  EXPECT_EQ(encode(make_error(MessageType::reg, 6, "e", make_payload({}, {{"k", 1}}),
                              Object{{"d", true}})),
            R"([8,64,6,{"d":true},"e",[],{"k":1}])");
  EXPECT_EQ(encode(make_error(MessageType::call, 5, "e", make_payload({}))), R"([8,48,5,{},"e"])");

  Message m;
  m.type = MessageType::unsubscribed;
  m.request = 9;
  EXPECT_EQ(encode(m), "[35,9]");
  m.options["reason"] = "gone";
  EXPECT_EQ(encode(m), R"([35,9,{"reason":"gone"}])");
  m = {};
  m.type = MessageType::unregistered;
  m.request = 10;
  EXPECT_EQ(encode(m), "[67,10]");

  m = {};
  m.type = MessageType::event;
  m.id = 1;
  m.id2 = kMaxId;
  EXPECT_EQ(encode(m), "[36,1,9007199254740992,{}]");
  m.type = MessageType::welcome;
  m.id = 42;
  m.options["roles"] = Object{{"broker", Object{}}};
  EXPECT_EQ(encode(m), R"([2,42,{"roles":{"broker":{}}}])");
}

TEST(WampJsonEncode, StringEscaping) {
  Message m;
  m.type = MessageType::hello;
  m.uri = std::string("a\"b\\c\n\t\x01\x1f\x7f/\xc3\xa9\0z", 15);
  const std::string out = encode(m);
  EXPECT_EQ(out, std::string("[1,\"a\\\"b\\\\c\\n\\t\\u0001\\u001f\x7f/\xc3\xa9\\u0000z\",{}]"));
  EXPECT_EQ(decode_ok(out).uri, m.uri);
  Message invalid;
  invalid.type = MessageType::hello;
  invalid.uri = "bad\xff";
  EXPECT_EQ(encode(invalid), "[1,\"bad\xef\xbf\xbd\",{}]");  // U+FFFD keeps the JSON valid
}

// Integers are written 8 digits at a time: every length, the edges around each power of ten,
// the signed and unsigned extremes, in the envelope and in options, as std::to_chars writes them.
TEST(WampJsonEncode, IntegersOfEveryLength) {
  const auto expected = [](auto v) {
    char buffer[32];
    return std::string(buffer, std::to_chars(buffer, buffer + sizeof buffer, v).ptr);
  };
  std::vector<std::uint64_t> values = {
      0, 1, 9, 10, 99, 100, 12345678, 87654321, 1234567890123456, kMaxId, 18446744073709551615ull};
  for (std::uint64_t p = 10; p <= 10000000000000000000ull; p *= 10) {
    values.insert(values.end(), {p - 1, p, p + 1, p / 10 * 9 + p / 100 * 8 + 7});
    if (p > 1844674407370955161ull) break;  // the next power would overflow
  }
  for (std::uint64_t v : values) {
    Message m;
    m.type = MessageType::unregistered;
    m.request = v;
    EXPECT_EQ(encode(m), "[67," + expected(v) + "]");
    const auto s = static_cast<std::int64_t>(v);
    m.options = {{"u", v}, {"i", s}, {"n", s == INT64_MIN ? s : -s}};
    EXPECT_EQ(encode(m), "[67," + expected(v) + ",{\"i\":" + expected(s) + ",\"n\":" +
                             expected(s == INT64_MIN ? s : -s) + ",\"u\":" + expected(v) + "}]");
  }
  Message m;
  m.type = MessageType::unregistered;
  m.request = 1;
  m.options = {{"min", INT64_MIN}, {"max", INT64_MAX}};
  EXPECT_EQ(encode(m), R"([67,1,{"max":9223372036854775807,"min":-9223372036854775808}])");
}

TEST(WampJsonEncode, Doubles) {
  Message m;
  m.type = MessageType::hello;
  m.uri = "r";
  m.options = {{"a", 0.1}, {"b", 2.0}, {"c", 1e300}, {"d", -0.0}, {"e", 1e21}};
  const std::string out = encode(m);
  EXPECT_EQ(out, R"([1,"r",{"a":0.1,"b":2.0,"c":1e+300,"d":-0.0,"e":1e+21}])");
  EXPECT_EQ(decode_ok(out).options, m.options);
}

TEST(WampJsonPayload, PassthroughKeepsBytes) {
  const std::string args = "[ 1 ,\t\"\\u00e9\" , 1.50 , {\"z\":1,\"a\":2}, 1E2 ]";
  const std::string kwargs = "{ \"b\" : [ ] , \"a\" : \"\\/\" }";
  const std::string wire = "[48,1,{},\"p\"," + args + "," + kwargs + "]";
  Message m = decode_ok(wire);
  ASSERT_NE(m.payload, nullptr);
  EXPECT_EQ(m.payload->args, args);
  EXPECT_EQ(m.payload->kwargs, kwargs);
  // Forwarded as an INVOCATION: the very same bytes are spliced in.
  Message inv;
  inv.type = MessageType::invocation;
  inv.request = 2;
  inv.id = 3;
  inv.payload = m.payload;
  EXPECT_EQ(encode(inv), "[68,2,3,{}," + args + "," + kwargs + "]");
  std::string a, k;
  ASSERT_TRUE(payload_in_format(*m.payload, json(), a, k));
  EXPECT_EQ(a, args);
  EXPECT_EQ(k, kwargs);
}

TEST(WampJsonPayload, OnlyKwargsEmitsEmptyArgs) {
  auto p = std::make_shared<Payload>();
  p->kwargs = R"({"a":1})";
  Message m;
  m.type = MessageType::result;
  m.request = 4;
  m.payload = p;
  EXPECT_EQ(encode(m), R"([50,4,{},[],{"a":1}])");
  m.payload = std::make_shared<Payload>();
  EXPECT_EQ(encode(m), "[50,4,{}]");
}

TEST(WampJsonPayload, ForeignFormatIsTranscodedOrRefusedWhenCorrupt) {
  Payload p;
  p.format = Serializer::cbor;
  p.args = "\x81\x01";
  std::string a = "junk", k = "junk";
  EXPECT_TRUE(payload_in_format(p, json(), a, k));
  EXPECT_EQ(a, "[1]");
  EXPECT_TRUE(k.empty());
  p.args = "\x82\x01";  // a list of two with one element
  EXPECT_FALSE(payload_in_format(p, json(), a, k));
  EXPECT_TRUE(a.empty());
  EXPECT_TRUE(k.empty());
}

TEST(WampJsonPayload, MakePayload) {
  auto p = make_payload(Array{1, "two", Binary{"\x01"}}, Object{{"k", Array{}}});
  EXPECT_EQ(p->format, Serializer::json);
  EXPECT_EQ(p->args, R"([1,"two","\u0000AQ=="])");
  EXPECT_EQ(p->kwargs, R"({"k":[]})");
  auto empty = make_payload({});
  EXPECT_EQ(empty->args, "");
  EXPECT_EQ(empty->kwargs, "");
}

TEST(WampOutbound, EncodesOncePerSerializer) {
  auto out = make_outbound(make_error(MessageType::call, 7, "e", make_payload({1})));
  const auto& first = out->encoded(json());
  ASSERT_NE(first, nullptr);
  EXPECT_EQ(*first, R"([8,48,7,{},"e",[1]])");
  const std::string* address = first.get();
  EXPECT_EQ(out->encoded(json()).get(), address);  // cached, shared
  std::shared_ptr<const std::string> held = out->encoded(json());
  EXPECT_EQ(held.use_count(), 2);
  EXPECT_EQ(out->message().request, 7u);
}

}  // namespace
}  // namespace junction::wamp
