// router/passthru: Payload PassThru Mode (spec, advanced profile). A CALL, YIELD, ERROR or PUBLISH
// whose Options carry `ppt_scheme` has a payload the router must not inspect (one binary
// argument: end-to-end encrypted, or another protocol's message); the router checks that the
// peers announced the feature and passes the four ppt_* attributes on to the INVOCATION, RESULT,
// ERROR or EVENT. The payload itself already travels untouched (router payloads are never
// decoded).
#pragma once

#include <array>
#include <string_view>

#include "wamp/value.hpp"

namespace junction::router {

inline constexpr std::array<std::string_view, 4> kPassthruKeys = {"ppt_scheme", "ppt_serializer",
                                                                  "ppt_cipher", "ppt_keyid"};

enum class Passthru {
  none,     // no ppt_scheme: an ordinary payload
  valid,    // ppt_scheme a non-empty string, the other ppt_* strings when present
  invalid,  // a ppt_* attribute that is not a (non-empty, for the scheme) string
};

// What `options` says about passthru. Nothing to look up in empty options (the common case).
inline Passthru passthru_of(const wamp::Object& options) {
  if (options.empty()) return Passthru::none;
  const wamp::Value* scheme = wamp::find(options, kPassthruKeys[0]);
  if (!scheme) return Passthru::none;
  if (!scheme->as_string() || scheme->as_string()->empty()) return Passthru::invalid;
  for (std::string_view key : kPassthruKeys) {
    const wamp::Value* value = wamp::find(options, key);
    if (value && !value->as_string()) return Passthru::invalid;
  }
  return Passthru::valid;
}

// Copies the ppt_* attributes of `from` into `to` (Details of the message passed on).
inline void copy_passthru(const wamp::Object& from, wamp::Object& to) {
  for (std::string_view key : kPassthruKeys) {
    if (const wamp::Value* value = wamp::find(from, key))
      to.insert_or_assign(std::string(key), *value);
  }
}

}  // namespace junction::router
