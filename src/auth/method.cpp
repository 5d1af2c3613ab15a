// auth/method: the method factory and the helpers the methods share.
#include "auth/method.hpp"

#include <stdexcept>

#include "auth/crypto.hpp"

namespace junction::auth {

std::string random_authid() {
  static constexpr char kAlphabet[] = "ABCDEFGHJKLMNPQRSTUVWXY3456789";
  const std::string bytes = random_bytes(24);
  std::string out;
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    if (i && i % 4 == 0) out += '-';
    out += kAlphabet[static_cast<unsigned char>(bytes[i]) % (sizeof kAlphabet - 1)];
  }
  return out;
}

std::unique_ptr<Method> make_method(const std::string& name, const MethodConfig& config,
                                    const AuthConfig& all, Executor& executor) {
  if (config.type == "dynamic" || config.type == "function") {
    return make_dynamic(name, config, all, executor);
  }
  if (name == "anonymous") return make_anonymous(config);
  if (name == "ticket") return make_ticket(config, executor);
  if (name == "wampcra") return make_wampcra(config);
  if (name == "cryptosign") return make_cryptosign(config, all.router_key);
  if (name == "scram") return make_scram(config);
  if (name == "tls") return make_tls(config);
  throw std::invalid_argument("authentication method '" + name + "' is not supported");
}

router::AuthDecision welcome(const Principal& principal, std::string_view method,
                             std::string_view provider) {
  router::AuthDecision d;
  d.kind = router::AuthDecision::Kind::welcome;
  d.authmethod = std::string(method);
  d.authid = principal.authid;
  d.authrole = principal.role;
  d.authprovider = std::string(provider);
  d.realm = principal.realm;
  d.extra = principal.authextra;
  return d;
}

router::AuthDecision failed(const router::AuthRequest& request, std::string_view method) {
  return router::AuthDecision::deny(kAuthenticationFailed,
                                    std::string(method) + " authentication failed for authid '" +
                                        request.authid + "' (unknown authid or wrong credentials)");
}

const Principal* find_principal(const MethodConfig& config, const router::AuthRequest& request,
                                std::string_view method, router::AuthDecision& failure) {
  const auto it = config.principals.find(request.authid);
  if (it == config.principals.end() ||
      (!it->second.realm.empty() && it->second.realm != request.realm)) {
    failure = failed(request, method);
    return nullptr;
  }
  return &it->second;
}

}  // namespace junction::auth
