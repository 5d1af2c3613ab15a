// node/reload: see the header.
#include "node/reload.hpp"

#include <set>
#include <string>
#include <utility>

#include "base/log.hpp"
#include "node/config.hpp"
#include "router/realm.hpp"

namespace junction::node {

namespace {

void reload_tls(const NodeConfig& fresh, transport::Server& server) {
  const auto result = server.reload_tls(fresh.listeners);
  for (const auto& change : result.need_restart) {
    JLOG(warn, "node") << "SIGHUP: " << change << ": it needs a restart";
  }
  if (!result.error.empty()) {
    JLOG(error, "node") << "SIGHUP: TLS certificates not reloaded, every listener keeps its own: "
                        << result.error;
    return;
  }
  if (result.reloaded.empty()) return;
  std::string names;
  for (const auto& name : result.reloaded)
    names += (names.empty() ? "" : ", ") + name;
  JLOG(info, "node") << "SIGHUP: TLS certificates reloaded (" << result.reloaded.size()
                     << (result.reloaded.size() == 1 ? " listener: " : " listeners: ") << names
                     << "): new connections get them, established ones keep theirs";
}

void reload_roles(NodeConfig& fresh, router::Router& router) {
  std::string reloaded;
  std::set<std::string, std::less<>> in_file;
  for (router::RealmConfig& realm : fresh.router.realms) {
    in_file.insert(realm.name);
    router::Realm* running = router.find_realm(realm.name);
    if (running == nullptr) {
      JLOG(warn, "node") << "SIGHUP: realm '" << realm.name
                         << "' was added to the config: it needs a restart";
      continue;
    }
    running->replace_roles(std::move(realm.roles));
    reloaded += (reloaded.empty() ? "" : ", ") + realm.name;
  }
  for (const auto& realm : router.realm_stats()) {
    if (!in_file.contains(realm.name)) {
      JLOG(warn, "node") << "SIGHUP: realm '" << realm.name
                         << "' was removed from the config: it stays until a restart";
    }
  }
  JLOG(info, "node") << "SIGHUP: roles and permissions reloaded (" << reloaded
                     << "); listeners, realms added or removed and other changes need a restart";
}

}  // namespace

void reload_config(const std::filesystem::path& file, router::Router& router,
                   transport::Server& server) {
  if (file.empty()) {
    JLOG(warn, "node") << "SIGHUP: the embedded default config runs: nothing to reload";
    return;
  }
  NodeConfig fresh;
  try {
    // Loading builds every TLS context once, so a certificate or key that does not load stops
    // the reload here, before anything changed.
    fresh = load_config_file(file, UnsetEnv::refuse);
  } catch (const ConfigError& e) {
    JLOG(error, "node") << "SIGHUP: config not reloaded, nothing changed: " << e.what();
    return;
  }
  reload_tls(fresh, server);
  reload_roles(fresh, router);
}

}  // namespace junction::node
