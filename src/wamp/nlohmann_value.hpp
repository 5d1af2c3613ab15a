// wamp/nlohmann_value: a JSON tree read with nlohmann::json (config files, the cookie file, HTTP
// bridge bodies) as a WAMP Value. Header-only so that the wamp module itself does not depend on
// nlohmann (its JSON codec is its own); the modules that include it link nlohmann_json already.
#pragma once

#include <cstdint>
#include <string>
#include <utility>

#include <nlohmann/json.hpp>

#include "wamp/value.hpp"

namespace junction::wamp {

// null, booleans, integers (signed and unsigned), floats, strings, arrays and objects map one to
// one; nlohmann's binary values (never produced by its text parser) become null.
inline Value from_nlohmann(const nlohmann::json& j) {
  using json = nlohmann::json;
  switch (j.type()) {
    case json::value_t::boolean:
      return Value(j.get<bool>());
    case json::value_t::number_integer:
      return Value(j.get<std::int64_t>());
    case json::value_t::number_unsigned:
      return Value(j.get<std::uint64_t>());
    case json::value_t::number_float:
      return Value(j.get<double>());
    case json::value_t::string:
      return Value(j.get<std::string>());
    case json::value_t::array: {
      Array a;
      a.reserve(j.size());
      for (const auto& item : j)
        a.push_back(from_nlohmann(item));
      return Value(std::move(a));
    }
    case json::value_t::object: {
      Object o;
      for (const auto& [key, item] : j.items())
        o.emplace(key, from_nlohmann(item));
      return Value(std::move(o));
    }
    default:
      return Value();
  }
}

}  // namespace junction::wamp
