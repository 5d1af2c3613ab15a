// node/auth_caller: in-process calls for dynamic authenticators.
#include "node/auth_caller.hpp"

#include <stdexcept>

#include "base/log.hpp"

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
  session->call(
      procedure, std::move(args), {}, {},
      [done = std::move(done)](router::InProcessSession::Answer answer) {
        done(Result{std::move(answer.error), std::move(answer.args), std::move(answer.kwargs)});
      });
}

}  // namespace junction::node
