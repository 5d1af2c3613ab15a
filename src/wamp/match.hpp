// wamp/match: the WAMP spec's URI matching policies (exact, prefix, wildcard), as used by
// pattern-based subscriptions and registrations and by permission patterns: which patterns are
// well-formed, whether a pattern matches a URI, and which of several matching patterns wins.
// These are the rules; router/uri_index.hpp applies them to many patterns at once.
#pragma once

#include <optional>
#include <string_view>

#include "wamp/uri.hpp"

namespace junction::wamp {

enum class MatchPolicy { exact, prefix, wildcard };

// "exact" | "prefix" | "wildcard" (SUBSCRIBE/REGISTER.Options.match, a permission's "match").
std::optional<MatchPolicy> parse_match_policy(std::string_view name);
std::string_view match_policy_name(MatchPolicy policy);

// A well-formed pattern for `policy`, by the realm's URI rules:
// exact: a URI (valid_uri); prefix: "" or a URI that may end in '.' ("com.app." matches
// "com.app.x"); wildcard: components may be empty, an empty component matches any one component.
bool valid_pattern(std::string_view pattern, MatchPolicy policy, UriCheck check);

// Whether `pattern` under `policy` matches the concrete `uri`. A prefix matches by characters
// ("com.app" matches "com.app2", as the spec's examples say); a wildcard by whole components.
bool matches(std::string_view pattern, MatchPolicy policy, std::string_view uri);

// Precedence when several patterns match one URI (spec, pattern-based registration): an exact
// pattern wins, then the longest prefix, then the wildcard with the longest run of literal
// components before its first wildcard, then before the next, and so on. Two different wildcard
// patterns that match the same URI never tie, so the choice is deterministic.
// True if wildcard `a` outranks wildcard `b`; both must match the same URI.
bool wildcard_outranks(std::string_view a, std::string_view b);

}  // namespace junction::wamp
