// node/cli_lookup: where the node directory and its config file are, for every command (the
// order --cbdir, $JUNCTION_DIR, $CROSSBAR_DIR, ./.junction, ./.crossbar; see cli_args.hpp).
// Kept apart from cli_args.cpp, which is the only file that includes CLI11 (slow to compile).
#include <system_error>

#include "node/cli_args.hpp"
#include "node/config.hpp"

namespace junction::node::detail {

namespace fs = std::filesystem;

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
