// router/uri_index: the exact table, the prefix radix tree and the wildcard component tree.
#include "router/uri_index.hpp"

#include <algorithm>
#include <vector>

namespace junction::router {

// A radix tree over characters: the path from the root to a node spells a string (the
// concatenated labels); a node with a value is a prefix pattern. Children are sorted by the
// first character of their label, which differs between siblings.
struct UriIndexCore::PrefixNode {
  std::string label;  // empty only at the root
  void* value = nullptr;
  std::vector<std::unique_ptr<PrefixNode>> children;

  using Children = std::vector<std::unique_ptr<PrefixNode>>;
  Children::iterator lower_bound(char c) {
    return std::lower_bound(
        children.begin(), children.end(), c, [](const std::unique_ptr<PrefixNode>& n, char ch) {
          return static_cast<unsigned char>(n->label[0]) < static_cast<unsigned char>(ch);
        });
  }
  const PrefixNode* child(char c) const {
    const auto it = const_cast<PrefixNode*>(this)->lower_bound(c);
    return it != children.end() && (*it)->label[0] == c ? it->get() : nullptr;
  }
  // Takes over its only child (after an erase left this node without a value).
  void merge_with_only_child() {
    std::unique_ptr<PrefixNode> only = std::move(children.front());
    label += only->label;
    value = only->value;
    children = std::move(only->children);
  }
};

// A tree over URI components: a node's children are its literal components and one branch for
// an empty (wildcard) component; a node with a value ends a wildcard pattern.
struct UriIndexCore::WildcardNode {
  boost::unordered_flat_map<std::string, std::unique_ptr<WildcardNode>, StringHash, std::equal_to<>>
      literal;
  std::unique_ptr<WildcardNode> any;
  void* value = nullptr;

