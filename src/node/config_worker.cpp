// node/config_worker: the top-level "controller" and the "workers" list.
#include "node/config_reader.hpp"

#include <algorithm>
#include <iterator>

namespace junction::node::detail {

namespace {

// Router worker (an item of "workers" with type "router"; "guest" and "container" workers are
// read by config_guest.cpp and config_component.cpp):
//   type        "router" (required). "proxy", "websocket-testee", ... are not supported yet.
//   id          optional config ID.
//   options     object (read_worker_options).
//   realms      list of realms.
//   transports  list of transports.
//   components  Python components (config_component.cpp), run in a launcher process of their
//               own, connected over the node's private socket with their configured role. The
//               same process runs the transports' "function" authenticators (config_auth.cpp).
//   connections not supported yet; manhole accepted with a warning.
// Worker options: "io_threads" (Junction's own: a number 1..256, or "auto" for one per core) is
// read, and so are "max_outbound_bytes" / "max_outbound_bytes_per_connection" (Junction's own:
// bytes, 1 MiB..1 TiB; the node-wide budget for what waits for slow peers and each connection's
// bound, transport::OutboundBudget); "pythonpath", "env" and "python" apply to the processes the
// router's components and its "wsgi" path services run in (a warning when there are none);
// Crossbar's other native worker
// process options (title, cpu_affinity, expose_controller, expose_shared) are accepted with a
// warning and ignored (the router worker is the junction process itself); any other key is
// refused, as Crossbar's checker does. With several router workers the largest io_threads wins.
// "max_connections" and "max_connections_per_ip" (Junction's own: integers 0..10^7, 0 for no
// limit) bound the connections open at once on the node's listeners, in total and from one source
// address (transport::ConnectionLimits); unset, the total is the open-file limit less a tenth and
// the per-address limit half the total.
void read_worker_options(Validator& v, const json& j, const std::string& path, NodeConfig& node,
                         GuestConfig& components) {
  static constexpr std::string_view kCrossbarOptions[] = {
      "title", "python", "pythonpath", "cpu_affinity", "env", "expose_controller", "expose_shared"};
  for (const auto& [key, value] : j.items()) {
    const std::string where = path_key(path, key);
    // The router's Python components run in a process of their own (config_component.cpp):
    // these are its options.
    if (key == "pythonpath") {
      read_pythonpath(v, value, where, components);
      continue;
    }
    if (key == "env") {
      read_env(v, value, where, components);
      continue;
    }
    if (key == "python") {
      if (!value.is_string() || value.get<std::string>().empty()) {
        v.fail(where, "expected the Python interpreter's path, found " + found(value));
      }
      components.executable = value.get<std::string>();
      continue;
    }
    if (key == "max_outbound_bytes" || key == "max_outbound_bytes_per_connection") {
      // Junction's own: the node-wide bound on bytes waiting for slow peers, and each
      // connection's bound (transport/outbound_budget.hpp). 1 MiB .. 1 TiB.
      if (!value.is_number_unsigned() || value.get<unsigned long long>() < (1ULL << 20) ||
          value.get<unsigned long long>() > (1ULL << 40)) {
        v.fail(where,
               "expected a number of bytes from 1048576 to 1099511627776, found " + value.dump());
      }
      auto& slot = key == "max_outbound_bytes" ? node.max_outbound_bytes
                                               : node.max_outbound_bytes_per_connection;
      slot = static_cast<std::size_t>(value.get<unsigned long long>());
      continue;
    }
    if (key == "max_connections" || key == "max_connections_per_ip") {
      if (!value.is_number_unsigned() || value.get<unsigned long long>() > 10'000'000ULL) {
        v.fail(where, "expected a number of connections from 0 (no limit) to 10000000, found " +
                          value.dump());
      }
      auto& slot = key == "max_connections" ? node.connection_limits.max_connections
                                            : node.connection_limits.max_connections_per_ip;
      slot = static_cast<std::size_t>(value.get<unsigned long long>());
      continue;
    }
    if (key != "io_threads") {
      if (std::find(std::begin(kCrossbarOptions), std::end(kCrossbarOptions), key) ==
          std::end(kCrossbarOptions)) {
        v.fail(where, "unknown worker option '" + key +
                          "' (expected one of: io_threads, max_connections, "
                          "max_connections_per_ip, max_outbound_bytes, "
                          "max_outbound_bytes_per_connection, title, python, pythonpath, "
                          "cpu_affinity, env, expose_controller, expose_shared)");
      }
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

// The controller (top-level "controller"):
//   id        string; accepted (Crossbar's node ID; Junction does not use it yet: warning).
//   options   object:
//     shutdown  list of node shutdown triggers, Crossbar's names (a single string is taken as a
//               list of one): "shutdown_on_shutdown_requested" (only a signal or `junction stop`
//               stops the node), "shutdown_on_worker_exit", "shutdown_on_worker_exit_with_error",
//               "shutdown_on_last_worker_exit". The router worker is the junction process itself,
//               so these concern the other workers. Default: none, i.e. only a signal or
//               `junction stop` stops the node (Crossbar's standalone default is
//               shutdown_on_worker_exit).
//     title     string; accepted with a warning (process title), ignored.
//   manhole   accepted with a warning, ignored.
//   fabric, connections: not supported yet.
void read_controller(Validator& v, const json& j, const std::string& path, NodeConfig& node) {
  Obj c(v, j, path, "controller");
  if (c.has("id")) {
    c.opt_string("id");
    v.warn(c.at("id"), "'id' is not used yet; ignored");
  }
  if (const json* options = c.opt_object("options")) {
    Obj opt(v, *options, c.at("options"), "controller options");
    if (const json* shutdown = opt.get("shutdown")) {
      static constexpr std::pair<std::string_view, ShutdownTrigger> kTriggers[] = {
          {"shutdown_on_shutdown_requested", ShutdownTrigger::shutdown_requested},
          {"shutdown_on_worker_exit", ShutdownTrigger::worker_exit},
          {"shutdown_on_worker_exit_with_error", ShutdownTrigger::worker_exit_with_error},
          {"shutdown_on_last_worker_exit", ShutdownTrigger::last_worker_exit},
      };
      const json list = shutdown->is_string() ? json::array({*shutdown}) : *shutdown;
      if (!list.is_array()) {
        v.fail(opt.at("shutdown"),
               "expected a list of shutdown triggers, found " + found(*shutdown));
      }
      for (std::size_t i = 0; i < list.size(); ++i) {
        const std::string item_path =
            shutdown->is_string() ? opt.at("shutdown") : path_index(opt.at("shutdown"), i);
        const auto* known =
            list[i].is_string()
                ? std::find_if(std::begin(kTriggers), std::end(kTriggers),
                               [&](const auto& t) { return t.first == list[i].get<std::string>(); })
                : std::end(kTriggers);
        if (known == std::end(kTriggers)) {
          v.fail(item_path,
                 "expected one of shutdown_on_shutdown_requested, shutdown_on_worker_exit, "
                 "shutdown_on_worker_exit_with_error, shutdown_on_last_worker_exit; found " +
                     found(list[i]));
        }
        node.shutdown_triggers.push_back(known->second);
      }
    }
    opt.ignore("title");
    opt.finish();
  }
  c.ignore("manhole");
  c.refuse("fabric");
  c.refuse("connections");
  c.finish();
}

void read_worker(Validator& v, const json& j, const std::string& path, NodeConfig& node,
                 std::map<std::string, std::string>& realm_paths) {
  Obj o(v, j, path, "worker");
  const std::string type = o.need_string("type");
  if (type == "container" || type == "proxy" || type == "websocket-testee" ||
      type == "marketplace" || type == "hostmonitor" || type == "xbrmm") {
    v.fail(o.at("type"), "worker type '" + type + "' is not supported yet");
  }
  if (type != "router") {
    v.fail(o.at("type"), "unknown worker type '" + type + "' (expected router or guest)");
  }
  read_id(o);
  // The router's components and the options of the process they run in (the launcher, which
  // also runs the transports' "function" authenticators).
  static const json kNone = json::array();
  const json* list = o.opt_list("components");
  GuestConfig components = component_worker(v, list ? *list : kNone, path, true, "router");
  components.component_launcher = list && !list->empty();
  const json* options = o.opt_object("options");
  if (options) read_worker_options(v, *options, o.at("options"), node, components);
  RouterWorkerContext worker;  // what its transports' "function" authenticators need
  if (const json* realms = o.opt_list("realms")) {
    for (std::size_t i = 0; i < realms->size(); ++i) {
      const std::string realm_path = path_index(o.at("realms"), i);
      auto realm = read_realm(v, (*realms)[i], realm_path);
      if (i == 0) worker.first_realm = realm.name;
      auto [it, inserted] = realm_paths.emplace(realm.name, realm_path);
      if (!inserted) {
        v.fail(path_key(realm_path, "name"),
               "duplicate realm name '" + realm.name + "' (also at " + it->second + ")");
      }
      node.router.realms.push_back(std::move(realm));
    }
  }
  // "wsgi" path services run in a Python process of their own, with the same options.
  bool wsgi = false;
  if (const json* transports = o.opt_list("transports")) {
    v.set_router_worker(&worker);
    for (std::size_t i = 0; i < transports->size(); ++i) {
      const json& t = (*transports)[i];
      if (t.is_object() && t.value("type", "") == "flashpolicy") {
        node.flash_policies.push_back(read_flash_policy(v, t, path_index(o.at("transports"), i)));
        continue;
      }
      node.listeners.push_back(read_transport(v, t, path_index(o.at("transports"), i)));
      wsgi = apply_worker_python(v, components, node.listeners.back()) || wsgi;
    }
    v.set_router_worker(nullptr);
  }
  if (!worker.authenticators.empty()) {
    set_launcher_job(components, "authenticators", worker.authenticators);
    components.component_launcher = true;
  }
  if (options && !components.component_launcher && !wsgi) {
    for (const char* key : {"pythonpath", "env", "python"}) {
      if (options->contains(key)) {
        v.warn(path_key(o.at("options"), key),
               std::string("'") + key +
                   "' is used by router components, function authenticators and wsgi path "
                   "services only; ignored");
      }
    }
  }
  if (components.component_launcher) node.guests.push_back(std::move(components));
  o.refuse("connections");
  o.ignore("manhole");
  o.finish();
}

}  // namespace junction::node::detail
