// router/authorizer: permission matching for the static role-based authorizer.
#include "router/authorizer.hpp"

#include <vector>

namespace junction::router {
namespace {

std::vector<std::string_view> split_components(std::string_view uri) {
  std::vector<std::string_view> parts;
  std::size_t start = 0;
  while (true) {
    const std::size_t dot = uri.find('.', start);
    if (dot == std::string_view::npos) {
      parts.push_back(uri.substr(start));
      return parts;
    }
    parts.push_back(uri.substr(start, dot - start));
    start = dot + 1;
  }
}

// Ranks a matching wildcard pattern: more literal components, and literals earlier, rank higher.
std::vector<bool> wildcard_rank(std::string_view pattern) {
  std::vector<bool> rank;
  for (auto part : split_components(pattern))
    rank.push_back(!part.empty());
  return rank;
}

}  // namespace

std::string_view action_name(Action action) {
  switch (action) {
    case Action::call:
      return "call";
    case Action::register_:
      return "register";
    case Action::publish:
      return "publish";
    case Action::subscribe:
      return "subscribe";
  }
  return "?";
}

bool wildcard_matches(std::string_view pattern, std::string_view uri) {
  const auto p = split_components(pattern);
  const auto u = split_components(uri);
  if (p.size() != u.size()) return false;
  for (std::size_t i = 0; i < p.size(); ++i) {
    if (!p[i].empty() && p[i] != u[i]) return false;
  }
  return true;
}

const Permission* best_permission(const std::vector<Permission>& permissions,
                                  std::string_view uri) {
  const Permission* best_prefix = nullptr;
  const Permission* best_wildcard = nullptr;
  std::vector<bool> best_wildcard_rank;
  for (const Permission& p : permissions) {
    switch (p.match) {
      case MatchPolicy::exact:
        if (p.uri == uri) return &p;
        break;
      case MatchPolicy::prefix:
        if (uri.starts_with(p.uri) && (!best_prefix || p.uri.size() > best_prefix->uri.size())) {
          best_prefix = &p;
        }
        break;
      case MatchPolicy::wildcard:
        if (wildcard_matches(p.uri, uri)) {
          auto rank = wildcard_rank(p.uri);
          if (!best_wildcard || rank > best_wildcard_rank) {
            best_wildcard = &p;
            best_wildcard_rank = std::move(rank);
          }
        }
        break;
    }
  }
  return best_prefix ? best_prefix : best_wildcard;
}

Authorizer::Authorizer(const std::vector<RoleConfig>& roles) {
  for (const RoleConfig& role : roles)
    roles_[role.name] = role.permissions;
}

bool Authorizer::has_role(std::string_view role) const {
  return role == "trusted" || roles_.contains(role);
}

Authorization Authorizer::authorize(std::string_view role, std::string_view uri,
                                    Action action) const {
  const auto it = roles_.find(role);
  if (it == roles_.end()) {
    // "trusted" is built in: allowed everything unless the config defines it otherwise.
    return Authorization{role == "trusted", false};
  }
  const Permission* p = best_permission(it->second, uri);
  if (!p) return {};
  switch (action) {
    case Action::call:
      return {p->call, p->disclose_caller};
    case Action::register_:
      return {p->register_, false};
    case Action::publish:
      return {p->publish, p->disclose_publisher};
    case Action::subscribe:
      return {p->subscribe, false};
  }
  return {};
}

}  // namespace junction::router
