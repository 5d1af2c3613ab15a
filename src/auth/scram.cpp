// auth/scram: WAMP-SCRAM in the dialect Crossbar.io serves and Autobahn speaks: method "scram",
// HELLO.Details.authextra.nonce from the client, a CHALLENGE with nonce, kdf ("argon2id-13" or
// "pbkdf2"), salt, iterations (and memory for Argon2id) — no other keys, Autobahn refuses them —
// AUTHENTICATE with the base64 ClientProof, and WELCOME.Details.authextra.scram_server_signature.
// The router stores StoredKey and ServerKey only, so it never runs the KDF for a login.
#include "auth/scram.hpp"

#include <stdexcept>

#include "auth/crypto.hpp"
#include "auth/method.hpp"

namespace junction::auth {

namespace {

class Scram : public Method {
 public:
  explicit Scram(MethodConfig config) : config_(std::move(config)) {}

  std::unique_ptr<router::PendingAuthentication> hello(const router::AuthRequest& request,
                                                       router::AuthDone done) override {
    using router::AuthDecision;
    const std::string* nonce = wamp::get_string(request.authextra, "nonce");
    const auto client_nonce = nonce ? from_base64(*nonce) : std::nullopt;
    if (!client_nonce || client_nonce->empty()) {
      done(AuthDecision::deny(kAuthenticationFailed,
                              "scram needs HELLO.Details.authextra.nonce (base64)"));
      return nullptr;
    }
    if (request.authid.empty()) {
      done(AuthDecision::deny(kAuthenticationFailed, "scram needs an authid"));
      return nullptr;
    }
    AuthDecision failure;
    const Principal* principal = find_principal(config_, request, "scram", failure);
    if (!principal) {
      done(std::move(failure));
      return nullptr;
    }
    const Principal::Scram& s = principal->scram;
    const std::string client_b64 = to_base64(*client_nonce);
    const std::string server_b64 = to_base64(*client_nonce + random_bytes(16));
    const std::string salt_b64 = to_base64(s.salt);

    AuthDecision decision;
    decision.kind = AuthDecision::Kind::challenge;
    decision.authmethod = "scram";
    decision.extra = wamp::Object{{"nonce", server_b64},
                                  {"kdf", s.kdf},
                                  {"salt", salt_b64},
                                  {"iterations", static_cast<std::uint64_t>(s.iterations)}};
    if (s.kdf == "argon2id-13") decision.extra["memory"] = static_cast<std::uint64_t>(s.memory);
    done(std::move(decision));

    return pending([principal,
                    message = scram_auth_message(request.authid, client_b64, server_b64, salt_b64,
                                                 s.iterations),
                    denied = failed(request, "scram")](const std::string& signature,
                                                       const wamp::Object&, router::AuthDone done) {
      const auto proof = from_base64(signature);
      if (!proof || !scram_verify_proof(principal->scram.stored_key, message, *proof)) {
        return done(denied);
      }
      AuthDecision ok = welcome(*principal, "scram");
      ok.extra["scram_server_signature"] =
          to_base64(scram_server_signature(principal->scram.server_key, message));
      done(std::move(ok));
    });
  }

 private:
  MethodConfig config_;
};

}  // namespace

std::unique_ptr<Method> make_scram(const MethodConfig& config) {
  return std::make_unique<Scram>(config);
}

}  // namespace junction::auth
