// Unit tests for wamp values, base64 and the URI rules.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "wamp/base64.hpp"
#include "wamp/uri.hpp"
#include "wamp/value.hpp"

namespace junction::wamp {
namespace {

TEST(WampValue, IntegersNormalise) {
  EXPECT_TRUE(std::holds_alternative<std::int64_t>(Value(std::uint64_t{5}).v));
  EXPECT_TRUE(std::holds_alternative<std::uint64_t>(Value(std::uint64_t{1} << 63).v));
  EXPECT_EQ(Value(std::uint64_t{5}), Value(5));
}

TEST(WampValue, AsUint) {
  EXPECT_EQ(Value(5).as_uint(), 5u);
  EXPECT_EQ(Value(-1).as_uint(), std::nullopt);
  EXPECT_EQ(Value(std::uint64_t{1} << 63).as_uint(), std::uint64_t{1} << 63);
  EXPECT_EQ(Value(5.0).as_uint(), 5u);
  EXPECT_EQ(Value(5.5).as_uint(), std::nullopt);
  EXPECT_EQ(Value(-1.0).as_uint(), std::nullopt);
  EXPECT_EQ(Value(1e20).as_uint(), std::nullopt);  // beyond uint64
  EXPECT_EQ(Value(std::nan("")).as_uint(), std::nullopt);
  EXPECT_EQ(Value(std::numeric_limits<double>::infinity()).as_uint(), std::nullopt);
  EXPECT_EQ(Value("5").as_uint(), std::nullopt);
  EXPECT_EQ(Value(true).as_uint(), std::nullopt);
}

TEST(WampValue, AsInt) {
  EXPECT_EQ(Value(-7).as_int(), -7);
  EXPECT_EQ(Value(-7.0).as_int(), -7);
  EXPECT_EQ(Value(std::uint64_t{1} << 63).as_int(), std::nullopt);
  EXPECT_EQ(Value(9.3e18).as_int(), std::nullopt);
  EXPECT_EQ(Value(0.5).as_int(), std::nullopt);
}

TEST(WampValue, DictHelpers) {
  Object o{{"b", true}, {"n", 3}, {"s", "x"}, {"o", Object{{"k", 1}}}, {"a", Array{1, 2}}};
  EXPECT_EQ(get_bool(o, "b"), true);
  EXPECT_EQ(get_bool(o, "n"), std::nullopt);
  EXPECT_EQ(get_bool(o, "missing"), std::nullopt);
  EXPECT_EQ(get_uint(o, "n"), 3u);
  EXPECT_EQ(get_uint(o, "s"), std::nullopt);
  ASSERT_NE(get_string(o, "s"), nullptr);
  EXPECT_EQ(*get_string(o, "s"), "x");
  EXPECT_EQ(get_string(o, "n"), nullptr);
  ASSERT_NE(get_object(o, "o"), nullptr);
  EXPECT_EQ(get_uint(*get_object(o, "o"), "k"), 1u);
  ASSERT_NE(get_array(o, "a"), nullptr);
  EXPECT_EQ(get_array(o, "a")->size(), 2u);
  EXPECT_EQ(find(o, "zz"), nullptr);
  EXPECT_NE(find(o, "b"), nullptr);
}

TEST(WampValue, DebugString) {
  Value v(Object{{"a", Array{1, -2, 1.5, nullptr, true, "q\"\n"}},
                 {"b", Binary{std::string("\x01\x02\x03", 3)}},
                 {"u", std::uint64_t{18446744073709551615u}}});
  EXPECT_EQ(to_debug_string(v),
            R"({"a":[1,-2,1.5,null,true,"q\"\n"],"b":"\u0000AQID","u":18446744073709551615})");
  EXPECT_EQ(to_debug_string(Value(2.0)), "2.0");
  EXPECT_EQ(to_debug_string(Value(std::nan(""))), "null");
  EXPECT_EQ(to_debug_string(Value(std::string("\x01", 1))), "\"\\u0001\"");
}

