// auth/method: one authentication method as the Authenticator sees it, and the helpers the
// methods share. Each method lives in its own file (anonymous.cpp, ticket.cpp, ...).
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "auth/config.hpp"
#include "auth/executor.hpp"
#include "router/authentication.hpp"
#include "router/router.hpp"

namespace junction::auth {

class Method {
 public:
  virtual ~Method() = default;
  // As router::Authenticator::hello, for a client that chose this method.
  virtual std::unique_ptr<router::PendingAuthentication> hello(const router::AuthRequest& request,
                                                               router::AuthDone done) = 0;
};

// Builds the method `name` from its (validated) config. Throws std::invalid_argument for a
// method this module does not implement.
std::unique_ptr<Method> make_method(const std::string& name, const MethodConfig& config,
                                    const AuthConfig& all, Executor& executor);

// "type": "dynamic": `name`'s checks with the principal a WAMP procedure returns (dynamic.cpp).
std::unique_ptr<Method> make_dynamic(const std::string& name, const MethodConfig& config,
                                     const AuthConfig& all, Executor& executor);
std::unique_ptr<Method> make_anonymous(const MethodConfig& config);
std::unique_ptr<Method> make_ticket(const MethodConfig& config, Executor& executor);
std::unique_ptr<Method> make_wampcra(const MethodConfig& config);
std::unique_ptr<Method> make_cryptosign(const MethodConfig& config, std::string router_key);
std::unique_ptr<Method> make_scram(const MethodConfig& config);
std::unique_ptr<Method> make_tls(const MethodConfig& config);

// --- shared by the methods

inline constexpr std::string_view kAuthenticationFailed = "wamp.error.authentication_failed";

// The decision admitting `principal` via `method`.
router::AuthDecision welcome(const Principal& principal, std::string_view method,
                             std::string_view provider = "static");

// The principal `authid` of `config` if it exists and may join `realm`, else null. `failure` is
// set to the decision to answer (the same for an unknown authid and one of another realm, so an
// attacker cannot tell which authids exist).
const Principal* find_principal(const MethodConfig& config, const router::AuthRequest& request,
                                std::string_view method, router::AuthDecision& failure);

// A Crossbar-style readable random authid (e.g. "KXAN-3U4L-6CAP-PXNK-WU6Y-JEX3"), from the CSPRNG.
std::string random_authid();

// A generic "authentication failed" denial naming the authid and method, never the secret.
router::AuthDecision failed(const router::AuthRequest& request, std::string_view method);

// A PendingAuthentication that answers AUTHENTICATE with a function.
template <class F>
class PendingFn : public router::PendingAuthentication {
 public:
  explicit PendingFn(F f) : f_(std::move(f)) {}
  void authenticate(const std::string& signature, const wamp::Object& extra,
                    router::AuthDone done) override {
    f_(signature, extra, std::move(done));
  }

 private:
  F f_;
};
template <class F>
std::unique_ptr<router::PendingAuthentication> pending(F f) {
  return std::make_unique<PendingFn<F>>(std::move(f));
}

}  // namespace junction::auth
