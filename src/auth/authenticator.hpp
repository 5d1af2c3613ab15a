// auth: authentication for Junction's router. A transport's "auth" section becomes one
// Authenticator (router::Authenticator), which the transport carries as an opaque handle and
// the router asks at HELLO. Methods: anonymous, ticket, wampcra, cryptosign, scram, tls
// (one file each), and cookie (here: a login remembered under the connection's tracking cookie).
// Work that costs (key derivation) runs on the Executor's workers; failures are answered after a
// short delay so guessing is slow.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <string>

#include "auth/config.hpp"
#include "auth/executor.hpp"
#include "cookie/cookie_store.hpp"
#include "router/authentication.hpp"

namespace junction::auth {

class Method;

class Authenticator : public router::Authenticator {
 public:
  // `executor` must outlive the Authenticator. Throws std::invalid_argument for a method this
  // module does not implement.
  // With `cookies` (the WebSocket path's cookie store) the transport offers cookie
  // authentication: a client offering "cookie" whose cbtid carries a login is welcomed with it
  // (authprovider "cookie", the login's own authmethod, as Crossbar reports it), and every
  // successful login by another method is remembered under the cbtid.
  Authenticator(AuthConfig config, Executor& executor,
                std::chrono::milliseconds failure_delay = std::chrono::milliseconds(200),
                std::shared_ptr<cookie::CookieStore> cookies = nullptr);
  ~Authenticator() override;

  // Picks the first of the client's methods (HELLO.Details.authmethods, default ["anonymous"])
  // this transport offers; none: ABORT wamp.error.no_auth_method.
  std::unique_ptr<router::PendingAuthentication> hello(const router::AuthRequest& request,
                                                       router::AuthDone done) override;

 private:
  router::AuthDone delay_failures(router::AuthDone done);
  // Wraps `done` to remember a successful login under the connection's cbtid.
  router::AuthDone remember_login(router::AuthDone done, const std::string& cbtid,
                                  const std::string& realm);

  AuthConfig config_;
  Executor& executor_;
  std::chrono::milliseconds failure_delay_;
  std::map<std::string, std::unique_ptr<Method>, std::less<>> methods_;
  std::shared_ptr<cookie::CookieStore> cookies_;
};

}  // namespace junction::auth
