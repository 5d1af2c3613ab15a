// client/authentication: HELLO authextra, CHALLENGE answers and WELCOME checks per method, and
// the key derivation thread.
#include "client/authentication.hpp"

#include <algorithm>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>

#include <openssl/crypto.h>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/post.hpp>

#include "auth/crypto.hpp"
#include "auth/cryptosign.hpp"
#include "auth/scram.hpp"
#include "auth/wampcra.hpp"
#include "client/error.hpp"

namespace junction::client::detail {

namespace {

[[noreturn]] void cannot(std::string why) {
  throw Error(std::string(errors::cannot_authenticate), wamp::Array{wamp::Value(std::move(why))});
}

[[noreturn]] void router_unproven(std::string why) {
  throw Error(std::string(errors::router_not_authenticated),
              wamp::Array{wamp::Value(std::move(why))});
}

std::string raw_key(const std::string& hex, const char* what) {
  auto raw = auth::from_hex(hex);
  if (!raw || raw->size() != 32) cannot(std::string(what) + " must be 64 hex digits");
  return *raw;
}

std::uint32_t positive_uint(const wamp::Object& extra, const char* key, std::uint64_t max) {
  const auto v = wamp::get_uint(extra, key);
  if (!v || *v == 0 || *v > max)
    cannot(std::string("CHALLENGE.Extra.") + key + " is missing or invalid");
  return static_cast<std::uint32_t>(*v);
}

}  // namespace

Authentication::Authentication(const ConnectOptions& o, std::string tls_channel_id)
    : methods_(o.authmethods),
      authid_(o.authid),
      authextra_(o.authextra),
      ticket_(o.ticket),
      secret_(o.secret),
      password_(o.password),
      on_challenge_(o.on_challenge) {
  const auto offered = [&](std::string_view m) {
    return std::find(methods_.begin(), methods_.end(), m) != methods_.end();
  };
  if (offered("cryptosign") && !o.private_key.empty()) {
    seed_ = raw_key(o.private_key, "ConnectOptions::private_key");
    authextra_.emplace("pubkey", auth::to_hex(auth::ed25519_public_key(seed_)));
    if (o.channel_binding) {
      if (tls_channel_id.empty())
        cannot("cryptosign channel binding needs a TLS connection (wss:// or rss://)");
      channel_id_ = std::move(tls_channel_id);
      authextra_["channel_binding"] = "tls-unique";
    }
    if (!o.router_public_key.empty()) {
      router_key_ = raw_key(o.router_public_key, "ConnectOptions::router_public_key");
      router_challenge_ = auth::random_bytes(32);
      authextra_["challenge"] = auth::to_hex(router_challenge_);
    }
  }
  if (offered("scram") && !password_.empty()) {
    if (authid_.empty()) cannot("scram needs an authid");
    scram_nonce_ = auth::to_base64(auth::random_bytes(16));
    authextra_["nonce"] = scram_nonce_;
  }
}

Authentication::Answer Authentication::answer(const std::string& method,
                                              const wamp::Object& extra) {
  if (std::find(methods_.begin(), methods_.end(), method) == methods_.end())
    cannot("the router chose " + method + ", which this client did not offer");
  if (on_challenge_) {
    return {[f = on_challenge_, method, extra] { return f(method, extra); }, false};
  }
  if (method == "ticket") {
    if (ticket_.empty()) cannot("ticket: no ticket given (ConnectOptions::ticket)");
    return {[t = ticket_] { return t; }, false};
  }
  if (method == "wampcra") {
    if (secret_.empty()) cannot("wampcra: no secret given (ConnectOptions::secret)");
    const std::string* challenge = wamp::get_string(extra, "challenge");
    if (!challenge) cannot("wampcra: CHALLENGE.Extra.challenge is missing");
    const std::string* salt = wamp::get_string(extra, "salt");
    if (!salt) {
      return {[s = secret_, c = *challenge] { return auth::wampcra_signature(s, c); }, false};
    }
    // A salted secret: derive the key from the password first (Crossbar's defaults when the
    // router leaves iterations or keylen out, as Autobahn's derive_key has them).
    const std::uint32_t iterations =
        extra.contains("iterations") ? positive_uint(extra, "iterations", 100'000'000) : 1000;
    const std::uint32_t keylen =
        extra.contains("keylen") ? positive_uint(extra, "keylen", 1024) : 32;
    return {[s = secret_, c = *challenge, salt = *salt, iterations, keylen] {
              return auth::wampcra_signature(auth::wampcra_derive_key(s, salt, iterations, keylen),
                                             c);
            },
            true};
  }
  if (method == "cryptosign") {
    if (seed_.empty()) cannot("cryptosign: no private key given (ConnectOptions::private_key)");
    const std::string* hex = wamp::get_string(extra, "challenge");
    const auto challenge = hex ? auth::from_hex(*hex) : std::nullopt;
    if (!challenge || challenge->size() != 32)
      cannot("cryptosign: CHALLENGE.Extra.challenge must be 64 hex digits");
    // The router says which binding it applied: the one we asked for, or none if we asked none.
    const auto binding = extra.find("channel_binding");
    const bool bound = binding != extra.end() && !binding->second.is_null();
    if (bound) {
      const std::string* type = binding->second.as_string();
      if (!type || *type != "tls-unique" || channel_id_.empty())
        cannot(
            "cryptosign: the router binds the challenge to a channel this client did not ask for");
    } else if (!channel_id_.empty()) {
      cannot("cryptosign: the router did not bind the challenge to this TLS connection, as asked");
    }
    const std::string_view channel = bound ? std::string_view(channel_id_) : std::string_view();
    if (!router_key_.empty()) {
      const std::string* signature = wamp::get_string(extra, "signature");
      if (!signature ||
          !auth::cryptosign_verify(
              router_key_, auth::cryptosign_message(router_challenge_, channel), *signature)) {
        router_unproven("cryptosign: the router did not sign our challenge with its key");
      }
    }
    return {[seed = seed_, message = auth::cryptosign_message(*challenge, channel)] {
              return auth::cryptosign_sign(seed, message);
            },
            false};
  }
  if (method == "scram") {
    if (scram_nonce_.empty()) cannot("scram: no password given (ConnectOptions::password)");
    const std::string* nonce = wamp::get_string(extra, "nonce");
    const std::string* kdf = wamp::get_string(extra, "kdf");
    const std::string* salt_b64 = wamp::get_string(extra, "salt");
    const auto salt = salt_b64 ? auth::from_base64(*salt_b64) : std::nullopt;
    if (!nonce || nonce->empty() || !kdf || !salt)
      cannot("scram: CHALLENGE.Extra needs nonce, kdf and salt (base64)");
    if (*kdf != "argon2id-13" && *kdf != "pbkdf2")
      cannot("scram: unknown kdf " + *kdf + " (expected argon2id-13 or pbkdf2)");
    const std::uint32_t iterations = positive_uint(extra, "iterations", 100'000'000);
    const std::uint32_t memory =
        *kdf == "argon2id-13" ? positive_uint(extra, "memory", 4'194'304) : 0;
    scram_expected_ = std::make_shared<std::string>();
    return {
        [password = password_, kdf = *kdf, salt = *salt, iterations, memory,
         expected = scram_expected_,
         message = auth::scram_auth_message(authid_, scram_nonce_, *nonce, *salt_b64, iterations)] {
          const auth::ScramKeys keys = auth::scram_keys(
              auth::scram_salted_password(kdf, password, salt, iterations, memory));
          *expected = auth::to_base64(auth::scram_server_signature(keys.server_key, message));
          return auth::to_base64(auth::scram_client_proof(keys, message));
        },
        true};
  }
  cannot("no built-in answer for " + method + " (set ConnectOptions::on_challenge)");
}

void Authentication::check_welcome(const wamp::Object& details) const {
  const std::string* method = wamp::get_string(details, "authmethod");
  if (!methods_.empty() && method &&
      std::find(methods_.begin(), methods_.end(), *method) == methods_.end()) {
    router_unproven("WELCOME names authmethod " + *method + ", which this client did not offer");
  }
  if (scram_expected_ && !on_challenge_ && method && *method == "scram") {
    const wamp::Object* extra = wamp::get_object(details, "authextra");
    const std::string* signature =
        extra ? wamp::get_string(*extra, "scram_server_signature") : nullptr;
    if (!signature || !auth::constant_time_equal(*signature, *scram_expected_)) {
      router_unproven("scram: the router's server signature in WELCOME does not match");
    }
  }
}

// ---------------------------------------------------------------------------------------------
// The key derivation thread

namespace {

class KeyDerivationThread {
 public:
  static KeyDerivationThread& instance() {
    // OpenSSL is initialised before this thread exists, so OpenSSL's clean-up at exit runs
    // after the thread was joined and its per-thread state (the error queue) freed; in the other
    // order that state is lost (LeakSanitizer: 904 bytes from ERR_set_mark in the KDF thread).
    static const bool openssl_ready = OPENSSL_init_crypto(OPENSSL_INIT_LOAD_CONFIG, nullptr) == 1;
    (void)openssl_ready;
    static KeyDerivationThread thread;
    return thread;
  }
  void post(UniqueFunction<void()> job) {
    {
      std::lock_guard lock(mutex_);
      jobs_.push_back(std::move(job));
    }
    wake_.notify_one();
  }
  ~KeyDerivationThread() {
    {
      std::lock_guard lock(mutex_);
      stopping_ = true;
    }
    wake_.notify_one();
    if (thread_.joinable()) thread_.join();
  }

