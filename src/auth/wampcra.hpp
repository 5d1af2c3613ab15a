// auth/wampcra: the WAMP-CRA mathematics, public for tests and for the key helper.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace junction::auth {

// base64(HMAC-SHA256(secret, challenge)): what the client sends in AUTHENTICATE.
std::string wampcra_signature(std::string_view secret, std::string_view challenge);
// The salted secret: base64(PBKDF2-HMAC-SHA256(password, salt, iterations, keylen)), which is
// both what the client signs with and what the config stores (Crossbar's convention).
std::string wampcra_derive_key(std::string_view password, std::string_view salt,
                               std::uint32_t iterations, std::uint32_t keylen);

}  // namespace junction::auth
