// tests/client/client_auth_e2e_test: the C++ client's authentication against a live junction
// with static principals for every method it speaks: ticket, wampcra (plain and salted),
// cryptosign (by authid, by key alone, with router authentication), scram (Argon2id and PBKDF2,
// the WELCOME's server signature checked by the client). Each: success with the WELCOME's auth
// details and a call through the router, a wrong secret, an unknown authid; plus the router
// choosing among several offered methods and a router key the client does not expect. The
// config's derived secrets are computed here with auth/'s mathematics (the router never sees a
// password).
#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>

#include "auth/crypto.hpp"
#include "auth/scram.hpp"
#include "auth/wampcra.hpp"
#include "client/client.hpp"
#include "router_process.hpp"
#include "run_coroutine.hpp"

namespace {

namespace asio = boost::asio;
using namespace junction;
using client::Session;
using test::RouterProcess;
using test::run;

const std::string kTicket = "tkt-5f0c-alice";
const std::string kCraSecret = "cra-secret-peter";
const std::string kCraPassword = "cra-password-salty";
const std::string kCraSalt = "salt-e2e-0001";
const std::string kScramPassword = "scram-password-77";
const std::string kClientSeedHex(64, '3');  // carol's Ed25519 private key
const std::string kRouterSeedHex(64, '9');  // the router's

std::string hex_public(const std::string& seed_hex) {
  return auth::to_hex(auth::ed25519_public_key(*auth::from_hex(seed_hex)));
}

std::string scram_principal(const std::string& kdf, std::uint32_t iterations,
                            std::uint32_t memory) {
  const std::string salt = "0123456789abcdef";
  const auth::ScramKeys keys =
      auth::scram_keys(auth::scram_salted_password(kdf, kScramPassword, salt, iterations, memory));
  std::string p = R"({"role": "user", "kdf": ")" + kdf + R"(", "iterations": )" +
                  std::to_string(iterations) + R"(, "salt": ")" + auth::to_hex(salt) +
                  R"(", "stored-key": ")" + auth::to_hex(keys.stored_key) +
                  R"(", "server-key": ")" + auth::to_hex(keys.server_key) + "\"";
  if (kdf == "argon2id-13") p += R"(, "memory": )" + std::to_string(memory);
  return p + "}";
}

std::string config() {
  const std::string everything = R"([{"uri": "", "match": "prefix",
      "allow": {"call": true, "register": true, "publish": true, "subscribe": true}}])";
  const std::string auth = R"({
    "ticket": {"type": "static", "principals": {
      "alice": {"ticket": ")" +
                           kTicket + R"(", "role": "user"}}},
    "wampcra": {"type": "static", "users": {
      "peter": {"secret": ")" +
                           kCraSecret + R"(", "role": "user"},
      "salty": {"secret": ")" +
                           auth::wampcra_derive_key(kCraPassword, kCraSalt, 1000, 32) +
                           R"(", "salt": ")" + kCraSalt + R"(", "iterations": 1000, "keylen": 32,
                "role": "user"}}},
    "cryptosign": {"type": "static", "router-key": ")" +
                           kRouterSeedHex + R"(", "principals": {
      "carol": {"authorized_keys": [")" +
                           hex_public(kClientSeedHex) + R"("], "role": "user"}}},
    "scram": {"type": "static", "principals": {
      "dora": )" + scram_principal("argon2id-13", 2, 1024) +
                           R"(,
      "erin": )" + scram_principal("pbkdf2", 4096, 0) +
                           R"(}}
  })";
  return R"({
  "version": 2,
  "workers": [{
    "type": "router",
    "realms": [{"name": "realm1", "roles": [
      {"name": "anonymous", "permissions": )" +
         everything + R"(},
      {"name": "user", "permissions": )" +
         everything + R"(}]}],
    "transports": [{
      "type": "web",
      "endpoint": {"type": "tcp", "port": 0, "interface": "127.0.0.1"},
      "paths": {"/": {"type": "nodeinfo"},
                "ws": {"type": "websocket"},
                "auth": {"type": "websocket", "auth": )" +
         auth + R"(}}
    }]
  }]
})";
}

class ClientAuthE2E : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    router = new RouterProcess(test::junction_binary(JUNCTION_BIN), config());
    router->start();
  }
  static void TearDownTestSuite() {
    delete router;
    router = nullptr;
  }
  void TearDown() override {
    if (HasFailure()) std::cerr << "---- junction log ----\n" << router->log_tail();
  }
  static std::string auth_url() {
    return "ws://127.0.0.1:" + std::to_string(router->port()) + "/auth";
  }
  static client::ConnectOptions with(std::vector<std::string> methods, std::string authid) {
    client::ConnectOptions o;
    o.authmethods = std::move(methods);
    o.authid = std::move(authid);
    return o;
  }
  // Joins /auth with `options`; "" when joined (then checks the WELCOME and makes a call
  // through the router), else the error's URI.
  static std::string join(const client::ConnectOptions& options, const std::string& authid = {},
                          const std::string& method = {}) {
    std::string outcome = "<not run>";
    run([&](asio::io_context& io) -> asio::awaitable<void> {
      auto callee = co_await Session::connect(io, router->url(), "realm1");
      co_await callee->provide("com.example.echo",
                               [](client::Invocation& inv) { return client::Result(inv.raw()); });
      std::shared_ptr<Session> s;
      try {
        s = co_await Session::connect(io, auth_url(), "realm1", options);
      } catch (const client::Error& e) {
        outcome = e.uri();
      }
      if (s) {
        const wamp::Object& d = s->welcome_details();
        EXPECT_EQ(*wamp::get_string(d, "authid"), authid);
        EXPECT_EQ(*wamp::get_string(d, "authrole"), "user");
        EXPECT_EQ(*wamp::get_string(d, "authmethod"), method);
        wamp::Array args{wamp::Value("hi")};  // named: GCC 12 and braced temporaries in co_await
        auto r = co_await s->call("com.example.echo", std::move(args));
        EXPECT_EQ(r.arg(0), wamp::Value("hi"));
        co_await s->leave();
        outcome = "";
      }
      co_await callee->leave();
    });
    return outcome;
  }
  static inline RouterProcess* router = nullptr;
};

