// wamp/match: pattern validity, matching and precedence for the three match policies.
#include "wamp/match.hpp"

namespace junction::wamp {
std::optional<MatchPolicy> parse_match_policy(std::string_view name) {
  if (name == "exact") return MatchPolicy::exact;
  if (name == "prefix") return MatchPolicy::prefix;
  if (name == "wildcard") return MatchPolicy::wildcard;
  return std::nullopt;
}

std::string_view match_policy_name(MatchPolicy policy) {
  switch (policy) {
    case MatchPolicy::exact:
      return "exact";
    case MatchPolicy::prefix:
      return "prefix";
    case MatchPolicy::wildcard:
      return "wildcard";
  }
  return "?";
}

bool valid_pattern(std::string_view pattern, MatchPolicy policy, UriCheck check) {
  switch (policy) {
    case MatchPolicy::exact:
      return valid_uri(pattern, check);
    case MatchPolicy::prefix:
      // Every component non-empty except that the last may be: "", "com.", "com.app".
      if (pattern.empty()) return true;
      if (pattern.ends_with('.')) pattern.remove_suffix(1);
      return valid_uri(pattern, check);
    case MatchPolicy::wildcard:
      return valid_pattern_uri(pattern, check, true);
  }
  return false;
}

bool matches(std::string_view pattern, MatchPolicy policy, std::string_view uri) {
  switch (policy) {
    case MatchPolicy::exact:
      return pattern == uri;
    case MatchPolicy::prefix:
      return uri.starts_with(pattern);
    case MatchPolicy::wildcard: {
      // Walk both component lists in step; an empty pattern component matches anything.
      std::size_t p = 0;
      std::size_t u = 0;
      while (true) {
        const std::size_t pdot = pattern.find('.', p);
        const std::size_t udot = uri.find('.', u);
        const std::size_t pend = pdot == std::string_view::npos ? pattern.size() : pdot;
        const std::size_t uend = udot == std::string_view::npos ? uri.size() : udot;
        const std::string_view pc = pattern.substr(p, pend - p);
        if (!pc.empty() && pc != uri.substr(u, uend - u)) return false;
        const bool plast = pdot == std::string_view::npos;
        const bool ulast = udot == std::string_view::npos;
        if (plast || ulast) return plast && ulast;
        p = pdot + 1;
        u = udot + 1;
      }
    }
  }
  return false;
}

bool wildcard_outranks(std::string_view a, std::string_view b) {
  // Both match one URI, so they have as many components. At the first position where one has a
  // literal and the other a wildcard, the literal's run before a wildcard is the longer one.
  std::size_t pa = 0;
  std::size_t pb = 0;
  while (true) {
    const std::size_t da = a.find('.', pa);
    const std::size_t db = b.find('.', pb);
    const bool la = (da == std::string_view::npos ? a.size() : da) > pa;
    const bool lb = (db == std::string_view::npos ? b.size() : db) > pb;
    if (la != lb) return la;
    if (da == std::string_view::npos || db == std::string_view::npos) return false;
    pa = da + 1;
    pb = db + 1;
  }
}

}  // namespace junction::wamp
