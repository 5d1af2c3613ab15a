// node/config_source: config text (JSON, YAML) → JSON tree, syntax errors with line:col, and
// "${VAR}" environment substitution.
#include "node/config_source.hpp"
#include "wamp/utf8.hpp"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <limits>

#include <yaml-cpp/yaml.h>

namespace junction::node::detail {

using nlohmann::json;

namespace {

std::string location(const std::string& source, std::size_t line, std::size_t col) {
  return source + ":" + std::to_string(line) + ":" + std::to_string(col);
}

// nlohmann's what() is "[json.exception.parse_error.101] parse error at line 3, column 5: <why>".
// Keep only <why>: we print our own position.
std::string strip_json_what(const std::string& what) {
  static constexpr std::string_view kColumn = ", column ";
  if (auto col = what.find(kColumn); col != std::string::npos) {
    if (auto colon = what.find(": ", col); colon != std::string::npos) {
      return what.substr(colon + 2);
    }
  }
  if (auto bracket = what.find("] "); bracket != std::string::npos) {
    return what.substr(bracket + 2);
  }
  return what;
}

// ---- YAML scalar typing (PyYAML's YAML 1.1 resolver, the parts configs use) ----

bool is_yaml_null(const std::string& s) {
  return s.empty() || s == "~" || s == "null" || s == "Null" || s == "NULL";
}

std::optional<bool> yaml_bool(const std::string& s) {
  static constexpr std::string_view kTrue[] = {"true", "True", "TRUE", "yes", "Yes",
                                               "YES",  "on",   "On",   "ON"};
  static constexpr std::string_view kFalse[] = {"false", "False", "FALSE", "no", "No",
                                                "NO",    "off",   "Off",   "OFF"};
  if (std::find(std::begin(kTrue), std::end(kTrue), s) != std::end(kTrue)) return true;
  if (std::find(std::begin(kFalse), std::end(kFalse), s) != std::end(kFalse)) return false;
  return std::nullopt;
}

// Decimal (with '_' separators), 0x hex, 0o octal; optional sign.
std::optional<json> yaml_int(const std::string& s) {
  std::size_t i = 0;
  bool negative = false;
  if (i < s.size() && (s[i] == '+' || s[i] == '-')) negative = s[i++] == '-';
  int base = 10;
  if (s.size() - i > 2 && s[i] == '0' && (s[i + 1] == 'x' || s[i + 1] == 'o')) {
    base = s[i + 1] == 'x' ? 16 : 8;
    i += 2;
  }
  if (i >= s.size()) return std::nullopt;
  if (base == 10 && s[i] == '0' && s.size() - i > 1) return std::nullopt;  // 0123: not decimal
  unsigned long long value = 0;
  bool any = false;
  for (; i < s.size(); ++i) {
    const char c = s[i];
    if (c == '_') continue;
    int digit;
    if (c >= '0' && c <= '9') {
      digit = c - '0';
    } else if (base == 16 && std::isxdigit(static_cast<unsigned char>(c))) {
      digit = std::tolower(static_cast<unsigned char>(c)) - 'a' + 10;
    } else {
      return std::nullopt;
    }
    if (digit >= base) return std::nullopt;
    if (value > (std::numeric_limits<unsigned long long>::max() - digit) / base) {
      return std::nullopt;  // too big for an integer: leave it a string
    }
    value = value * base + digit;
    any = true;
  }
  if (!any) return std::nullopt;
  if (negative) {
    if (value > static_cast<unsigned long long>(std::numeric_limits<long long>::max())) {
      return std::nullopt;
    }
    return json(-static_cast<long long>(value));
  }
  return json(value);
}

std::optional<json> yaml_float(const std::string& s) {
  if (s == ".inf" || s == ".Inf" || s == ".INF" || s == "+.inf") {
    return json(std::numeric_limits<double>::infinity());
  }
  if (s == "-.inf" || s == "-.Inf" || s == "-.INF") {
    return json(-std::numeric_limits<double>::infinity());
  }
  // [-+]? digits? '.' digits? ([eE][-+]?digits)?  with at least one digit and a '.' or exponent
  std::size_t i = 0;
  if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
  std::size_t digits = 0;
  bool dot = false, exp = false;
  for (; i < s.size(); ++i) {
    const char c = s[i];
    if (std::isdigit(static_cast<unsigned char>(c))) {
      ++digits;
    } else if (c == '.' && !dot && !exp) {
      dot = true;
    } else if ((c == 'e' || c == 'E') && !exp && digits > 0) {
      exp = true;
      if (i + 1 < s.size() && (s[i + 1] == '+' || s[i + 1] == '-')) ++i;
      if (i + 1 >= s.size()) return std::nullopt;
    } else {
      return std::nullopt;
    }
  }
  if (digits == 0 || (!dot && !exp)) return std::nullopt;
  return json(std::strtod(s.c_str(), nullptr));
}

json yaml_scalar(const YAML::Node& node) {
  const std::string& text = node.Scalar();
  const std::string& tag = node.Tag();
  if (tag == "!" || tag == "tag:yaml.org,2002:str") return json(text);  // quoted or !!str
  if (is_yaml_null(text)) return json(nullptr);
  if (auto b = yaml_bool(text)) return json(*b);
  if (auto i = yaml_int(text)) return *i;
  if (auto f = yaml_float(text)) return *f;
  return json(text);
}

// YAML (unlike JSON, which nlohmann validates) lets any bytes through; a config string must be
// text, and a non-UTF-8 one would only fail later, far from its line, when it is serialized.
void require_utf8(const YAML::Node& scalar, const std::string& source) {
  if (wamp::valid_utf8(scalar.Scalar())) return;
  const auto mark = scalar.Mark();
  throw ConfigError(location(source, mark.line + 1, mark.column + 1) +
                    ": invalid UTF-8 in a string (config files must be UTF-8 text)");
}

json yaml_to_json(const YAML::Node& node, const std::string& source) {
  switch (node.Type()) {
    case YAML::NodeType::Undefined:
    case YAML::NodeType::Null:
      return json(nullptr);
    case YAML::NodeType::Scalar:
      require_utf8(node, source);
      return yaml_scalar(node);
    case YAML::NodeType::Sequence: {
      json out = json::array();
      for (const auto& item : node)
        out.push_back(yaml_to_json(item, source));
      return out;
    }
    case YAML::NodeType::Map: {
      json out = json::object();
      for (const auto& kv : node) {
        const YAML::Node& key = kv.first;
        if (!key.IsScalar()) {
          const auto mark = key.Mark();
          throw ConfigError(location(source, mark.line + 1, mark.column + 1) +
                            ": mapping keys must be plain strings");
        }
        require_utf8(key, source);
        if (out.contains(key.Scalar())) {
          const auto mark = key.Mark();
          throw ConfigError(location(source, mark.line + 1, mark.column + 1) + ": duplicate key '" +
                            key.Scalar() + "'");
        }
        out[key.Scalar()] = yaml_to_json(kv.second, source);
      }
      return out;
    }
  }
  return json(nullptr);
}

bool is_env_name(std::string_view name) {
  if (name.empty()) return false;
  if (!(std::isalpha(static_cast<unsigned char>(name[0])) || name[0] == '_')) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
  });
}

