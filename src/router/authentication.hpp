// router/authentication: the interface between the session state machine and whatever decides
// who a client is (src/auth implements it). The router knows no methods, secrets or sockets: it
// hands over what HELLO and AUTHENTICATE said plus what the transport knows, and gets back a
// decision — CHALLENGE, WELCOME or ABORT — possibly later (key derivation and dynamic
// authenticators answer from another turn of the routing thread's event loop).
//
// Threading: everything here is called on the routing thread, and a decision must be delivered
// on it too (an implementation that works elsewhere posts back). A connection that goes away
// while a decision is pending simply never sees it (the router drops late decisions).
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "wamp/message.hpp"
#include "wamp/value.hpp"

namespace junction::router {

struct TransportInfo;

// What a client asked for in HELLO, and where it comes from.
struct AuthRequest {
  std::string realm;
  std::string authid;                    // HELLO.Details.authid, "" when absent
  std::vector<std::string> authmethods;  // in the client's order; empty: ["anonymous"]
  wamp::Object authextra;                // HELLO.Details.authextra
  const TransportInfo* transport = nullptr;
  wamp::Id session_id = 0;  // the id the session will get (WAMP-CRA signs it)
};

// What the authenticator decided.
struct AuthDecision {
  enum class Kind { challenge, welcome, deny };
  Kind kind = Kind::deny;
  // challenge: the method and CHALLENGE.Extra. welcome: the method that succeeded and
  // WELCOME.Details.authextra.
  std::string authmethod;
  wamp::Object extra;
  // welcome: who the session is.
  std::string realm;  // the realm to join ("" keeps the one asked for)
  std::string authid;
  std::string authrole;
  std::string authprovider;  // "static", "dynamic", ...
  // deny: the ABORT reason URI and a message for the user (never a secret).
  std::string error;
  std::string message;

  static AuthDecision deny(std::string_view error, std::string message) {
    AuthDecision d;
    d.error = std::string(error);
    d.message = std::move(message);
    return d;
  }
};

using AuthDone = std::function<void(AuthDecision)>;

// One authentication in progress: the answer to a CHALLENGE comes here.
class PendingAuthentication {
 public:
  virtual ~PendingAuthentication() = default;
  // AUTHENTICATE.Signature and Extra. `done` is called once (possibly before this returns).
  virtual void authenticate(const std::string& signature, const wamp::Object& extra,
                            AuthDone done) = 0;
};

// The methods one transport accepts (the transport carries it as an opaque handle).
class Authenticator {
 public:
  virtual ~Authenticator() = default;
  // Starts authenticating. `done` is called once (possibly before this returns). The returned
  // object, if any, is kept until the client answers a challenge; destroying it abandons the
  // authentication (the connection went away).
  virtual std::unique_ptr<PendingAuthentication> hello(const AuthRequest& request,
                                                       AuthDone done) = 0;
};

}  // namespace junction::router
