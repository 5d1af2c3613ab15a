// bench/auth_scenario: the "auth" scenario. (1) Handshakes per second per method (anonymous,
// ticket, wampcra salted, cryptosign, scram Argon2id; also a ticket stored as an Argon2id hash,
// the one login where the router itself runs a KDF): parallel loops of connect, authenticate,
// join, close. (2) A bystander's RPC latency (p50/p99, one call at a time) idle, then while
// `auth_logins` login loops of scram (and of the hashed ticket) run, as a ratio to the idle figure
// of the same run. The router's principals come from auth_config_json(), which run-bench.sh
// puts in the router's config, so both sides share one set of credentials.
//
// SCRAM: the router stores StoredKey/ServerKey and never runs the KDF for a login; the client
// does. By default each bench login reuses the SaltedPassword computed once (SCRAM allows a
// client to cache it), so what is measured is the router's side; with scram_client_kdf each
// login runs Argon2id in the client library (on its key derivation thread, in this process,
// on the same machine).
#include <atomic>
#include <thread>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "auth/crypto.hpp"
#include "auth/scram.hpp"
#include "auth/wampcra.hpp"
#include "bench/scenarios.hpp"
#include "bench/stats.hpp"
#include "client/client.hpp"

namespace junction::bench {

namespace asio = boost::asio;
using client::Session;

namespace {

// The bench's credentials (a benchmark's, not secrets).
const std::string kTicket = "bench-ticket";
const std::string kCraPassword = "bench-cra-password";
const std::string kCraSalt = "bench-salt";
constexpr std::uint32_t kCraIterations = 1000;
const std::string kScramPassword = "bench-scram-password";
const std::string kScramSalt = "bench-scram-salt";
// Argon2id cost of the SCRAM principal and of the hashed ticket: OWASP's minimum (t=2, 19 MiB).
constexpr std::uint32_t kArgonIterations = 2, kArgonMemory = 19456;
const std::string kSeed(32, '\x07');  // cryptosign

// The hashed ticket's Argon2id hash, with a fixed salt (argon2id_encoded picks a random one;
// the router only needs a valid encoded hash).
std::string hashed_ticket() {
  const std::string salt = "bench-ticket-salt";
  return "$argon2id$v=19$m=" + std::to_string(kArgonMemory) +
         ",t=" + std::to_string(kArgonIterations) + ",p=1$" +
         [&] {
           std::string s = auth::to_base64(salt);
           while (!s.empty() && s.back() == '=')
             s.pop_back();
           return s;
         }() +
         "$" + [&] {
           std::string h =
               auth::to_base64(auth::argon2id(kTicket, salt, kArgonIterations, kArgonMemory, 32));
           while (!h.empty() && h.back() == '=')
             h.pop_back();
           return h;
         }();
}

asio::awaitable<void> nap(int ms) {
  asio::steady_timer t(co_await asio::this_coro::executor, std::chrono::milliseconds(ms));
  co_await t.async_wait(asio::use_awaitable);
}

// The ConnectOptions of one login with `method` (see auth_config_json for the principals).
client::ConnectOptions login_options(const Config& c, const std::string& method) {
  client::ConnectOptions o;
  o.serializer = c.serializer;
  o.timeout = std::chrono::seconds(60);
  o.tls = c.tls;
  if (method == "anonymous") {
    o.authmethods = {"anonymous"};
  } else if (method == "ticket" || method == "ticket-argon2id") {
    o.authmethods = {"ticket"};
    o.authid = method == "ticket" ? "bench" : "bench-hashed";
    o.ticket = kTicket;
  } else if (method == "wampcra") {  // salted: the client derives the key (PBKDF2) each login
    o.authmethods = {"wampcra"};
    o.authid = "bench";
    o.secret = kCraPassword;
  } else if (method == "cryptosign") {
    o.authmethods = {"cryptosign"};
    o.authid = "bench";
    o.private_key = auth::to_hex(kSeed);
  } else if (method == "scram") {
    o.authmethods = {"scram"};
    o.authid = "bench";
    if (c.scram_client_kdf) {
      o.password = kScramPassword;  // the client library runs Argon2id for this login
    } else {
      // The SaltedPassword once for all logins; each login still gets its own nonces, proof
      // and check by the router.
      static const auth::ScramKeys keys = auth::scram_keys(auth::scram_salted_password(
          "argon2id-13", kScramPassword, kScramSalt, kArgonIterations, kArgonMemory));
      const std::string nonce = auth::to_base64(auth::random_bytes(16));
      o.authextra = wamp::Object{{"nonce", nonce}};
      o.on_challenge = [nonce](const std::string&, const wamp::Object& extra) {
        const std::string* server = wamp::get_string(extra, "nonce");
        const std::string* salt = wamp::get_string(extra, "salt");
        const auto iterations = wamp::get_uint(extra, "iterations").value_or(0);
        if (!server || !salt) throw std::runtime_error("malformed SCRAM challenge");
        return auth::to_base64(auth::scram_client_proof(
            keys, auth::scram_auth_message("bench", nonce, *server, *salt,
                                           static_cast<std::uint32_t>(iterations))));
      };
    }
  } else {
    throw std::invalid_argument(
        "unknown auth method " + method +
        " (anonymous, ticket, ticket-argon2id, wampcra, cryptosign, scram)");
  }
  return o;
}

// `loops` login loops (connect with auth, join, close; again) until stopped. The counters are
// atomic: the bystander reads them from another thread (LoginThread).
struct LoginLoops {
  const Config& c;
  std::string method;
  std::atomic<std::uint64_t> joined = 0, failed = 0;
  std::atomic<int> running = 0;
  std::atomic<bool> stop = false;
  std::string first_error{};  // the loops' thread; read once they ended

