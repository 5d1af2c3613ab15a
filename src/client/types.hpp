// client/types: the option structs of each WAMP action and the objects handlers receive (Result,
// Event, Invocation's payload). Payloads stay encoded (wamp::PayloadPtr) until args()/kwargs()
// are asked for, so code that only forwards or counts messages never decodes them.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "wamp/codec.hpp"
#include "wamp/message.hpp"
#include "wamp/value.hpp"

namespace junction::client {

// Arguments|list and ArgumentsKw|dict of a received message: raw, decoded on demand.
class Payload {
 public:
  Payload() = default;
  explicit Payload(wamp::PayloadPtr raw) : raw_(std::move(raw)) {}
  Payload(wamp::Array args, wamp::Object kwargs = {});

  // The encoded bytes exactly as received (or as built); null when the message had none.
  const wamp::PayloadPtr& raw() const { return raw_; }
  // Decoded on first use (throws client::Error if the bytes are corrupt).
  const wamp::Array& args() const;
  const wamp::Object& kwargs() const;
  // args()[i], or null when there are fewer arguments.
  const wamp::Value& arg(std::size_t i) const;

 private:
  wamp::PayloadPtr raw_{};
  mutable std::optional<wamp::Array> args_;
  mutable std::optional<wamp::Object> kwargs_;
};

// What a call returns (RESULT), and what a callee answers with (YIELD).
struct Result : Payload {
  using Payload::Payload;
  Result() = default;
  Result(Payload p) : Payload(std::move(p)) {}
  wamp::Object details{};  // RESULT.Details (progress: true for progressive results)
};

// An EVENT delivered to a subscription handler.
struct Event : Payload {
  wamp::Id subscription = 0;
  wamp::Id publication = 0;
  std::string topic{};     // the subscribed topic
  wamp::Object details{};  // EVENT.Details (publisher, publisher_authid, ... when disclosed)
  std::optional<wamp::Id> publisher() const;
};

enum class CancelMode { skip, kill, killnowait };
std::string_view cancel_mode_name(CancelMode mode);

// The option structs have a user-provided constructor on purpose: GCC 12 miscompiles an
// aggregate temporary inside a co_await expression (`co_await s->call(p, a, k, {.x = 1})` frees
// a dangling pointer), so they are not aggregates. Name them and set members:
//   client::CallOptions options;
//   options.timeout = 500ms;
struct CallOptions {
  CallOptions() {}  // not an aggregate: see above
  // Client-side deadline: on expiry the call fails with errors::timeout and a CANCEL is sent.
  // Also announced to the router as the `timeout` option when it supports call_timeout.
  std::optional<std::chrono::milliseconds> timeout{};
  // Progressive results: when set, receive_progress is requested and each progressive RESULT
  // goes here; the final RESULT completes the call as usual.
  std::function<void(const Result&)> on_progress{};
  bool disclose_me = false;
  // How a cancellation (per-operation cancellation slot, or timeout) is sent to the router.
  CancelMode cancel_mode = CancelMode::killnowait;
  wamp::Object extra{};  // further options, sent as they are
};

struct PublishOptions {
  PublishOptions() {}  // not an aggregate: see the note above CallOptions
  bool acknowledge = false;
  std::optional<bool> exclude_me{};  // the router's default (true) when not set
  std::vector<wamp::Id> exclude{}, eligible{};
  std::vector<std::string> exclude_authid{}, eligible_authid{}, exclude_authrole{},
      eligible_authrole{};
  bool disclose_me = false;
  wamp::Object extra{};
};

struct SubscribeOptions {
  SubscribeOptions() {}  // not an aggregate: see the note above CallOptions
  std::string match{};   // "" (exact), "prefix", "wildcard" — as far as the router supports it
  wamp::Object extra{};
};

struct RegisterOptions {
  RegisterOptions() {}  // not an aggregate: see the note above CallOptions
  std::string match{};
  std::string invoke{};
  bool disclose_caller = false;
  wamp::Object extra{};
};

// Handles returned by subscribe / register, to undo them.
struct Subscription {
  wamp::Id id = 0;
  std::uint64_t handler = 0;  // which local handler (several may share one router subscription)
  std::string topic{};
};

struct Registration {
  wamp::Id id = 0;
  std::string procedure{};
};

// TLS for wss:// and rss:// (OpenSSL 3; TLS 1.2 or later). The defaults verify the router the
// way a browser does: its certificate must chain to a CA of the system's default trust store
// (or of `ca_files`) and name the URL's host (DNS name or IP address; the host name is also sent
// as SNI).
struct TlsOptions {
  TlsOptions() {}  // not an aggregate: see the note above CallOptions
  // PEM files of the CAs to trust (each may hold several certificates). Empty: the system's
  // default verify paths (OpenSSL's, e.g. /etc/ssl/certs on Debian).
  std::vector<std::string> ca_files{};
  // false: any certificate is accepted and the host name is not checked (tests, or a router
  // reached through a tunnel; never across a network you do not control).
  bool verify_peer = true;
  // A client certificate (PEM; the chain may follow it in the same file) and its unencrypted
  // PEM private key, for routers that ask for one (endpoint.tls.ca_certificates).
  std::string certificate_file{};
  std::string key_file{};
};

struct ConnectOptions {
  ConnectOptions() {}  // not an aggregate: see the note above CallOptions
  wamp::Serializer serializer = wamp::Serializer::json;
  std::chrono::milliseconds timeout{10000};  // connect + upgrade/handshake + HELLO/WELCOME
  // Incoming. RawSocket announces it rounded down to a power of two (512 B to 16 MiB - 1).
  std::size_t max_message_size = 16 * 1024 * 1024;
  wamp::Object hello_extra{};  // further HELLO.Details