  bool empty() const { return !value && !any && literal.empty(); }
};

namespace {

using PrefixNode = UriIndexCore::PrefixNode;
using WildcardNode = UriIndexCore::WildcardNode;

// The component of `uri` that starts at `pos`, and where the next one starts (npos: last).
struct Component {
  std::string_view text;
  std::size_t next;
};
Component component_at(std::string_view uri, std::size_t pos) {
  const std::size_t dot = uri.find('.', pos);
  if (dot == std::string_view::npos) return {uri.substr(pos), std::string_view::npos};
  return {uri.substr(pos, dot - pos), dot + 1};
}

// Visits the wildcard patterns matching uri[pos..] below `node`, literal branches before the
// wildcard branch, so in precedence order. Stops (returns true) when `stop` says so.
template <typename Stop>
bool match_wildcards(const WildcardNode& node, std::string_view uri, std::size_t pos, Stop&& stop) {
  const Component c = component_at(uri, pos);
  const auto descend = [&](const WildcardNode& child) {
    if (c.next == std::string_view::npos) return child.value && stop(child.value);
    return match_wildcards(child, uri, c.next, stop);
  };
  if (!node.literal.empty()) {
    if (const auto it = node.literal.find(c.text); it != node.literal.end()) {
      if (descend(*it->second)) return true;
    }
  }
  return node.any && descend(*node.any);
}

// Erases the wildcard pattern pattern[pos..] below `node`, pruning branches left empty.
bool erase_wildcard(WildcardNode& node, std::string_view pattern, std::size_t pos) {
  const Component c = component_at(pattern, pos);
  std::unique_ptr<WildcardNode>* child = nullptr;
  decltype(node.literal)::iterator it;
  if (c.text.empty()) {
    child = &node.any;
  } else {
    it = node.literal.find(c.text);
    if (it == node.literal.end()) return false;
    child = &it->second;
  }
  if (!*child) return false;
  if (c.next == std::string_view::npos) {
    if (!(*child)->value) return false;
    (*child)->value = nullptr;
  } else if (!erase_wildcard(**child, pattern, c.next)) {
    return false;
  }
  if ((*child)->empty()) {
    if (c.text.empty()) {
      node.any.reset();
    } else {
      node.literal.erase(it);
    }
  }
  return true;
}

}  // namespace

UriIndexCore::UriIndexCore()
    : prefix_root_(std::make_unique<PrefixNode>()),
      wildcard_root_(std::make_unique<WildcardNode>()) {}
UriIndexCore::~UriIndexCore() = default;
UriIndexCore::UriIndexCore(UriIndexCore&&) noexcept = default;
UriIndexCore& UriIndexCore::operator=(UriIndexCore&&) noexcept = default;

bool UriIndexCore::insert(std::string_view pattern, MatchPolicy policy, void* value) {
  switch (policy) {
    case MatchPolicy::exact:
      return exact_.try_emplace(std::string(pattern), value).second;

    case MatchPolicy::prefix: {
      PrefixNode* node = prefix_root_.get();
      std::size_t pos = 0;
      while (pos < pattern.size()) {
        const auto it = node->lower_bound(pattern[pos]);
        if (it == node->children.end() || (*it)->label[0] != pattern[pos]) {
          auto leaf = std::make_unique<PrefixNode>();
          leaf->label = std::string(pattern.substr(pos));
          leaf->value = value;
          node->children.insert(it, std::move(leaf));
          ++prefix_count_;
          return true;
        }
        PrefixNode& child = **it;
        const std::string_view rest = pattern.substr(pos);
        const std::size_t common =
            std::mismatch(child.label.begin(), child.label.end(), rest.begin(), rest.end()).first -
            child.label.begin();
        if (common < child.label.size()) {
          // Split the edge: a new node for the shared part, the old child below it.
          auto middle = std::make_unique<PrefixNode>();
          middle->label = child.label.substr(0, common);
          child.label.erase(0, common);
          middle->children.push_back(std::move(*it));
          *it = std::move(middle);
        }
        node = it->get();
        pos += common;
      }
      if (node->value) return false;
      node->value = value;
      ++prefix_count_;
      return true;
    }

    case MatchPolicy::wildcard: {
      WildcardNode* node = wildcard_root_.get();
      std::size_t pos = 0;
      while (true) {
        const Component c = component_at(pattern, pos);
        std::unique_ptr<WildcardNode>& child =
            c.text.empty() ? node->any : node->literal[std::string(c.text)];
        if (!child) child = std::make_unique<WildcardNode>();
        node = child.get();
        if (c.next == std::string_view::npos) break;
        pos = c.next;
      }
      if (node->value) return false;
      node->value = value;
      ++wildcard_count_;
      return true;
    }
  }
  return false;
}

bool UriIndexCore::erase(std::string_view pattern, MatchPolicy policy) {
  switch (policy) {
    case MatchPolicy::exact: {
      const auto it = exact_.find(pattern);
      if (it == exact_.end()) return false;
      exact_.erase(it);
      return true;
    }

    case MatchPolicy::prefix: {
      // Find the node, remembering the way down for the clean-up.
      std::vector<PrefixNode*> path{prefix_root_.get()};
      std::size_t pos = 0;
      while (pos < pattern.size()) {
        PrefixNode* child = const_cast<PrefixNode*>(path.back()->child(pattern[pos]));
        if (!child || pattern.substr(pos, child->label.size()) != child->label) return false;
        pos += child->label.size();
        path.push_back(child);
      }
      PrefixNode* node = path.back();
      if (!node->value) return false;
      node->value = nullptr;
      --prefix_count_;
      if (path.size() == 1) return true;  // the root ("" prefix) stays
      PrefixNode* parent = path[path.size() - 2];
      if (node->children.empty()) {
        parent->children.erase(parent->lower_bound(node->label[0]));
        // The parent may now be a value-less pass-through: fold it into its only child.
        if (path.size() > 2 && !parent->value && parent->children.size() == 1) {
          parent->merge_with_only_child();
        }
      } else if (node->children.size() == 1) {
        node->merge_with_only_child();
      }
      return true;
    }

    case MatchPolicy::wildcard:
      if (!erase_wildcard(*wildcard_root_, pattern, 0)) return false;
      --wildcard_count_;
      return true;
  }
  return false;
}

void* UriIndexCore::find(std::string_view pattern, MatchPolicy policy) const {
  switch (policy) {
    case MatchPolicy::exact: {
      const auto it = exact_.find(pattern);
      return it == exact_.end() ? nullptr : it->second;
    }
    case MatchPolicy::prefix: {
      const PrefixNode* node = prefix_root_.get();
      std::size_t pos = 0;
      while (pos < pattern.size()) {
        node = node->child(pattern[pos]);
        if (!node || pattern.substr(pos, node->label.size()) != node->label) return nullptr;
        pos += node->label.size();
      }
      return node->value;
    }
    case MatchPolicy::wildcard: {
      const WildcardNode* node = wildcard_root_.get();
      std::size_t pos = 0;
      while (true) {
        const Component c = component_at(pattern, pos);
        if (c.text.empty()) {
          node = node->any.get();
        } else {
          const auto it = node->literal.find(c.text);
          node = it == node->literal.end() ? nullptr : it->second.get();
        }
        if (!node) return nullptr;
        if (c.next == std::string_view::npos) return node->value;
        pos = c.next;
      }
    }
  }
  return nullptr;
}

namespace {

// Calls visit(value) for each prefix pattern of `uri`, shortest first.
template <typename Visit>
void walk_prefixes(const PrefixNode& root, std::string_view uri, Visit&& visit) {
  const PrefixNode* node = &root;
  std::size_t pos = 0;
  while (true) {
    if (node->value) visit(node->value);
    if (pos == uri.size()) return;
    node = node->child(uri[pos]);
    if (!node || uri.substr(pos, node->label.size()) != node->label) return;
    pos += node->label.size();
  }
}

}  // namespace

void* UriIndexCore::best_match(std::string_view uri) const {
  if (!exact_.empty()) {
    if (const auto it = exact_.find(uri); it != exact_.end()) return it->second;
  }
  void* best = nullptr;
  if (prefix_count_) {
    walk_prefixes(*prefix_root_, uri, [&best](void* value) { best = value; });  // longest last
    if (best) return best;
  }
  if (wildcard_count_) {
    match_wildcards(*wildcard_root_, uri, 0, [&best](void* value) {
      best = value;
      return true;  // the first found is the best
    });
  }
  return best;
}

void UriIndexCore::for_each_match(std::string_view uri, Visitor visit, void* context) const {
  if (!exact_.empty()) {
    if (const auto it = exact_.find(uri); it != exact_.end()) visit(context, it->second);
  }
  if (prefix_count_) {
    walk_prefixes(*prefix_root_, uri, [&](void* value) { visit(context, value); });
  }
  if (wildcard_count_) {
    match_wildcards(*wildcard_root_, uri, 0, [&](void* value) {
      visit(context, value);
      return false;
    });
  }
}

}  // namespace junction::router
