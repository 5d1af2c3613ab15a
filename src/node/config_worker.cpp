// node/config_worker: the top-level "controller" and the "workers" list.
#include "node/config_reader.hpp"

namespace junction::node::detail {

namespace {

// Worker (an item of "workers"):
//   type        "router" (required). "container", "guest", "proxy", ... are not supported yet.
//   id          optional config ID.
//   options     object; Crossbar's worker process options (title, env, pythonpath, ...) are
//               accepted with a warning and ignored.
//   realms      list of realms.
//   transports  list of transports.
//   components  must be empty: embedded components are not supported yet.
//   connections not supported yet; manhole accepted with a warning.
// Worker options: "io_threads" (Junction's own: a number 1..256, or "auto" for one per core) is
// read; Crossbar's process options (title, env, pythonpath, cpu_affinity, ...) are accepted with
// a warning and ignored. With several router workers the largest io_threads wins.
void read_worker_options(Validator& v, const json& j, const std::string& path, NodeConfig& node) {
  for (const auto& [key, value] : j.items()) {
    const std::string where = path_key(path, key);
    if (key != "io_threads") {
      v.warn(where, "worker option '" + key + "' is not supported yet; ignored");
      continue;
    }
    std::optional<std::size_t> threads;
    if (value.is_string() && value.get<std::string>() == "auto") {
      threads = 0;
    } else if (value.is_number_unsigned() && value.get<unsigned long long>() >= 1 &&
               value.get<unsigned long long>() <= 256) {
      threads = static_cast<std::size_t>(value.get<unsigned long long>());
    }
    if (!threads)
      v.fail(where, "expected an integer from 1 to 256 or \"auto\", found " + value.dump());
    if (!node.io_threads || *threads == 0 ||
        (*node.io_threads != 0 && *threads > *node.io_threads)) {
      node.io_threads = threads;
    }
  }
}

}  // namespace

// The controller (top-level "controller"): "id", "options" and "manhole" are accepted and
// ignored with a warning; "fabric", "connections" are not supported yet.
void read_controller(Validator& v, const json& j, const std::string& path, NodeConfig& /*node*/) {
  Obj c(v, j, path, "controller");
  for (const char* key : {"id", "options", "manhole"}) {
    if (c.has(key)) v.warn(c.at(key), "'" + std::string(key) + "' is not used yet; ignored");
  }
  c.refuse("fabric");
  c.refuse("connections");
  c.finish();
}

void read_worker(Validator& v, const json& j, const std::string& path, NodeConfig& node,
                 std::map<std::string, std::string>& realm_paths) {
  Obj o(v, j, path, "worker");
  const std::string type = o.need_string("type");
  if (type == "container" || type == "guest" || type == "proxy" || type == "websocket-testee" ||
      type == "marketplace" || type == "hostmonitor" || type == "xbrmm") {
    v.fail(o.at("type"), "worker type '" + type + "' is not supported yet");
  }
  if (type != "router") {
    v.fail(o.at("type"), "unknown worker type '" + type + "' (expected router)");
  }
  read_id(o);
  if (const json* options = o.opt_object("options")) {
    read_worker_options(v, *options, o.at("options"), node);
  }
  if (const json* realms = o.opt_list("realms")) {
    for (std::size_t i = 0; i < realms->size(); ++i) {
      const std::string realm_path = path_index(o.at("realms"), i);
      auto realm = read_realm(v, (*realms)[i], realm_path);
      auto [it, inserted] = realm_paths.emplace(realm.name, realm_path);
      if (!inserted) {
        v.fail(path_key(realm_path, "name"),
               "duplicate realm name '" + realm.name + "' (also at " + it->second + ")");
      }
      node.router.realms.push_back(std::move(realm));
    }
  }
  if (const json* transports = o.opt_list("transports")) {
    for (std::size_t i = 0; i < transports->size(); ++i) {
      node.listeners.push_back(
          read_transport(v, (*transports)[i], path_index(o.at("transports"), i)));
    }
  }
  if (const json* components = o.opt_list("components"); components && !components->empty()) {
    v.fail(o.at("components"), "router components are not supported yet");
  }
  o.refuse("connections");
  o.ignore("manhole");
  o.finish();
}

}  // namespace junction::node::detail
