// node/cli_args: command-line parsing and the node-directory / config-file lookup.
#include "node/cli_args.hpp"

#include <system_error>

#include "node/config.hpp"

namespace junction::node::detail {

namespace fs = std::filesystem;

std::string usage() {
  return "Usage: junction <command> [options]\n"
         "\n"
         "Commands:\n"
         "  init      create a node directory and app from a template: --appdir DIR (default .),\n"
         "            --template default (a node and a web page), python (plus a Python\n"
         "            component), browser (plus an AutobahnJS page that calls it) or cpp\n"
         "            (plus a C++ component on Junction's client library)\n"
         "  start     start the node (the embedded default config when none is found)\n"
         "  stop      stop the node running from the node directory (SIGTERM, then wait)\n"
         "  status    say whether a node runs from the node directory\n"
         "            (--assert running|stopped: exit 0 only when it holds)\n"
         "  check     validate the node config, print \"config OK: <file>\" or the error\n"
         "  convert   write config.json as config.yaml beside it, or YAML as config.json\n"
         "  restart   stop the node running from the node directory (if any), then start\n"
         "  keygen    create the node's Ed25519 key (key.priv, key.pub) in the node directory\n"
         "  keys      print the node's public key (and check key.priv against it)\n"
         "  version   print the versions of Junction and its libraries\n"
         "  help      print this help\n"
         "\n"
         "Options for start, restart, check and convert (stop, status, keygen, keys take "
         "--cbdir):\n"
         "  --cbdir DIR       node directory; default $JUNCTION_DIR, then $CROSSBAR_DIR, then\n"
         "                    ./.junction, then ./.crossbar (whichever exists first)\n"
         "  --config FILE     config file (.json, .yaml, .yml); absolute, or relative to --cbdir\n"
         "                    when given; default config.json, config.yaml or config.yml in the\n"
         "                    node directory\n"
         "  --loglevel LEVEL  trace, debug, info (default), warn or error\n"
         "  --logformat FMT   (start, restart) text (default) or json: one JSON object a line\n"
         "  --logtofile       (start, restart) log to node.log in the node directory, not stderr\n"
         "  --threads N       I/O threads (a number, or auto: one per core); overrides\n"
         "                    $JUNCTION_IO_THREADS and the router worker's options.io_threads;\n"
         "                    default 1. Routing itself always runs on one thread.\n"
         "\n"
         "Config reference: docs/configuration.md\n";
}

CliArgs parse_args(const std::vector<std::string>& args) {
  CliArgs out;
  for (const auto& a : args) {
    if (a == "--help" || a == "-h") {
      out.command = "help";
      return out;
    }
  }
  std::size_t i = 0;
  if (args.empty()) throw UsageError("no command given");
  out.command = args[i++];
  if (out.command == "--version") out.command = "version";
  const std::string& c = out.command;
  if (c != "start" && c != "check" && c != "version" && c != "help" && c != "stop" &&
      c != "status" && c != "convert" && c != "restart" && c != "keygen" && c != "keys" &&
      c != "init") {
    throw UsageError("unknown command '" + out.command + "'");
  }
  const bool takes_options = c == "start" || c == "restart" || c == "check" || c == "convert";
  const bool takes_cbdir =
      takes_options || c == "stop" || c == "status" || c == "keygen" || c == "keys";
  for (; i < args.size(); ++i) {
    std::string name = args[i];
    std::optional<std::string> value;
    if (auto eq = name.find('='); name.starts_with("--") && eq != std::string::npos) {
      value = name.substr(eq + 1);
      name.resize(eq);
    }
    const bool starts = c == "start" || c == "restart";
    if (starts && name == "--logtofile") {
      if (value) throw UsageError("option '--logtofile' takes no value");
      out.logtofile = true;
      continue;
    }
    const bool known =
        (takes_cbdir && name == "--cbdir") || (c == "status" && name == "--assert") ||
        (starts && name == "--logformat") ||
        (c == "init" && (name == "--appdir" || name == "--template")) ||
        (takes_options && (name == "--config" || name == "--loglevel" || name == "--threads"));
    if (!known) throw UsageError("unknown option '" + name + "' for '" + out.command + "'");
    if (!value) {
      if (i + 1 >= args.size()) throw UsageError("option '" + name + "' needs a value");
      value = args[++i];
    }
    if (value->empty()) throw UsageError("option '" + name + "' needs a value");
    if (name == "--cbdir") {
      out.cbdir = *value;
    } else if (name == "--appdir") {
      out.appdir = *value;
    } else if (name == "--template") {
      out.template_name = *value;
    } else if (name == "--logformat") {
      if (*value != "text" && *value != "json") {
        throw UsageError("--logformat takes text or json, not '" + *value + "'");
      }
      out.logformat = *value == "json" ? log::Format::json : log::Format::text;
    } else if (name == "--assert") {
      if (*value != "running" && *value != "stopped") {
        throw UsageError("--assert takes running or stopped, not '" + *value + "'");
      }
      out.assert_state = *value;
    } else if (name == "--config") {
      out.config = *value;
    } else if (name == "--threads") {
      out.threads = parse_thread_count(*value);
      if (!out.threads) {
        throw UsageError("bad thread count '" + *value + "' (expected 1..256 or auto)");
      }
    } else {
      auto level =
          *value == "critical" ? std::optional(log::Level::error) : log::parse_level(*value);
      if (!level) {
        throw UsageError("unknown log level '" + *value +
                         "' (expected trace, debug, info, warn or error)");
      }
      out.loglevel = level;
    }
  }
  return out;
}

std::optional<std::size_t> parse_thread_count(const std::string& text) {
  if (text == "auto") return 0;
  if (text.empty() || text.size() > 3) return std::nullopt;
  std::size_t n = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    n = n * 10 + static_cast<std::size_t>(c - '0');
  }
  if (n == 0 || n > 256) return std::nullopt;
  return n;
}