void substitute(json& node, const std::string& path, const std::string& source,
                const EnvLookup& lookup, std::vector<std::string>* unset) {
  if (node.is_string()) {
    const std::string& s = node.get_ref<const std::string&>();
    if (s.size() > 3 && s.starts_with("${") && s.ends_with("}")) {
      const std::string name = s.substr(2, s.size() - 3);
      if (!is_env_name(name)) return;  // not a variable reference: a literal string
      auto value = lookup(name);
      if (!value) {
        std::string what = source + ": " + (path.empty() ? "(top level)" : path) +
                           ": environment variable '" + name + "' is not set";
        if (!unset) throw ConfigError(what);
        unset->push_back(std::move(what));
        return;  // the literal "${NAME}" stays
      }
      node = *value;
    }
  } else if (node.is_object()) {
    for (auto& [key, value] : node.items())
      substitute(value, path_key(path, key), source, lookup, unset);
  } else if (node.is_array()) {
    for (std::size_t i = 0; i < node.size(); ++i) {
      substitute(node[i], path_index(path, i), source, lookup, unset);
    }
  }
}

}  // namespace

std::string path_key(const std::string& path, std::string_view key) {
  if (path.empty()) return std::string(key);
  std::string out = path;
  out += '.';
  out += key;
  return out;
}

std::string path_index(const std::string& path, std::size_t index) {
  return path + "[" + std::to_string(index) + "]";
}

json parse_json_text(std::string_view text, const std::string& source) {
  try {
    return json::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/true,
                       /*ignore_comments=*/true);
  } catch (const json::parse_error& e) {
    // e.byte is the 1-based offset of the character that failed; count lines up to it.
    std::size_t offset = e.byte == 0 ? 0 : e.byte - 1;
    offset = std::min(offset, text.size());
    std::size_t line = 1, line_start = 0;
    for (std::size_t i = 0; i < offset; ++i) {
      if (text[i] == '\n') {
        ++line;
        line_start = i + 1;
      }
    }
    throw ConfigError(location(source, line, offset - line_start + 1) + ": " +
                      strip_json_what(e.what()));
  } catch (const json::exception& e) {
    // Well-formed but not representable, e.g. "number overflow parsing '1e400'" (found by
    // fuzz_config): still the user's file, so a ConfigError naming it.
    throw ConfigError(source + ": " + strip_json_what(e.what()));
  }
}

json parse_yaml_text(std::string_view text, const std::string& source) {
  YAML::Node root;
  try {
    root = YAML::Load(std::string(text));
  } catch (const YAML::ParserException& e) {
    throw ConfigError(location(source, e.mark.line + 1, e.mark.column + 1) + ": " + e.msg);
  } catch (const YAML::Exception& e) {
    throw ConfigError(location(source, e.mark.line + 1, e.mark.column + 1) + ": " + e.msg);
  }
  return yaml_to_json(root, source);
}

void substitute_env(json& tree, const std::string& source, const EnvLookup& lookup,
                    std::vector<std::string>* unset) {
  substitute(tree, "", source, lookup, unset);
}

std::optional<std::string> process_env(const std::string& name) {
  if (const char* value = std::getenv(name.c_str())) return std::string(value);
  return std::nullopt;
}

}  // namespace junction::node::detail