  // ---- Authentication. HELLO announces `authmethods` in this order (default: none, which
  // routers take as anonymous) and `authid`; the router picks one and sends CHALLENGE, which the
  // client answers with the credential below for that method (or with on_challenge). A failed
  // authentication fails connect() with the router's ABORT reason (e.g.
  // wamp.error.authentication_failed); a CHALLENGE the client cannot answer ends the join with
  // ABORT wamp.error.cannot_authenticate (errors::cannot_authenticate).
  std::string authid{};
  std::vector<std::string>
      authmethods{};         // "anonymous", "ticket", "wampcra", "cryptosign", "scram"
  wamp::Object authextra{};  // HELLO.Details.authextra (the methods add theirs)
  std::string ticket{};      // ticket: the ticket
  // wampcra: the shared secret. When the CHALLENGE carries salt/iterations/keylen (a salted
  // secret), this is the password and the key is derived from it (PBKDF2-HMAC-SHA256).
  std::string secret{};
  // cryptosign: the Ed25519 private key (its 32-byte seed) as 64 hex digits; its public key goes
  // in authextra.pubkey.
  std::string private_key{};
  // cryptosign, optional: bind the signature to this TLS connection ("tls-unique", as Autobahn's
  // channel_binding="tls-unique"): the client asks for it in HELLO and signs the challenge XORed
  // with the connection's channel id, so a signature relayed by a man in the middle on another
  // TLS connection is worthless. wss:// and rss:// only (a plain connection: cannot_authenticate).
  bool channel_binding = false;
  // cryptosign, optional: the router's Ed25519 public key (64 hex digits). When set, the client
  // sends a random authextra.challenge and joins only if the router signed it with this key.
  std::string router_public_key{};
  // scram (Crossbar's dialect, as Autobahn speaks it): the password; kdf (argon2id-13 or
  // pbkdf2), salt and iterations come in the CHALLENGE; the WELCOME's server signature is
  // checked. Needs an authid. The key derivation runs on the library's own thread.
  std::string password{};
  // Answers a CHALLENGE instead of the built-in methods: given the method and CHALLENGE.Extra,
  // returns the AUTHENTICATE signature (runs on the session's thread; throw client::Error to
  // refuse). For methods the library does not know, or credentials kept elsewhere.
  std::function<std::string(const std::string& authmethod, const wamp::Object& extra)>
      on_challenge{};
  TlsOptions tls{};  // wss:// and rss:// only
};

}  // namespace junction::client
