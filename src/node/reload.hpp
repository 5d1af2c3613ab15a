// node/reload: what SIGHUP applies from the config file while the node runs: the roles and
// permissions of every realm, checked for each session's next action, and the certificates and
// keys (and the rest of endpoint "tls") of every TLS listener, for the connections accepted from
// then on; no session is dropped. Listeners added, removed or gaining or losing TLS, realms added
// or removed and every other change need a restart (logged). A file that does not load (a
// certificate or key that does not load included) changes nothing (logged with the config error).
#pragma once

#include <filesystem>

#include "router/router.hpp"
#include "transport/server.hpp"

namespace junction::node {

// Re-reads `file` (empty: the embedded default runs, nothing to reload), gives the TLS listeners
// of `server` their new contexts and each realm of `router` its roles from it. Runs on the
// routing thread.
void reload_config(const std::filesystem::path& file, router::Router& router,
                   transport::Server& server);

}  // namespace junction::node
