// auth/cryptosign: the WAMP-Cryptosign mathematics, public for tests.
#pragma once

#include <string>
#include <string_view>

namespace junction::auth {

// What the client signs: the 32-byte challenge, XORed with the 32-byte channel id when channel
// binding is in use (empty `channel_id`: none).
std::string cryptosign_message(std::string_view challenge, std::string_view channel_id);
// The AUTHENTICATE signature for `message`: hex(Ed25519 signature || message), 192 hex digits.
std::string cryptosign_sign(std::string_view seed, std::string_view message);
// Checks such a signature against `public_key` and the message the router expects.
bool cryptosign_verify(std::string_view public_key, std::string_view expected_message,
                       std::string_view signature_hex);

}  // namespace junction::auth
