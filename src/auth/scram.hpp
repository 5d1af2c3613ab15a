// auth/scram: the WAMP-SCRAM mathematics (SHA-256; Argon2id or PBKDF2 as the KDF), public for
// tests and for the key helper.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace junction::auth {

struct ScramKeys {
  std::string salted_password;  // KDF output as the HMAC key (see scram_salted_password)
  std::string stored_key;       // SHA256(HMAC(SaltedPassword, "Client Key"))
  std::string server_key;       // HMAC(SaltedPassword, "Server Key")
};

// SaltedPassword as Crossbar and Autobahn compute it: PBKDF2 gives its 32 raw bytes; for
// "argon2id-13" it is the unpadded base64 text of the 32-byte Argon2id hash (what Autobahn's
// argon2 binding returns), used as the key bytes. Throws std::invalid_argument for another kdf.
std::string scram_salted_password(std::string_view kdf, std::string_view password,
                                  std::string_view salt, std::uint32_t iterations,
                                  std::uint32_t memory);
ScramKeys scram_keys(std::string_view salted_password);

// AuthMessage in Crossbar's dialect (no channel binding: "c=" empty).
std::string scram_auth_message(std::string_view authid, std::string_view client_nonce_b64,
                               std::string_view server_nonce_b64, std::string_view salt_b64,
                               std::uint32_t iterations);
// The client's proof: ClientKey XOR HMAC(StoredKey, AuthMessage).
std::string scram_client_proof(const ScramKeys& keys, std::string_view auth_message);
// Checks a proof against StoredKey.
bool scram_verify_proof(std::string_view stored_key, std::string_view auth_message,
                        std::string_view proof);
std::string scram_server_signature(std::string_view server_key, std::string_view auth_message);

}  // namespace junction::auth
