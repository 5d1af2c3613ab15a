// auth/tls: authentication by the client certificate the TLS handshake verified (the listener
// needs ca_certificates). The principal is the one whose certificate-sha256 or
// certificate-sha1 fingerprint, or subject, matches; no CHALLENGE is sent.
#include "auth/method.hpp"

namespace junction::auth {
namespace {

class Tls : public Method {
 public:
  explicit Tls(MethodConfig config) : config_(std::move(config)) {}

  std::unique_ptr<router::PendingAuthentication> hello(const router::AuthRequest& request,
                                                       router::AuthDone done) override {
    const auto* cert = request.transport && request.transport->peer_certificate
                           ? &*request.transport->peer_certificate
                           : nullptr;
    if (!cert) {
      done(router::AuthDecision::deny(
          kAuthenticationFailed, "tls authentication needs a verified TLS client certificate"));
      return nullptr;
    }
    for (const auto& [authid, p] : config_.principals) {
      const bool match =
          (!p.certificate_sha256.empty() && p.certificate_sha256 == cert->sha256_fingerprint) ||
          (!p.certificate_sha1.empty() && p.certificate_sha1 == cert->sha1_fingerprint) ||
          (!p.certificate_subject.empty() && p.certificate_subject == cert->subject);
      if (!match) continue;
      if ((!request.authid.empty() && request.authid != authid) ||
          (!p.realm.empty() && p.realm != request.realm)) {
        break;
      }
      done(welcome(p, "tls"));
      return nullptr;
    }
    done(router::AuthDecision::deny(
        kAuthenticationFailed,
        "no principal for the TLS client certificate '" + cert->subject + "'"));
    return nullptr;
  }

 private:
  MethodConfig config_;
};

}  // namespace

std::unique_ptr<Method> make_tls(const MethodConfig& config) {
  return std::make_unique<Tls>(config);
}

}  // namespace junction::auth
