// node/cli_args: the pure parts of the command line, kept apart from cli.cpp so tests can reach
// them: argument parsing (cli_args.cpp, on CLI11) and the node-directory / config-file lookup
// (cli_lookup.cpp).
#pragma once

#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "base/log.hpp"
#include "node/config_source.hpp"

namespace junction::node::detail {

// Bad command line: the message is printed with the usage of `command` (the whole usage when
// empty), exit code 2.
class UsageError : public std::runtime_error {
 public:
  explicit UsageError(const std::string& message, std::string command = "")
      : std::runtime_error(message), command_(std::move(command)) {}
  const std::string& command() const { return command_; }

 private:
  std::string command_;
};

struct CliArgs {
  std::string command;     // init, start, stop, restart, status, check, convert, keygen,
                           // keys, version, help
  std::string help_topic;  // help: the command to explain; empty: all of them
  std::optional<std::filesystem::path> cbdir;   // --cbdir DIR
  std::optional<std::filesystem::path> config;  // --config FILE
  std::optional<log::Level> loglevel;           // --loglevel LEVEL
  std::optional<std::size_t> threads;           // --threads N (I/O threads; 0: one per core)
  std::optional<std::string> assert_state;      // status --assert running|stopped
  std::optional<log::Format> logformat;         // --logformat text|json
  bool logtofile = false;                       // --logtofile: <node directory>/node.log
  std::optional<std::filesystem::path> appdir;  // init --appdir DIR
  std::optional<std::string> template_name;     // init --template NAME
};

// An I/O thread count: a positive number, or "auto" (0: one per core). nullopt when malformed.
std::optional<std::size_t> parse_thread_count(const std::string& text);

// args excludes the program name. Accepts "--opt value" and "--opt=value"; given twice, the last
// wins. "--help"/"-h" anywhere means "help" (help_topic: the command it follows); so does
// `help [COMMAND]`. Throws UsageError: unknown commands and options, missing or bad values,
// and Crossbar's options that Junction lacks ("... not supported yet").
CliArgs parse_args(const std::vector<std::string>& args);

// Which config `start`/`check` use: a file, or (file empty) the embedded default, with a line
// for the log saying why.
struct ConfigChoice {
  std::filesystem::path file;
  std::string note;  // e.g. "no config file in /srv/node; using the embedded default"
};

// Lookup order: --config FILE (absolute, or relative to --cbdir when given, else to cwd); else
// the node directory: --cbdir, $JUNCTION_DIR, $CROSSBAR_DIR, then ./.junction and ./.crossbar if
// they exist; in it config.json, config.yaml, config.yml. Nothing found → embedded default.
// Throws ConfigError when an explicitly named file or directory does not exist.
ConfigChoice choose_config(const CliArgs& args, const EnvLookup& env,
                           const std::filesystem::path& cwd);

// The node directory for stop/status (and where start keeps node.pid when no config file names
// one): --cbdir, $JUNCTION_DIR, $CROSSBAR_DIR, then ./.junction and ./.crossbar if they exist.
// nullopt when none is given or found. Throws ConfigError when a named directory does not exist.
std::optional<std::filesystem::path> find_node_directory(const CliArgs& args, const EnvLookup& env,
                                                         const std::filesystem::path& cwd);

// The usage text (for help and for usage errors): the whole command line, or one command's.
std::string usage(const std::string& command = "");

}  // namespace junction::node::detail
