// auth/wampcra: WAMP Challenge-Response Authentication. The CHALLENGE carries a JSON string
// (authid, authrole, authmethod, authprovider, nonce, timestamp, session) the client signs with
// HMAC-SHA256 under the shared secret; with a salted secret it also carries salt, iterations and
// keylen so the client can derive the same key from its password (PBKDF2-HMAC-SHA256).
#include <chrono>
#include <ctime>

#include "auth/crypto.hpp"
#include "auth/method.hpp"
#include "auth/wampcra.hpp"
#include "wamp/json_codec.hpp"

namespace junction::auth {

namespace {

// ISO 8601 UTC with milliseconds, e.g. "2014-06-22T16:36:25.448Z".
std::string utc_timestamp() {
  const auto now = std::chrono::system_clock::now();
  const std::time_t secs = std::chrono::system_clock::to_time_t(now);
  const auto ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()) % 1000;
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[40];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  char out[48];
  std::snprintf(out, sizeof out, "%s.%03dZ", buf, static_cast<int>(ms.count()));
  return out;
}

class WampCra : public Method {
 public:
  explicit WampCra(MethodConfig config) : config_(std::move(config)) {}

  std::unique_ptr<router::PendingAuthentication> hello(const router::AuthRequest& request,
                                                       router::AuthDone done) override {
    router::AuthDecision failure;
    const Principal* principal = find_principal(config_, request, "wampcra", failure);
    if (!principal) {
      // Unknown authids are refused at once: a challenge needs the principal's role, salt and
      // parameters, and a made-up one would be told apart by them anyway.
      done(std::move(failure));
      return nullptr;
    }
    const wamp::Object fields{{"authid", principal->authid},
                              {"authrole", principal->role},
                              {"authmethod", "wampcra"},
                              {"authprovider", "static"},
                              {"nonce", to_base64(random_bytes(48))},
                              {"timestamp", utc_timestamp()},
                              {"session", request.session_id}};
    std::string challenge;
    wamp::json_encode_object(fields, challenge);
    std::string expected = wampcra_signature(principal->secret, challenge);

    router::AuthDecision decision;
    decision.kind = router::AuthDecision::Kind::challenge;
    decision.authmethod = "wampcra";
    decision.extra = wamp::Object{{"challenge", challenge}};
    if (principal->salt) {
      decision.extra["salt"] = *principal->salt;
      decision.extra["iterations"] = static_cast<std::uint64_t>(principal->iterations);
      decision.extra["keylen"] = static_cast<std::uint64_t>(principal->keylen);
    }
    done(std::move(decision));
    return pending([principal, expected = std::move(expected), denied = failed(request, "wampcra")](
                       const std::string& signature, const wamp::Object&, router::AuthDone done) {
      done(constant_time_equal(signature, expected) ? welcome(*principal, "wampcra") : denied);
    });
  }

 private:
  MethodConfig config_;
};

}  // namespace

std::unique_ptr<Method> make_wampcra(const MethodConfig& config) {
  return std::make_unique<WampCra>(config);
}

}  // namespace junction::auth
