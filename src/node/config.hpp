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
#include "node/worker_config.hpp"
#include "router/router.hpp"
#include "transport/server.hpp"

namespace junction::node {

// Crossbar's node shutdown triggers (controller options.shutdown).
enum class ShutdownTrigger {
  shutdown_requested,      // only a signal or `junction stop`
  worker_exit,             // any worker (other than the router) exits
  worker_exit_with_error,  // a worker exits with an error (non-zero status, or a signal)
  last_worker_exit,        // the last worker (other than the router) exits
};

// A "flashpolicy" transport (node/flash_policy): answers Flash Player's policy-file request.
struct FlashPolicyConfig {
  std::string name;  // "workers[0].transports[1]" (or "transport '<id>'"), for log lines
  std::string interface = "0.0.0.0";
  std::uint16_t port = 843;
  int backlog = 511;
  std::string allowed_domain = "*";  // allow-access-from domain
  std::string allowed_ports = "*";   // to-ports: "8080,8081", or "*"
};

struct NodeConfig {
  std::string source;  // file it came from, or "<embedded default>"
  router::RouterConfig router;
  std::vector<transport::ListenerConfig> listeners;
  // I/O threads (router worker options.io_threads); 0: one per core; unset: the default (1).
  std::optional<std::size_t> io_threads;
  // controller options.shutdown; empty: only a signal or `junction stop` stops the node.
  std::vector<ShutdownTrigger> shutdown_triggers;
  // Router worker options.max_outbound_bytes / max_outbound_bytes_per_connection (Junction's
  // own; transport::OutboundBudget). 0: the default (1 GiB / 64 MiB).
  std::size_t max_outbound_bytes = 0;
  std::size_t max_outbound_bytes_per_connection = 0;
  // Router worker options.max_connections / max_connections_per_ip (Junction's own); unset:
  // derived from the open-file limit (transport::ConnectionLimits).
  transport::ConnectionLimits connection_limits;
  // "flashpolicy" transports of the router worker.
  std::vector<FlashPolicyConfig> flash_policies;
  // Guest workers (Crossbar "guest"), in config order; started once the router listens.
  std::vector<GuestConfig> guests;
};

class ConfigError : public std::runtime_error {
 public:
  // what(): "<file>: <json path>: <reason>" (or "<file>:<line>:<col>: <reason>" for syntax).
  using std::runtime_error::runtime_error;
};

// The embedded default: WebSocket at ws://127.0.0.1:8080/ws, realm "realm1", role "anonymous"
// allowed everything, the node info page at "/".
NodeConfig default_config();

// What an unset "${VAR}" does: `start` refuses the config (naming the variable), `check` warns
// (Crossbar's checker accepts such files) and leaves the string "${VAR}" in place.
enum class UnsetEnv { refuse, warn };

// Loads and validates a config file (.json, .yaml or .yml). Throws ConfigError.
NodeConfig load_config_file(const std::filesystem::path& file,
                            UnsetEnv unset_env = UnsetEnv::refuse,
                            std::vector<std::string>* warnings = nullptr);

enum class ConfigFormat { json, yaml };

// Parses and validates config text; `source` names it in messages (usually the file path).
// Options that are accepted but not used yet are logged at warn level and, if `warnings` is
// given, appended there too ("<source>: <json path>: <what>"). Throws ConfigError.
NodeConfig parse_config(std::string_view text, ConfigFormat format, const std::string& source,
                        std::vector<std::string>* warnings = nullptr,
                        UnsetEnv unset_env = UnsetEnv::refuse);

// Finds the config in a node directory: config.json, then config.yaml / config.yml.
// Returns an empty path if the directory holds none.
std::filesystem::path find_config_in(const std::filesystem::path& cbdir);

}  // namespace junction::node
