// node/config_source: turns config file text (JSON or YAML) into one JSON tree, and substitutes
// "${VAR}" strings from the environment. Syntax errors become ConfigError with line and column.
// Knows nothing about what the tree must contain: that is the config readers' job (config*.cpp).
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "node/config.hpp"

namespace junction::node::detail {

// Parses JSON text (comments allowed). Throws ConfigError "<source>:<line>:<col>: <what>".
nlohmann::json parse_json_text(std::string_view text, const std::string& source);

// Parses YAML text (the first document) into the same JSON tree a JSON file would give. Plain
// scalars are typed like PyYAML does (YAML 1.1, which Crossbar uses): null (~, null, empty),
// booleans (true/false/yes/no/on/off in any of their three spellings), integers (decimal, 0x,
// 0o), floats; quoted scalars are strings. Throws ConfigError "<source>:<line>:<col>: <what>".
nlohmann::json parse_yaml_text(std::string_view text, const std::string& source);

// Looks a variable up; the default reads the process environment.
using EnvLookup = std::function<std::optional<std::string>(const std::string& name)>;

// Replaces every string value that is exactly "${NAME}" (NAME = [A-Za-z_][A-Za-z0-9_]*) with the
// variable's value (always a string). An unset variable throws
// ConfigError "<source>: <path>: environment variable 'NAME' is not set"; when `unset` is given,
// that message is appended there instead and the string stays "${NAME}".
void substitute_env(nlohmann::json& tree, const std::string& source, const EnvLookup& lookup,
                    std::vector<std::string>* unset = nullptr);

// The process environment, for substitute_env.
std::optional<std::string> process_env(const std::string& name);

// "workers[0].transports" style path helpers shared by the validator.
std::string path_key(const std::string& path, std::string_view key);
std::string path_index(const std::string& path, std::size_t index);

}  // namespace junction::node::detail
