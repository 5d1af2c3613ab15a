// node/auth_caller: in-process calls for dynamic authenticators.
#include "node/auth_caller.hpp"

#include <stdexcept>

#include "base/log.hpp"
#include "node/component_launcher.hpp"

namespace junction::node {

void AuthCaller::call(const std::string& realm, const std::string& authrole,
                      const std::string& procedure, wamp::Array args,
                      std::function<void(Result)> done) {
  auto& session = sessions_[{realm, authrole}];
  if (!session || !session->joined()) {
    try {
      session =
          std::make_unique<router::InProcessSession>(router_, realm, "junction-auth", authrole);
    } catch (const std::invalid_argument&) {
      sessions_.erase({realm, authrole});
      JLOG(warn, "auth") << "dynamic authenticator '" << procedure << "': no realm '" << realm
                         << "' on this router";
      return done(Result{"wamp.error.no_such_realm", {}, {}});
    }
  }
  // A function authenticator's procedure answers only this caller: it must see who calls.
  wamp::Object options;
  if (procedure.starts_with(kFunctionAuthenticatorPrefix)) options["disclose_me"] = true;
  session->call(
      procedure, std::move(args), {}, std::move(options),
      [done = std::move(done)](router::InProcessSession::Answer answer) {
        done(Result{std::move(answer.error), std::move(answer.args), std::move(answer.kwargs)});
      });
}

BoundAuthCaller::BoundAuthCaller(router::Router& router, auth::Executor& executor)
    : router_(router), caller_(router) {
  auth::bind_node_caller(&caller_);
  router_.set_authorizer_call(
      [this, &executor](const std::string& realm, const std::string& procedure,
                        std::chrono::milliseconds timeout, wamp::Array args,
                        std::function<void(std::string, wamp::Array)> done) {
        // Whichever comes first, the answer or the timeout, answers; the other finds nothing to do.
        using Done = std::function<void(std::string, wamp::Array)>;
        auto once = std::make_shared<Done>(std::move(done));
        executor.after(timeout, [once, timeout] {
          if (!*once) return;
          Done answer = std::move(*once);
          *once = nullptr;
          answer("wamp.error.timeout",
                 {wamp::Value("no answer within " + std::to_string(timeout.count()) + " ms")});
        });
        caller_.call(realm, "trusted", procedure, std::move(args),
                     [once](auth::ProcedureCaller::Result result) {
                       if (!*once) return;
                       Done answer = std::move(*once);
                       *once = nullptr;
                       answer(std::move(result.error), std::move(result.args));
                     });
      });
}

BoundAuthCaller::~BoundAuthCaller() {
  router_.set_authorizer_call(nullptr);
  auth::bind_node_caller(nullptr);
}

}  // namespace junction::node