TEST(WampBase64, Encode) {
  EXPECT_EQ(base64_encode(""), "");
  EXPECT_EQ(base64_encode("f"), "Zg==");
  EXPECT_EQ(base64_encode("fo"), "Zm8=");
  EXPECT_EQ(base64_encode("foo"), "Zm9v");
  EXPECT_EQ(base64_encode("foob"), "Zm9vYg==");
  EXPECT_EQ(base64_encode("fooba"), "Zm9vYmE=");
  EXPECT_EQ(base64_encode("foobar"), "Zm9vYmFy");
  EXPECT_EQ(base64_encode(std::string("\xff\xfe\x00", 3)), "//4A");
}

TEST(WampBase64, Decode) {
  EXPECT_EQ(base64_decode(""), "");
  EXPECT_EQ(base64_decode("Zg=="), "f");
  EXPECT_EQ(base64_decode("Zm8="), "fo");
  EXPECT_EQ(base64_decode("Zm9vYmFy"), "foobar");
  EXPECT_EQ(base64_decode("//4A"), std::string("\xff\xfe\x00", 3));
}

TEST(WampBase64, RejectsInvalid) {
  for (const char* bad : {"Z", "Zg", "Zg=", "Zm9vY", "Z===", "====", "Zg==Zg==", "Zm=v", "Zm9v\n",
                          " Zm9v", "Zm-v", "Zm_v", "Zm9*", "=Zm9"}) {
    EXPECT_EQ(base64_decode(bad), std::nullopt) << bad;
  }
}

TEST(WampBase64, RoundTripAllLengths) {
  std::string bytes;
  for (int i = 0; i < 300; ++i) {
    EXPECT_EQ(base64_decode(base64_encode(bytes)), bytes);
    bytes += static_cast<char>(i * 37);
  }
}

struct UriCase {
  const char* uri;
  bool loose;
  bool strict;
};

TEST(WampUri, ValidUri) {
  const UriCase cases[] = {
      {"com.example.topic", true, true},
      {"com", true, true},
      {"a_b.c0", true, true},
      {"com.Example.topic", true, false},
      {"com.example-1.x", true, false},
      {"com.ünicode", true, false},
      {"", false, false},
      {"com..topic", false, false},
      {".com", false, false},
      {"com.", false, false},
      {"com.ex ample", false, false},
      {"com.ex\tample", false, false},
      {"com.ex\nample", false, false},
      {"com.ex#ample", false, false},
      {"wamp.error.no_such_procedure", true, true},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(valid_uri(c.uri, UriCheck::loose), c.loose) << '"' << c.uri << '"';
    EXPECT_EQ(valid_uri(c.uri, UriCheck::strict), c.strict) << '"' << c.uri << '"';
  }
}

TEST(WampUri, Patterns) {
  // Wildcards: empty components allowed.
  EXPECT_TRUE(valid_pattern_uri("a..c", UriCheck::loose, true));
  EXPECT_TRUE(valid_pattern_uri("a..c", UriCheck::strict, true));
  EXPECT_TRUE(valid_pattern_uri(".b.", UriCheck::strict, true));
  EXPECT_TRUE(valid_pattern_uri("..", UriCheck::loose, true));
  EXPECT_FALSE(valid_pattern_uri("a..c", UriCheck::loose, false));
  EXPECT_FALSE(valid_pattern_uri("a. .c", UriCheck::loose, true));
  EXPECT_FALSE(valid_pattern_uri("a.B.c", UriCheck::strict, true));
  EXPECT_TRUE(valid_pattern_uri("a.B.c", UriCheck::loose, true));
  // Prefixes: may end in '.' or be empty.
  EXPECT_TRUE(valid_pattern_uri("com.example.", UriCheck::strict, true));
  EXPECT_TRUE(valid_pattern_uri("com.example", UriCheck::strict, true));
  EXPECT_TRUE(valid_pattern_uri("", UriCheck::strict, true));
  EXPECT_TRUE(valid_pattern_uri("", UriCheck::loose, false));
  EXPECT_FALSE(valid_pattern_uri("com#", UriCheck::loose, true));
  // Without empty components, a pattern is an ordinary URI.
  EXPECT_TRUE(valid_pattern_uri("com.example", UriCheck::loose, false));
  EXPECT_FALSE(valid_pattern_uri("com.example.", UriCheck::loose, false));
}

}  // namespace
}  // namespace junction::wamp
