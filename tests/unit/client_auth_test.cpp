// tests/unit/client_auth_test: the client's authentication through a fake transport: what HELLO
// announces, the AUTHENTICATE answer of each method (ticket; wampcra plain and salted against
// wampy's and the PBKDF2 vectors; cryptosign against the spec's test vectors, with router
// authentication; scram with both KDFs and the WELCOME's server signature), on_challenge, and
// every refusal (ABORT wamp.error.cannot_authenticate or a router that proves nothing).
#include <gtest/gtest.h>

#include <chrono>

#include <boost/asio/io_context.hpp>

#include "auth/crypto.hpp"
#include "auth/cryptosign.hpp"
#include "auth/scram.hpp"
#include "auth/wampcra.hpp"
#include "client/client.hpp"
#include "client_fakes.hpp"

namespace {

using namespace junction;
using namespace junction::client_test;
using client::Session;

std::string unhex(const char* hex) {
  return *auth::from_hex(hex);
}

// A join through a fake transport, with helpers to play the router.
struct Join {
  asio::io_context io;
  std::shared_ptr<FakeTransport> transport = std::make_shared<FakeTransport>();
  Captured<std::shared_ptr<Session>> joined;

  // `channel_id`: the transport's tls-unique id, as if over TLS (empty: a plain connection).
  explicit Join(client::ConnectOptions options, std::string channel_id = {}) {
    transport->channel_id = std::move(channel_id);
    Session::join(io.get_executor(), transport, "realm1", std::move(options), joined.handler());
    pump(io);
  }
  // A join still waiting for WELCOME or ABORT keeps its session alive through its own
  // completion: end it as a lost transport would, so nothing outlives the test (LeakSanitizer).
  ~Join() {
    transport->drop("test over");
    pump(io);
  }
  const Message& hello() const { return transport->sent.at(0); }
  const wamp::Object& hello_authextra() const {
    static const wamp::Object none;
    const wamp::Object* e = wamp::get_object(hello().options, "authextra");
    return e ? *e : none;
  }
  void challenge(const std::string& method, wamp::Object extra = {}) {
    Message m;
    m.type = MessageType::challenge;
    m.uri = method;
    m.options = std::move(extra);
    transport->deliver(m);
    pump(io);
  }
  // Waits (at most 10 s) for the client's next message after the HELLO: AUTHENTICATE or ABORT
  // (key derivation runs on the library's own thread).
  const Message& answer() {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (transport->sent.size() < 2 && !joined.done &&
           std::chrono::steady_clock::now() < deadline) {
      io.restart();
      io.run_for(std::chrono::milliseconds(5));
    }
    EXPECT_EQ(transport->sent.size(), 2u);
    return transport->sent.back();
  }
  void welcome(wamp::Object details) {
    Message m;
    m.type = MessageType::welcome;
    m.id = 42;
    m.options = std::move(details);
    transport->deliver(m);
    pump(io);
  }
};

client::ConnectOptions with(std::vector<std::string> methods, std::string authid = "alice") {
  client::ConnectOptions o;
  o.authmethods = std::move(methods);
  o.authid = std::move(authid);
  return o;
}

TEST(ClientAuth, TicketAnnouncesAndAnswers) {
  auto o = with({"ticket"});
  o.ticket = "s3cr3t-ticket";
  Join j(o);
  EXPECT_EQ(*wamp::get_string(j.hello().options, "authid"), "alice");
  const wamp::Array* methods = nullptr;
  if (auto it = j.hello().options.find("authmethods"); it != j.hello().options.end())
    methods = it->second.as_array();
  ASSERT_NE(methods, nullptr);
  EXPECT_EQ(*methods, wamp::Array{wamp::Value("ticket")});
  EXPECT_TRUE(j.hello_authextra().empty());
  j.challenge("ticket");
  const Message& a = j.answer();
  EXPECT_EQ(a.type, MessageType::authenticate);
  EXPECT_EQ(a.uri, "s3cr3t-ticket");
  j.welcome({{"authid", "alice"}, {"authrole", "user"}, {"authmethod", "ticket"}});
  ASSERT_TRUE(j.joined.done);
  EXPECT_EQ(j.joined.error_uri(), "");
  EXPECT_TRUE(j.joined.value->is_joined());
}

TEST(ClientAuth, WampCraPlainSignsWampysVector) {
  auto o = with({"wampcra"}, "peter");
  o.secret = "prq7+YkJ1/KlW1X0YczMHw==";
  Join j(o);
  const std::string challenge =
      "{'authid': 'peter', 'authrole': 'wampy', 'authmethod': 'wampcra', 'authprovider': "
      "'static', 'session': 3071302313344522, 'nonce': "
      "'acL4f0gAqPijddsa6ko555z5nTLF3pjWp0lO0okYDvCC4GhXt8NbTooRaeYjNwTu', 'timestamp': "
      "'2019-01-17T12:09:52.508Z'}";
  j.challenge("wampcra", {{"challenge", challenge}});
  EXPECT_EQ(j.answer().uri, "bn55LVCWcn68Zrqifsn8Dh0YZMfhmnyeRd0Hrllqlg4=");
}

TEST(ClientAuth, WampCraSaltedDerivesTheKeyFromThePassword) {
  auto o = with({"wampcra"});
  o.secret = "password";
  Join j(o);
  j.challenge("wampcra", {{"challenge", "{\"nonce\": \"abc\"}"},
                          {"salt", "salt"},
                          {"iterations", std::uint64_t{4096}},
                          {"keylen", std::uint64_t{32}}});
  // The key is base64(PBKDF2-HMAC-SHA256("password", "salt", 4096, 32)), the common vector.
  const std::string key =
      auth::to_base64(unhex("c5e478d59288c841aa530db6845c4c8d962893a001ce4e11a4963873aa98134a"));
  EXPECT_EQ(j.answer().uri, auth::to_base64(auth::hmac_sha256(key, "{\"nonce\": \"abc\"}")));
}

TEST(ClientAuth, CryptosignSignsTheSpecVectorAndSendsThePublicKey) {
  auto o = with({"cryptosign"});
  o.private_key = "d511fe78e23934b3dadb52fcd022974b80bd92bccc7c5cf404e46cc0a8a2f5cd";
  Join j(o);
  const std::string* pubkey = wamp::get_string(j.hello_authextra(), "pubkey");
  ASSERT_NE(pubkey, nullptr);
  EXPECT_EQ(*pubkey, auth::to_hex(auth::ed25519_public_key(unhex(
                         "d511fe78e23934b3dadb52fcd022974b80bd92bccc7c5cf404e46cc0a8a2f5cd"))));
  EXPECT_EQ(j.hello_authextra().count("challenge"), 0u);  // no router authentication asked
  j.challenge("cryptosign",
              {{"challenge", "b26c1f87c13fc1da14997f1b5a71995dff8fbe0a62fae8473c7bdbd05bfb607d"},
               {"channel_binding", wamp::Value()}});
  EXPECT_EQ(j.answer().uri,
            "d4209ad10d5aff6bfbc009d7e924795de138a63515efc7afc6b01b7fe5201372190374886a70207b0422"
            "94af5bd64ce725cd8dceb344e6d11c09d1aaaf4d660fb26c1f87c13fc1da14997f1b5a71995dff8fbe0a6"
            "2fae8473c7bdbd05bfb607d");
}

// Channel binding: the client asks for tls-unique, signs the challenge XORed with the
// transport's channel id, and verifies the router's signature over its own challenge bound the
// same way; it refuses a challenge that is not bound, and refuses to try without TLS.
TEST(ClientAuth, CryptosignTlsUniqueChannelBinding) {
  const std::string seed(32, '\x07'), router_seed(32, '\x09');
  const std::string channel = auth::random_bytes(32);
  auto o = with({"cryptosign"});
  o.private_key = auth::to_hex(seed);
  o.router_public_key = auth::to_hex(auth::ed25519_public_key(router_seed));
  o.channel_binding = true;
  for (const bool router_binds : {true, false}) {
    Join j(o, channel);
    EXPECT_EQ(*wamp::get_string(j.hello_authextra(), "channel_binding"), "tls-unique");
    const std::string ours = *auth::from_hex(*wamp::get_string(j.hello_authextra(), "challenge"));
    const std::string challenge = auth::random_bytes(32);
    wamp::Object extra{
        {"challenge", auth::to_hex(challenge)},
        {"signature", auth::cryptosign_sign(router_seed, auth::cryptosign_message(ours, channel))}};
    if (router_binds) extra["channel_binding"] = "tls-unique";
    j.challenge("cryptosign", std::move(extra));
    const Message& answer = j.answer();
    if (router_binds) {
      ASSERT_EQ(answer.type, MessageType::authenticate);
      EXPECT_TRUE(auth::cryptosign_verify(auth::ed25519_public_key(seed),
                                          auth::cryptosign_message(challenge, channel),
                                          answer.uri));
      EXPECT_FALSE(auth::cryptosign_verify(auth::ed25519_public_key(seed), challenge, answer.uri));
    } else {
      EXPECT_EQ(answer.type, MessageType::abort);
      EXPECT_EQ(answer.uri, client::errors::cannot_authenticate);
    }
  }
  // No TLS: refused before HELLO.
  Join plain(o);
  ASSERT_TRUE(plain.joined.done);
  EXPECT_EQ(plain.joined.error_uri(), client::errors::cannot_authenticate);
}

TEST(ClientAuth, CryptosignRouterAuthentication) {
  const std::string router_seed(32, '\x05');
  const std::string router_pub = auth::to_hex(auth::ed25519_public_key(router_seed));
  for (const bool honest : {true, false}) {
    auto o = with({"cryptosign"});
    o.private_key = std::string(64, '1');
    o.router_public_key = router_pub;
    Join j(o);
    const std::string* ours = wamp::get_string(j.hello_authextra(), "challenge");
    ASSERT_NE(ours, nullptr);
    ASSERT_EQ(ours->size(), 64u);
    // The router signs our challenge (an impostor signs something else with the right key).
    const std::string signed_challenge = honest ? unhex(ours->c_str()) : auth::random_bytes(32);
    j.challenge("cryptosign",
                {{"challenge", std::string(64, 'a')},
                 {"pubkey", router_pub},
                 {"signature", auth::cryptosign_sign(router_seed, signed_challenge)}});
    const Message& a = j.answer();
    if (honest) {
      EXPECT_EQ(a.type, MessageType::authenticate);
      EXPECT_FALSE(j.joined.done);
    } else {
      EXPECT_EQ(a.type, MessageType::abort);
      EXPECT_EQ(a.uri, client::errors::router_not_authenticated);
      ASSERT_TRUE(j.joined.done);
      EXPECT_EQ(j.joined.error_uri(), client::errors::router_not_authenticated);
      EXPECT_FALSE(j.transport->open);
    }
  }
}

// Plays a router holding `password`'s SCRAM keys: CHALLENGE, then checks the proof.
struct ScramRouter {
  std::string kdf;
  std::uint32_t iterations, memory;
  std::string salt = std::string("0123456789abcdef");
  auth::ScramKeys keys;
  std::string message;

