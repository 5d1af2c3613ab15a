// node/convert: `junction convert` — a node config in JSON written as YAML, or YAML as JSON.
#pragma once

#include <filesystem>
#include <string>

#include <nlohmann/json.hpp>

namespace junction::node {

// The JSON tree as YAML text. Strings are always double-quoted, so a value such as "yes", "on"
// or "0x10" stays a string for every YAML 1.1 reader (PyYAML, which Crossbar uses); keys are
// plain when that reads back the same.
std::string to_yaml(const nlohmann::json& tree);

// Converts config.json to config.yaml beside it, or config.yaml/.yml to config.json. Returns the
// file written. Throws ConfigError (bad input, or the target exists: never overwritten).
std::filesystem::path convert_config_file(const std::filesystem::path& file);

}  // namespace junction::node
