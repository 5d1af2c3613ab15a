// auth/dynamic: "type": "dynamic" — a WAMP procedure decides (and "type": "function": a Python
// function the node's component launcher registers as such a procedure, src/node/config_auth.cpp).
// Junction calls it as authenticate(realm, authid, details) (Crossbar's signature) through the
// node's ProcedureCaller, off the session's critical path: the routing thread goes on serving while
// the answer is awaited, and an answer that does not come within the method's timeout ends the
// authentication with a clear ABORT. The answer is a role (string) or a principal (dict: role,
// authid, realm, extra, plus what the method needs — wampcra: secret [salt iterations keylen];
// cryptosign: pubkey; scram: kdf iterations memory salt stored-key server-key). For ticket the
// procedure is called once the client sent its ticket (details.ticket) and decides alone; for
// anonymous and tls it decides alone too (tls: only for a client whose certificate the TLS
// handshake verified; details.transport.client_cert says which); for wampcra, cryptosign and
// scram the principal it returns goes through the static method's own checks (challenge,
// signature, proof). An ERROR from the procedure is the ABORT's reason (Crossbar's behaviour).
#include <memory>

#include "auth/crypto.hpp"
#include "auth/method.hpp"
#include "auth/procedure_caller.hpp"

namespace junction::auth {
namespace {

using router::AuthDecision;

// A principal from the authenticator's answer; on failure `why` says what was wrong.
std::optional<Principal> to_principal(const ProcedureCaller::Result& result,
                                      const std::string& method, const std::string& authid,
                                      std::string& why) {
  Principal p;
  p.authid = authid;
  const wamp::Value* answer = result.args.empty() ? nullptr : &result.args[0];
  if (answer && answer->as_string()) {
    p.role = *answer->as_string();
    return p;
  }
  const wamp::Object* o = answer ? answer->as_object() : nullptr;
  if (!o) {
    why = "it must return a role (string) or a principal (dict)";
    return std::nullopt;
  }
  const auto str = [o](std::string_view key) {
    const std::string* s = wamp::get_string(*o, key);
    return s ? *s : std::string();
  };
  p.role = str("role");
  if (p.role.empty()) {
    why = "its principal has no 'role'";
    return std::nullopt;
  }
  if (!str("authid").empty()) p.authid = str("authid");
  p.realm = str("realm");
  if (const wamp::Object* extra = wamp::get_object(*o, "extra")) p.authextra = *extra;
  const auto uint = [o](std::string_view key, std::uint32_t fallback) {
    return static_cast<std::uint32_t>(wamp::get_uint(*o, key).value_or(fallback));
  };
  if (method == "wampcra") {
    p.secret = str("secret");
    if (p.secret.empty()) {
      why = "its principal has no 'secret'";
      return std::nullopt;
    }
    if (o->contains("salt")) {
      p.salt = str("salt");
      p.iterations = uint("iterations", 1000);
      p.keylen = uint("keylen", 32);
    }
  } else if (method == "cryptosign") {
    auto key = from_hex(str("pubkey"));
    if (!key || key->size() != 32) {
      why = "its principal has no valid 'pubkey' (64 hex digits)";
      return std::nullopt;
    }
    p.authorized_keys.push_back(*key);
  } else if (method == "scram") {
    p.scram.kdf = str("kdf");
    p.scram.iterations = uint("iterations", 0);
    p.scram.memory = uint("memory", 0);
    auto salt = from_hex(str("salt"));
    auto stored = from_hex(str("stored-key"));
    auto server = from_hex(str("server-key"));
    if ((p.scram.kdf != "argon2id-13" && p.scram.kdf != "pbkdf2") || !salt || !stored || !server ||
        stored->size() != 32 || server->size() != 32 || p.scram.iterations == 0) {
      why = "its principal lacks valid scram keys (kdf, iterations, salt, stored-key, server-key)";
      return std::nullopt;
    }
    p.scram.salt = *salt;
    p.scram.stored_key = *stored;
    p.scram.server_key = *server;
  }
  return p;
}

// The answer to give for an ERROR from the authenticator (Crossbar passes an application error
// on as the ABORT reason, with its first argument as the message).
// `what`: "the dynamic authenticator 'uri'" or "the function authenticator 'module.name'".
AuthDecision from_error(const ProcedureCaller::Result& result, const std::string& what) {
  if (result.error == "wamp.error.no_such_procedure" ||
      result.error == "wamp.error.no_such_realm" || result.error == "wamp.error.not_authorized") {
    return AuthDecision::deny(kAuthenticationFailed,
                              what + " is not available (" + result.error + ")");
  }
  std::string message = "the dynamic authenticator refused: " + result.error;
  if (!result.args.empty() && result.args[0].as_string()) message = *result.args[0].as_string();
  return AuthDecision::deny(result.error, message);
}

// One authentication with a dynamic authenticator in flight.
struct Flight {
  router::AuthRequest request;  // a copy; `transport` points at our own copy below
  router::TransportInfo transport;
  router::AuthDone done;
  bool answered = false;
  std::unique_ptr<Method> method;  // the static method built from the returned principal
  std::unique_ptr<router::PendingAuthentication> inner;
};

// The welcome's authprovider: "dynamic", or "function" (Crossbar's names).
router::AuthDone as_dynamic(router::AuthDone done, const std::string& provider) {
  return [done = std::move(done), provider](AuthDecision d) {
    if (d.kind == AuthDecision::Kind::welcome) d.authprovider = provider;
    done(std::move(d));
  };
}

class Forward : public router::PendingAuthentication {
 public:
  Forward(std::shared_ptr<Flight> flight, std::string provider)
      : flight_(std::move(flight)), provider_(std::move(provider)) {}
  void authenticate(const std::string& signature, const wamp::Object& extra,
                    router::AuthDone done) override {
    if (!flight_->inner) {
      return done(AuthDecision::deny(wamp::errors::protocol_violation,
                                     "AUTHENTICATE before the CHALLENGE"));
    }
    flight_->inner->authenticate(signature, extra, as_dynamic(std::move(done), provider_));
  }

