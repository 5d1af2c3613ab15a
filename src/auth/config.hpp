// auth/config: what a transport's "auth" section says, already validated (src/node reads the
// JSON/YAML; this module never sees a config file). Secrets are held as given — plain, or
// already hashed/derived where the method allows (WAMP-CRA salted keys, SCRAM stored/server keys,
// Argon2id-hashed tickets) — and never logged.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "wamp/value.hpp"

namespace junction::auth {

// One static principal (Crossbar's "principals" / "users" entry). The authid is its key.
struct Principal {
  std::string authid;
  std::string role;
  std::string realm;  // "" any realm
  wamp::Object authextra;

  // ticket: the ticket itself, or an encoded Argon2id hash of it ("$argon2id$v=19$...").
  std::string ticket;

  // wampcra: the shared secret. With `salt`, as in Crossbar, the secret is the key derived from
  // the password: base64(PBKDF2-HMAC-SHA256(password, salt, iterations, keylen)).
  std::string secret;
  std::optional<std::string> salt;
  std::uint32_t iterations = 1000;
  std::uint32_t keylen = 32;

  // cryptosign: public keys (32 raw bytes each) this principal may sign with.
  std::vector<std::string> authorized_keys;

  // scram: what the server stores (Crossbar's keys; raw bytes, the config has them in hex).
  struct Scram {
    std::string kdf;  // "argon2id-13" or "pbkdf2"
    std::uint32_t iterations = 0;
    std::uint32_t memory = 0;  // KiB, argon2id-13 only
    std::string salt;
    std::string stored_key;
    std::string server_key;
  } scram;

  // tls: the client certificate, by SHA-256 or SHA-1 fingerprint ("AB:CD:..", uppercase) and/or
  // subject.
  std::string certificate_sha256;
  std::string certificate_sha1;
  std::string certificate_subject;
};

// One method on one transport ("anonymous": {...}, "ticket": {...}, ...).
struct MethodConfig {
  // "static" (principals here), "dynamic" (a WAMP procedure decides) or "function" (a Python
  // function decides: the node's component launcher registers it as `authenticator`, and it is
  // called as a dynamic one, with authprovider "function")
  std::string type = "static";
  // anonymous: the role (and optionally a fixed authid) every session gets.
  std::string role = "anonymous";
  std::string authid;
  std::string realm;  // anonymous: the only realm it admits to ("" any)
  std::map<std::string, Principal> principals;
  // dynamic: the procedure called as authenticate(realm, authid, details), the realm it is
  // registered on ("" the realm the client asked for), the role the router's calling session
  // has there, and how long it may take.
  std::string authenticator;
  std::string authenticator_realm;
  std::string authenticator_role = "trusted";
  std::uint32_t timeout_ms = 10000;
  // function: the Python function's name ("module.create_authenticator"), for messages.
  std::string function;
};

struct AuthConfig {
  std::map<std::string, MethodConfig> methods;  // by method name
  // cryptosign router authentication: the router's Ed25519 seed (32 bytes); empty: the router
  // does not sign the client's challenge.
  std::string router_key;
};

// The method names this module implements.
inline const std::vector<std::string>& known_methods() {
  static const std::vector<std::string> names{"anonymous",  "ticket", "wampcra",
                                              "cryptosign", "scram",  "tls"};
  return names;
}

}  // namespace junction::auth
