// wamp/uri: URI validation rules of the WAMP spec (loose and strict) and the standard error URIs.
#pragma once

#include <string_view>

namespace junction::wamp {

enum class UriCheck { loose, strict };

// A URI as used in PUBLISH/CALL/REGISTER(exact)/SUBSCRIBE(exact) and realm names:
// loose: components separated by '.', none empty, none containing whitespace or '#'.
// strict: components match [0-9a-z_]+.
bool valid_uri(std::string_view uri, UriCheck check);
// A pattern for prefix/wildcard matching: like valid_uri, but components may be empty
// (wildcard) and a prefix may end in '.' or be empty.
bool valid_pattern_uri(std::string_view uri, UriCheck check, bool allow_empty_components);

namespace errors {
inline constexpr std::string_view invalid_uri = "wamp.error.invalid_uri";
inline constexpr std::string_view no_such_procedure = "wamp.error.no_such_procedure";
inline constexpr std::string_view procedure_already_exists = "wamp.error.procedure_already_exists";
inline constexpr std::string_view procedure_exists_with_different_invocation_policy =
    "wamp.error.procedure_exists_with_different_invocation_policy";
inline constexpr std::string_view no_such_registration = "wamp.error.no_such_registration";
inline constexpr std::string_view no_such_subscription = "wamp.error.no_such_subscription";
inline constexpr std::string_view invalid_argument = "wamp.error.invalid_argument";
inline constexpr std::string_view system_shutdown = "wamp.close.system_shutdown";
inline constexpr std::string_view close_realm = "wamp.close.close_realm";
inline constexpr std::string_view goodbye_and_out = "wamp.close.goodbye_and_out";
inline constexpr std::string_view not_authorized = "wamp.error.not_authorized";
inline constexpr std::string_view authorization_failed = "wamp.error.authorization_failed";
inline constexpr std::string_view no_such_realm = "wamp.error.no_such_realm";
inline constexpr std::string_view no_such_role = "wamp.error.no_such_role";
inline constexpr std::string_view no_such_session = "wamp.error.no_such_session";
inline constexpr std::string_view protocol_violation = "wamp.error.protocol_violation";
inline constexpr std::string_view canceled = "wamp.error.canceled";
inline constexpr std::string_view timeout = "wamp.error.timeout";
inline constexpr std::string_view feature_not_supported = "wamp.error.feature_not_supported";
inline constexpr std::string_view option_not_allowed = "wamp.error.option_not_allowed";
inline constexpr std::string_view runtime_error = "wamp.error.runtime_error";
// Junction's own: a configured limit (a realm's max_sessions, a session's subscriptions or
// registrations) would be exceeded. The spec names no error for this.
inline constexpr std::string_view limit_exceeded = "junction.error.limit_exceeded";
}  // namespace errors

}  // namespace junction::wamp
