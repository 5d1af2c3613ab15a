// router/uri_index: many URI patterns under the three match policies (exact, prefix, wildcard)
// and the ones that match a concrete URI, with the spec's precedence (wamp/match.hpp). Used for a
// realm's subscriptions (every match), its registrations (the best match) and a role's
// permissions (the best match).
//
// Three structures, one per policy: exact patterns in a hash table; prefixes in a radix tree
// (one walk down the URI's characters finds every prefix of it); wildcards in a tree of URI
// components, each level a hash table of literal components plus one "any component" branch,
// searched literal-first so the first pattern found is the best one. A lookup allocates
// nothing, and costs what the URI's length and the patterns that share its beginning cost, not
// the number of patterns: 10 000 prefixes or wildcards that do not match are passed over in a
// few hash lookups.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <type_traits>

#include <boost/unordered/unordered_flat_map.hpp>

#include "wamp/match.hpp"

namespace junction::router {

using wamp::MatchPolicy;

// The type-erased index: each (pattern, policy) maps to one non-null void*. UriIndex<T> below is
// the typed face.
class UriIndexCore {
 public:
  UriIndexCore();
  ~UriIndexCore();
  UriIndexCore(UriIndexCore&&) noexcept;
  UriIndexCore& operator=(UriIndexCore&&) noexcept;

  // Adds `value` under (pattern, policy); false, and nothing changed, if that key has a value.
  // `pattern` must be valid for `policy` (wamp::valid_pattern).
  bool insert(std::string_view pattern, MatchPolicy policy, void* value);
  // Removes the key; false if it was not there.
  bool erase(std::string_view pattern, MatchPolicy policy);
  // The value under exactly (pattern, policy), or nullptr.
  void* find(std::string_view pattern, MatchPolicy policy) const;
  // The value of the pattern that wins for `uri` by the spec's precedence, or nullptr.
  void* best_match(std::string_view uri) const;
  // Calls visit(context, value) for every pattern that matches `uri`: the exact one, then the
  // prefixes from shortest to longest, then the wildcards from best to worst.
  using Visitor = void (*)(void* context, void* value);
  void for_each_match(std::string_view uri, Visitor visit, void* context) const;

  std::size_t size() const { return exact_.size() + prefix_count_ + wildcard_count_; }
  bool empty() const { return size() == 0; }

  struct PrefixNode;
  struct WildcardNode;

 private:
  struct StringHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  boost::unordered_flat_map<std::string, void*, StringHash, std::equal_to<>> exact_;
  std::unique_ptr<PrefixNode> prefix_root_;
  std::unique_ptr<WildcardNode> wildcard_root_;
  std::size_t prefix_count_ = 0;
  std::size_t wildcard_count_ = 0;
};

// An index of T* (T owned elsewhere, e.g. a Subscription or a Permission).
template <typename T>
class UriIndex {
 public:
  bool insert(std::string_view pattern, MatchPolicy policy, T* value) {
    return core_.insert(pattern, policy, const_cast<void*>(static_cast<const void*>(value)));
  }
  bool erase(std::string_view pattern, MatchPolicy policy) { return core_.erase(pattern, policy); }
  T* find(std::string_view pattern, MatchPolicy policy) const {
    return static_cast<T*>(core_.find(pattern, policy));
  }
  T* best_match(std::string_view uri) const { return static_cast<T*>(core_.best_match(uri)); }
  // f(T&) for every match, in UriIndexCore::for_each_match's order. `f` must not change the index.
  template <typename F>
  void for_each_match(std::string_view uri, F&& f) const {
    using Fn = std::remove_reference_t<F>;
    core_.for_each_match(
        uri,
        [](void* context, void* value) { (*static_cast<Fn*>(context))(*static_cast<T*>(value)); },
        const_cast<void*>(static_cast<const void*>(&f)));
  }
  std::size_t size() const { return core_.size(); }
  bool empty() const { return core_.empty(); }

 private:
  UriIndexCore core_;
};

}  // namespace junction::router
