// router/authorizer: static, role-based authorization from the realm config. Every action
// (call, register, publish, subscribe) is checked against the permissions of the session's
// role; anything not granted is denied. The built-in role "trusted" may do everything.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "router/router.hpp"
#include "router/uri_index.hpp"

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
  // The index points into the permissions it holds: moving is fine, copying is not.
  Authorizer(const Authorizer&) = delete;
  Authorizer& operator=(const Authorizer&) = delete;
  Authorizer(Authorizer&&) = default;
  Authorizer& operator=(Authorizer&&) = default;
  bool has_role(std::string_view role) const;
  // The config of `role` if it has a dynamic authorizer, else null.
  const RoleConfig* dynamic_role(std::string_view role) const;
  Authorization authorize(std::string_view role, std::string_view uri, Action action) const;

 private:
  // Looked up by string_view without building a std::string.
  struct RoleHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view role) const {
      return std::hash<std::string_view>{}(role);
    }
  };
  // A role's permissions and their index. Which permission applies when several match is the
  // spec's precedence for pattern-based registrations (wamp/match.hpp): exact, then the longest
  // prefix, then the best wildcard; of two permissions with the same uri and match, the first.
  struct Role {
    std::vector<Permission> permissions;
    UriIndex<const Permission> index;
  };
  std::unordered_map<std::string, Role, RoleHash, std::equal_to<>> roles_;
  std::unordered_map<std::string, RoleConfig, RoleHash, std::equal_to<>> dynamic_;
};

}  // namespace junction::router
