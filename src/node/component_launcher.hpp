// node/component_launcher: what the node needs to run Python components. The launcher script
// (junction-components.py, installed next to the junction binary) and the node's private Unix
// socket the components connect to: RawSocket in a directory only junction's user can enter,
// marked trusted, so the router takes the role a component's HELLO names (as Crossbar attaches
// its router components with their configured role).
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "transport/server.hpp"

namespace junction::node {

// The procedures the launcher registers for "function" authenticators (config_auth.cpp) begin
// with this. The router's calls to them disclose the caller (node/auth_caller.cpp), and the
// launcher answers only its in-process caller ("junction-auth", role "trusted"): a user's role
// that may call anything must not reach them (they hand out secrets, as WAMP-CRA principals).
inline constexpr std::string_view kFunctionAuthenticatorPrefix = "junction.auth.function.";

// junction-components.py next to the running junction binary, else in ../share/junction/.
// nullopt (and `searched` lists where it looked) when it is in neither.
std::optional<std::filesystem::path> find_component_launcher(std::string* searched = nullptr);

// A fresh directory (mode 0700) under $XDG_RUNTIME_DIR or /tmp for the private socket; removed
// with what it holds when this goes away.
class PrivateSocketDir {
 public:
  PrivateSocketDir();  // throws std::runtime_error
  ~PrivateSocketDir();
  PrivateSocketDir(const PrivateSocketDir&) = delete;
  PrivateSocketDir& operator=(const PrivateSocketDir&) = delete;
  std::string socket_path() const { return (dir_ / "components.sock").string(); }

 private:
  std::filesystem::path dir_;
};

// The private listener: RawSocket on `socket_path`, every serializer, trusted.
transport::ListenerConfig component_listener(const std::string& socket_path);

}  // namespace junction::node
