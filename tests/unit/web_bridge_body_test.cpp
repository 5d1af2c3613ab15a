// web/bridge_body: the HTTP bridge's publisher/caller request bodies. The spliced reader (the
// router's JSON reader, args/kwargs passed on as they stand) must give what the nlohmann tree
// reader gives, or leave the body to it; bad bodies are refused with the same reasons as before.
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "wamp/codec.hpp"
#include "web/bridge_body.hpp"

namespace junction {
namespace {

using web::BridgeBodyKind;
using web::BridgeRequest;

// The values a request carries, whatever reader made it.
struct Decoded {
  std::string target;
  wamp::Value args;    // null: none
  wamp::Value kwargs;  // null: none
  wamp::Object options;
  bool operator==(const Decoded&) const = default;
};

Decoded decode(const BridgeRequest& request) {
  Decoded out;
  out.target = request.target;
  out.options = request.options;
  if (request.payload) {
    EXPECT_EQ(request.payload->format, wamp::Serializer::json);
    const wamp::Codec& json = *wamp::codec_for(wamp::Serializer::json);
    auto args = json.decode_value(request.payload->args);
    EXPECT_TRUE(std::holds_alternative<wamp::Value>(args)) << request.payload->args;
    if (auto* v = std::get_if<wamp::Value>(&args)) out.args = *v;
    if (!request.payload->kwargs.empty()) {
      auto kwargs = json.decode_value(request.payload->kwargs);
      EXPECT_TRUE(std::holds_alternative<wamp::Value>(kwargs)) << request.payload->kwargs;
      if (auto* v = std::get_if<wamp::Value>(&kwargs)) out.kwargs = *v;
    }
  }
  return out;
}

BridgeRequest spliced(std::string_view body, BridgeBodyKind kind = BridgeBodyKind::publisher) {
  BridgeRequest out;
  EXPECT_TRUE(web::detail::read_bridge_body_spliced(body, kind, out)) << body;
  return out;
}

std::string refusal(std::string_view body, BridgeBodyKind kind = BridgeBodyKind::publisher) {
  auto result = web::read_bridge_body(body, kind);
  EXPECT_TRUE(std::holds_alternative<std::string>(result)) << body;
  auto* why = std::get_if<std::string>(&result);
  return why ? *why : std::string();
}

TEST(WebBridgeBody, ArgsAndKwargsArePassedOnAsTheyStand) {
  auto r = spliced(R"({"topic": "com.example.bench", "args": ["hello", 1.50, {"a": [true]}]})");
  EXPECT_EQ(r.target, "com.example.bench");
  ASSERT_NE(r.payload, nullptr);
  EXPECT_EQ(r.payload->args, R"(["hello", 1.50, {"a": [true]}])");
  EXPECT_EQ(r.payload->kwargs, "");
  EXPECT_TRUE(r.options.empty());

  r = spliced(R"({"kwargs": {"x": 1}, "topic": "t"})");
  ASSERT_NE(r.payload, nullptr);
  EXPECT_EQ(r.payload->args, "[]");  // the wire position needs them
  EXPECT_EQ(r.payload->kwargs, R"({"x": 1})");

  // Empty or null args/kwargs are none at all, as before.
  EXPECT_EQ(spliced(R"({"topic": "t", "args": [ ], "kwargs": {}})").payload, nullptr);
  EXPECT_EQ(spliced(R"({"topic": "t", "args": null, "kwargs": null})").payload, nullptr);
  EXPECT_EQ(spliced(R"({"topic": "t"})").payload, nullptr);

  // The caller names a procedure; options are the publisher's only.
  r = spliced(R"({"procedure": "p", "args": [2], "options": {"exclude": [1]}})",
              BridgeBodyKind::caller);
  EXPECT_EQ(r.target, "p");
  EXPECT_TRUE(r.options.empty());
  r = spliced(R"({"topic": "t", "options": {"exclude": [1, 2], "eligible": null, "x": 1}})");
  ASSERT_EQ(r.options.size(), 1u);
  EXPECT_EQ(r.options.at("exclude"), wamp::Value(wamp::Array{wamp::Value(1), wamp::Value(2)}));
}

TEST(WebBridgeBody, BothReadersAgree) {
  const std::vector<std::string> bodies = {
      R"({"topic":"com.example.bench","args":["hello"]})",
      " \r\n\t{ \"topic\" : \"a.b\" , \"args\" : [ 1 , -2 , 3.25e2 , true , null ] } \n",
      R"({"topic": "a.b", "args": [18446744073709551615, -9223372036854775808, 0.1, -0.5]})",
      R"({"topic": "a\u002eb", "args": ["\u00e9\ud83d\ude00", "tab\tnew\nline", "\"q\"\\"]})",
      "{\"topic\": \"a.b\", \"args\": [\"\xc3\xa9\xf0\x9f\x98\x80\"]}",
      R"({"topic": "first", "topic": "a.b", "args": [1], "args": [2]})",  // the last wins
      R"({"topic": "a.b", "kwargs": {"k": {"n": [{}, [], ""]}}, "extra": [1, {"z": 0}]})",
      R"({"topic": "a.b", "options": {"eligible": [3], "acknowledge": false}})",
      R"({"topic": "a.b", "options": [1]})",
      R"({"topic": "a.b", "options": {"exclude": null}})",
  };
  for (const auto& body : bodies) {
    for (const auto kind : {BridgeBodyKind::publisher, BridgeBodyKind::caller}) {
      std::string with_target = body;
      if (kind == BridgeBodyKind::caller) {
        for (std::size_t at; (at = with_target.find("\"topic\"")) != std::string::npos;)
          with_target.replace(at, 7, "\"procedure\"");
      }
      BridgeRequest fast;
      ASSERT_TRUE(web::detail::read_bridge_body_spliced(with_target, kind, fast)) << with_target;
      auto tree = web::detail::read_bridge_body_tree(with_target, kind);
      ASSERT_TRUE(std::holds_alternative<BridgeRequest>(tree)) << with_target;
      EXPECT_EQ(decode(fast), decode(std::get<BridgeRequest>(tree))) << with_target;
    }
  }
}

