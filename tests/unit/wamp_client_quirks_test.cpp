// Unit tests for what real JavaScript clients put on the wire that a strict reading would refuse
// (issue 14, wampy.js 8): msgpackr's `undefined` extension (d4 00 00) and CBOR's undefined in
// Options/Details, and whole-number floats in id fields, in every serializer. The bytes are the
// ones wampy's encoders (msgpackr, cbor-x) write.
#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include "wamp/codec.hpp"

namespace junction::wamp {
namespace {

const Codec& json() {
  return *codec_for(Serializer::json);
}
const Codec& msgpack() {
  return *codec_for(Serializer::msgpack);
}
const Codec& cbor() {
  return *codec_for(Serializer::cbor);
}
const Codec& ubjson() {
  return *codec_for(Serializer::ubjson);
}

std::string hex(std::string_view h) {
  std::string out;
  for (std::size_t i = 0; i + 1 < h.size(); i += 2) {
    if (h[i] == ' ') {
      --i;
      continue;
    }
    out += static_cast<char>(std::stoi(std::string(h.substr(i, 2)), nullptr, 16));
  }
  return out;
}

Message decoded(const Codec& codec, const std::string& bytes) {
  auto r = codec.decode(bytes);
  if (auto* e = std::get_if<DecodeError>(&r)) {
    ADD_FAILURE() << codec.subprotocol() << ": " << e->reason;
    return {};
  }
  return std::get<Message>(std::move(r));
}

std::string message_error(const Codec& codec, const std::string& bytes) {
  auto r = codec.decode(bytes);
  if (auto* e = std::get_if<DecodeError>(&r)) return e->reason;
  ADD_FAILURE() << codec.subprotocol() << ": message decoded, but should not";
  return {};
}

Value value_of(const Codec& codec, const std::string& bytes) {
  auto r = codec.decode_value(bytes);
  if (auto* e = std::get_if<DecodeError>(&r)) {
    ADD_FAILURE() << codec.subprotocol() << ": " << e->reason;
    return {};
  }
  return std::get<Value>(std::move(r));
}

std::string value_error(const Codec& codec, const std::string& bytes) {
  auto r = codec.decode_value(bytes);
  if (auto* e = std::get_if<DecodeError>(&r)) return e->reason;
  ADD_FAILURE() << codec.subprotocol() << ": decoded, but should not";
  return {};
}

// ---- undefined ----

// wampy 8's msgpack subscribe(): [32, 1, {match: undefined, get_retained: undefined}, "com.t"],
// exactly as msgpackr packs it (a map16 header, undefined as fixext 1 type 0).
TEST(WampUndefined, MsgpackrSubscribeOptionsAreAbsentKeys) {
  const std::string subscribe =
      hex("94 20 01 de0002 a56d61746368 d40000 ac6765745f72657461696e6564 d40000 a5636f6d2e74");
  const Message m = decoded(msgpack(), subscribe);
  EXPECT_EQ(m.type, MessageType::subscribe);
  EXPECT_EQ(m.request, 1u);
  EXPECT_TRUE(m.options.empty());
  EXPECT_EQ(m.uri, "com.t");
}

TEST(WampUndefined, AbsentAtEveryDepthOfOptionsButNullInLists) {
  // [16, 1, {acknowledge: true, x: undefined, n: {y: undefined, z: 1}, l: [undefined]}, "t"]
  const std::string publish =
      hex("94 10 01 84 ab61636b6e6f776c65646765 c3 a178 d40000 a16e 82 a179 d40000 a17a 01 a16c 91 "
          "d40000 a174");
  const Message m = decoded(msgpack(), publish);
  EXPECT_EQ(m.options,
            (Object{{"acknowledge", true}, {"n", Object{{"z", 1}}}, {"l", Array{nullptr}}}));
  // The same in CBOR (undefined is simple value 23, f7): [16, 1, {x: undefined, n: {y: undefined}},
  // "t"]
  const Message c = decoded(cbor(), hex("84 10 01 a2 6178 f7 616e a1 6179 f7 6174"));
  EXPECT_EQ(c.options, (Object{{"n", Object{}}}));
  // HELLO Details too.
  const Message hello =
      decoded(msgpack(), hex("93 01 a172 82 a6617574686964 d40000 a5726f6c6573 80"));
  EXPECT_EQ(hello.options, (Object{{"roles", Object{}}}));
}

TEST(WampUndefined, RepeatedKeyIsStillADuplicate) {
  EXPECT_EQ(message_error(msgpack(), hex("94 20 01 82 a161 d40000 a161 01 a174")),
            "invalid MessagePack at offset 9: duplicate key in dict");
  EXPECT_EQ(value_error(msgpack(), hex("82 a161 d40000 a161 01")),
            "invalid MessagePack at offset 6: duplicate key in dict");
}

// In Arguments/ArgumentsKw the bytes travel as received; transcoded (or built into a Value) it
// becomes what JSON.stringify makes of it.
TEST(WampUndefined, PayloadsPassThroughUntouched) {
  // [48, 7, {}, "p", [1, undefined], {a: undefined, b: 2}]
  const std::string call = hex("96 30 07 80 a170 92 01 d40000 82 a161 d40000 a162 02");
  const Message m = decoded(msgpack(), call);
  ASSERT_NE(m.payload, nullptr);
  EXPECT_EQ(m.payload->args, hex("92 01 d40000"));
  EXPECT_EQ(m.payload->kwargs, hex("82 a161 d40000 a162 02"));
  std::string again;
  msgpack().encode(m, again);
  EXPECT_EQ(again, call);
  std::string args;
  std::string kwargs;
  ASSERT_TRUE(payload_in_format(*m.payload, json(), args, kwargs));
  EXPECT_EQ(args, "[1,null]");
  EXPECT_EQ(kwargs, R"({"b":2})");
  ASSERT_TRUE(payload_in_format(*m.payload, cbor(), args, kwargs));
  EXPECT_EQ(value_of(cbor(), args), Value(Array{1, nullptr}));
  EXPECT_EQ(value_of(cbor(), kwargs), Value(Object{{"b", 2}}));
  EXPECT_EQ(value_of(msgpack(), hex("d40000")), Value(nullptr));
}

TEST(WampUndefined, EveryOtherExtensionIsRefused) {
  const std::string why =
      " is not supported (WAMP has no such value; only msgpackr's undefined, "
      "d4 00 00, is read)";
  EXPECT_EQ(value_error(msgpack(), hex("d40001")),
            "invalid MessagePack at offset 0: extension type 0" + why);
  EXPECT_EQ(value_error(msgpack(), hex("d40100")),
            "invalid MessagePack at offset 0: extension type 1" + why);
  EXPECT_EQ(value_error(msgpack(), hex("d5000000")),
            "invalid MessagePack at offset 0: extension type 0" + why);
  EXPECT_EQ(value_error(msgpack(), hex("d6ff00000000")),
            "invalid MessagePack at offset 0: extension type -1 (timestamp)" + why);
  EXPECT_EQ(value_error(msgpack(), hex("d7ff0000000000000000")),
            "invalid MessagePack at offset 0: extension type -1 (timestamp)" + why);
  EXPECT_EQ(value_error(msgpack(), hex("d86500000000000000000000000000000000")),
            "invalid MessagePack at offset 0: extension type 101" + why);
  EXPECT_EQ(value_error(msgpack(), hex("c70100 00")),
            "invalid MessagePack at offset 0: extension type 0" + why);
  EXPECT_EQ(value_error(msgpack(), hex("c800017f 00")),
            "invalid MessagePack at offset 0: extension type 127" + why);
  EXPECT_EQ(value_error(msgpack(), hex("c90000000080")),
            "invalid MessagePack at offset 0: extension type -128" + why);
  // In Options and in payloads alike; truncated extensions are truncated input.
  EXPECT_EQ(message_error(msgpack(), hex("94 20 01 81 a161 d40100 a174")),
            "invalid MessagePack at offset 6: extension type 1" + why);
  EXPECT_EQ(message_error(msgpack(), hex("95 30 01 80 a170 91 d6ff00000000")),
            "invalid MessagePack at offset 7: extension type -1 (timestamp)" + why);
  EXPECT_EQ(value_error(msgpack(), hex("d400")),
            "invalid MessagePack at offset 2: unexpected end of input");
  EXPECT_EQ(value_error(msgpack(), hex("c705 00 0102")),
            "invalid MessagePack at offset 3: unexpected end of input");
}

// ---- whole floats in id fields ----

// An UNSUBSCRIBE [34, Request, Subscription] with the given encodings of its two ids.
std::string unsubscribe(const Codec& codec, const std::string& request,
                        const std::string& subscription) {
  switch (codec.serializer()) {
    case Serializer::json:
      return "[34," + request + "," + subscription + "]";
    case Serializer::msgpack:
      return hex("93 22") + request + subscription;
    case Serializer::cbor:
      return hex("83 1822") + request + subscription;
    default:  // UBJSON, counted list
      return "[#U\x03U\x22" + request + subscription;
  }
}

// `d` as a float64 item in the codec's format (JSON: its shortest text with a fraction part).
std::string float64(const Codec& codec, double d) {
  if (codec.serializer() == Serializer::json) {
    return std::to_string(d);  // "4294967301.000000": a float to any JSON parser
  }
  std::string out;
  codec.encode_value(Value(d), out);
  return out;
}

std::string integer(const Codec& codec, std::int64_t i) {
  std::string out;
  codec.encode_value(Value(i), out);
  return out;
}

const Codec* all_codecs[] = {codec_for(Serializer::json), codec_for(Serializer::msgpack),
                             codec_for(Serializer::cbor), codec_for(Serializer::ubjson)};

TEST(WampWholeFloatIds, ReadAsTheIntegerInEverySerializer) {
  for (const Codec* c : all_codecs) {
    SCOPED_TRACE(std::string(c->subprotocol()));
    const Message m = decoded(*c, unsubscribe(*c, float64(*c, 2.0), float64(*c, 4294967301.0)));
    EXPECT_EQ(m.type, MessageType::unsubscribe);
    EXPECT_EQ(m.request, 2u);
    EXPECT_EQ(m.id, 4294967301u);
    // The edges: 0 and 2^53 are ids; integers as before.
    EXPECT_EQ(decoded(*c, unsubscribe(*c, float64(*c, 0.0), float64(*c, 9007199254740992.0))).id,
              9007199254740992u);
    EXPECT_EQ(decoded(*c, unsubscribe(*c, integer(*c, 3), integer(*c, 9007199254740992))).id,
              9007199254740992u);
  }
}

TEST(WampWholeFloatIds, FractionalNegativeOrOutOfRangeAreStillRefused) {
  const std::string bad =
      "UNSUBSCRIBE: element 2 (Subscription) must be an integer in "
      "[0, 2^53]";
  for (const Codec* c : all_codecs) {
    SCOPED_TRACE(std::string(c->subprotocol()));
    for (double d : {1.5, -1.0, 9007199254740994.0, 1e300, 0.000001}) {
      SCOPED_TRACE(d);
      EXPECT_EQ(message_error(*c, unsubscribe(*c, integer(*c, 1), float64(*c, d))), bad);
    }
  }
  // Non-finite values exist only in the binary formats.
  for (const Codec* c : {&msgpack(), &cbor(), &ubjson()}) {
    SCOPED_TRACE(std::string(c->subprotocol()));
    for (double d : {INFINITY, -INFINITY, NAN}) {
      EXPECT_EQ(message_error(*c, unsubscribe(*c, integer(*c, 1), float64(*c, d))), bad);
    }
  }
}

TEST(WampWholeFloatIds, AsJavaScriptEncodersWriteThem) {
  // wampy 8 over CBOR (cbor-x) and MessagePack (msgpackr): 2^32 + 5 as float64.
  EXPECT_EQ(decoded(cbor(), hex("83 1822 02 fb41f0000000500000")).id, 4294967301u);
  EXPECT_EQ(decoded(msgpack(), hex("93 22 02 cb41f0000000500000")).id, 4294967301u);
  // Half and single floats (CBOR, MessagePack float32) and JSON's exponent forms.
  EXPECT_EQ(decoded(cbor(), hex("83 1822 f93c00 fa4f800000")).id, 4294967296u);
  EXPECT_EQ(decoded(msgpack(), hex("93 22 01 ca4f800000")).id, 4294967296u);
  EXPECT_EQ(decoded(json(), "[34,1,4.294967301e9]").id, 4294967301u);
  EXPECT_EQ(decoded(json(), "[34,1E2,5]").request, 100u);
  // Every id field: a CALL's request, a YIELD's, an INVOCATION error's.
  EXPECT_EQ(decoded(json(), R"([48,7.0,{},"p"])").request, 7u);
  EXPECT_EQ(decoded(json(), "[70,12.0,{}]").request, 12u);
  const Message error = decoded(json(), R"([8,68,4294967301.0,{},"app.error"])");
  EXPECT_EQ(error.request, 4294967301u);
}

TEST(WampWholeFloatIds, MessageTypesStayIntegers) {
  EXPECT_EQ(message_error(json(), "[34.0,1,2]"), "element 0 (message type) must be an integer");
  EXPECT_EQ(message_error(msgpack(), hex("93 cb4041000000000000 01 02")),
            "element 0 (message type) must be an integer");
  EXPECT_EQ(message_error(json(), R"([8,68.0,1,{},"app.error"])"),
            "ERROR: element 1 (REQUEST.Type) must be a known message type");
}

}  // namespace
}  // namespace junction::wamp
