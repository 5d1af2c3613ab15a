// node/config_auth: the "auth" of WebSocket and RawSocket transports (authentication methods),
// turned into an auth::Authenticator the transport carries as an opaque handle.
#include <cctype>

#include "auth/authenticator.hpp"
#include "auth/crypto.hpp"
#include "node/component_launcher.hpp"
#include "node/config_reader.hpp"
#include "wamp/nlohmann_value.hpp"
#include "wamp/uri.hpp"

namespace junction::node::detail {

// "auth": the authentication methods a transport (or WebSocket path) accepts, Crossbar's keys.
// Absent: anonymous only, role "anonymous". Each method is {"type": "static", ...}:
//   anonymous   role (default "anonymous"), authid (default: random per session).
//   ticket      principals: {authid: {ticket, role, realm?, authextra?}}. "ticket" is the ticket
//               itself or an Argon2id hash of it ("$argon2id$v=19$...", verified off the routing
//               thread; `junction keygen`-style helper: auth::argon2id_encoded).
//   wampcra     users (or principals): {authid: {secret, role, realm?, authextra?, salt?,
//               iterations? (1000), keylen? (32)}}. With salt the secret is the derived key,
//               base64(PBKDF2-HMAC-SHA256(password, salt, iterations, keylen)), as in Crossbar.
//   cryptosign  principals: {authid: {authorized_keys: [hex Ed25519 public keys], role, realm?,
//               authextra?}}; "router-key" (64 hex digits, an Ed25519 seed): the router signs a
//               client's challenge with it (router authentication).
//   scram       principals: {authid: {kdf ("argon2id-13" | "pbkdf2"), iterations, memory
//               (argon2id-13), salt (hex), stored-key (hex), server-key (hex), role, realm?,
//               authextra?}} — the router never holds the password.
//   tls         principals: {authid: {certificate-sha256 or certificate-sha1 ("AB:CD:.." as
//               OpenSSL prints it) and/or subject (RFC 2253), role, realm?, authextra?}}; the
//               listener needs
//               "ca_certificates" so client certificates are verified.
// Each method may instead be {"type": "dynamic", "authenticator": "<procedure>"}: Junction calls
// that procedure as authenticate(realm, authid, details) through an in-process session on
// "authenticator-realm" (default: the realm the client asked for) with role
// "authenticator-role" (default "trusted"); "timeout" (milliseconds, Junction's own key,
// default 10000) bounds the wait, then the client gets an ABORT. cryptosign's "router-key" is
// accepted there too. Or {"type": "function", "create": "module.create_authenticator",
// "config": any JSON, "expose_controller": bool} (Crossbar's function-based authenticator, router
// workers only): the node's component launcher imports `create`, calls create(config, None) once
// for all methods and transports naming it (as Crossbar caches it per name) when the first
// authentication needs it, and calls what it returns as authenticate(realm, authid, details);
// Junction reaches it as a dynamic authenticator registered by the launcher on the worker's first
// realm (src/node/launcher/junction-components.py; "timeout" as for dynamic). expose_controller:
// Junction has no controller session to hand over (a warning; the function gets None).
// "cookie" is not supported yet. Secrets may come from the environment
// ("${VAR}").
namespace {

wamp::Object to_wamp_object(const json& j) {
  return std::move(*wamp::from_nlohmann(j).as_object());
}

void read_principal_common(Obj& p, auth::Principal& out) {
  out.role = p.need_string("role");
  out.realm = p.opt_string("realm").value_or("");
  if (const json* extra = p.opt_object("authextra")) out.authextra = to_wamp_object(*extra);
}

std::string need_hex(Obj& o, std::string_view key, std::size_t bytes) {
  const std::string text = o.need_string(key);
  auto raw = auth::from_hex(text);
  if (!raw || (bytes && raw->size() != bytes)) {
    o.v().fail(o.at(key),
               "expected " +
                   (bytes ? std::to_string(bytes * 2) + " hex digits" : std::string("hex digits")) +
                   " (the value is not shown)");
  }
  return *raw;
}

// {"type": "function", ...}: see the comment at the top. One launcher procedure per distinct
// "create", whose first "config" counts (Crossbar creates each authenticator once per worker).
void read_function(Validator& v, const std::string& name, Obj& o, auth::MethodConfig& m,
                   auth::AuthConfig& config) {
  RouterWorkerContext* worker = v.router_worker();
  if (!worker) {
    v.not_supported(o.at("type"), "authenticator type 'function' outside a router worker");
  }
  const std::string create = o.need_string("create");
  const auto dot = create.rfind('.');
  if (dot == std::string::npos || dot == 0 || dot + 1 == create.size()) {
    v.fail(o.at("create"), "expected \"module.function\", found \"" + create + "\"");
  }
  if (worker->first_realm.empty()) {
    v.fail(o.at("type"),
           "a 'function' authenticator needs a realm in its router worker (Junction registers "
           "the function there)");
  }
  const json* fconfig = o.get("config");
  if (o.boolean("expose_controller", false)) {
    v.warn(o.at("expose_controller"),
           "'expose_controller' is not supported yet: Junction has no controller session; the "
           "function's controller argument is None");
  }
  std::string procedure;
  for (const json& a : worker->authenticators) {
    if (a["create"] == create) procedure = a["procedure"].get<std::string>();
  }
  if (procedure.empty()) {
    procedure =
        std::string(kFunctionAuthenticatorPrefix) + std::to_string(worker->authenticators.size());
    worker->authenticators.push_back({{"create", create},
                                      {"config", fconfig ? *fconfig : json::object()},
                                      {"procedure", procedure},
                                      {"realm", worker->first_realm}});
  }
  m.function = create;
  m.authenticator = procedure;
  m.authenticator_realm = worker->first_realm;
  m.authenticator_role = "trusted";
  m.timeout_ms = static_cast<std::uint32_t>(o.opt_int("timeout", 1, 600000).value_or(10000));
  if (name == "cryptosign" && o.has("router-key")) {
    config.router_key = need_hex(o, "router-key", 32);
  }
}

auth::MethodConfig read_method(Validator& v, const std::string& name, const json& j,
                               const std::string& path, auth::AuthConfig& config) {
  Obj o(v, j, path, "'" + name + "' authentication");
  auth::MethodConfig m;
  m.type = o.need_string("type");
  if (m.type == "dynamic") {
    m.authenticator = o.need_string("authenticator");
    if (!wamp::valid_uri(m.authenticator, wamp::UriCheck::loose)) {
      v.fail(o.at("authenticator"), "'" + m.authenticator + "' is not a valid procedure URI");
    }
    m.authenticator_realm = o.opt_string("authenticator-realm").value_or("");
    m.authenticator_role = o.opt_string("authenticator-role").value_or("trusted");
    m.timeout_ms = static_cast<std::uint32_t>(o.opt_int("timeout", 1, 600000).value_or(10000));
    if (name == "cryptosign" && o.has("router-key")) {
      config.router_key = need_hex(o, "router-key", 32);
    }
    o.finish();
    return m;
  }
  if (m.type == "function") {
    read_function(v, name, o, m, config);
    o.finish();
    return m;
  }
  if (m.type != "static") {
    v.fail(o.at("type"),
           "expected \"static\", \"dynamic\" or \"function\", found \"" + m.type + "\"");
  }
  if (name == "anonymous") {
    m.role = o.opt_string("role").value_or("anonymous");
    m.authid = o.opt_string("authid").value_or("");
    m.realm = o.opt_string("realm").value_or("");
    o.accept("authenticator");
    o.finish();
    return m;
  }
  if (name == "cryptosign") {
    if (o.has("router-key")) config.router_key = need_hex(o, "router-key", 32);
  }
  const char* list_key = name == "wampcra" && o.has("users") ? "users" : "principals";
  if (name == "wampcra") o.accept("principals");
  const json* principals = o.opt_object(list_key);
  if (!principals) o.need(list_key, "an object of principals by authid");
  for (const auto& [authid, pj] : principals->items()) {
    const std::string ppath = path_key(o.at(list_key), authid);
    Obj p(v, pj, ppath, "principal '" + authid + "'");
    auth::Principal pr;
    pr.authid = authid;
    read_principal_common(p, pr);
    if (name == "ticket") {
      pr.ticket = p.need_string("ticket");
    } else if (name == "wampcra") {
      pr.secret = p.need_string("secret");
      pr.salt = p.opt_string("salt");
      pr.iterations =
          static_cast<std::uint32_t>(p.opt_int("iterations", 1, 100000000).value_or(1000));
      pr.keylen = static_cast<std::uint32_t>(p.opt_int("keylen", 16, 1024).value_or(32));
    } else if (name == "cryptosign") {
      const json& keys = p.need("authorized_keys", "a list of hex Ed25519 public keys");
      if (!keys.is_array() || keys.empty()) {
        v.fail(p.at("authorized_keys"), "expected a non-empty list of hex Ed25519 public keys");
      }
      for (std::size_t i = 0; i < keys.size(); ++i) {
        auto raw = keys[i].is_string() ? auth::from_hex(keys[i].get<std::string>()) : std::nullopt;
        if (!raw || raw->size() != 32) {
          v.fail(path_index(p.at("authorized_keys"), i),
                 "expected 64 hex digits (an Ed25519 public key)");
        }
        pr.authorized_keys.push_back(*raw);
      }
    } else if (name == "scram") {
      pr.scram.kdf = p.need_string("kdf");
      if (pr.scram.kdf != "argon2id-13" && pr.scram.kdf != "pbkdf2") {
        v.fail(p.at("kdf"),
               "expected \"argon2id-13\" or \"pbkdf2\", found \"" + pr.scram.kdf + "\"");
      }
      const json& it = p.need("iterations", "an integer");
      pr.scram.iterations =
          static_cast<std::uint32_t>(p.check_int(p.at("iterations"), it, 1, 100000000));
      if (pr.scram.kdf == "argon2id-13") {
        const json& mem = p.need("memory", "an integer (KiB)");
        pr.scram.memory = static_cast<std::uint32_t>(p.check_int(p.at("memory"), mem, 8, 4194304));
      } else {
        p.opt_int("memory", 0, 4194304);
      }
      pr.scram.salt = need_hex(p, "salt", 0);
      pr.scram.stored_key = need_hex(p, "stored-key", 32);
      pr.scram.server_key = need_hex(p, "server-key", 32);
    } else if (name == "tls") {
      pr.certificate_sha256 = p.opt_string("certificate-sha256").value_or("");
      pr.certificate_sha1 = p.opt_string("certificate-sha1").value_or("");
      for (std::string* fingerprint : {&pr.certificate_sha256, &pr.certificate_sha1}) {
        for (char& c : *fingerprint)
          c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      }
      pr.certificate_subject = p.opt_string("subject").value_or("");
      if (pr.certificate_sha256.empty() && pr.certificate_sha1.empty() &&
          pr.certificate_subject.empty()) {
        v.fail(ppath,
               "a tls principal needs \"certificate-sha1\", \"certificate-sha256\" or \"subject\"");
      }
    }
    p.finish();
    m.principals.emplace(authid, std::move(pr));
  }
  o.finish();
  return m;
}

}  // namespace

std::shared_ptr<router::Authenticator> read_auth(Validator& v, const json& j,
                                                 const std::string& path,
                                                 std::shared_ptr<cookie::CookieStore> cookies) {
  Obj o(v, j, path, "'auth'");
  // "cookie": {} (no keys): a login remembered under the connection's tracking cookie.
  const bool cookie_auth = o.opt_object("cookie") != nullptr;
  if (cookie_auth) {
    Obj c(v, *o.get("cookie"), o.at("cookie"), "cookie authentication config");
    c.finish();
    if (!cookies) {
      v.fail(o.at("cookie"),
             "cookie authentication needs cookie tracking: add a \"cookie\" section to this "
             "WebSocket config (it is not available on RawSocket)");
    }
  }
  auth::AuthConfig config;
  for (const std::string& name : auth::known_methods()) {
    if (const json* method = o.get(name)) {
      config.methods[name] = read_method(v, name, *method, o.at(name), config);
    }
  }
  o.finish();
  if (config.methods.empty()) {
    v.fail(path, cookie_auth ? "cookie authentication needs another method to log in with"
                             : "no authentication method configured");
  }
  return std::make_shared<auth::Authenticator>(std::move(config), auth::node_executor(),
                                               std::chrono::milliseconds(200),
                                               cookie_auth ? std::move(cookies) : nullptr);
}

}  // namespace junction::node::detail
