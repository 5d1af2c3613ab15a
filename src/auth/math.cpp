// auth/math: the mathematics of WAMP-CRA, WAMP-Cryptosign and WAMP-SCRAM (wampcra.hpp,
// cryptosign.hpp, scram.hpp) over the primitives of crypto.hpp. In junction_auth_crypto, apart
// from the router-side methods, so the client library (src/client) computes exactly what the
// router checks.
#include <stdexcept>

#include "auth/crypto.hpp"
#include "auth/cryptosign.hpp"
#include "auth/scram.hpp"
#include "auth/wampcra.hpp"

namespace junction::auth {

// ---- WAMP-CRA

std::string wampcra_signature(std::string_view secret, std::string_view challenge) {
  return to_base64(hmac_sha256(secret, challenge));
}

std::string wampcra_derive_key(std::string_view password, std::string_view salt,
                               std::uint32_t iterations, std::uint32_t keylen) {
  return to_base64(pbkdf2_sha256(password, salt, iterations, keylen));
}

// ---- WAMP-Cryptosign

std::string cryptosign_message(std::string_view challenge, std::string_view channel_id) {
  return channel_id.empty() ? std::string(challenge) : xor_bytes(challenge, channel_id);
}

std::string cryptosign_sign(std::string_view seed, std::string_view message) {
  return to_hex(ed25519_sign(seed, message)) + to_hex(message);
}

bool cryptosign_verify(std::string_view public_key, std::string_view expected_message,
                       std::string_view signature_hex) {
  const auto raw = from_hex(signature_hex);
  if (!raw || raw->size() != 64 + expected_message.size()) return false;
  const std::string_view signature = std::string_view(*raw).substr(0, 64);
  const std::string_view message = std::string_view(*raw).substr(64);
  return constant_time_equal(message, expected_message) &&
         ed25519_verify(public_key, message, signature);
}

// ---- WAMP-SCRAM

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

}  // namespace junction::auth
