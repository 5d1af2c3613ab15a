// auth/authenticator: method selection and the delay after a failure.
#include "auth/authenticator.hpp"

#include "auth/method.hpp"
#include "base/log.hpp"

namespace junction::auth {
namespace {

// Forwards AUTHENTICATE to the method's own pending object, with the failure delay on its answer.
class Pending : public router::PendingAuthentication {
 public:
  Pending(std::unique_ptr<router::PendingAuthentication> inner,
          std::function<router::AuthDone(router::AuthDone)> wrap)
      : inner_(std::move(inner)), wrap_(std::move(wrap)) {}
  void authenticate(const std::string& signature, const wamp::Object& extra,
                    router::AuthDone done) override {
    inner_->authenticate(signature, extra, wrap_(std::move(done)));
  }

 private:
  std::unique_ptr<router::PendingAuthentication> inner_;
  std::function<router::AuthDone(router::AuthDone)> wrap_;
};

}  // namespace

Authenticator::Authenticator(AuthConfig config, Executor& executor,
                             std::chrono::milliseconds failure_delay)
    : config_(std::move(config)), executor_(executor), failure_delay_(failure_delay) {
  for (const auto& [name, method] : config_.methods)
    methods_.emplace(name, make_method(name, method, config_, executor_));
}

Authenticator::~Authenticator() = default;

router::AuthDone Authenticator::delay_failures(router::AuthDone done) {
  return [this, done = std::move(done)](router::AuthDecision decision) mutable {
    if (decision.kind != router::AuthDecision::Kind::deny || failure_delay_.count() == 0) {
      return done(std::move(decision));
    }
    executor_.after(failure_delay_,
                    [done = std::move(done), decision = std::move(decision)]() { done(decision); });
  };
}

std::unique_ptr<router::PendingAuthentication> Authenticator::hello(
    const router::AuthRequest& request, router::AuthDone done) {
  static const std::vector<std::string> kDefault{"anonymous"};
  const auto& asked = request.authmethods.empty() ? kDefault : request.authmethods;
  for (const std::string& name : asked) {
    const auto it = methods_.find(name);
    if (it == methods_.end()) continue;
    JLOG(debug, "auth") << "authenticating authid '" << request.authid << "' on realm '"
                        << request.realm << "' with " << name;
    auto inner = it->second->hello(request, delay_failures(std::move(done)));
    if (!inner) return nullptr;
    return std::make_unique<Pending>(
        std::move(inner), [this](router::AuthDone d) { return delay_failures(std::move(d)); });
  }
  std::string offered;
  for (const auto& [name, method] : methods_)
    offered += (offered.empty() ? "" : ", ") + name;
  done(router::AuthDecision::deny(
      "wamp.error.no_auth_method",
      "none of the authmethods asked for is offered here (offered: " + offered + ")"));
  return nullptr;
}

}  // namespace junction::auth