  void start(asio::any_io_executor ex, int loops) {
    for (int i = 0; i < loops; ++i)
      one(ex);
  }
  void one(asio::any_io_executor ex) {
    if (stop) return;
    ++running;
    Session::connect(ex, c.auth_url, c.realm, login_options(c, method),
                     [this, ex](std::exception_ptr e, std::shared_ptr<Session> s) {
                       --running;
                       if (e) {
                         ++failed;
                         if (first_error.empty()) first_error = error_text(e);
                       } else {
                         ++joined;
                         s->close();
                       }
                       one(ex);
                     });
  }
  asio::awaitable<void> finish() {
    stop = true;
    while (running > 0)
      co_await nap(5);
  }
};

// Login loops on a thread and io_context of their own: the bystander is another client, and the
// bench's own work for the logins must not delay its calls on the bench's side.
struct LoginThread {
  asio::io_context io{1};
  LoginLoops loops;
  std::thread thread;

  LoginThread(const Config& c, const std::string& method, int n) : loops{c, method} {
    asio::post(io, [this, n] { loops.start(io.get_executor(), n); });
    thread = std::thread([this] { io.run(); });
  }
  asio::awaitable<void> finish() {
    loops.stop = true;
    while (loops.running > 0)
      co_await nap(5);
    io.stop();
    thread.join();
  }
};

}  // namespace

std::string auth_config_json() {
  const std::string argon = R"("kdf": "argon2id-13", "iterations": )" +
                            std::to_string(kArgonIterations) + R"(, "memory": )" +
                            std::to_string(kArgonMemory);
  const auth::ScramKeys keys = auth::scram_keys(auth::scram_salted_password(
      "argon2id-13", kScramPassword, kScramSalt, kArgonIterations, kArgonMemory));
  return R"({
  "anonymous": {"type": "static", "role": "anonymous"},
  "ticket": {"type": "static", "principals": {
    "bench": {"ticket": ")" +
         kTicket + R"(", "role": "anonymous"},
    "bench-hashed": {"ticket": ")" +
         hashed_ticket() + R"(", "role": "anonymous"}}},
  "wampcra": {"type": "static", "users": {"bench": {"secret": ")" +
         auth::wampcra_derive_key(kCraPassword, kCraSalt, kCraIterations, 32) + R"(", "salt": ")" +
         kCraSalt + R"(", "iterations": )" + std::to_string(kCraIterations) +
         R"(, "keylen": 32, "role": "anonymous"}}},
  "cryptosign": {"type": "static", "principals": {"bench": {"authorized_keys": [")" +
         auth::to_hex(auth::ed25519_public_key(kSeed)) + R"("], "role": "anonymous"}}},
  "scram": {"type": "static", "principals": {"bench": {)" +
         argon + R"(, "salt": ")" + auth::to_hex(kScramSalt) + R"(", "stored-key": ")" +
         auth::to_hex(keys.stored_key) + R"(", "server-key": ")" + auth::to_hex(keys.server_key) +
         R"(", "role": "anonymous"}}}
})";
}

asio::awaitable<Report> run_auth_handshakes(const Config& c, const std::string& method) {
  Report r;
  r.add_string("scenario", "auth");
  r.add_string("method", method);
  const int parallel = c.auth_parallel;
  r.add_int("parallel", parallel);
  LoginLoops loops{c, method};
  const std::int64_t router0 = process_cpu_us(c.router_pid), self0 = self_cpu_us();
  const std::int64_t t0 = now_ns();
  loops.start(co_await asio::this_coro::executor, parallel);
  const std::uint64_t limit = c.max_messages ? c.max_messages : ~std::uint64_t{0};
  while (now_ns() - t0 < static_cast<std::int64_t>(c.seconds * 1e9) && loops.joined < limit &&
         loops.failed == 0)
    co_await nap(5);
  co_await loops.finish();
  const double secs = static_cast<double>(now_ns() - t0) / 1e9;
  r.add_int("handshakes", static_cast<std::int64_t>(loops.joined));
  r.add_number("handshakes_per_s", static_cast<double>(loops.joined) / secs, 0);
  const double n = static_cast<double>(std::max<std::uint64_t>(loops.joined, 1));
  if (c.router_pid > 0) {
    r.add_number("router_cpu_us_per_handshake",
                 static_cast<double>(process_cpu_us(c.router_pid) - router0) / n, 0);
  }
  r.add_number("bench_cpu_us_per_handshake", static_cast<double>(self_cpu_us() - self0) / n, 0);
  r.add_int("errors", static_cast<std::int64_t>(loops.failed));
  if (loops.failed || loops.joined == 0) {
    r.ok = false;
    r.problem = std::to_string(loops.failed) + " handshakes failed: " + loops.first_error;
  }
  co_return r;
}

