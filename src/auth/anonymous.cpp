// auth/anonymous: WAMP "anonymous" authentication: every client is admitted under the
// configured role, with a random authid unless one is configured.
#include "auth/crypto.hpp"
#include "auth/method.hpp"

namespace junction::auth {
namespace {

class Anonymous : public Method {
 public:
  explicit Anonymous(MethodConfig config) : config_(std::move(config)) {}
  std::unique_ptr<router::PendingAuthentication> hello(const router::AuthRequest& request,
                                                       router::AuthDone done) override {
    if (!config_.realm.empty() && config_.realm != request.realm) {
      done(router::AuthDecision::deny(
          "wamp.error.no_such_realm",
          "anonymous sessions may only join realm '" + config_.realm + "' on this transport"));
      return nullptr;
    }
    Principal p;
    // With cookie tracking the cbtid is the authid (Crossbar's), so a client is recognised.
    const std::string cbtid = request.transport ? request.transport->cbtid : std::string();
    p.authid = !config_.authid.empty() ? config_.authid : !cbtid.empty() ? cbtid : random_authid();
    p.role = config_.role;
    done(welcome(p, "anonymous"));
    return nullptr;
  }

 private:
  MethodConfig config_;
};

}  // namespace

std::unique_ptr<Method> make_anonymous(const MethodConfig& config) {
  return std::make_unique<Anonymous>(config);
}

}  // namespace junction::auth
