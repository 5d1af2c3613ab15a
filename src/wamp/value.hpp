// wamp/value: the dynamic value used for Options/Details dicts and for payloads the router must
// look inside (meta API, transcoding between serializers). Arguments/ArgumentsKw normally travel
// as raw encoded bytes (see message.hpp) and are never turned into Values on the routing path.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace junction::wamp {

struct Value;
using Array = std::vector<Value>;
using Object = std::map<std::string, Value, std::less<>>;

// Binary data; JSON carries it as a string "\0" + base64 (the WAMP binary convention).
struct Binary {
  std::string bytes;
  bool operator==(const Binary&) const = default;
};

struct Value {
  // Integers that fit int64 are stored as int64; only larger non-negative ones as uint64.
  using Storage = std::variant<std::nullptr_t, bool, std::int64_t, std::uint64_t, double,
                               std::string, Binary, Array, Object>;
  Storage v{nullptr};

  Value() = default;
  Value(std::nullptr_t) {}
  Value(bool b) : v(b) {}
  Value(int i) : v(std::int64_t{i}) {}
  Value(std::int64_t i) : v(i) {}
  Value(std::uint64_t u) {
    if (u <= static_cast<std::uint64_t>(INT64_MAX)) {
      v = static_cast<std::int64_t>(u);
    } else {
      v = u;
    }
  }
  Value(double d) : v(d) {}
  Value(const char* s) : v(std::string(s)) {}
  Value(std::string s) : v(std::move(s)) {}
  Value(std::string_view s) : v(std::string(s)) {}
  Value(Binary b) : v(std::move(b)) {}
  Value(Array a) : v(std::move(a)) {}
  Value(Object o) : v(std::move(o)) {}

  bool is_null() const { return std::holds_alternative<std::nullptr_t>(v); }
  bool is_bool() const { return std::holds_alternative<bool>(v); }
  bool is_integer() const {
    return std::holds_alternative<std::int64_t>(v) || std::holds_alternative<std::uint64_t>(v);
  }
  bool is_number() const { return is_integer() || std::holds_alternative<double>(v); }
  bool is_string() const { return std::holds_alternative<std::string>(v); }
  bool is_binary() const { return std::holds_alternative<Binary>(v); }
  bool is_array() const { return std::holds_alternative<Array>(v); }
  bool is_object() const { return std::holds_alternative<Object>(v); }

  // Typed access; nullptr / nullopt when the value has another type.
  const bool* as_bool() const { return std::get_if<bool>(&v); }
  const std::string* as_string() const { return std::get_if<std::string>(&v); }
  const Binary* as_binary() const { return std::get_if<Binary>(&v); }
  const Array* as_array() const { return std::get_if<Array>(&v); }
  const Object* as_object() const { return std::get_if<Object>(&v); }
  Array* as_array() { return std::get_if<Array>(&v); }
  Object* as_object() { return std::get_if<Object>(&v); }
  // A non-negative integer (ids, counts); integral doubles such as 5.0 are accepted too.
  std::optional<std::uint64_t> as_uint() const;
  std::optional<std::int64_t> as_int() const;

  bool operator==(const Value& other) const = default;
};

// Dict lookups used all over the router: `get_bool(options, "acknowledge")`.
const Value* find(const Object& object, std::string_view key);
std::optional<bool> get_bool(const Object& object, std::string_view key);
std::optional<std::uint64_t> get_uint(const Object& object, std::string_view key);
const std::string* get_string(const Object& object, std::string_view key);
const Object* get_object(const Object& object, std::string_view key);
const Array* get_array(const Object& object, std::string_view key);

// Compact JSON text for logs and diagnostics (binary shown with the WAMP convention).
std::string to_debug_string(const Value& value);

}  // namespace junction::wamp
