// router/authorizer: static, role-based authorization from the realm config. Every action
// (call, register, publish, subscribe) is checked against the permissions of the session's
// role; anything not granted is denied. The built-in role "trusted" may do everything.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "router/router.hpp"

namespace junction::router {

enum class Action { call, register_, publish, subscribe };
std::string_view action_name(Action action);

struct Authorization {
  bool allowed = false;
  bool disclose = false;  // disclose caller (call) / publisher (publish) to the other side
};

class Authorizer {
 public:
  explicit Authorizer(const std::vector<RoleConfig>& roles);
  bool has_role(std::string_view role) const;
  Authorization authorize(std::string_view role, std::string_view uri, Action action) const;

 private:
  // Looked up by string_view without building a std::string.
  struct RoleHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view role) const {
      return std::hash<std::string_view>{}(role);
    }
  };
  std::unordered_map<std::string, std::vector<Permission>, RoleHash, std::equal_to<>> roles_;
};

// Which permission applies to a URI when several match: an exact match wins, then the longest
// prefix, then the wildcard with the most non-empty components (earliest literal wins ties).
const Permission* best_permission(const std::vector<Permission>& permissions, std::string_view uri);
bool wildcard_matches(std::string_view pattern, std::string_view uri);

}  // namespace junction::router