 private:
  KeyDerivationThread() : thread_([this] { run(); }) {}
  void run() {
    while (true) {
      UniqueFunction<void()> job;
      {
        std::unique_lock lock(mutex_);
        wake_.wait(lock, [this] { return stopping_ || !jobs_.empty(); });
        if (stopping_) {          // at exit: jobs not started are dropped
          OPENSSL_thread_stop();  // this thread's OpenSSL state, while OpenSSL is still there
          return;
        }
        job = std::move(jobs_.front());
        jobs_.pop_front();
      }
      job();
    }
  }

  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<UniqueFunction<void()>> jobs_;
  bool stopping_ = false;
  std::thread thread_;  // last: started once the rest exists
};

}  // namespace

void run_key_derivation(boost::asio::any_io_executor executor, std::function<std::string()> work,
                        std::function<void(std::exception_ptr, std::string)> done) {
  auto guard = boost::asio::make_work_guard(executor);
  KeyDerivationThread::instance().post(
      [guard = std::move(guard), work = std::move(work), done = std::move(done)]() mutable {
        std::exception_ptr error;
        std::string result;
        try {
          result = work();
        } catch (...) {
          error = std::current_exception();
        }
        auto ex = guard.get_executor();
        boost::asio::post(ex, [guard = std::move(guard), done = std::move(done), error,
                               result = std::move(result)]() mutable {
          guard.reset();
          done(error, std::move(result));
        });
      });
}

}  // namespace junction::client::detail
