// router/uri_index: the spec's precedence, every match for subscriptions, and a randomized
// comparison against the plain rules of wamp/match.hpp while patterns come and go.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "router/uri_index.hpp"

namespace junction::router {
namespace {

struct Entry {
  std::string pattern;
  MatchPolicy match;
};

TEST(UriIndex, SpecPrecedenceExamples) {
  // The spec's table (pattern-based registration, "Calls matching multiple registrations").
  std::vector<Entry> entries = {
      {"a1.b2.c3.d4.e55", MatchPolicy::exact},     {"a1.b2.c3", MatchPolicy::prefix},
      {"a1.b2.c3.d4", MatchPolicy::prefix},        {"a1.b2..d4.e5", MatchPolicy::wildcard},
      {"a1.b2.c3..e5", MatchPolicy::wildcard},     {"a1.b2..d4.e5..g7", MatchPolicy::wildcard},
      {"a1.b2..d4..f6.g7", MatchPolicy::wildcard},
  };
  UriIndex<Entry> index;
  for (Entry& e : entries)
    ASSERT_TRUE(index.insert(e.pattern, e.match, &e));
  EXPECT_EQ(index.best_match("a1.b2.c3.d4.e55"), &entries[0]);
  EXPECT_EQ(index.best_match("a1.b2.c3.d98.e74"), &entries[1]);
  EXPECT_EQ(index.best_match("a1.b2.c3.d4.e325"), &entries[2]);
  EXPECT_EQ(index.best_match("a1.b2.c55.d4.e5"), &entries[3]);
  EXPECT_EQ(index.best_match("a1.b2.c3.d4.e5"), &entries[2]);  // prefix a1.b2.c3.d4 beats wildcards
  EXPECT_EQ(index.best_match("a1.b2.c88.d4.e5.f6.g7"), &entries[5]);
  EXPECT_EQ(index.best_match("a2.b2.c2.d2.e2"), nullptr);
  EXPECT_EQ(index.size(), entries.size());
}

TEST(UriIndex, WildcardPrecedenceWithoutPrefixes) {
  std::vector<Entry> entries = {{"a1.b2..d4.e5", MatchPolicy::wildcard},
                                {"a1.b2.c3..e5", MatchPolicy::wildcard}};
  UriIndex<Entry> index;
  for (Entry& e : entries)
    index.insert(e.pattern, e.match, &e);
  EXPECT_EQ(index.best_match("a1.b2.c3.d4.e5"), &entries[1]);
}

TEST(UriIndex, SameStringUnderDifferentPoliciesAreDifferentKeys) {
  Entry exact{"com.a", MatchPolicy::exact}, prefix{"com.a", MatchPolicy::prefix},
      wildcard{"com.a", MatchPolicy::wildcard};
  UriIndex<Entry> index;
  EXPECT_TRUE(index.insert("com.a", MatchPolicy::exact, &exact));
  EXPECT_TRUE(index.insert("com.a", MatchPolicy::prefix, &prefix));
  EXPECT_TRUE(index.insert("com.a", MatchPolicy::wildcard, &wildcard));
  EXPECT_FALSE(index.insert("com.a", MatchPolicy::prefix, &exact));  // taken
  EXPECT_EQ(index.find("com.a", MatchPolicy::prefix), &prefix);
  EXPECT_EQ(index.best_match("com.a"), &exact);
  std::vector<Entry*> all;
  index.for_each_match("com.a", [&all](Entry& e) { all.push_back(&e); });
  EXPECT_EQ(all, (std::vector<Entry*>{&exact, &prefix, &wildcard}));
  EXPECT_TRUE(index.erase("com.a", MatchPolicy::exact));
  EXPECT_FALSE(index.erase("com.a", MatchPolicy::exact));
  EXPECT_EQ(index.best_match("com.a"), &prefix);
  EXPECT_TRUE(index.erase("com.a", MatchPolicy::prefix));
  EXPECT_EQ(index.best_match("com.a"), &wildcard);
  EXPECT_TRUE(index.erase("com.a", MatchPolicy::wildcard));
  EXPECT_EQ(index.best_match("com.a"), nullptr);
  EXPECT_TRUE(index.empty());
}

TEST(UriIndex, EmptyPrefixMatchesEverythingAndPrefixesSplitAndMerge) {
  Entry all{"", MatchPolicy::prefix}, com{"com.", MatchPolicy::prefix},
      comapp{"com.app", MatchPolicy::prefix}, comb{"com.b", MatchPolicy::prefix};
  UriIndex<Entry> index;
  index.insert("com.app", MatchPolicy::prefix, &comapp);
  index.insert("com.b", MatchPolicy::prefix, &comb);  // splits "com.app" at "com."
  index.insert("com.", MatchPolicy::prefix, &com);    // lands on the split node
  index.insert("", MatchPolicy::prefix, &all);
  EXPECT_EQ(index.best_match("com.app2"), &comapp);
  EXPECT_EQ(index.best_match("com.bx"), &comb);
  EXPECT_EQ(index.best_match("com.c"), &com);
  EXPECT_EQ(index.best_match("org"), &all);
  EXPECT_EQ(index.find("com", MatchPolicy::prefix), nullptr);
  EXPECT_EQ(index.find("com.", MatchPolicy::prefix), &com);
  std::vector<Entry*> seen;
  index.for_each_match("com.app.x", [&seen](Entry& e) { seen.push_back(&e); });
  EXPECT_EQ(seen, (std::vector<Entry*>{&all, &com, &comapp}));
  EXPECT_TRUE(index.erase("com.", MatchPolicy::prefix));
  EXPECT_TRUE(index.erase("com.b", MatchPolicy::prefix));  // "com." + "app" merge again
  EXPECT_EQ(index.best_match("com.app"), &comapp);
  EXPECT_EQ(index.best_match("com.b"), &all);
  EXPECT_EQ(index.find("com.app", MatchPolicy::prefix), &comapp);
  EXPECT_TRUE(index.erase("", MatchPolicy::prefix));
  EXPECT_EQ(index.best_match("com.b"), nullptr);
  EXPECT_EQ(index.size(), 1u);
}

// Random patterns over a small alphabet so that they overlap a lot; after every change, every
// query agrees with a linear scan using wamp::matches and the precedence rules.
TEST(UriIndex, AgreesWithTheRulesUnderRandomInsertsAndErases) {
  std::mt19937 rng(12345);
  const std::vector<std::string> words = {"a", "b", "ab", "ba", "c"};
  const auto random_uri = [&](bool allow_empty) {
    std::string uri;
    const int n = 1 + static_cast<int>(rng() % 4);
    for (int i = 0; i < n; ++i) {
      if (i) uri += '.';
      if (!(allow_empty && rng() % 3 == 0)) uri += words[rng() % words.size()];
    }
    return uri;
  };
  std::map<std::pair<std::string, MatchPolicy>, std::unique_ptr<Entry>> live;
  UriIndex<Entry> index;
  const auto check = [&](const std::string& uri) {
    // Expected best: exact, else the longest prefix, else the top-ranked wildcard.
    const Entry* best = nullptr;
    std::vector<const Entry*> all;
    for (const auto& [key, e] : live) {
      if (!wamp::matches(e->pattern, e->match, uri)) continue;
      all.push_back(e.get());
      const auto rank = [](const Entry* x) { return static_cast<int>(x->match); };
      if (!best || rank(e.get()) < rank(best)) {
        best = e.get();
      } else if (rank(e.get()) == rank(best)) {
        if (e->match == MatchPolicy::prefix && e->pattern.size() > best->pattern.size())
          best = e.get();
        if (e->match == MatchPolicy::wildcard && wamp::wildcard_outranks(e->pattern, best->pattern))
          best = e.get();
      }
    }
    EXPECT_EQ(index.best_match(uri), best) << uri;
    std::vector<const Entry*> found;
    index.for_each_match(uri, [&found](Entry& e) { found.push_back(&e); });
    std::sort(all.begin(), all.end());
    std::sort(found.begin(), found.end());
    EXPECT_EQ(found, all) << uri;
  };
  for (int step = 0; step < 3000; ++step) {
    const auto policy = static_cast<MatchPolicy>(rng() % 3);
    std::string pattern = random_uri(policy == MatchPolicy::wildcard);
    if (policy == MatchPolicy::prefix && rng() % 4 == 0) pattern += '.';
    if (policy == MatchPolicy::prefix && rng() % 10 == 0) pattern = pattern.substr(0, rng() % 3);
    const auto key = std::make_pair(pattern, policy);
    if (auto it = live.find(key); it != live.end()) {
      ASSERT_TRUE(index.erase(pattern, policy)) << pattern;
      live.erase(it);
      EXPECT_EQ(index.find(pattern, policy), nullptr);
    } else {
      auto e = std::make_unique<Entry>(Entry{pattern, policy});
      ASSERT_TRUE(index.insert(pattern, policy, e.get())) << pattern;
      EXPECT_EQ(index.find(pattern, policy), e.get());
      live.emplace(key, std::move(e));
    }
    ASSERT_EQ(index.size(), live.size());
    for (int q = 0; q < 5; ++q)
      check(random_uri(false));
  }
  for (const auto& [key, e] : live)
    EXPECT_EQ(index.find(key.first, key.second), e.get());
}

}  // namespace
}  // namespace junction::router