 private:
  std::shared_ptr<Flight> flight_;
  std::string provider_;
};

class Dynamic : public Method {
 public:
  Dynamic(std::string name, MethodConfig config, std::string router_key, Executor& executor)
      : name_(std::move(name)),
        config_(std::move(config)),
        router_key_(std::move(router_key)),
        executor_(executor) {}

  std::unique_ptr<router::PendingAuthentication> hello(const router::AuthRequest& request,
                                                       router::AuthDone done) override {
    auto flight = std::make_shared<Flight>();
    flight->request = request;
    if (request.transport) flight->transport = *request.transport;
    flight->request.transport = &flight->transport;
    flight->done = as_dynamic(std::move(done), config_.type);

    if (name_ == "ticket") {
      // The ticket comes with AUTHENTICATE: challenge first, ask the authenticator then.
      AuthDecision challenge;
      challenge.kind = AuthDecision::Kind::challenge;
      challenge.authmethod = "ticket";
      router::AuthDone first = std::move(flight->done);
      first(std::move(challenge));
      return pending(
          [this, flight](const std::string& ticket, const wamp::Object&, router::AuthDone done) {
            flight->done = as_dynamic(std::move(done), config_.type);
            flight->answered = false;
            wamp::Object details = details_of(flight->request);
            details["ticket"] = ticket;
            ask(flight, std::move(details), [this, flight](const ProcedureCaller::Result& result) {
              std::string why;
              auto principal = to_principal(result, name_, flight->request.authid, why);
              if (!principal) return finish(flight, bad_answer(why));
              if (!principal->realm.empty() && principal->realm != flight->request.realm) {
                return finish(flight, failed(flight->request, "ticket"));
              }
              finish(flight, welcome(*principal, "ticket", config_.type));
            });
          });
    }

    if (name_ == "tls" && !(request.transport && request.transport->peer_certificate)) {
      finish(flight, AuthDecision::deny(kAuthenticationFailed,
                                        "tls authentication needs a verified TLS client "
                                        "certificate"));
      return nullptr;
    }

    ask(flight, details_of(flight->request), [this, flight](const ProcedureCaller::Result& result) {
      std::string why;
      auto principal = to_principal(result, name_, flight->request.authid, why);
      if (!principal) return finish(flight, bad_answer(why));
      if (name_ == "anonymous" || name_ == "tls") {
        // No secret to check: the authenticator's answer is the decision.
        if (principal->authid.empty()) principal->authid = random_authid();
        return finish(flight, welcome(*principal, name_, config_.type));
      }
      // The static method's own checks and challenge, with this one principal.
      MethodConfig one;
      one.role = principal->role;
      one.authid = principal->authid;
      const std::string key = flight->request.authid;
      one.principals.emplace(key, *principal);
      AuthConfig all;
      all.router_key = router_key_;
      flight->method = make_method(name_, one, all, executor_);
      flight->inner = flight->method->hello(flight->request, std::move(flight->done));
    });
    return std::make_unique<Forward>(flight, config_.type);
  }

