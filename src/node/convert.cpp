// node/convert: see the header. yaml-cpp's emitter writes the YAML; the JSON side is nlohmann.
#include "node/convert.hpp"

#include <fstream>
#include <sstream>

#include <yaml-cpp/yaml.h>

#include "node/config.hpp"
#include "node/config_source.hpp"

namespace junction::node {

namespace {

using nlohmann::json;

bool plain_key(const std::string& key) {
  static const char* kReserved[] = {"y",     "Y",     "yes",  "Yes",  "YES",  "n",    "N",
                                    "no",    "No",    "NO",   "true", "True", "TRUE", "false",
                                    "False", "FALSE", "on",   "On",   "ON",   "off",  "Off",
                                    "OFF",   "null",  "Null", "NULL", "~"};
  if (key.empty()) return false;
  for (const char* r : kReserved) {
    if (key == r) return false;
  }
  const unsigned char first = static_cast<unsigned char>(key[0]);
  if (!std::isalpha(first) && key[0] != '_' && key[0] != '$' && key[0] != '/') return false;
  for (char c : key) {
    const unsigned char u = static_cast<unsigned char>(c);
    if (!std::isalnum(u) && c != '_' && c != '-' && c != '.' && c != '/' && c != '$') return false;
  }
  return true;
}

void emit(YAML::Emitter& out, const json& j) {
  switch (j.type()) {
    case json::value_t::object:
      out << YAML::BeginMap;
      for (const auto& [key, value] : j.items()) {
        out << YAML::Key;
        if (plain_key(key)) {
          out << key;
        } else {
          out << YAML::DoubleQuoted << key;
        }
        out << YAML::Value;
        emit(out, value);
      }
      out << YAML::EndMap;
      break;
    case json::value_t::array:
      out << YAML::BeginSeq;
      for (const auto& item : j)
        emit(out, item);
      out << YAML::EndSeq;
      break;
    case json::value_t::string:
      out << YAML::DoubleQuoted << j.get<std::string>();
      break;
    case json::value_t::boolean:
      out << (j.get<bool>() ? "true" : "false");
      break;
    case json::value_t::null:
      out << YAML::Null;
      break;
    default:  // numbers: JSON's spelling is valid YAML
      out << j.dump();
      break;
  }
}

std::string read_all(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw ConfigError(file.string() + ": cannot open file");
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace

std::string to_yaml(const json& tree) {
  YAML::Emitter out;
  out.SetIndent(2);
  emit(out, tree);
  return std::string(out.c_str()) + "\n";
}

std::filesystem::path convert_config_file(const std::filesystem::path& file) {
  const std::string ext = file.extension().string();
  const std::string text = read_all(file);
  std::filesystem::path target;
  std::string output;
  if (ext == ".json") {
    target = file.parent_path() / "config.yaml";
    output = to_yaml(detail::parse_json_text(text, file.string()));
  } else if (ext == ".yaml" || ext == ".yml") {
    target = file.parent_path() / "config.json";
    output = detail::parse_yaml_text(text, file.string()).dump(4) + "\n";
  } else {
    throw ConfigError(file.string() + ": unknown config file type '" + ext +
                      "' (expected .json, .yaml or .yml)");
  }
  std::error_code ec;
  if (std::filesystem::exists(target, ec)) {
    throw ConfigError(target.string() + ": already exists; remove it to convert " +
                      file.filename().string() + " again");
  }
  std::ofstream out(target, std::ios::binary);
  out << output;
  if (!out.flush()) throw ConfigError(target.string() + ": cannot write file");
  return target;
}

}  // namespace junction::node
