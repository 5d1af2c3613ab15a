// node/config: the node configuration. Reads Crossbar.io-format config files (JSON or YAML),
// validates them strictly, and produces the settings every other module consumes. An invalid
// config raises ConfigError naming the file, the JSON path and what was expected.
#pragma once

#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "base/log.hpp"
#include "router/router.hpp"
#include "transport/server.hpp"

namespace junction::node {

struct NodeConfig {
  std::string source;  // file it came from, or "<embedded default>"
  router::RouterConfig router;
  std::vector<transport::ListenerConfig> listeners;
  // I/O threads (router worker options.io_threads); 0: one per core; unset: the default (1).
  std::optional<std::size_t> io_threads;
};

class ConfigError : public std::runtime_error {
 public:
  // what(): "<file>: <json path>: <reason>" (or "<file>:<line>:<col>: <reason>" for syntax).
  using std::runtime_error::runtime_error;
};

// The embedded default: WebSocket at ws://127.0.0.1:8080/ws, realm "realm1", role "anonymous"
// allowed everything, the node info page at "/".
NodeConfig default_config();

// Loads and validates a config file (.json, .yaml or .yml). Throws ConfigError.
NodeConfig load_config_file(const std::filesystem::path& file);

enum class ConfigFormat { json, yaml };

// Parses and validates config text; `source` names it in messages (usually the file path).
// Options that are accepted but not used yet are logged at warn level and, if `warnings` is
// given, appended there too ("<source>: <json path>: <what>"). Throws ConfigError.
NodeConfig parse_config(std::string_view text, ConfigFormat format, const std::string& source,
                        std::vector<std::string>* warnings = nullptr);

// Finds the config in a node directory: config.json, then config.yaml / config.yml.
// Returns an empty path if the directory holds none.
std::filesystem::path find_config_in(const std::filesystem::path& cbdir);

}  // namespace junction::node
