// transport_origin_test: the WebSocket Origin check (allowed_origins / allow_null_origin) —
// wildcard matching, Origin parsing and the allow/deny decision. No sockets.
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "transport/origin.hpp"

namespace junction::transport {
namespace {

TEST(WildcardMatch, LiteralAndStars) {
  EXPECT_TRUE(wildcard_match("abc", "abc"));
  EXPECT_FALSE(wildcard_match("abc", "abcd"));
  EXPECT_FALSE(wildcard_match("abcd", "abc"));
  EXPECT_TRUE(wildcard_match("*", ""));
  EXPECT_TRUE(wildcard_match("*", "anything at all"));
  EXPECT_TRUE(wildcard_match("a*c", "ac"));
  EXPECT_TRUE(wildcard_match("a*c", "abbbc"));
  EXPECT_FALSE(wildcard_match("a*c", "abbbd"));
  EXPECT_TRUE(wildcard_match("*.example.com", "a.b.example.com"));
  EXPECT_FALSE(wildcard_match("*.example.com", "example.com"));
  EXPECT_TRUE(wildcard_match("a**b", "ab"));
  EXPECT_TRUE(wildcard_match("*a*b*", "xxaxxbxx"));
  EXPECT_FALSE(wildcard_match("*a*b", "xxbxxa"));
}

TEST(WildcardMatch, CaseInsensitive) {
  EXPECT_TRUE(wildcard_match("HTTPS://*.Example.COM", "https://app.example.com"));
}

TEST(WildcardMatch, HostileInputStaysCheap) {
  // Greedy matching with one backtrack point: linear-ish, never exponential.
  const std::string text(20000, 'a');
  EXPECT_FALSE(wildcard_match("*a*a*a*a*a*a*a*a*a*b", text));
}

TEST(ParseOrigin, Forms) {
  auto o = parse_origin("https://App.Example.com");
  ASSERT_TRUE(o);
  EXPECT_EQ(o->scheme, "https");
  EXPECT_EQ(o->host, "app.example.com");
  EXPECT_FALSE(o->port);
  EXPECT_EQ(o->effective_port(), 443);

  o = parse_origin("http://localhost:8080");
  ASSERT_TRUE(o);
  EXPECT_EQ(o->host, "localhost");
  EXPECT_EQ(o->port, 8080);

  o = parse_origin("http://[::1]:9000/ignored?path");
  ASSERT_TRUE(o);
  EXPECT_EQ(o->host, "[::1]");
  EXPECT_EQ(o->port, 9000);

  o = parse_origin("http://example.com");
  ASSERT_TRUE(o);
  EXPECT_EQ(o->effective_port(), 80);
  o = parse_origin("chrome-extension://abcdef");
  ASSERT_TRUE(o);
  EXPECT_FALSE(o->effective_port());
}

TEST(ParseOrigin, Malformed) {
  EXPECT_FALSE(parse_origin(""));
  EXPECT_FALSE(parse_origin("example.com"));
  EXPECT_FALSE(parse_origin("://example.com"));
  EXPECT_FALSE(parse_origin("http://"));
  EXPECT_FALSE(parse_origin("http://:80"));
  EXPECT_FALSE(parse_origin("http://host:"));
  EXPECT_FALSE(parse_origin("http://host:65536"));
  EXPECT_FALSE(parse_origin("http://host:8x"));
  EXPECT_FALSE(parse_origin("http://user@host"));
  EXPECT_FALSE(parse_origin("http://[::1"));
  EXPECT_FALSE(parse_origin("ht tp://host"));
}

TEST(OriginAllowed, EmptyListAllowsEverything) {
  EXPECT_TRUE(origin_allowed("https://evil.example", {}));
  EXPECT_TRUE(origin_allowed("null", {}));
  EXPECT_TRUE(origin_allowed("garbage", {}));
}

TEST(OriginAllowed, CrossbarStylePatterns) {
  const std::vector<std::string> patterns{"https://*.tavendo.com", "http://localhost:8080"};
  EXPECT_TRUE(origin_allowed("https://www.tavendo.com", patterns));
  EXPECT_TRUE(origin_allowed("https://a.b.tavendo.com", patterns));
  EXPECT_TRUE(origin_allowed("https://www.tavendo.com:443", patterns));
  EXPECT_TRUE(origin_allowed("http://localhost:8080", patterns));
  EXPECT_TRUE(origin_allowed("HTTP://LOCALHOST:8080", patterns));
  EXPECT_TRUE(origin_allowed("  http://localhost:8080 ", patterns));

  EXPECT_FALSE(origin_allowed("http://www.tavendo.com", patterns)) << "scheme differs";
  EXPECT_FALSE(origin_allowed("https://tavendo.com", patterns)) << "no subdomain";
  EXPECT_FALSE(origin_allowed("https://tavendo.com.evil.net", patterns));
  EXPECT_FALSE(origin_allowed("https://evil.net", patterns));
  EXPECT_FALSE(origin_allowed("http://localhost:8081", patterns)) << "port differs";
  EXPECT_FALSE(origin_allowed("http://localhost", patterns)) << "port 80 is not 8080";
  EXPECT_FALSE(origin_allowed("not an origin", patterns));
}

TEST(OriginAllowed, AutobahnStyleExplicitPort) {
  // Autobahn matches against "scheme://host:port" with the default port filled in.
  const std::vector<std::string> patterns{"https://*.example.com:443"};
  EXPECT_TRUE(origin_allowed("https://app.example.com", patterns));
  EXPECT_FALSE(origin_allowed("https://app.example.com:8443", patterns));
}

TEST(OriginAllowed, NullOriginOnlyThroughNullPattern) {
  EXPECT_FALSE(origin_allowed("null", {"*"}));
  EXPECT_FALSE(origin_allowed("file://", {"*"}));
  EXPECT_TRUE(origin_allowed("null", {"https://x.org", "null"}));
  EXPECT_TRUE(origin_allowed("NULL", {"https://x.org", "null"}));
  EXPECT_TRUE(origin_allowed("file:///home/me/page.html", {"null"}));
  // "null" in the list allows only the null origin, not everything.
  EXPECT_FALSE(origin_allowed("https://evil.net", {"null"}));
}

TEST(OriginAllowed, StarAllowsAnyRealOrigin) {
  EXPECT_TRUE(origin_allowed("https://whatever.net:1234", {"*"}));
  EXPECT_TRUE(origin_allowed("http://[::1]:8080", {"*"}));
  EXPECT_FALSE(origin_allowed("no-scheme", {"*"}));
}

}  // namespace
}  // namespace junction::transport
