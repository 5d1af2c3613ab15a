// client/error: client::Error, the one exception the client library reports failures with: an
// ERROR or ABORT from the router (its URI, args and kwargs), a call that timed out, a lost
// connection. Also the URIs the client itself uses for failures that do not come from the router.
#pragma once

#include <stdexcept>
#include <string>
#include <string_view>

#include "wamp/value.hpp"

namespace junction::client {

// URIs of failures detected by the client (router errors keep the router's URI).
namespace errors {
// The transport closed (or could not be opened) before the operation completed.
inline constexpr std::string_view disconnected = "junction.client.disconnected";
// The session is not (or no longer) joined to a realm.
inline constexpr std::string_view not_joined = "junction.client.not_joined";
// CallOptions::timeout elapsed; a CANCEL was sent to the router.
inline constexpr std::string_view timeout = "wamp.error.timeout";
// The router sent something the client cannot make sense of.
inline constexpr std::string_view protocol_violation = "wamp.error.protocol_violation";
// A callee handler threw something that is not a client::Error.
inline constexpr std::string_view runtime_error = "wamp.error.runtime_error";
// The client cannot answer the router's CHALLENGE (no credential for that method, a malformed
// challenge); also the ABORT reason it sends the router then (as Autobahn does).
inline constexpr std::string_view cannot_authenticate = "wamp.error.cannot_authenticate";
// The router failed to prove its identity: a cryptosign signature of the client's challenge
// that does not verify with ConnectOptions::router_public_key, or a SCRAM server signature in
// WELCOME that does not match.
inline constexpr std::string_view router_not_authenticated =
    "junction.client.router_not_authenticated";
}  // namespace errors

class Error : public std::runtime_error {
 public:
  explicit Error(std::string uri, wamp::Array args = {}, wamp::Object kwargs = {},
                 wamp::Object details = {});

  const std::string& uri() const { return uri_; }
  const wamp::Array& args() const { return args_; }
  const wamp::Object& kwargs() const { return kwargs_; }
  // ERROR.Details (or ABORT.Details) as the router sent them.
  const wamp::Object& details() const { return details_; }

 private:
  std::string uri_;
  wamp::Array args_;
  wamp::Object kwargs_;
  wamp::Object details_;
};

}  // namespace junction::client
