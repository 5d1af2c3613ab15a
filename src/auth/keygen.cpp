// auth/keygen: config values without plain passwords.
#include "auth/keygen.hpp"

#include "auth/crypto.hpp"
#include "auth/scram.hpp"
#include "auth/wampcra.hpp"

namespace junction::auth {

std::string hashed_ticket(std::string_view ticket) {
  return argon2id_encoded(ticket, 2, 19456);
}

wamp::Object scram_principal(std::string_view password, std::string_view kdf,
                             std::uint32_t iterations, std::uint32_t memory) {
  const std::string salt = random_bytes(16);
  const ScramKeys keys = scram_keys(scram_salted_password(kdf, password, salt, iterations, memory));
  wamp::Object out{{"kdf", std::string(kdf)},
                   {"iterations", static_cast<std::uint64_t>(iterations)},
                   {"salt", to_hex(salt)},
                   {"stored-key", to_hex(keys.stored_key)},
                   {"server-key", to_hex(keys.server_key)}};
  if (kdf == "argon2id-13") out["memory"] = static_cast<std::uint64_t>(memory);
  return out;
}

wamp::Object wampcra_salted_principal(std::string_view password, std::uint32_t iterations,
                                      std::uint32_t keylen) {
  const std::string salt = to_base64(random_bytes(12));
  return wamp::Object{{"salt", salt},
                      {"iterations", static_cast<std::uint64_t>(iterations)},
                      {"keylen", static_cast<std::uint64_t>(keylen)},
                      {"secret", wampcra_derive_key(password, salt, iterations, keylen)}};
}

wamp::Object cryptosign_keypair() {
  const std::string seed = random_bytes(32);
  return wamp::Object{{"privkey", to_hex(seed)}, {"pubkey", to_hex(ed25519_public_key(seed))}};
}

}  // namespace junction::auth
