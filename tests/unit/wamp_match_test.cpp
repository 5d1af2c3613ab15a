// wamp/match: pattern validity, matching and the spec's precedence between wildcards.
#include <gtest/gtest.h>

#include "wamp/match.hpp"

namespace junction::wamp {
namespace {

TEST(WampMatch, PolicyNames) {
  EXPECT_EQ(parse_match_policy("exact"), MatchPolicy::exact);
  EXPECT_EQ(parse_match_policy("prefix"), MatchPolicy::prefix);
  EXPECT_EQ(parse_match_policy("wildcard"), MatchPolicy::wildcard);
  EXPECT_EQ(parse_match_policy("Prefix"), std::nullopt);
  EXPECT_EQ(parse_match_policy(""), std::nullopt);
  EXPECT_EQ(match_policy_name(MatchPolicy::wildcard), "wildcard");
}

TEST(WampMatch, ValidPatterns) {
  const auto loose = UriCheck::loose;
  EXPECT_TRUE(valid_pattern("com.app", MatchPolicy::exact, loose));
  EXPECT_FALSE(valid_pattern("com.app.", MatchPolicy::exact, loose));
  EXPECT_FALSE(valid_pattern("com..app", MatchPolicy::exact, loose));
  EXPECT_FALSE(valid_pattern("", MatchPolicy::exact, loose));
  // A prefix may end in '.' or be empty, but has no empty component elsewhere.
  EXPECT_TRUE(valid_pattern("com.app", MatchPolicy::prefix, loose));
  EXPECT_TRUE(valid_pattern("com.app.", MatchPolicy::prefix, loose));
  EXPECT_TRUE(valid_pattern("", MatchPolicy::prefix, loose));
  EXPECT_FALSE(valid_pattern("com..app", MatchPolicy::prefix, loose));
  EXPECT_FALSE(valid_pattern(".com", MatchPolicy::prefix, loose));
  EXPECT_FALSE(valid_pattern("com.a pp", MatchPolicy::prefix, loose));
  // A wildcard may have empty components anywhere.
  EXPECT_TRUE(valid_pattern("com..app", MatchPolicy::wildcard, loose));
  EXPECT_TRUE(valid_pattern(".app.", MatchPolicy::wildcard, loose));
  EXPECT_TRUE(valid_pattern("com.app", MatchPolicy::wildcard, loose));
  EXPECT_FALSE(valid_pattern("com.#.app", MatchPolicy::wildcard, loose));
  EXPECT_FALSE(valid_pattern("com..App", MatchPolicy::wildcard, UriCheck::strict));
  EXPECT_TRUE(valid_pattern("com..app", MatchPolicy::wildcard, UriCheck::strict));
}

TEST(WampMatch, PrefixMatchesByCharacters) {
  // The spec's examples for prefix "com.myapp.myobject1".
  const std::string_view p = "com.myapp.myobject1";
  for (std::string_view uri :
       {"com.myapp.myobject1.myprocedure1", "com.myapp.myobject1-mysubobject1",
        "com.myapp.myobject1.mysubobject1.myprocedure1", "com.myapp.myobject1"}) {
    EXPECT_TRUE(matches(p, MatchPolicy::prefix, uri)) << uri;
  }
  EXPECT_FALSE(matches(p, MatchPolicy::prefix, "com.myapp.myobject2"));
  EXPECT_FALSE(matches(p, MatchPolicy::prefix, "com.myapp.myobject"));
  EXPECT_TRUE(matches("", MatchPolicy::prefix, "anything"));
}

TEST(WampMatch, WildcardMatchesWholeComponents) {
  const std::string_view p = "com.myapp..myprocedure1";
  EXPECT_TRUE(matches(p, MatchPolicy::wildcard, "com.myapp.myobject1.myprocedure1"));
  EXPECT_TRUE(matches(p, MatchPolicy::wildcard, "com.myapp.myobject2.myprocedure1"));
  EXPECT_FALSE(matches(p, MatchPolicy::wildcard, "com.myapp.myobject1.myprocedure1.mysub"));
  EXPECT_FALSE(matches(p, MatchPolicy::wildcard, "com.myapp.myobject1.myprocedure2"));
  EXPECT_FALSE(matches(p, MatchPolicy::wildcard, "com.myapp2.myobject1.myprocedure1"));
  EXPECT_FALSE(matches(p, MatchPolicy::wildcard, "com.myapp.myprocedure1"));
  EXPECT_TRUE(matches("..", MatchPolicy::wildcard, "a.b.c"));
  EXPECT_FALSE(matches("..", MatchPolicy::wildcard, "a.b"));
  EXPECT_TRUE(matches("a.b", MatchPolicy::wildcard, "a.b"));
  EXPECT_TRUE(matches("com.", MatchPolicy::wildcard, "com.x"));
  EXPECT_FALSE(matches("com.", MatchPolicy::wildcard, "com.x.y"));
}

TEST(WampMatch, WildcardPrecedenceIsTheSpecs) {
  // The spec's examples: the longest run of literals before the first wildcard, then the next.
  EXPECT_TRUE(wildcard_outranks("a1.b2.c3..e5", "a1.b2..d4.e5"));
  EXPECT_FALSE(wildcard_outranks("a1.b2..d4.e5", "a1.b2.c3..e5"));
  EXPECT_TRUE(wildcard_outranks("a1.b2..d4.e5..g7", "a1.b2..d4..f6.g7"));
  EXPECT_FALSE(wildcard_outranks("a1.b2..d4..f6.g7", "a1.b2..d4.e5..g7"));
  EXPECT_TRUE(wildcard_outranks("a1.b2..d4", "a1...d4"));
  EXPECT_FALSE(wildcard_outranks("a.b", "a.b"));  // not strictly better than itself
}

}  // namespace
}  // namespace junction::wamp
