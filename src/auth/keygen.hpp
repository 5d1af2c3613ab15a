// auth/keygen: what an operator needs to write a config that holds no plain password — the
// values a `junction keygen`-style command prints. Every value is fresh (random salt or seed).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "wamp/value.hpp"

namespace junction::auth {

// An Argon2id hash of a ticket for a "ticket" principal (t=2, m=19 MiB, p=1).
std::string hashed_ticket(std::string_view ticket);

// The keys of a "scram" principal for `password`: kdf, iterations, memory (argon2id-13), salt,
// stored-key, server-key (hex), as the config wants them.
wamp::Object scram_principal(std::string_view password, std::string_view kdf = "argon2id-13",
                             std::uint32_t iterations = 4096, std::uint32_t memory = 512);

// A salted WAMP-CRA secret: salt (random, base64), iterations, keylen and the derived secret.
wamp::Object wampcra_salted_principal(std::string_view password, std::uint32_t iterations = 1000,
                                      std::uint32_t keylen = 32);

// A fresh Ed25519 key pair for cryptosign: {"privkey": seed hex, "pubkey": hex}.
wamp::Object cryptosign_keypair();

}  // namespace junction::auth
