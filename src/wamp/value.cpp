// wamp/value: typed accessors and dict helpers for Value, and its debug rendering.
#include "wamp/value.hpp"

#include <cmath>

#include "wamp/json_codec.hpp"

namespace junction::wamp {

std::optional<std::uint64_t> Value::as_uint() const {
  if (const auto* i = std::get_if<std::int64_t>(&v)) {
    if (*i < 0) return std::nullopt;
    return static_cast<std::uint64_t>(*i);
  }
  if (const auto* u = std::get_if<std::uint64_t>(&v)) return *u;
  if (const auto* d = std::get_if<double>(&v)) {
    // Some serializers (and JavaScript peers) send whole numbers as floats; accept them when
    // exact. 2^64 itself is representable as a double but not as uint64, hence the strict '<'.
    if (std::isfinite(*d) && *d >= 0.0 && *d < 18446744073709551616.0 && std::trunc(*d) == *d) {
      return static_cast<std::uint64_t>(*d);
    }
  }
  return std::nullopt;
}

std::optional<std::int64_t> Value::as_int() const {
  if (const auto* i = std::get_if<std::int64_t>(&v)) return *i;
  // uint64 is only used for values above INT64_MAX, which never fit.
  if (const auto* d = std::get_if<double>(&v)) {
    if (std::isfinite(*d) && *d >= -9223372036854775808.0 && *d < 9223372036854775808.0 &&
        std::trunc(*d) == *d) {
      return static_cast<std::int64_t>(*d);
    }
  }
  return std::nullopt;
}

const Value* find(const Object& object, std::string_view key) {
  auto it = object.find(key);
  return it == object.end() ? nullptr : &it->second;
}

std::optional<bool> get_bool(const Object& object, std::string_view key) {
  const Value* v = find(object, key);
  if (v == nullptr || !v->is_bool()) return std::nullopt;
  return *v->as_bool();
}

std::optional<std::uint64_t> get_uint(const Object& object, std::string_view key) {
  const Value* v = find(object, key);
  if (v == nullptr) return std::nullopt;
  return v->as_uint();
}

const std::string* get_string(const Object& object, std::string_view key) {
  const Value* v = find(object, key);
  return v == nullptr ? nullptr : v->as_string();
}

const Object* get_object(const Object& object, std::string_view key) {
  const Value* v = find(object, key);
  return v == nullptr ? nullptr : v->as_object();
}

const Array* get_array(const Object& object, std::string_view key) {
  const Value* v = find(object, key);
  return v == nullptr ? nullptr : v->as_array();
}

std::string to_debug_string(const Value& value) {
  std::string out;
  json_encode_value(value, out);
  return out;
}

}  // namespace junction::wamp
