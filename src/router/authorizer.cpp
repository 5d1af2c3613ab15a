// router/authorizer: the static role-based authorizer: a role's best permission for a URI.
#include "router/authorizer.hpp"

namespace junction::router {
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

Authorizer::Authorizer(const std::vector<RoleConfig>& roles) {
  for (const RoleConfig& config : roles) {
    roles_.erase(config.name);  // a role defined twice: the last definition counts
    dynamic_.erase(config.name);
    if (!config.authorizer.empty()) {
      dynamic_.emplace(config.name, config);
      continue;
    }
    Role& role = roles_[config.name];  // nodes are stable: the index points into them
    role.permissions = config.permissions;
    for (const Permission& p : role.permissions) {
      role.index.insert(p.uri, p.match, &p);  // a duplicate keeps the first
    }
  }
}

bool Authorizer::has_role(std::string_view role) const {
  return role == "trusted" || roles_.contains(role) || dynamic_.contains(role);
}

const RoleConfig* Authorizer::dynamic_role(std::string_view role) const {
  if (dynamic_.empty()) return nullptr;
  const auto it = dynamic_.find(role);
  return it == dynamic_.end() ? nullptr : &it->second;
}

Authorization Authorizer::authorize(std::string_view role, std::string_view uri,
                                    Action action) const {
  const auto it = roles_.find(role);
  if (it == roles_.end()) {
    // "trusted" is built in: allowed everything unless the config defines it otherwise.
    return Authorization{role == "trusted", false};
  }
  const Permission* p = it->second.index.best_match(uri);
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
