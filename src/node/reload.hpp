// node/reload: what SIGHUP applies from the config file while the node runs: the roles and
// permissions of every realm, checked for each session's next action without dropping anyone.
// TLS certificates, listeners, realms added or removed and every other change need a restart
// (logged). A file that does not load changes nothing (logged with the config error).
#pragma once

#include <filesystem>

#include "router/router.hpp"

namespace junction::node {

// Re-reads `file` (empty: the embedded default runs, nothing to reload) and gives each realm of
// `router` its roles from it. Runs on the routing thread.
void reload_roles(const std::filesystem::path& file, router::Router& router);

}  // namespace junction::node
