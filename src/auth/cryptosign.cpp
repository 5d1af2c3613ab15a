// auth/cryptosign: WAMP-Cryptosign (Ed25519). The client announces its public key in
// HELLO.Details.authextra.pubkey; the router sends 32 random bytes and checks the client's
// Ed25519 signature over them (XORed with the TLS channel id under "tls-unique" channel binding).
// When the client sends its own challenge and the router has a key, the router signs it back
// (router authentication). With no authid, the principal owning the public key is chosen.
#include "auth/cryptosign.hpp"

#include "auth/crypto.hpp"
#include "auth/method.hpp"

namespace junction::auth {

namespace {

class Cryptosign : public Method {
 public:
  Cryptosign(MethodConfig config, std::string router_key)
      : config_(std::move(config)), router_key_(std::move(router_key)) {}

  std::unique_ptr<router::PendingAuthentication> hello(const router::AuthRequest& request,
                                                       router::AuthDone done) override {
    using router::AuthDecision;
    const std::string* pubkey_hex = wamp::get_string(request.authextra, "pubkey");
    const auto pubkey = pubkey_hex ? from_hex(*pubkey_hex) : std::nullopt;
    if (!pubkey || pubkey->size() != 32) {
      done(AuthDecision::deny(kAuthenticationFailed,
                              "cryptosign needs HELLO.Details.authextra.pubkey: the client's "
                              "Ed25519 public key, 64 hex digits"));
      return nullptr;
    }
    // Channel binding: only "tls-unique", and only on TLS.
    std::string channel_id;
    const wamp::Value* binding = nullptr;
    if (const auto it = request.authextra.find("channel_binding"); it != request.authextra.end()) {
      binding = &it->second;
    }
    if (binding && !binding->is_null()) {
      const std::string* type = binding->as_string();
      if (!type || *type != "tls-unique") {
        done(AuthDecision::deny(kAuthenticationFailed,
                                "cryptosign channel binding must be \"tls-unique\""));
        return nullptr;
      }
      if (!request.transport || request.transport->tls_unique.empty()) {
        done(AuthDecision::deny(kAuthenticationFailed,
                                "cryptosign channel binding \"tls-unique\" needs a TLS transport"));
        return nullptr;
      }
      channel_id = request.transport->tls_unique;
    }

    // The principal: by authid (the key must be one of its authorized keys), or by key alone.
    const Principal* principal = nullptr;
    if (!request.authid.empty()) {
      const auto it = config_.principals.find(request.authid);
      if (it != config_.principals.end() && has_key(it->second, *pubkey)) principal = &it->second;
    } else {
      for (const auto& [authid, p] : config_.principals) {
        if (!has_key(p, *pubkey)) continue;
        if (principal) {
          done(AuthDecision::deny(kAuthenticationFailed,
                                  "cannot tell the authid from this public key (several "
                                  "principals have it): send an authid"));
          return nullptr;
        }
        principal = &p;
      }
    }
    if (!principal || (!principal->realm.empty() && principal->realm != request.realm)) {
      done(failed(request, "cryptosign"));
      return nullptr;
    }

    const std::string challenge = random_bytes(32);
    AuthDecision decision;
    decision.kind = AuthDecision::Kind::challenge;
    decision.authmethod = "cryptosign";
    decision.extra = wamp::Object{{"challenge", to_hex(challenge)}};
    if (!channel_id.empty()) decision.extra["channel_binding"] = "tls-unique";
    // Router authentication: sign the client's challenge when we have a key.
    if (const std::string* theirs = wamp::get_string(request.authextra, "challenge");
        theirs && !router_key_.empty()) {
      const auto raw = from_hex(*theirs);
      if (!raw || raw->size() != 32) {
        done(AuthDecision::deny(kAuthenticationFailed,
                                "HELLO.Details.authextra.challenge must be 64 hex digits"));
        return nullptr;
      }
      decision.extra["pubkey"] = to_hex(ed25519_public_key(router_key_));
      decision.extra["signature"] =
          cryptosign_sign(router_key_, cryptosign_message(*raw, channel_id));
    }
    done(std::move(decision));
    return pending([principal, key = *pubkey, expected = cryptosign_message(challenge, channel_id),
                    denied = failed(request, "cryptosign")](
                       const std::string& signature, const wamp::Object&, router::AuthDone done) {
      done(cryptosign_verify(key, expected, signature) ? welcome(*principal, "cryptosign")
                                                       : denied);
    });
  }

 private:
  static bool has_key(const Principal& p, const std::string& key) {
    for (const auto& k : p.authorized_keys) {
      if (k == key) return true;
    }
    return false;
  }

  MethodConfig config_;
  std::string router_key_;
};

}  // namespace

std::unique_ptr<Method> make_cryptosign(const MethodConfig& config, std::string router_key) {
  return std::make_unique<Cryptosign>(config, std::move(router_key));
}

}  // namespace junction::auth
