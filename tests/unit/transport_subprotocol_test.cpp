// WebSocket subprotocol negotiation rules, without a socket.
#include <gtest/gtest.h>

#include "transport/subprotocol.hpp"

namespace junction::transport {
namespace {

std::vector<std::string> parse(std::string_view header) {
  std::vector<std::string> out;
  parse_subprotocols(header, out);
  return out;
}

TEST(Subprotocol, ParsesCommaSeparatedTokens) {
  EXPECT_EQ(parse("wamp.2.json"), std::vector<std::string>{"wamp.2.json"});
  EXPECT_EQ(parse(" wamp.2.cbor ,\twamp.2.json,, "),
            (std::vector<std::string>{"wamp.2.cbor", "wamp.2.json"}));
  EXPECT_TRUE(parse("").empty());
  EXPECT_TRUE(parse(" , ").empty());
}

TEST(Subprotocol, SeveralHeadersAccumulate) {
  std::vector<std::string> out;
  parse_subprotocols("foo", out);
  parse_subprotocols("wamp.2.json", out);
  EXPECT_EQ(out, (std::vector<std::string>{"foo", "wamp.2.json"}));
}

TEST(Subprotocol, ChoosesASpokenSerializerTheClientOffered) {
  WebSocketOptions options;
  const wamp::Codec* codec = choose_codec({"wamp.2.msgpack", "wamp.2.json"}, options);
  ASSERT_NE(codec, nullptr);
  EXPECT_EQ(codec->subprotocol(), "wamp.2.msgpack");
  EXPECT_EQ(choose_codec({"wamp.2.msgpack"}, options)->subprotocol(), "wamp.2.msgpack");
  // The client's preference decides among what the endpoint allows (as Crossbar): AutobahnJS
  // offers JSON, then MessagePack, and must get JSON.
  EXPECT_EQ(choose_codec({"wamp.2.json", "wamp.2.msgpack"}, options)->subprotocol(), "wamp.2.json");
  EXPECT_EQ(choose_codec({"wamp.2.json", "wamp.2.ubjson", "wamp.2.cbor"}, options)->subprotocol(),
            "wamp.2.json");
  // Offers the endpoint does not speak are skipped, whatever their place.
  EXPECT_EQ(choose_codec({"wamp.2.flatbuffers", "foo", "wamp.2.cbor"}, options)->subprotocol(),
            "wamp.2.cbor");
  EXPECT_EQ(choose_codec({"wamp.2.flatbuffers"}, options), nullptr);  // not implemented
  EXPECT_EQ(choose_codec({}, options), nullptr);
  EXPECT_EQ(choose_codec({"WAMP.2.JSON"}, options), nullptr);  // tokens are case-sensitive
}

TEST(Subprotocol, OnlyConfiguredSerializersAreOffered) {
  WebSocketOptions options;
  options.serializers = {wamp::Serializer::cbor};
  EXPECT_EQ(choose_codec({"wamp.2.json"}, options), nullptr);
  EXPECT_EQ(choose_codec({"wamp.2.json", "wamp.2.cbor"}, options)->subprotocol(), "wamp.2.cbor");
  EXPECT_EQ(spoken_subprotocols(WebSocketOptions{}),
            "wamp.2.cbor, wamp.2.msgpack, wamp.2.ubjson, wamp.2.json");
}

}  // namespace
}  // namespace junction::transport
