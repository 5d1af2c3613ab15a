// node/config_guest: a "guest" worker (Crossbar's: any executable the node starts and stops).
#include "node/config_reader.hpp"

namespace junction::node::detail {

namespace {

GuestOutput read_output(Obj& o, std::string_view key) {
  const auto value = o.opt_string(key);
  if (!value || *value == "log") return GuestOutput::log;
  if (*value == "drop") return GuestOutput::drop;
  if (*value == "close") return GuestOutput::close;
  o.v().fail(o.at(key), "expected \"log\", \"drop\" or \"close\", found \"" + *value + "\"");
}

// A duration in seconds (a number, fractions allowed) within [lo, hi].
std::chrono::milliseconds read_seconds(Obj& o, std::string_view key, double lo, double hi,
                                       std::chrono::milliseconds fallback) {
  const json* value = o.get(key);
  if (!value) return fallback;
  if (!value->is_number() || value->get<double>() < lo || value->get<double>() > hi) {
    o.v().fail(o.at(key), "expected a number of seconds from " + json(lo).dump() + " to " +
                              json(hi).dump() + ", found " + found(*value));
  }
  return std::chrono::milliseconds(static_cast<long long>(value->get<double>() * 1000 + 0.5));
}

// options.stdin: "close", or {"type": "json", "value": <any>, "close": true|false}.
void read_stdin(Validator& v, const json& j, const std::string& path, GuestConfig& g) {
  if (j.is_string()) {
    if (j.get<std::string>() != "close") {
      v.fail(path, "expected \"close\" or an object {\"type\": \"json\", \"value\": ...}, found " +
                       found(j));
    }
    g.stdin_mode = GuestConfig::Stdin::close;
    return;
  }
  Obj o(v, j, path, "guest options.stdin");
  const std::string type = o.need_string("type");
  if (type == "msgpack") v.not_supported(o.at("type"), "guest stdin type 'msgpack'");
  if (type != "json") v.fail(o.at("type"), "expected \"json\", found \"" + type + "\"");
  g.stdin_mode = GuestConfig::Stdin::json;
  g.stdin_data = o.need("value", "the value to write").dump();
  g.stdin_close_after = o.boolean("close", true);
  o.finish();
}

// options.watch (Crossbar's): {"directories": [...], "action": "restart", "timeout": seconds}.
// A change (a file or directory created, written, deleted or moved) under one of the directories
// (relative to the node directory; the directories below them count) stops the guest with
// SIGTERM, as Crossbar does; with "action": "restart" it is started again "timeout" seconds
// (default 1) after it ended, else it stays stopped.
void read_watch(Validator& v, const json& j, const std::string& path, GuestConfig& g) {
  Obj o(v, j, path, "guest options.watch");
  const json* dirs = o.opt_list("directories");
  if (!dirs || dirs->empty()) v.fail(path, "expected a non-empty list of 'directories' to watch");
  for (std::size_t i = 0; i < dirs->size(); ++i) {
    const json& d = (*dirs)[i];
    if (!d.is_string() || d.get<std::string>().empty()) {
      v.fail(path_index(o.at("directories"), i), "expected a directory, found " + found(d));
    }
    g.watch_directories.push_back(d.get<std::string>());
  }
  if (const auto action = o.opt_string("action")) {
    if (*action != "restart") {
      v.fail(o.at("action"), "expected \"restart\" (or no action: the guest is stopped), found \"" +
                                 *action + "\"");
    }
    g.watch_restart = true;
  }
  g.watch_delay = read_seconds(o, "timeout", 0, 3600, g.watch_delay);
  o.finish();
}

}  // namespace

// options.junction (Junction's own; Crossbar's checker refuses the key, so no Crossbar config
// means anything else by it):
//   restart            "never" (default, as Crossbar), "on-failure" (a non-zero exit status or a
//                      signal), "always"
//   restart_delay      seconds before the first restart (default 1); doubles after each restart
//                      that follows a run shorter than 10 s, up to
//   max_restart_delay  seconds (default 60)
//   stop_timeout       seconds between SIGTERM and SIGKILL at shutdown (default 5)
void read_junction_options(Validator& v, const json& j, const std::string& path, GuestConfig& g) {
  Obj o(v, j, path, "guest options.junction");
  if (const auto restart = o.opt_string("restart")) {
    if (*restart == "never") {
      g.restart = RestartPolicy::never;
    } else if (*restart == "on-failure") {
      g.restart = RestartPolicy::on_failure;
    } else if (*restart == "always") {
      g.restart = RestartPolicy::always;
    } else {
      v.fail(o.at("restart"),
             "expected \"never\", \"on-failure\" or \"always\", found \"" + *restart + "\"");
    }
  }
  g.restart_delay = read_seconds(o, "restart_delay", 0.01, 3600, g.restart_delay);
  g.max_restart_delay = read_seconds(o, "max_restart_delay", 0.01, 86400, g.max_restart_delay);
  if (g.max_restart_delay < g.restart_delay) g.max_restart_delay = g.restart_delay;
  g.stop_timeout = read_seconds(o, "stop_timeout", 0.01, 3600, g.stop_timeout);
  o.finish();
}

// options.env: "inherit" true (default) / false / a list of variable names; "vars" an object of
// variables set on top (strings; numbers and booleans are written as JSON writes them, as
// Crossbar's str() would for numbers).
void read_env(Validator& v, const json& j, const std::string& path, GuestConfig& g) {
  Obj o(v, j, path, "worker options.env");
  if (const json* inherit = o.get("inherit")) {
    if (inherit->is_boolean()) {
      g.inherit_all_env = inherit->get<bool>();
    } else if (inherit->is_array()) {
      g.inherit_all_env = false;
      for (std::size_t i = 0; i < inherit->size(); ++i) {
        const json& name = (*inherit)[i];
        if (!name.is_string()) {
          v.fail(path_index(o.at("inherit"), i),
                 "expected an environment variable name, found " + found(name));
        }
        g.inherit_env.push_back(name.get<std::string>());
      }
    } else {
      v.fail(o.at("inherit"), "expected true, false or a list of names, found " + found(*inherit));
    }
  }
  if (const json* vars = o.opt_object("vars")) {
    for (const auto& [name, value] : vars->items()) {
      if (name.empty() || name.find('=') != std::string::npos) {
        v.fail(path_key(o.at("vars"), name), "not an environment variable name");
      }
      std::string text;
      if (value.is_string()) {
        text = value.get<std::string>();
      } else if (value.is_number() || value.is_boolean()) {
        text = value.dump();
      } else {
        v.fail(path_key(o.at("vars"), name), "expected a string, found " + found(value));
      }
      g.env_vars.emplace_back(name, std::move(text));
    }
  }
  o.finish();
}

// Guest worker (Crossbar's "guest"):
//   type        "guest"
//   id          optional worker ID (names the worker in log lines; default "worker-NNN")
//   executable  required: a path (relative paths are relative to the working directory) or a
//               name looked up in $PATH
//   arguments   list of strings
//   options     object:
//     workdir   working directory, relative to the node directory (default: the node directory)
//     env       {"inherit": true|false|[names], "vars": {...}} (read_env)
//     stdin     "close" or {"type": "json", "value": ..., "close": true} (read_stdin)
//     stdout, stderr  "log" (default: lines into the node log), "drop" or "close"
//     watch     {"directories": [...], "action": "restart", "timeout": 1} (read_watch)
//     junction  Junction's own: restart policy and timeouts (read_junction_options)
GuestConfig read_guest(Validator& v, const json& j, const std::string& path,
                       std::size_t unnamed_number) {
  Obj o(v, j, path, "guest worker");
  GuestConfig g;
  g.config_path = path;
  o.need_string("type");
  char fallback[32];
  std::snprintf(fallback, sizeof fallback, "worker-%03zu", unnamed_number);
  g.id = read_id(o).value_or(fallback);
  g.log_name = "guest " + g.id;
  g.executable = o.need_string("executable");
  if (g.executable.empty()) v.fail(o.at("executable"), "expected an executable, found \"\"");
  if (const json* args = o.opt_list("arguments")) {
    for (std::size_t i = 0; i < args->size(); ++i) {
      const json& arg = (*args)[i];
      if (!arg.is_string()) {
        v.fail(path_index(o.at("arguments"), i), "expected a string, found " + found(arg));
      }
      g.arguments.push_back(arg.get<std::string>());
    }
  }
  if (const json* options = o.opt_object("options")) {
    Obj opt(v, *options, o.at("options"), "guest options");
    g.workdir = opt.opt_string("workdir").value_or("");
    if (const json* env = opt.get("env")) read_env(v, *env, opt.at("env"), g);
    if (const json* in = opt.get("stdin")) read_stdin(v, *in, opt.at("stdin"), g);
    g.stdout_mode = read_output(opt, "stdout");
    g.stderr_mode = read_output(opt, "stderr");
    if (const json* watch = opt.get("watch")) read_watch(v, *watch, opt.at("watch"), g);
    if (const json* own = opt.opt_object("junction")) {
      read_junction_options(v, *own, opt.at("junction"), g);
    }
    opt.finish();
  }
  o.finish();
  return g;
}

}  // namespace junction::node::detail