const std::string kFailed = "wamp.error.authentication_failed";

TEST_F(ClientAuthE2E, Ticket) {
  auto o = with({"ticket"}, "alice");
  o.ticket = kTicket;
  EXPECT_EQ(join(o, "alice", "ticket"), "");
  o.ticket = "wrong";
  EXPECT_EQ(join(o), kFailed);
  o = with({"ticket"}, "nobody");
  o.ticket = kTicket;
  EXPECT_EQ(join(o), kFailed);
}

TEST_F(ClientAuthE2E, WampCraPlainAndSalted) {
  auto o = with({"wampcra"}, "peter");
  o.secret = kCraSecret;
  EXPECT_EQ(join(o, "peter", "wampcra"), "");
  o.secret = "wrong";
  EXPECT_EQ(join(o), kFailed);
  o = with({"wampcra"}, "salty");
  o.secret = kCraPassword;  // the client derives the key from the password and the CHALLENGE's salt
  EXPECT_EQ(join(o, "salty", "wampcra"), "");
  o.secret = kCraPassword + "x";
  EXPECT_EQ(join(o), kFailed);
  o = with({"wampcra"}, "nobody");
  o.secret = kCraSecret;
  EXPECT_EQ(join(o), kFailed);
}

TEST_F(ClientAuthE2E, CryptosignByAuthidByKeyAndWithRouterAuthentication) {
  auto o = with({"cryptosign"}, "carol");
  o.private_key = kClientSeedHex;
  EXPECT_EQ(join(o, "carol", "cryptosign"), "");
  o.authid.clear();  // the principal owning the key
  EXPECT_EQ(join(o, "carol", "cryptosign"), "");
  o.router_public_key = hex_public(kRouterSeedHex);
  EXPECT_EQ(join(o, "carol", "cryptosign"), "");
  o.router_public_key = hex_public(std::string(64, '8'));  // not the router's key
  EXPECT_EQ(join(o), client::errors::router_not_authenticated);
  o.router_public_key.clear();
  o.private_key = std::string(64, '4');  // a key nobody authorized
  EXPECT_EQ(join(o), kFailed);
}

TEST_F(ClientAuthE2E, ScramArgon2idAndPbkdf2) {
  auto o = with({"scram"}, "dora");
  o.password = kScramPassword;
  EXPECT_EQ(join(o, "dora", "scram"), "");  // the WELCOME's server signature matched
  o.password = "wrong";
  EXPECT_EQ(join(o), kFailed);
  o = with({"scram"}, "erin");
  o.password = kScramPassword;
  EXPECT_EQ(join(o, "erin", "scram"), "");
  o = with({"scram"}, "nobody");
  o.password = kScramPassword;
  EXPECT_EQ(join(o), kFailed);
}

TEST_F(ClientAuthE2E, TheRouterTakesTheClientsFirstMethodItHas) {
  // The listener has no "x-unknown": the router goes on to ticket.
  auto o = with({"x-unknown", "ticket"}, "alice");
  o.ticket = kTicket;
  EXPECT_EQ(join(o, "alice", "ticket"), "");
  // wampcra comes first and alice is no wampcra user: refused, not retried with her ticket.
  o = with({"wampcra", "ticket"}, "alice");
  o.secret = "unused";
  o.ticket = kTicket;
  EXPECT_EQ(join(o), kFailed);
  // A credential the client lacks: it says so (ABORT wamp.error.cannot_authenticate).
  EXPECT_EQ(join(with({"ticket"}, "alice")), client::errors::cannot_authenticate);
}

}  // namespace