asio::awaitable<Report> run_auth_bystander(const Config& c, const std::string& method) {
  Report r;
  r.add_string("scenario", "auth-bystander");
  r.add_string("method", method);
  r.add_int("logins", c.auth_logins);
  if (method == "scram") r.add_string("scram_client_kdf", c.scram_client_kdf ? "each" : "cached");
  client::ConnectOptions plain;
  plain.serializer = c.serializer;
  plain.tls = c.tls;
  auto ex = co_await asio::this_coro::executor;
  auto callee = co_await Session::connect(ex, c.url, c.realm, plain);
  co_await callee->provide("bench.auth.echo",
                           [](client::Invocation& inv) { return client::Result(inv.raw()); });
  auto caller = co_await Session::connect(ex, c.url, c.realm, plain);
  const auto payload = caller->make_payload({wamp::Value("x")});
  std::uint64_t call_errors = 0;
  // One call at a time for `seconds` (or `max_messages` calls), and until `*logins_done` (when
  // given) says a login completed meanwhile (at most 30 s).
  const std::atomic<std::uint64_t>* joined = nullptr;
  auto measure = [&](std::uint64_t joined_before) -> asio::awaitable<Histogram> {
    Histogram h;
    const std::int64_t t0 = now_ns();
    std::uint64_t n = 0;
    const std::uint64_t limit = c.max_messages ? c.max_messages : ~std::uint64_t{0};
    while ((now_ns() - t0 < static_cast<std::int64_t>(c.seconds * 1e9) && n < limit) ||
           (joined && *joined == joined_before && now_ns() - t0 < 30'000'000'000)) {
      const std::int64_t s = now_ns();
      try {
        co_await caller->call_raw("bench.auth.echo", payload);
      } catch (const std::exception&) {
        ++call_errors;
      }
      h.add_ns(now_ns() - s);
      ++n;
    }
    co_return h;
  };
  const Histogram idle = co_await measure(0);
  LoginThread logins(c, method, c.auth_logins);
  LoginLoops& loops = logins.loops;
  // Measure once logins are completing (the first ones pay for connection setup).
  const std::int64_t wait0 = now_ns();
  while (loops.joined + loops.failed < static_cast<std::uint64_t>(c.auth_logins) &&
         now_ns() - wait0 < 30'000'000'000)
    co_await nap(5);
  const std::uint64_t joined0 = loops.joined;
  const std::int64_t self0 = self_cpu_us(), router0 = process_cpu_us(c.router_pid);
  const std::int64_t t0 = now_ns();
  joined = &loops.joined;
  const Histogram loaded = co_await measure(joined0);
  const double secs = static_cast<double>(now_ns() - t0) / 1e9;
  const std::uint64_t during = loops.joined - joined0;
  const std::int64_t self_cpu = self_cpu_us() - self0;
  const std::int64_t router_cpu = process_cpu_us(c.router_pid) - router0;
  co_await logins.finish();
  r.add_number("idle_p50_us", idle.percentile(0.50), 0);
  r.add_number("idle_p99_us", idle.percentile(0.99), 0);
  r.add_number("loaded_p50_us", loaded.percentile(0.50), 0);
  r.add_number("loaded_p99_us", loaded.percentile(0.99), 0);
  r.add_number("p50_ratio", loaded.percentile(0.50) / std::max(idle.percentile(0.50), 1.0), 2);
  r.add_number("p99_ratio", loaded.percentile(0.99) / std::max(idle.percentile(0.99), 1.0), 2);
  r.add_int("calls_idle", static_cast<std::int64_t>(idle.count()));
  r.add_int("calls_loaded", static_cast<std::int64_t>(loaded.count()));
  r.add_number("logins_per_s_during", static_cast<double>(during) / secs, 0);
  if (c.router_pid > 0)
    r.add_number("router_cores_during", static_cast<double>(router_cpu) / 1e6 / secs, 2);
  r.add_number("bench_cores_during", static_cast<double>(self_cpu) / 1e6 / secs, 2);
  r.add_int("errors", static_cast<std::int64_t>(loops.failed + call_errors));
  if (loops.failed || call_errors || during == 0) {
    r.ok = false;
    r.problem = std::to_string(loops.failed) + " logins failed (" + loops.first_error + "), " +
                std::to_string(call_errors) + " calls failed, " + std::to_string(during) +
                " logins while measuring";
  }
  caller->close();
  callee->close();
  co_await nap(50);
  co_return r;
}

}  // namespace junction::bench