  ScramRouter(std::string k, std::uint32_t i, std::uint32_t m, std::string_view password)
      : kdf(std::move(k)), iterations(i), memory(m) {
    keys = auth::scram_keys(auth::scram_salted_password(kdf, password, salt, iterations, memory));
  }
  wamp::Object challenge(const std::string& authid, const std::string& client_nonce) {
    const std::string server_nonce =
        auth::to_base64(*auth::from_base64(client_nonce) + std::string("server-part-1234"));
    message = auth::scram_auth_message(authid, client_nonce, server_nonce, auth::to_base64(salt),
                                       iterations);
    wamp::Object extra{{"nonce", server_nonce},
                       {"kdf", kdf},
                       {"salt", auth::to_base64(salt)},
                       {"iterations", static_cast<std::uint64_t>(iterations)}};
    if (kdf == "argon2id-13") extra["memory"] = static_cast<std::uint64_t>(memory);
    return extra;
  }
  bool accepts(const std::string& proof_b64) const {
    const auto proof = auth::from_base64(proof_b64);
    return proof && auth::scram_verify_proof(keys.stored_key, message, *proof);
  }
  std::string server_signature() const {
    return auth::to_base64(auth::scram_server_signature(keys.server_key, message));
  }
};

TEST(ClientAuth, ScramBothKdfsAndTheServerSignature) {
  for (const char* kdf : {"pbkdf2", "argon2id-13"}) {
    SCOPED_TRACE(kdf);
    ScramRouter router(kdf, kdf == std::string("pbkdf2") ? 4096 : 2, 512, "pencil");
    auto o = with({"scram"}, "user");
    o.password = "pencil";
    Join j(o);
    const std::string* nonce = wamp::get_string(j.hello_authextra(), "nonce");
    ASSERT_NE(nonce, nullptr);
    ASSERT_EQ(auth::from_base64(*nonce).value_or("").size(), 16u);
    j.challenge("scram", router.challenge("user", *nonce));
    const Message& a = j.answer();
    ASSERT_EQ(a.type, MessageType::authenticate);
    EXPECT_TRUE(router.accepts(a.uri));
    EXPECT_TRUE(a.options.empty());  // Autobahn's AUTHENTICATE has an empty Extra too
    j.welcome({{"authmethod", "scram"},
               {"authextra", wamp::Object{{"scram_server_signature", router.server_signature()}}}});
    ASSERT_TRUE(j.joined.done);
    EXPECT_EQ(j.joined.error_uri(), "");
  }
}

TEST(ClientAuth, ScramWelcomeWithoutTheRightServerSignatureFails) {
  for (const bool present : {true, false}) {
    ScramRouter router("pbkdf2", 1000, 0, "other password");  // not the client's
    auto o = with({"scram"}, "user");
    o.password = "pencil";
    Join j(o);
    j.challenge("scram", router.challenge("user", *wamp::get_string(j.hello_authextra(), "nonce")));
    EXPECT_FALSE(router.accepts(j.answer().uri));
    wamp::Object details{{"authmethod", "scram"}};
    if (present)
      details["authextra"] = wamp::Object{{"scram_server_signature", router.server_signature()}};
    j.welcome(std::move(details));
    ASSERT_TRUE(j.joined.done);
    EXPECT_EQ(j.joined.error_uri(), client::errors::router_not_authenticated);
    EXPECT_FALSE(j.transport->open);
  }
}

TEST(ClientAuth, OnChallengeAnswersAnyMethod) {
  auto o = with({"x-custom", "ticket"});
  o.ticket = "unused";
  std::string seen;
  o.on_challenge = [&](const std::string& method, const wamp::Object& extra) {
    seen = method + ":" + *wamp::get_string(extra, "question");
    return std::string("forty-two");
  };
  Join j(o);
  j.challenge("x-custom", {{"question", "what"}});
  EXPECT_EQ(j.answer().uri, "forty-two");
  EXPECT_EQ(seen, "x-custom:what");
}

TEST(ClientAuth, ChallengesTheClientCannotAnswerAbort) {
  struct Case {
    std::vector<std::string> methods;
    std::string method;
    wamp::Object extra;
  };
  const std::vector<Case> cases = {
      {{"ticket"}, "wampcra", {{"challenge", "x"}}},                          // not offered
      {{"ticket"}, "ticket", {}},                                             // no ticket given
      {{"wampcra"}, "wampcra", {}},                                           // no secret
      {{"cryptosign"}, "cryptosign", {{"challenge", std::string(64, 'a')}}},  // no key
      {{"scram"}, "scram", {{"nonce", "YQ=="}}},                              // no password
      {{"x-custom"}, "x-custom", {}},  // no built-in answer, no on_challenge
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.method);
    Join j(with(c.methods));
    j.challenge(c.method, c.extra);
    const Message& a = j.answer();
    EXPECT_EQ(a.type, MessageType::abort);
    EXPECT_EQ(a.uri, client::errors::cannot_authenticate);
    ASSERT_TRUE(j.joined.done);
    EXPECT_EQ(j.joined.error_uri(), client::errors::cannot_authenticate);
  }
  // Malformed challenges for a method with a credential.
  auto o = with({"cryptosign"});
  o.private_key = std::string(64, '2');
  for (const wamp::Object& extra :
       {wamp::Object{{"challenge", "zz"}},
        wamp::Object{{"challenge", std::string(64, 'a')}, {"channel_binding", "tls-unique"}}}) {
    Join j(o);
    j.challenge("cryptosign", extra);
    EXPECT_EQ(j.answer().uri, client::errors::cannot_authenticate);
  }
  auto s = with({"scram"});
  s.password = "p";
  Join j(s);
  j.challenge(
      "scram",
      {{"nonce", "YWJj"}, {"kdf", "md5"}, {"salt", "YQ=="}, {"iterations", std::uint64_t{1}}});
  EXPECT_EQ(j.answer().uri, client::errors::cannot_authenticate);
}

