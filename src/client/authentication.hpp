// client/authentication: the client's side of WAMP authentication (internal to the library):
// what HELLO.Details.authextra carries for the chosen methods, the AUTHENTICATE answer to a
// CHALLENGE (ticket, wampcra plain and salted, cryptosign, scram in Crossbar's dialect, or the
// user's on_challenge), and the checks of what the router proves back (cryptosign router
// signature, SCRAM server signature in WELCOME). The mathematics is the router's own
// (auth/wampcra.hpp, auth/cryptosign.hpp, auth/scram.hpp in junction_auth_crypto): no
// cryptography here. Key derivation (PBKDF2, Argon2id) is returned as work to run off the
// session's thread (see run_key_derivation).
#pragma once

#include <functional>
#include <memory>
#include <string>

#include <boost/asio/any_io_executor.hpp>

#include "client/types.hpp"
#include "client/unique_function.hpp"
#include "wamp/value.hpp"

namespace junction::client::detail {

class Authentication {
 public:
  // Throws client::Error (errors::cannot_authenticate) for unusable credentials (a private key
  // that is not 64 hex digits, scram without an authid, cryptosign channel binding without TLS).
  // `tls_channel_id`: the transport's (Transport::tls_channel_id), empty on a plain connection.
  explicit Authentication(const ConnectOptions& options, std::string tls_channel_id = {});

  // HELLO.Details.authextra: the options' authextra plus pubkey (cryptosign), a random nonce
  // (scram) and a random challenge (cryptosign with router_public_key). Empty: none to send.
  const wamp::Object& hello_authextra() const { return authextra_; }

  // The answer to CHALLENGE(method, extra). `derive` computes the AUTHENTICATE signature;
  // `heavy` says it runs a key derivation (run it off the session's thread). Throws
  // client::Error: errors::cannot_authenticate (a method we did not offer or have no
  // credential for, a malformed challenge), errors::router_not_authenticated (cryptosign: the
  // router did not sign our challenge with the expected key).
  struct Answer {
    std::function<std::string()> derive;
    bool heavy = false;
  };
  Answer answer(const std::string& method, const wamp::Object& extra);

  // Checks WELCOME.Details: the authmethod is one we offered, and for scram the router's
  // server signature proves it knows our keys. Throws client::Error as answer() does. Call it
  // only after the answer's derive() has run (it reads what derive() stored).
  void check_welcome(const wamp::Object& details) const;

 private:
  std::vector<std::string> methods_;
  std::string authid_;
  wamp::Object authextra_;
  std::string ticket_, secret_, password_;
  std::string seed_;              // cryptosign: the raw 32-byte seed
  std::string router_key_;        // cryptosign: the router's raw public key
  std::string router_challenge_;  // cryptosign: the raw 32 bytes we sent
  std::string channel_id_;        // cryptosign with channel binding: the tls-unique channel id
  std::string scram_nonce_;       // base64, as sent
  std::shared_ptr<std::string> scram_expected_;  // base64 server signature, set by derive()
  std::function<std::string(const std::string&, const wamp::Object&)> on_challenge_;
};

// Runs `work` on the library's key derivation thread (one per process, started when first
// needed, so concurrent logins queue instead of taking every core), then `done` with its result
// (or the exception it threw) on `executor`. The executor's context counts as busy meanwhile.
void run_key_derivation(boost::asio::any_io_executor executor, std::function<std::string()> work,
                        std::function<void(std::exception_ptr, std::string)> done);

}  // namespace junction::client::detail
