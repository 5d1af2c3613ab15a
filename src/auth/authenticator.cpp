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
                             std::chrono::milliseconds failure_delay,
                             std::shared_ptr<cookie::CookieStore> cookies)
    : config_(std::move(config)),
      executor_(executor),
      failure_delay_(failure_delay),
      cookies_(std::move(cookies)) {
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

router::AuthDone Authenticator::remember_login(router::AuthDone done, const std::string& cbtid,
                                               const std::string& realm) {
  if (!cookies_ || cbtid.empty()) return done;
  return [cookies = cookies_, cbtid, realm, done = std::move(done)](router::AuthDecision decision) {
    if (decision.kind == router::AuthDecision::Kind::welcome) {
      cookies->set_auth(
          cbtid,
          cookie::CookieAuth{decision.authid, decision.authrole, decision.authmethod,
                             decision.realm.empty() ? realm : decision.realm, decision.extra});
    }
    done(std::move(decision));
  };
}

std::unique_ptr<router::PendingAuthentication> Authenticator::hello(
    const router::AuthRequest& request, router::AuthDone done) {
  static const std::vector<std::string> kDefault{"anonymous"};
  const auto& asked = request.authmethods.empty() ? kDefault : request.authmethods;
  const std::string cbtid =
      cookies_ && request.transport ? request.transport->cbtid : std::string();
  for (const std::string& name : asked) {
    if (name == "cookie" && cookies_) {
      // Crossbar's cookie method: welcome with the login the cbtid carries; without one, the
      // client's next method is tried.
      if (cbtid.empty()) continue;
      std::optional<cookie::CookieAuth> login = cookies_->auth(cbtid);
      if (!login) continue;
      JLOG(debug, "auth") << "authid '" << login->authid << "' on realm '" << login->realm
                          << "' authenticated by its tracking cookie";
      router::AuthDecision d;
      d.kind = router::AuthDecision::Kind::welcome;
      d.authmethod = std::move(login->authmethod);
      d.authprovider = "cookie";
      d.authid = std::move(login->authid);
      d.authrole = std::move(login->authrole);
      d.realm = std::move(login->realm);
      d.extra = std::move(login->authextra);
      done(std::move(d));
      return nullptr;
    }
    const auto it = methods_.find(name);
    if (it == methods_.end()) continue;
    JLOG(debug, "auth") << "authenticating authid '" << request.authid << "' on realm '"
                        << request.realm << "' with " << name;
    auto inner = it->second->hello(
        request, remember_login(delay_failures(std::move(done)), cbtid, request.realm));
    if (!inner) return nullptr;
    return std::make_unique<Pending>(
        std::move(inner), [this, cbtid, realm = request.realm](router::AuthDone d) {
          return remember_login(delay_failures(std::move(d)), cbtid, realm);
        });
  }
  std::string offered = cookies_ ? "cookie" : "";
  for (const auto& [name, method] : methods_)
    offered += (offered.empty() ? "" : ", ") + name;
  done(router::AuthDecision::deny(
      "wamp.error.no_auth_method",
      "none of the authmethods asked for is offered here (offered: " + offered + ")"));
  return nullptr;
}

}  // namespace junction::auth