std::optional<fs::path> find_node_directory(const CliArgs& args, const EnvLookup& env,
                                            const fs::path& cwd) {
  std::error_code ec;
  auto absolute = [&](const fs::path& p) { return p.is_absolute() ? p : cwd / p; };
  std::optional<fs::path> dir;
  std::string origin;
  if (args.cbdir) {
    dir = absolute(*args.cbdir);
    origin = "--cbdir";
  } else if (auto d = env("JUNCTION_DIR"); d && !d->empty()) {
    dir = absolute(*d);
    origin = "$JUNCTION_DIR";
  } else if (auto cd = env("CROSSBAR_DIR"); cd && !cd->empty()) {
    dir = absolute(*cd);
    origin = "$CROSSBAR_DIR";
  }
  if (dir) {
    if (!fs::is_directory(*dir, ec)) {
      throw ConfigError(dir->string() + ": node directory (from " + origin + ") does not exist");
    }
    return dir;
  }
  for (const char* name : {".junction", ".crossbar"}) {
    if (fs::is_directory(cwd / name, ec)) return cwd / name;
  }
  return std::nullopt;
}

ConfigChoice choose_config(const CliArgs& args, const EnvLookup& env, const fs::path& cwd) {
  std::error_code ec;
  auto absolute = [&](const fs::path& p) { return p.is_absolute() ? p : cwd / p; };

  std::optional<fs::path> cbdir;
  std::string cbdir_origin;
  if (args.cbdir) {
    cbdir = absolute(*args.cbdir);
    cbdir_origin = "--cbdir";
  } else if (auto dir = env("JUNCTION_DIR"); dir && !dir->empty()) {
    cbdir = absolute(*dir);
    cbdir_origin = "$JUNCTION_DIR";
  } else if (auto cdir = env("CROSSBAR_DIR"); cdir && !cdir->empty()) {
    cbdir = absolute(*cdir);
    cbdir_origin = "$CROSSBAR_DIR";
  }
  if (cbdir && !fs::is_directory(*cbdir, ec)) {
    throw ConfigError(cbdir->string() + ": node directory (from " + cbdir_origin +
                      ") does not exist");
  }

  if (args.config) {
    const fs::path file = args.config->is_absolute() ? *args.config
                          : args.cbdir               ? *cbdir / *args.config
                                                     : cwd / *args.config;
    if (!fs::is_regular_file(file, ec)) throw ConfigError(file.string() + ": no such config file");
    return {file, ""};
  }

  if (!cbdir) {
    for (const char* name : {".junction", ".crossbar"}) {
      if (fs::is_directory(cwd / name, ec)) {
        cbdir = cwd / name;
        break;
      }
    }
  }
  if (!cbdir) {
    return {{},
            "no node directory (--cbdir, $JUNCTION_DIR, $CROSSBAR_DIR, ./.junction, "
            "./.crossbar); using the embedded default"};
  }
  if (auto file = find_config_in(*cbdir); !file.empty()) return {file, ""};
  return {{},
          "no config.json, config.yaml or config.yml in " + cbdir->string() +
              "; using the embedded default"};
}

}  // namespace junction::node::detail
