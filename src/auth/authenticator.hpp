// auth: authentication for Junction's router. A transport's "auth" section becomes one
// Authenticator (router::Authenticator), which the transport carries as an opaque handle and
// the router asks at HELLO. Methods: anonymous, ticket, wampcra, cryptosign, scram, tls
// (one file each). Work that costs (key derivation) runs on the Executor's workers; failures
// are answered after a short delay so guessing is slow.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <string>

#include "auth/config.hpp"
#include "auth/executor.hpp"
#include "router/authentication.hpp"

namespace junction::auth {

class Method;

class Authenticator : public router::Authenticator {
 public:
  // `executor` must outlive the Authenticator. Throws std::invalid_argument for a method this
  // module does not implement.
  Authenticator(AuthConfig config, Executor& executor,
                std::chrono::milliseconds failure_delay = std::chrono::milliseconds(200));
  ~Authenticator() override;

  // Picks the first of the client's methods (HELLO.Details.authmethods, default ["anonymous"])
  // this transport offers; none: ABORT wamp.error.no_auth_method.
  std::unique_ptr<router::PendingAuthentication> hello(const router::AuthRequest& request,
                                                       router::AuthDone done) override;

 private:
  router::AuthDone delay_failures(router::AuthDone done);

  AuthConfig config_;
  Executor& executor_;
  std::chrono::milliseconds failure_delay_;
  std::map<std::string, std::unique_ptr<Method>, std::less<>> methods_;
};

}  // namespace junction::auth
