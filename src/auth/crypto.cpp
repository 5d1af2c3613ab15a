// auth/crypto: library calls behind the primitives in crypto.hpp.
#include "auth/crypto.hpp"

#include <argon2.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>
#include <sodium.h>

#include <stdexcept>

#include "wamp/base64.hpp"

namespace junction::auth {
namespace {

struct SodiumInit {
  SodiumInit() {
    if (sodium_init() < 0) throw std::runtime_error("libsodium failed to initialise");
  }
};

void ensure_sodium() {
  static const SodiumInit init;
}

const unsigned char* bytes(std::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}

}  // namespace

std::string random_bytes(std::size_t n) {
  ensure_sodium();
  std::string out(n, '\0');
  randombytes_buf(out.data(), n);
  return out;
}

bool constant_time_equal(std::string_view a, std::string_view b) {
  ensure_sodium();
  if (a.size() != b.size()) return false;
  return sodium_memcmp(a.data(), b.data(), a.size()) == 0;
}

std::string to_hex(std::string_view data) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(data.size() * 2);
  for (unsigned char c : data) {
    out += kDigits[c >> 4];
    out += kDigits[c & 15];
  }
  return out;
}

std::optional<std::string> from_hex(std::string_view text) {
  if (text.size() % 2) return std::nullopt;
  const auto digit = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  std::string out;
  out.reserve(text.size() / 2);
  for (std::size_t i = 0; i < text.size(); i += 2) {
    const int hi = digit(text[i]), lo = digit(text[i + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out += static_cast<char>(hi * 16 + lo);
  }
  return out;
}

std::string to_base64(std::string_view data) {
  return wamp::base64_encode(data);
}

std::optional<std::string> from_base64(std::string_view text) {
  return wamp::base64_decode(text);
}

std::string sha256(std::string_view data) {
  std::string out(SHA256_DIGEST_LENGTH, '\0');
  SHA256(bytes(data), data.size(), reinterpret_cast<unsigned char*>(out.data()));
  return out;
}

std::string hmac_sha256(std::string_view key, std::string_view data) {
  std::string out(EVP_MAX_MD_SIZE, '\0');
  unsigned int len = 0;
  if (!HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), bytes(data), data.size(),
            reinterpret_cast<unsigned char*>(out.data()), &len)) {
    throw std::runtime_error("HMAC-SHA256 failed");
  }
  out.resize(len);
  return out;
}

std::string pbkdf2_sha256(std::string_view password, std::string_view salt,
                          std::uint32_t iterations, std::size_t keylen) {
  std::string out(keylen, '\0');
  if (!PKCS5_PBKDF2_HMAC(password.data(), static_cast<int>(password.size()), bytes(salt),
                         static_cast<int>(salt.size()), static_cast<int>(iterations), EVP_sha256(),
                         static_cast<int>(keylen), reinterpret_cast<unsigned char*>(out.data()))) {
    throw std::runtime_error("PBKDF2-HMAC-SHA256 failed");
  }
  return out;
}

std::string argon2id(std::string_view password, std::string_view salt, std::uint32_t iterations,
                     std::uint32_t memory, std::size_t keylen) {
  std::string out(keylen, '\0');
  const int rc = argon2id_hash_raw(iterations, memory, 1, password.data(), password.size(),
                                   salt.data(), salt.size(), out.data(), keylen);
  if (rc != ARGON2_OK) {
    throw std::runtime_error(std::string("Argon2id failed: ") + argon2_error_message(rc));
  }
  return out;
}

bool argon2id_verify(std::string_view encoded, std::string_view password) {
  const std::string hash(encoded);  // argon2 wants a NUL-terminated string
  return ::argon2id_verify(hash.c_str(), password.data(), password.size()) == ARGON2_OK;
}

std::string argon2id_encoded(std::string_view password, std::uint32_t iterations,
                             std::uint32_t memory) {
  const std::string salt = random_bytes(16);
  const std::size_t length = argon2_encodedlen(iterations, memory, 1, salt.size(), 32, Argon2_id);
  std::string out(length, '\0');
  const int rc = argon2id_hash_encoded(iterations, memory, 1, password.data(), password.size(),
                                       salt.data(), salt.size(), 32, out.data(), out.size());
  if (rc != ARGON2_OK) {
    throw std::runtime_error(std::string("Argon2id failed: ") + argon2_error_message(rc));
  }
  out.resize(out.find('\0'));
  return out;
}

std::string ed25519_public_key(std::string_view seed) {
  ensure_sodium();
  if (seed.size() != crypto_sign_SEEDBYTES) throw std::invalid_argument("Ed25519 seed: 32 bytes");
  unsigned char pk[crypto_sign_PUBLICKEYBYTES];
  unsigned char sk[crypto_sign_SECRETKEYBYTES];
  crypto_sign_seed_keypair(pk, sk, bytes(seed));
  sodium_memzero(sk, sizeof sk);
  return std::string(reinterpret_cast<const char*>(pk), sizeof pk);
}

std::string ed25519_sign(std::string_view seed, std::string_view message) {
  ensure_sodium();
  if (seed.size() != crypto_sign_SEEDBYTES) throw std::invalid_argument("Ed25519 seed: 32 bytes");
  unsigned char pk[crypto_sign_PUBLICKEYBYTES];
  unsigned char sk[crypto_sign_SECRETKEYBYTES];
  crypto_sign_seed_keypair(pk, sk, bytes(seed));
  std::string signature(crypto_sign_BYTES, '\0');
  crypto_sign_detached(reinterpret_cast<unsigned char*>(signature.data()), nullptr, bytes(message),
                       message.size(), sk);
  sodium_memzero(sk, sizeof sk);
  return signature;
}

bool ed25519_verify(std::string_view public_key, std::string_view message,
                    std::string_view signature) {
  ensure_sodium();
  if (public_key.size() != crypto_sign_PUBLICKEYBYTES || signature.size() != crypto_sign_BYTES) {
    return false;
  }
  return crypto_sign_verify_detached(bytes(signature), bytes(message), message.size(),
                                     bytes(public_key)) == 0;
}

std::string xor_bytes(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) throw std::invalid_argument("xor_bytes: lengths differ");
  std::string out(a);
  for (std::size_t i = 0; i < out.size(); ++i)
    out[i] = static_cast<char>(out[i] ^ b[i]);
  return out;
}

}  // namespace junction::auth
