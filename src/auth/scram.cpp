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

std::string scram_salted_password(std::string_view kdf, std::string_view password,
                                  std::string_view salt, std::uint32_t iterations,
                                  std::uint32_t memory) {
  if (kdf == "pbkdf2") return pbkdf2_sha256(password, salt, iterations, 32);
  if (kdf == "argon2id-13") {
    std::string text = to_base64(argon2id(password, salt, iterations, memory, 32));
    while (!text.empty() && text.back() == '=')
      text.pop_back();
    return text;
  }
  throw std::invalid_argument("unknown SCRAM kdf '" + std::string(kdf) +
                              "' (expected argon2id-13 or pbkdf2)");
}

ScramKeys scram_keys(std::string_view salted_password) {
  ScramKeys keys;
  keys.salted_password = std::string(salted_password);
  keys.stored_key = sha256(hmac_sha256(salted_password, "Client Key"));
  keys.server_key = hmac_sha256(salted_password, "Server Key");
  return keys;
}

std::string scram_auth_message(std::string_view authid, std::string_view client_nonce_b64,
                               std::string_view server_nonce_b64, std::string_view salt_b64,
                               std::uint32_t iterations) {
  std::string m;
  m.append("n=").append(authid).append(",r=").append(client_nonce_b64);
  m.append(",r=").append(server_nonce_b64).append(",s=").append(salt_b64);
  m.append(",i=").append(std::to_string(iterations));
  m.append(",c=,r=").append(server_nonce_b64);
  return m;
}

std::string scram_client_proof(const ScramKeys& keys, std::string_view auth_message) {
  const std::string client_key = hmac_sha256(keys.salted_password, "Client Key");
  return xor_bytes(client_key, hmac_sha256(keys.stored_key, auth_message));
}

bool scram_verify_proof(std::string_view stored_key, std::string_view auth_message,
                        std::string_view proof) {
  const std::string signature = hmac_sha256(stored_key, auth_message);
  if (proof.size() != signature.size()) return false;
  return constant_time_equal(sha256(xor_bytes(signature, proof)), stored_key);
}

std::string scram_server_signature(std::string_view server_key, std::string_view auth_message) {
  return hmac_sha256(server_key, auth_message);
}

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
