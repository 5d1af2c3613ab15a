// auth/ticket: WAMP ticket authentication: CHALLENGE with no extra, AUTHENTICATE carries the
// ticket. The configured ticket is either the ticket itself (compared in constant time) or an
// Argon2id hash of it, verified on a worker thread so the routing thread never runs the KDF.
#include "auth/crypto.hpp"
#include "auth/method.hpp"

namespace junction::auth {
namespace {

bool is_hashed(const std::string& ticket) {
  return ticket.starts_with("$argon2id$");
}

class Ticket : public Method {
 public:
  Ticket(MethodConfig config, Executor& executor)
      : config_(std::move(config)), executor_(executor) {}

  std::unique_ptr<router::PendingAuthentication> hello(const router::AuthRequest& request,
                                                       router::AuthDone done) override {
    router::AuthDecision failure;
    const Principal* principal = find_principal(config_, request, "ticket", failure);
    router::AuthDecision challenge;
    challenge.kind = router::AuthDecision::Kind::challenge;
    challenge.authmethod = "ticket";
    done(std::move(challenge));
    // An unknown authid is refused only after the client sent a ticket, as a wrong ticket is.
    return pending([this, principal, failure, request_authid = request.authid](
                       const std::string& ticket, const wamp::Object&, router::AuthDone done) {
      if (!principal) return done(failure);
      if (!is_hashed(principal->ticket)) {
        return done(constant_time_equal(ticket, principal->ticket) ? welcome(*principal, "ticket")
                                                                   : failure_for(request_authid));
      }
      auto ok = std::make_shared<bool>(false);
      executor_.offload(
          [ok, hash = principal->ticket, ticket] { *ok = argon2id_verify(hash, ticket); },
          [ok, done = std::move(done), decision = welcome(*principal, "ticket"),
           denied = failure_for(request_authid)] { done(*ok ? decision : denied); });
    });
  }

 private:
  static router::AuthDecision failure_for(const std::string& authid) {
    router::AuthRequest r;
    r.authid = authid;
    return failed(r, "ticket");
  }

  MethodConfig config_;
  Executor& executor_;
};

}  // namespace

std::unique_ptr<Method> make_ticket(const MethodConfig& config, Executor& executor) {
  return std::make_unique<Ticket>(config, executor);
}

}  // namespace junction::auth