TEST(WebBridgeBody, WhatTheRoutersReaderWouldNotTakeIsReadAsBefore) {
  const std::vector<std::string> bodies = {
      // Past 64 bits: a float, as nlohmann reads it.
      R"({"topic": "a.b", "args": [18446744073709551616, -9223372036854775809]})",
      // Duplicate keys below the top: the last wins.
      R"({"topic": "a.b", "kwargs": {"k": 1, "k": 2}})",
      // "\u0000..." is binary in WAMP's JSON, text here.
      R"({"topic": "a.b", "args": ["\u0000abc"]})",
      R"({"topic": "a.b", "args": ["\u0000QUJD"]})",
      // A byte order mark, which nlohmann skips.
      "\xef\xbb\xbf{\"topic\": \"a.b\"}",
  };
  for (const auto& body : bodies) {
    BridgeRequest fast;
    EXPECT_FALSE(web::detail::read_bridge_body_spliced(body, BridgeBodyKind::publisher, fast))
        << body;
    auto result = web::read_bridge_body(body, BridgeBodyKind::publisher);
    ASSERT_TRUE(std::holds_alternative<BridgeRequest>(result)) << body;
    EXPECT_EQ(std::get<BridgeRequest>(result).target, "a.b");
  }
  auto big = std::get<BridgeRequest>(web::read_bridge_body(bodies[0], BridgeBodyKind::publisher));
  ASSERT_NE(big.payload, nullptr);
  auto args = std::get<wamp::Value>(
      wamp::codec_for(wamp::Serializer::json)->decode_value(big.payload->args));
  EXPECT_EQ(args, wamp::Value(wamp::Array{wamp::Value(18446744073709551616.0),
                                          wamp::Value(-9223372036854775809.0)}));
  auto text = std::get<BridgeRequest>(web::read_bridge_body(bodies[2], BridgeBodyKind::publisher));
  ASSERT_NE(text.payload, nullptr);
  EXPECT_NE(text.payload->args.find("abc"), std::string::npos);
}

TEST(WebBridgeBody, BadBodiesAreRefusedWithTheirReason) {
  EXPECT_EQ(refusal("[1]"), "invalid request body: a JSON object was expected");
  EXPECT_EQ(refusal(R"("topic")"), "invalid request body: a JSON object was expected");
  EXPECT_EQ(refusal(R"({"args": [1]})"), "invalid request body: 'topic' missing (or not a string)");
  EXPECT_EQ(refusal(R"({"topic": 5})"), "invalid request body: 'topic' missing (or not a string)");
  EXPECT_EQ(refusal(R"({"topic": "a.b"})", BridgeBodyKind::caller),
            "invalid request body: 'procedure' missing (or not a string)");
  EXPECT_EQ(refusal(R"({"topic": "a.b", "args": {"x": 1}})"),
            "invalid request body: 'args' is not a list");
  EXPECT_EQ(refusal(R"({"topic": "a.b", "kwargs": [1]})"),
            "invalid request body: 'kwargs' is not an object");
  for (const std::string body :
       {"", "{", R"({"topic": "a.b",})", R"({"topic": "a.b"} x)", R"({'topic': 'a.b'})",
        R"({"topic": "a.b", "args": [1e400]})", R"({"topic": "a.b", "args": [01]})",
        "{\"topic\": \"a\xff.b\"}", "{\"topic\": \"a.b\", \"args\": [\"\xc3\"]}",
        R"({"topic": "\ud800"})"}) {
    EXPECT_EQ(refusal(body).rfind("invalid request body: not JSON (", 0), 0u) << body;
  }
}

TEST(WebBridgeBody, NestingIsBoundedAsInTheRouter) {
  auto nested = [](int levels) {
    return R"({"topic": "a.b", "args": )" + std::string(static_cast<std::size_t>(levels), '[') +
           std::string(static_cast<std::size_t>(levels), ']') + "}";
  };
  // The body's object is level 1: args may nest 127 arrays.
  auto ok = web::read_bridge_body(nested(127), BridgeBodyKind::publisher);
  ASSERT_TRUE(std::holds_alternative<BridgeRequest>(ok));
  BridgeRequest fast;
  EXPECT_TRUE(web::detail::read_bridge_body_spliced(nested(127), BridgeBodyKind::publisher, fast));
  for (const int levels : {128, 1000, 1000000}) {
    EXPECT_EQ(refusal(nested(levels)), "invalid request body: nesting deeper than 128 levels")
        << levels;
  }
  // Deep nesting with a duplicate key (left to the tree reader) is refused there too.
  EXPECT_EQ(refusal(R"({"topic": "a.b", "k": {"x": 1, "x": 2}, "args": )" + std::string(200, '[') +
                    std::string(200, ']') + "}"),
            "invalid request body: nesting deeper than 128 levels");
}

}  // namespace
}  // namespace junction
