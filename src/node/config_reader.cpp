// node/config_reader: error-message helpers and config item IDs for the config readers.
#include "node/config_reader.hpp"

#include <cctype>

namespace junction::node::detail {

std::string shown_path(const std::string& path) {
  return path.empty() ? "(top level)" : path;
}

std::string found(const json& j) {
  switch (j.type()) {
    case json::value_t::null:
      return "null";
    case json::value_t::boolean:
      return std::string("a boolean (") + (j.get<bool>() ? "true" : "false") + ")";
    case json::value_t::number_integer:
    case json::value_t::number_unsigned:
      return "an integer (" + j.dump() + ")";
    case json::value_t::number_float:
      return "a number (" + j.dump() + ")";
    case json::value_t::string: {
      std::string s = j.dump();
      if (s.size() > 42) s = s.substr(0, 40) + "...\"";
      return "a string (" + s + ")";
    }
    case json::value_t::array:
      return "a list";
    case json::value_t::object:
      return "an object";
    default:
      return "a binary value";
  }
}

std::string quoted_list(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& n : names) {
    if (!out.empty()) out += ", ";
    out += n;
  }
  return out;
}

std::optional<std::string> read_id(Obj& o) {
  auto id = o.opt_string("id");
  if (!id) return id;
  bool ok =
      id->size() >= 3 && id->size() <= 64 && std::islower(static_cast<unsigned char>((*id)[0]));
  for (char c : *id) {
    ok = ok && (std::islower(static_cast<unsigned char>(c)) ||
                std::isdigit(static_cast<unsigned char>(c)) || c == '_');
  }
  if (!ok) {
    o.v().fail(o.at("id"), "expected an ID matching ^[a-z][a-z0-9_]{2,63}$, found \"" + *id + "\"");
  }
  return id;
}

}  // namespace junction::node::detail
