// node/config: the Crossbar.io-format node config → NodeConfig. Owns the schema: every key we
// accept is read (and documented) in the function for the object it belongs to, one file per
// section (config_reader.hpp has the map; this file reads the top level and loads files). Anything
// else fails with "<file>: <json path>: <reason>". Keys that Crossbar knows but Junction does not
// implement yet are either refused ("... is not supported yet") when ignoring them would change
// behaviour, or accepted with a warning ("not supported yet; ignored") when they only tune it.
// docs/configuration.md is the user-facing copy of this schema; keep both in step.
#include "node/config.hpp"
#include "transport/subprotocol.hpp"
#include "web/nodeinfo.hpp"

#include <fstream>
#include <map>
#include <sstream>

#include "node/config_reader.hpp"
#include "node/config_source.hpp"
#include "transport/tls_context.hpp"

namespace junction::node {

using namespace detail;

namespace {

bool wildcard_interface(const std::string& iface) {
  return iface == "0.0.0.0" || iface == "::";
}

// The node config (top level):
//   version     2 (the Crossbar config version this format follows); optional, default 2.
//   $schema     string; accepted (Crossbar's templates point editors at the JSON schema).
//   controller  object; "id" and "options" are accepted and ignored with a warning, "manhole"
//               likewise; "fabric", "connections" are not supported yet.
//   workers     list of workers; at most one router worker for now.
NodeConfig read_node(Validator& v, const json& root) {
  Obj o(v, root, "", "node config");
  NodeConfig node;
  node.source = v.source();
  if (const json* version = o.get("version");
      version && (!version->is_number_integer() || *version != 2)) {
    v.fail("version", "expected 2 (the only config version supported), found " + found(*version));
  }
  o.opt_string("$schema");
  if (const json* controller = o.opt_object("controller")) {
    read_controller(v, *controller, o.at("controller"), node);
  }
  std::map<std::string, std::string> realm_paths;
  if (const json* workers = o.opt_list("workers")) {
    std::size_t routers = 0;
    std::size_t unnamed = 0;  // Crossbar numbers the workers without an "id": worker-001, ...
    for (std::size_t i = 0; i < workers->size(); ++i) {
      const std::string worker_path = path_index("workers", i);
      const json& worker = (*workers)[i];
      if (worker.is_object() && !worker.contains("id")) ++unnamed;
      if (worker.is_object() && worker.contains("type") && worker["type"] == "guest") {
        node.guests.push_back(read_guest(v, worker, worker_path, unnamed));
        continue;
      }
      if (worker.is_object() && worker.contains("type") && worker["type"] == "container") {
        node.guests.push_back(read_container(v, worker, worker_path, unnamed));
        continue;
      }
      read_worker(v, worker, worker_path, node, realm_paths);
      if (++routers > 1) v.fail(worker_path, "more than one router worker is not supported yet");
    }
  }
  o.finish();

  // Two listeners on the same port would fail at start-up anyway; say which ones here.
  for (std::size_t a = 0; a < node.listeners.size(); ++a) {
    for (std::size_t b = 0; b < a; ++b) {
      const auto& la = node.listeners[a];
      const auto& lb = node.listeners[b];
      if (!la.unix_path.empty() && la.unix_path == lb.unix_path) {
        throw ConfigError(v.source() + ": " + la.name + ": Unix socket " + la.unix_path +
                          " is already used by " + lb.name);
      }
      if (!la.unix_path.empty() || !lb.unix_path.empty()) continue;
      if (la.port != 0 && la.port == lb.port &&
          (la.interface == lb.interface || wildcard_interface(la.interface) ||
           wildcard_interface(lb.interface))) {
        throw ConfigError(v.source() + ": " + la.name + ": port " + std::to_string(la.port) +
                          " on " + la.interface + " is already used by " + lb.name);
      }
    }
  }
  return node;
}

std::string read_file(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw ConfigError(file.string() + ": cannot open file");
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) throw ConfigError(file.string() + ": cannot read file");
  return text.str();
}

}  // namespace