 private:
  wamp::Object details_of(const router::AuthRequest& r) const {
    wamp::Object transport{{"tls", r.transport && r.transport->tls}};
    if (r.transport && r.transport->peer_certificate) {
      transport["client_cert"] =
          wamp::Object{{"subject", r.transport->peer_certificate->subject},
                       {"sha256", r.transport->peer_certificate->sha256_fingerprint},
                       {"sha1", r.transport->peer_certificate->sha1_fingerprint}};
    }
    wamp::Object details{{"authmethod", name_},
                         {"authextra", r.authextra},
                         {"session", r.session_id},
                         {"transport", std::move(transport)}};
    if (!r.authid.empty()) details["authid"] = r.authid;
    return details;
  }

  AuthDecision bad_answer(const std::string& why) const {
    return AuthDecision::deny(kAuthenticationFailed, what() + " answered wrongly: " + why);
  }

  static void finish(const std::shared_ptr<Flight>& flight, AuthDecision decision) {
    if (flight->done) {
      auto done = std::move(flight->done);
      flight->done = nullptr;
      done(std::move(decision));
    }
  }

  // Calls the authenticator; `on_answer` runs unless the timeout came first.
  void ask(const std::shared_ptr<Flight>& flight, wamp::Object details,
           std::function<void(const ProcedureCaller::Result&)> on_answer) {
    ProcedureCaller* caller = node_caller();
    if (!caller) {
      return finish(flight, AuthDecision::deny(kAuthenticationFailed,
                                               "dynamic authentication is not available"));
    }
    const std::string realm =
        config_.authenticator_realm.empty() ? flight->request.realm : config_.authenticator_realm;
    executor_.after(std::chrono::milliseconds(config_.timeout_ms), [flight, what = what(),
                                                                    ms = config_.timeout_ms] {
      if (flight->answered) return;
      flight->answered = true;
      finish(flight, AuthDecision::deny(kAuthenticationFailed, what + " did not answer within " +
                                                                   std::to_string(ms) + " ms"));
    });
    wamp::Array args{
        flight->request.realm,
        flight->request.authid.empty() ? wamp::Value(nullptr) : wamp::Value(flight->request.authid),
        std::move(details)};
    caller->call(
        realm, config_.authenticator_role, config_.authenticator, std::move(args),
        [flight, on_answer = std::move(on_answer), what = what()](ProcedureCaller::Result result) {
          if (flight->answered) return;
          flight->answered = true;
          if (!result.error.empty()) return finish(flight, from_error(result, what));
          on_answer(result);
        });
  }

  std::string what() const {
    return config_.type == "function" ? "the function authenticator '" + config_.function + "'"
                                      : "the dynamic authenticator '" + config_.authenticator + "'";
  }

  std::string name_;
  MethodConfig config_;
  std::string router_key_;
  Executor& executor_;
};

}  // namespace

std::unique_ptr<Method> make_dynamic(const std::string& name, const MethodConfig& config,
                                     const AuthConfig& all, Executor& executor) {
  return std::make_unique<Dynamic>(name, config, all.router_key, executor);
}

}  // namespace junction::auth
