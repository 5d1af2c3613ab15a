// node/reload: see the header.
#include "node/reload.hpp"

#include <set>
#include <string>
#include <utility>

#include "base/log.hpp"
#include "node/config.hpp"
#include "router/realm.hpp"

namespace junction::node {

void reload_roles(const std::filesystem::path& file, router::Router& router) {
  if (file.empty()) {
    JLOG(warn, "node") << "SIGHUP: the embedded default config runs: nothing to reload";
    return;
  }
  NodeConfig fresh;
  try {
    fresh = load_config_file(file, UnsetEnv::refuse);
  } catch (const ConfigError& e) {
    JLOG(error, "node") << "SIGHUP: config not reloaded, the roles in force stay: " << e.what();
    return;
  }
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
                     << "); TLS certificates and every other change need a restart";
}

}  // namespace junction::node