TEST(ClientAuth, UnusableCredentialsFailBeforeHello) {
  auto o = with({"cryptosign"});
  o.private_key = "not hex";
  Join j(o);
  ASSERT_TRUE(j.joined.done);
  EXPECT_EQ(j.joined.error_uri(), client::errors::cannot_authenticate);
  auto s = with({"scram"}, "");
  s.password = "p";
  Join k(s);
  ASSERT_TRUE(k.joined.done);
  EXPECT_EQ(k.joined.error_uri(), client::errors::cannot_authenticate);
}

TEST(ClientAuth, WelcomeWithAMethodNotOfferedFails) {
  auto o = with({"ticket"});
  o.ticket = "t";
  Join j(o);
  j.welcome({{"authmethod", "anonymous"}});
  ASSERT_TRUE(j.joined.done);
  EXPECT_EQ(j.joined.error_uri(), client::errors::router_not_authenticated);
}

TEST(ClientAuth, RouterAbortAfterAuthenticateFailsTheJoin) {
  auto o = with({"ticket"});
  o.ticket = "wrong";
  Join j(o);
  j.challenge("ticket");
  EXPECT_EQ(j.answer().type, MessageType::authenticate);
  j.transport->deliver(wamp::make_abort("wamp.error.authentication_failed", "no"));
  pump(j.io);
  ASSERT_TRUE(j.joined.done);
  EXPECT_EQ(j.joined.error_uri(), "wamp.error.authentication_failed");
}

}  // namespace