NodeConfig parse_config(std::string_view text, ConfigFormat format, const std::string& source,
                        std::vector<std::string>* warnings, UnsetEnv unset_env) {
  json tree = format == ConfigFormat::json ? detail::parse_json_text(text, source)
                                           : detail::parse_yaml_text(text, source);
  Validator v(source, warnings);
  if (unset_env == UnsetEnv::warn) {
    std::vector<std::string> unset;
    detail::substitute_env(tree, source, detail::process_env, &unset);
    for (auto& line : unset) {
      line += "; `junction start` refuses this config until it is set";
      JLOG(warn, "config") << line;
      if (warnings) warnings->push_back(std::move(line));
    }
  } else {
    detail::substitute_env(tree, source, detail::process_env);
  }
  return read_node(v, tree);
}

NodeConfig load_config_file(const std::filesystem::path& file, UnsetEnv unset_env,
                            std::vector<std::string>* warnings) {
  const std::string ext = file.extension().string();
  ConfigFormat format;
  if (ext == ".json") {
    format = ConfigFormat::json;
  } else if (ext == ".yaml" || ext == ".yml") {
    format = ConfigFormat::yaml;
  } else {
    throw ConfigError(file.string() + ": unknown config file type '" + ext +
                      "' (expected .json, .yaml or .yml)");
  }
  NodeConfig node = parse_config(read_file(file), format, file.string(), warnings, unset_env);
  // Relative Unix socket paths are relative to the node directory, where the config file lives.
  const auto node_dir = std::filesystem::absolute(file).parent_path();
  auto resolve = [&node_dir](std::string& path) {
    if (!path.empty() && std::filesystem::path(path).is_relative()) {
      path = (node_dir / path).string();
    }
  };
  for (auto& guest : node.guests) {
    // A guest's working directory is relative to the node directory, which is also the default.
    guest.workdir =
        guest.workdir.empty() ? node_dir.string() : (resolve(guest.workdir), guest.workdir);
    for (auto& dir : guest.pythonpath)
      resolve(dir);
    for (auto& dir : guest.watch_directories) {
      resolve(dir);
      dir = std::filesystem::path(dir).lexically_normal().string();  // named so in log lines
    }
  }
  for (auto& listener : node.listeners) {
    resolve(listener.unix_path);
    if (listener.tls) {
      // So are TLS files; load them now, so a bad one fails here (and in `junction check`).
      auto& tls = *listener.tls;
      for (std::string* path : {&tls.key, &tls.certificate, &tls.dhparam})
        resolve(*path);
      for (auto& path : tls.chain_certificates)
        resolve(path);
      for (auto& path : tls.ca_certificates)
        resolve(path);
      try {
        transport::make_tls_context(tls, file.string() + ": " + listener.name);
      } catch (const std::runtime_error& e) {
        throw ConfigError(e.what());
      }
    }
  }
  return node;
}

std::filesystem::path find_config_in(const std::filesystem::path& cbdir) {
  for (const char* name : {"config.json", "config.yaml", "config.yml"}) {
    std::error_code ec;
    const auto candidate = cbdir / name;
    if (std::filesystem::is_regular_file(candidate, ec)) return candidate;
  }
  return {};
}

NodeConfig default_config() {
  NodeConfig node;
  node.source = "<embedded default>";

  router::Permission everything;
  everything.uri = "";
  everything.match = router::MatchPolicy::prefix;
  everything.call = everything.register_ = everything.publish = everything.subscribe = true;

  router::RealmConfig realm;
  realm.name = "realm1";
  realm.uri_check = wamp::UriCheck::loose;
  realm.roles.push_back(router::RoleConfig{"anonymous", {everything}});
  node.router.realms.push_back(std::move(realm));

  transport::ListenerConfig web;
  web.name = "transport 'default'";
  web.interface = "127.0.0.1";
  web.port = 8080;
  transport::PathService ws;
  ws.kind = transport::PathService::Kind::websocket;
  // ws.websocket.serializers: the WebSocketOptions default (cbor, msgpack, ubjson, json).
  transport::PathService info;
  info.kind = transport::PathService::Kind::http;
  info.http = std::make_shared<web::NodeInfoService>(
      std::vector<web::NodeInfoWebSocket>{
          {"/ws", transport::spoken_subprotocols(ws.websocket), std::nullopt}},
      false);
  web.paths.emplace("/", info);
  web.paths.emplace("/ws", ws);
  node.listeners.push_back(std::move(web));
  return node;
}

}  // namespace junction::node
