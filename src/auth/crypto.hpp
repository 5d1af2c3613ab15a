// auth/crypto: the few cryptographic primitives the authentication methods need, as thin
// wrappers over libraries (libsodium: Ed25519, CSPRNG, constant-time compare; libargon2:
// Argon2id; OpenSSL 3: SHA-256, HMAC, PBKDF2). Nothing here is hand-written cryptography.
// Byte strings are std::string (raw bytes); hex and base64 helpers convert at the edges.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace junction::auth {

// `n` bytes from the operating system's CSPRNG (libsodium randombytes_buf).
std::string random_bytes(std::size_t n);

// Compares in time that depends only on the lengths (sodium_memcmp).
bool constant_time_equal(std::string_view a, std::string_view b);

std::string to_hex(std::string_view bytes);                  // lowercase
std::optional<std::string> from_hex(std::string_view text);  // either case; nullopt if invalid
std::string to_base64(std::string_view bytes);
std::optional<std::string> from_base64(std::string_view text);

std::string sha256(std::string_view data);
std::string hmac_sha256(std::string_view key, std::string_view data);
std::string pbkdf2_sha256(std::string_view password, std::string_view salt,
                          std::uint32_t iterations, std::size_t keylen);
// Argon2id version 1.3, parallelism 1, as WAMP-SCRAM uses it. `memory` in KiB.
std::string argon2id(std::string_view password, std::string_view salt, std::uint32_t iterations,
                     std::uint32_t memory, std::size_t keylen = 32);
// Checks a password against an encoded Argon2id hash ("$argon2id$v=19$m=..,t=..,p=..$salt$hash").
bool argon2id_verify(std::string_view encoded, std::string_view password);
// An encoded Argon2id hash of `password` with a random salt (for hashed tickets).
std::string argon2id_encoded(std::string_view password, std::uint32_t iterations,
                             std::uint32_t memory);

// Ed25519. Keys are raw bytes: a 32-byte seed (private), a 32-byte public key.
std::string ed25519_public_key(std::string_view seed);
// The 64-byte signature of `message`.
std::string ed25519_sign(std::string_view seed, std::string_view message);
bool ed25519_verify(std::string_view public_key, std::string_view message,
                    std::string_view signature);

// Bytewise XOR of two strings of the same length.
std::string xor_bytes(std::string_view a, std::string_view b);

}  // namespace junction::auth
