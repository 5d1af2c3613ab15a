// node/config_component: Python components (Crossbar's "components" of type "class", and in
// the router worker "function") in a "container" worker, or in the router worker itself. Both
// run in a launcher process Junction ships (junction-components.py, node/component_launcher.hpp),
// so each becomes a GuestConfig whose stdin is the launcher's job (the components, as JSON); the
// node fills in the interpreter's arguments and the private socket when it starts.
#include "node/config_reader.hpp"

namespace junction::node::detail {

namespace {

// A component (an item of "components"), Crossbar's keys:
//   type       "class" or (router components only) "function"
//   id         optional config ID
//   classname  "class": required, "package.module.Class", an ApplicationSession subclass
//   callbacks  "function": optional object {"join" | "leave" | "connect" | "disconnect":
//              "package.module.function"}; the launcher makes a plain ApplicationSession that
//              joins `realm` with `role` and calls each as Autobahn's session.on(event, f) does
//              (join/leave: f(session, details); connect: f(session, transport); disconnect:
//              f(session, was_clean=...)), as Crossbar's router does.
//   realm      required: the realm it joins
//   role       router components only: the role it joins with (default "anonymous")
//   transport  container components only, required: an object (Crossbar's connecting
//              transport). Junction connects every component over the node's private Unix
//              socket instead (docs/crossbar.md), so it is checked to be an object, not used.
//   extra      "class": any JSON value, handed to the component as ComponentConfig.extra
//   references "class" router components: not supported yet. Crossbar resolves each
//              "connection:ID" to one of the router worker's "connections" (router-to-router
//              links), which Junction does not support either.
// A "function" component in a container (where Crossbar also requires "auth", the credentials it
// connects with) is not supported yet.
json read_component(Validator& v, const json& j, const std::string& path, bool in_router) {
  Obj o(v, j, path, "component");
  const std::string type = o.need_string("type");
  if (type == "function" && !in_router) {
    v.not_supported(o.at("type"), "component type 'function' in a container worker");
  }
  if (type != "class" && type != "function") {
    v.fail(o.at("type"), "unknown component type '" + type + "' (expected class or function)");
  }
  json out = json::object();
  out["type"] = type;
  if (const auto id = read_id(o)) out["id"] = *id;
  const auto check_name = [&v](const std::string& where, const std::string& name,
                               const char* expected) {
    if (name.find('.') == std::string::npos || name.front() == '.' || name.back() == '.') {
      v.fail(where, std::string("expected \"") + expected + "\", found \"" + name + "\"");
    }
  };
  if (type == "class") {
    out["classname"] = o.need_string("classname");
    check_name(o.at("classname"), out["classname"].get<std::string>(), "module.Class");
  } else {
    out["callbacks"] = json::object();
    if (const json* callbacks = o.opt_object("callbacks")) {
      for (const auto& [event, function] : callbacks->items()) {
        const std::string where = path_key(o.at("callbacks"), event);
        if (event != "join" && event != "leave" && event != "connect" && event != "disconnect") {
          v.fail(where, "unknown callback '" + event +
                            "' (expected one of: join, leave, connect, disconnect)");
        }
        if (!function.is_string())
          v.fail(where, "expected \"module.function\", found " + found(function));
        check_name(where, function.get<std::string>(), "module.function");
        out["callbacks"][event] = function;
      }
    }
  }
  out["realm"] = o.need_string("realm");
  if (in_router) {
    out["role"] = o.opt_string("role").value_or("anonymous");
  } else {
    o.need("transport", "an object");
    o.opt_object("transport");
  }
  if (type == "class") {
    if (const json* extra = o.get("extra")) out["extra"] = *extra;
    if (in_router) o.refuse("references");
  }
  o.finish();
  return out;
}

}  // namespace

GuestConfig component_worker(Validator& v, const json& components, const std::string& path,
                             bool in_router, std::string id) {
  GuestConfig g;
  g.id = std::move(id);
  g.config_path = path;
  g.component_launcher = true;
  g.log_name = in_router ? "router components" : "container " + g.id;
  g.executable = "/usr/bin/python3";
  g.stdin_mode = GuestConfig::Stdin::json;
  g.stdin_close_after = true;
  json job = {{"worker", g.id},
              {"kind", in_router ? "router" : "container"},
              {"components", json::array()}};
  for (std::size_t i = 0; i < components.size(); ++i) {
    job["components"].push_back(
        read_component(v, components[i], path_index(path_key(path, "components"), i), in_router));
  }
  g.stdin_data = job.dump();
  return g;
}

void set_launcher_job(GuestConfig& g, std::string_view key, const json& value) {
  json job = json::parse(g.stdin_data);
  job[std::string(key)] = value;
  g.stdin_data = job.dump();
}

void read_pythonpath(Validator& v, const json& j, const std::string& path, GuestConfig& g) {
  if (!j.is_array()) v.fail(path, "expected a list of directories, found " + found(j));
  for (std::size_t i = 0; i < j.size(); ++i) {
    if (!j[i].is_string())
      v.fail(path_index(path, i), "expected a directory, found " + found(j[i]));
    g.pythonpath.push_back(j[i].get<std::string>());
  }
}

// Container worker (Crossbar's "container": Python components in a process of their own):
//   type        "container"
//   id          optional worker ID (default "worker-NNN")
//   options     object:
//     pythonpath  list of directories (relative to the node directory) put on the module path
//     env         as a guest's: {"inherit": ..., "vars": {...}}
//     python      the Python interpreter (default /usr/bin/python3, which must have
//                 Autobahn|Python: Debian python3-autobahn)
//     shutdown    "shutdown-manual" (default: the worker stays when its components stop) or
//                 "shutdown-on-last-component-stopped"
//     restart     "restart-always" or "restart-on-failed": a component that ends is started
//                 again (after 1 s); default: never
//     title, cpu_affinity, expose_controller, expose_shared: accepted with a warning, ignored
//     junction    Junction's own (as for a guest): restart policy of the worker process itself,
//                 restart_delay, max_restart_delay, stop_timeout
//   components  list of components (read_component)
//   connections not supported yet; manhole accepted with a warning
GuestConfig read_container(Validator& v, const json& j, const std::string& path,
                           std::size_t unnamed_number) {
  Obj o(v, j, path, "container worker");
  o.need_string("type");
  char fallback[32];
  std::snprintf(fallback, sizeof fallback, "worker-%03zu", unnamed_number);
  const std::string id = read_id(o).value_or(fallback);
  static const json kNone = json::array();
  const json* components = o.opt_list("components");
  GuestConfig g = component_worker(v, components ? *components : kNone, path, false, id);
  if (const json* options = o.opt_object("options")) {
    for (const auto& [key, value] : options->items()) {
      const std::string where = path_key(o.at("options"), key);
      if (key == "pythonpath") {
        read_pythonpath(v, value, where, g);
      } else if (key == "env") {
        read_env(v, value, where, g);
      } else if (key == "python") {
        if (!value.is_string() || value.get<std::string>().empty()) {
          v.fail(where, "expected the Python interpreter's path, found " + found(value));
        }
        g.executable = value.get<std::string>();
      } else if (key == "shutdown") {
        if (value != "shutdown-manual" && value != "shutdown-on-last-component-stopped") {
          v.fail(where,
                 "expected \"shutdown-manual\" or \"shutdown-on-last-component-stopped\", found " +
                     found(value));
        }
        set_launcher_job(g, "shutdown", value.get<std::string>());
      } else if (key == "restart") {
        if (value != "restart-always" && value != "restart-on-failed") {
          v.fail(where,
                 "expected \"restart-always\" or \"restart-on-failed\", found " + found(value));
        }
        set_launcher_job(g, "restart", value.get<std::string>());
      } else if (key == "junction") {
        if (!value.is_object()) v.fail(where, "expected an object, found " + found(value));
        read_junction_options(v, value, where, g);
      } else if (key == "title" || key == "cpu_affinity" || key == "expose_controller" ||
                 key == "expose_shared") {
        v.warn(where, "worker option '" + key + "' is not supported yet; ignored");
      } else {
        v.fail(where, "unknown worker option '" + key +
                          "' (expected one of: pythonpath, env, python, shutdown, restart, "
                          "junction, title, cpu_affinity, expose_controller, expose_shared)");
      }
    }
  }
  o.refuse("connections");
  o.ignore("manhole");
  o.finish();
  return g;
}

}  // namespace junction::node::detail
