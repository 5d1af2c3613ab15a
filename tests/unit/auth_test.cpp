// Unit tests of src/auth: each method's mathematics against the WAMP spec's test vectors (and
// RFC/Autobahn vectors), and whole handshakes through router::Router with a fake peer and a
// hand-driven executor (no sockets, no threads).
#include <gtest/gtest.h>

#include <deque>

#include "auth/authenticator.hpp"
#include "auth/crypto.hpp"
#include "auth/cryptosign.hpp"
#include "auth/scram.hpp"
#include "auth/wampcra.hpp"
#include "router/router.hpp"
#include "wamp/json_codec.hpp"

namespace junction::auth {
namespace {

using router::Router;
using wamp::Message;
using wamp::MessageType;

std::string unhex(std::string_view s) {
  auto r = from_hex(s);
  EXPECT_TRUE(r.has_value()) << s;
  return r.value_or("");
}

// --- primitives

TEST(AuthCrypto, Pbkdf2Sha256MatchesRfc7914Vector) {
  // RFC 7914 section 11: PBKDF2-HMAC-SHA256("passwd", "salt", 1, 64).
  EXPECT_EQ(to_hex(pbkdf2_sha256("passwd", "salt", 1, 64)),
            "55ac046e56e3089fec1691c22544b605f94185216dde0465e68b9d57c20dacbc"
            "49ca9cccf179b645991664b39d77ef317c71b845b1e30bd509112041d3a19783");
}

TEST(AuthCrypto, HexAndBase64RoundTrip) {
  EXPECT_EQ(to_hex("\x01\xab"), "01ab");
  EXPECT_EQ(from_hex("01AB"), std::string("\x01\xab"));
  EXPECT_FALSE(from_hex("0g").has_value());
  EXPECT_FALSE(from_hex("abc").has_value());
  EXPECT_EQ(to_base64("hello"), "aGVsbG8=");
  EXPECT_EQ(from_base64("aGVsbG8="), std::string("hello"));
}

TEST(AuthCrypto, ConstantTimeEqual) {
  EXPECT_TRUE(constant_time_equal("abc", "abc"));
  EXPECT_FALSE(constant_time_equal("abc", "abd"));
  EXPECT_FALSE(constant_time_equal("abc", "abcd"));
}

TEST(AuthCrypto, RandomBytesDiffer) {
  EXPECT_EQ(random_bytes(32).size(), 32u);
  EXPECT_NE(random_bytes(32), random_bytes(32));
}

TEST(AuthCrypto, Argon2idEncodedVerifies) {
  const std::string hash = argon2id_encoded("s3cret", 1, 64);
  EXPECT_TRUE(hash.starts_with("$argon2id$v=19$m=64,t=1,p=1$")) << hash;
  EXPECT_TRUE(argon2id_verify(hash, "s3cret"));
  EXPECT_FALSE(argon2id_verify(hash, "s3creT"));
  EXPECT_FALSE(argon2id_verify("$argon2id$garbage", "s3cret"));
}

// --- WAMP-CRA

TEST(AuthWampCra, SignatureMatchesWampyVector) {
  // wampy's test_compute_wamp_challenge_response: its challenge is Python's str() of a dict.
  const std::string challenge =
      "{'authid': 'peter', 'authrole': 'wampy', 'authmethod': 'wampcra', 'authprovider': "
      "'static', 'session': 3071302313344522, 'nonce': "
      "'acL4f0gAqPijddsa6ko555z5nTLF3pjWp0lO0okYDvCC4GhXt8NbTooRaeYjNwTu', 'timestamp': "
      "'2019-01-17T12:09:52.508Z'}";
  EXPECT_EQ(wampcra_signature("prq7+YkJ1/KlW1X0YczMHw==", challenge),
            "bn55LVCWcn68Zrqifsn8Dh0YZMfhmnyeRd0Hrllqlg4=");
}

TEST(AuthWampCra, DerivedKeyIsBase64OfPbkdf2) {
  // The common PBKDF2-HMAC-SHA256 vector ("password", "salt", 4096 iterations, 32 bytes).
  EXPECT_EQ(to_hex(*from_base64(wampcra_derive_key("password", "salt", 4096, 32))),
            "c5e478d59288c841aa530db6845c4c8d962893a001ce4e11a4963873aa98134a");
}

// --- WAMP-Cryptosign: the spec's test vectors (rfc/text/advanced, "Test Vectors")

struct CryptosignVector {
  const char* channel_id;
  const char* private_key;
  const char* challenge;
  const char* signature;
};

const CryptosignVector kCryptosignVectors[] = {
    {"", "4d57d97a68f555696620a6d849c0ce582568518d729eb753dc7c732de2804510",
     "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
     "b32675b221f08593213737bef8240e7c15228b07028e19595294678c90d11c0cae80a357331bfc5cc9fb71081464e"
     "6e"
     "75013517c2cf067ad566a6b7b728e5d03ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff"
     "ff"
     "ff"},
    {"", "d511fe78e23934b3dadb52fcd022974b80bd92bccc7c5cf404e46cc0a8a2f5cd",
     "b26c1f87c13fc1da14997f1b5a71995dff8fbe0a62fae8473c7bdbd05bfb607d",
     "d4209ad10d5aff6bfbc009d7e924795de138a63515efc7afc6b01b7fe5201372190374886a70207b042294af5bd64"
     "ce"
     "725cd8dceb344e6d11c09d1aaaf4d660fb26c1f87c13fc1da14997f1b5a71995dff8fbe0a62fae8473c7bdbd05bfb"
     "60"
     "7d"},
    {"", "6e1fde9cf9e2359a87420b65a87dc0c66136e66945196ba2475990d8a0c3a25b",
     "b05e6b8ad4d69abf74aa3be3c0ee40ae07d66e1895b9ab09285a2f1192d562d2",
     "7beb282184baadd08f166f16dd683b39cab53816ed81e6955def951cb2ddad1ec184e206746fd82bda075af03711d"
     "3d"
     "5658fc84a76196b0fa8d1ebc92ef9f30bb05e6b8ad4d69abf74aa3be3c0ee40ae07d66e1895b9ab09285a2f1192d5"
     "62"
     "d2"},
    {"62e935ae755f3d48f80d4d59f6121358c435722a67e859cc0caa8b539027f2ff",
     "4d57d97a68f555696620a6d849c0ce582568518d729eb753dc7c732de2804510",
     "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
     "9b6f41540c9b95b4b7b281c3042fa9c54cef43c842d62ea3fd6030fcb66e70b3e80d49d44c29d1635da9348d02ec9"
     "3f"
     "3ed1ef227dfb59a07b580095c2b82f80f9d16ca518aa0c2b707f2b2a609edeca73bca8dd59817a633f35574ac6fd8"
     "0d"
     "00"},
    {"62e935ae755f3d48f80d4d59f6121358c435722a67e859cc0caa8b539027f2ff",
     "d511fe78e23934b3dadb52fcd022974b80bd92bccc7c5cf404e46cc0a8a2f5cd",
     "b26c1f87c13fc1da14997f1b5a71995dff8fbe0a62fae8473c7bdbd05bfb607d",
     "305aaa3ac25e98f651427688b3fc43fe7d8a68a7ec1d7d61c61517c519bd4a427c3015599d83ca28b4c6523339202"
     "23"
     "844ef0725eb5dc2febfd6af7677b73f01d0852a29b460fc92ec943242ac638a053bbacc200512b18b30d15083cbdc"
     "92"
     "82"},
    {"62e935ae755f3d48f80d4d59f6121358c435722a67e859cc0caa8b539027f2ff",
     "6e1fde9cf9e2359a87420b65a87dc0c66136e66945196ba2475990d8a0c3a25b",
     "b05e6b8ad4d69abf74aa3be3c0ee40ae07d66e1895b9ab09285a2f1192d562d2",
     "ee3c7644fd8070532bc1fde3d70d742267da545d8c8f03e63bda63f1ad4214f4d2c4bfdb4eb9526def42deeb7e316"
     "02"
     "a6ff99eba893e0a4ad4d45892ca75e608d2b75e24a189a7f78ca776ba36fc53f6c3e31c32f251f2c524f0a44202f2"
     "90"
     "2d"},
};

TEST(AuthCryptosign, SignsTheSpecTestVectors) {
  for (const auto& v : kCryptosignVectors) {
    const std::string message = cryptosign_message(unhex(v.challenge), unhex(v.channel_id));
    EXPECT_EQ(cryptosign_sign(unhex(v.private_key), message), v.signature) << v.private_key;
  }
}

TEST(AuthCryptosign, VerifiesTheSpecTestVectorsAndRejectsTampering) {
  for (const auto& v : kCryptosignVectors) {
    const std::string pubkey = ed25519_public_key(unhex(v.private_key));
    const std::string message = cryptosign_message(unhex(v.challenge), unhex(v.channel_id));
    EXPECT_TRUE(cryptosign_verify(pubkey, message, v.signature));
    std::string bad = v.signature;
    bad[0] = bad[0] == '0' ? '1' : '0';
    EXPECT_FALSE(cryptosign_verify(pubkey, message, bad));
    // The right signature over another challenge is refused.
    EXPECT_FALSE(cryptosign_verify(pubkey, std::string(32, '\0'), v.signature));
  }
}

// --- WAMP-SCRAM

TEST(AuthScram, Rfc7677Sha256VectorWithPbkdf2) {
  // RFC 7677 section 3 (SCRAM-SHA-256): user "user", password "pencil", salt
  // "W22ZaJ0SNY7soEsUEjb6gQ==", 4096 iterations. Its AuthMessage carries "c=biws" (gs2 header);
  // the keys and proof are what the RFC lists.
  const std::string salt = *from_base64("W22ZaJ0SNY7soEsUEjb6gQ==");
  const ScramKeys keys = scram_keys(scram_salted_password("pbkdf2", "pencil", salt, 4096, 0));
  const std::string auth_message =
      "n=user,r=rOprNGfwEbeRWgbNEkqO,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,"
      "s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096,c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$"
      "k0";
  EXPECT_EQ(to_base64(scram_client_proof(keys, auth_message)),
            "dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=");
  EXPECT_EQ(to_base64(scram_server_signature(keys.server_key, auth_message)),
            "6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=");
  EXPECT_TRUE(
      scram_verify_proof(keys.stored_key, auth_message, scram_client_proof(keys, auth_message)));
  EXPECT_FALSE(scram_verify_proof(keys.stored_key, auth_message + "x",
                                  scram_client_proof(keys, auth_message)));
}

TEST(AuthScram, Argon2idSaltedPasswordIsUnpaddedBase64LikeAutobahn) {
  // argon2-cffi's hash_secret("pass", salt 16 x 0x00, t=1, m=64, p=1, len 32, id, v=0x13)
  // hash part, as Autobahn uses it for the HMAC key: unpadded base64 text, 43 characters.
  const std::string sp = scram_salted_password("argon2id-13", "pass", std::string(16, '\0'), 1, 64);
  EXPECT_EQ(sp.size(), 43u);
  EXPECT_EQ(*from_base64(sp + "="), argon2id("pass", std::string(16, '\0'), 1, 64, 32));
  EXPECT_THROW(scram_salted_password("md5", "pass", "salt", 1, 0), std::invalid_argument);
}

TEST(AuthScram, AuthMessageIsCrossbarDialect) {
  EXPECT_EQ(scram_auth_message("alice", "Y24=", "Y24xMjM=", "c2FsdA==", 4096),
            "n=alice,r=Y24=,r=Y24xMjM=,s=c2FsdA==,i=4096,c=,r=Y24xMjM=");
}

// --- whole handshakes through the router

class FakePeer : public router::Peer {
 public:
  void send(wamp::OutboundPtr message) override { inbox.push_back(message->message()); }
  void close() override { closed = true; }
  std::string describe() const override { return "fake"; }
  router::TransportInfo transport_info() const override { return info; }

  Message pop() {
    EXPECT_FALSE(inbox.empty());
    if (inbox.empty()) return {};
    Message m = inbox.front();
    inbox.pop_front();
    return m;
  }

  router::TransportInfo info;
  std::deque<Message> inbox;
  bool closed = false;
};

// Runs offloaded work and timers when the test says so, in order.
class ManualExecutor : public Executor {
 public:
  void offload(std::function<void()> work, std::function<void()> done) override {
    queue.push_back([work = std::move(work), done = std::move(done)] {
      work();
      done();
    });
  }
  void after(std::chrono::milliseconds delay, std::function<void()> fn) override {
    delays.push_back(delay);
    queue.push_back(std::move(fn));
  }
  void run() {
    while (!queue.empty()) {
      auto f = std::move(queue.front());
      queue.pop_front();
      f();
    }
  }
  std::deque<std::function<void()>> queue;
  std::vector<std::chrono::milliseconds> delays;
};

router::RouterConfig realm_config() {
  router::RouterConfig config;
  router::Permission all;
  all.uri = "";
  all.match = router::MatchPolicy::prefix;
  all.call = all.register_ = all.publish = all.subscribe = true;
  router::RealmConfig realm;
  realm.name = "realm1";
  realm.roles = {{"anonymous", {all}}, {"user", {all}}, {"backend", {}}};
  config.realms.push_back(std::move(realm));
  return config;
}

Principal principal(std::string authid, std::string role) {
  Principal p;
  p.authid = std::move(authid);
  p.role = std::move(role);
  return p;
}

Message hello(std::vector<std::string> methods, std::string authid = {},
              wamp::Object authextra = {}) {
  Message m;
  m.type = MessageType::hello;
  m.uri = "realm1";
  wamp::Array list;
  for (auto& x : methods)
    list.emplace_back(x);
  m.options =
      wamp::Object{{"roles", wamp::Object{{"caller", wamp::Object{}}}}, {"authmethods", list}};
  if (!authid.empty()) m.options["authid"] = authid;
  if (!authextra.empty()) m.options["authextra"] = authextra;
  return m;
}

Message authenticate(std::string signature) {
  Message m;
  m.type = MessageType::authenticate;
  m.uri = std::move(signature);
  return m;
}

struct Harness {
  explicit Harness(AuthConfig config, std::shared_ptr<cookie::CookieStore> cookies = nullptr,
                   std::string cbtid = {})
      : authenticator(std::make_shared<Authenticator>(std::move(config), executor,
                                                      std::chrono::milliseconds(200), cookies)),
        router(realm_config()) {
    peer.info.authenticator = authenticator;
    peer.info.cbtid = std::move(cbtid);
    if (cookies && !peer.info.cbtid.empty()) {  // as a WebSocket session with tracking does
      peer.info.logout = [cookies, id = peer.info.cbtid] { cookies->logout(id); };
    }
    connection = router.connect(peer);
  }
  Message welcome_or_abort() {
    executor.run();
    return peer.pop();
  }

  ManualExecutor executor;
  std::shared_ptr<Authenticator> authenticator;
  Router router;
  FakePeer peer;
  std::unique_ptr<router::Connection> connection;
};

AuthConfig ticket_config(std::string ticket) {
  AuthConfig c;
  Principal p = principal("joe", "user");
  p.ticket = std::move(ticket);
  p.authextra = wamp::Object{{"team", "blue"}};
  c.methods["ticket"].principals["joe"] = p;
  return c;
}

TEST(AuthHandshake, TicketSuccessCarriesAuthDetailsInWelcome) {
  Harness h(ticket_config("secret!"));
  h.connection->receive(hello({"ticket"}, "joe"));
  Message challenge = h.peer.pop();
  ASSERT_EQ(challenge.type, MessageType::challenge);
  EXPECT_EQ(challenge.uri, "ticket");
  h.connection->receive(authenticate("secret!"));
  Message w = h.welcome_or_abort();
  ASSERT_EQ(w.type, MessageType::welcome) << w.uri;
  EXPECT_EQ(*wamp::get_string(w.options, "authid"), "joe");
  EXPECT_EQ(*wamp::get_string(w.options, "authrole"), "user");
  EXPECT_EQ(*wamp::get_string(w.options, "authmethod"), "ticket");
  EXPECT_EQ(*wamp::get_string(w.options, "authprovider"), "static");
  EXPECT_EQ(*wamp::get_string(*wamp::get_object(w.options, "authextra"), "team"), "blue");
  EXPECT_EQ(h.connection->session_id(), w.id);
  EXPECT_TRUE(h.executor.delays.empty());
}

TEST(AuthHandshake, WrongTicketAndUnknownAuthidLookTheSameAndAreDelayed) {
  for (const std::string authid : {"joe", "nobody"}) {
    Harness h(ticket_config("secret!"));
    h.connection->receive(hello({"ticket"}, authid));
    ASSERT_EQ(h.peer.pop().type, MessageType::challenge);
    h.connection->receive(authenticate("wrong"));
    EXPECT_TRUE(h.peer.inbox.empty());  // not before the delay
    Message a = h.welcome_or_abort();
    ASSERT_EQ(a.type, MessageType::abort);
    EXPECT_EQ(a.uri, "wamp.error.authentication_failed");
    EXPECT_TRUE(h.peer.closed);
    ASSERT_EQ(h.executor.delays.size(), 1u);
    EXPECT_EQ(h.executor.delays[0], std::chrono::milliseconds(200));
  }
}

TEST(AuthHandshake, HashedTicketIsVerifiedOffTheRoutingThread) {
  Harness h(ticket_config(argon2id_encoded("secret!", 1, 64)));
  h.connection->receive(hello({"ticket"}, "joe"));
  ASSERT_EQ(h.peer.pop().type, MessageType::challenge);
  h.connection->receive(authenticate("secret!"));
  EXPECT_TRUE(h.peer.inbox.empty());  // waits for the worker
  EXPECT_EQ(h.executor.queue.size(), 1u);
  EXPECT_EQ(h.welcome_or_abort().type, MessageType::welcome);
}

TEST(AuthHandshake, UnknownRoleIsNoSuchRole) {
  AuthConfig c = ticket_config("t");
  c.methods["ticket"].principals["joe"].role = "ghost";
  Harness h(c);
  h.connection->receive(hello({"ticket"}, "joe"));
  h.peer.pop();
  h.connection->receive(authenticate("t"));
  Message a = h.welcome_or_abort();
  EXPECT_EQ(a.type, MessageType::abort);
  EXPECT_EQ(a.uri, "wamp.error.no_such_role");
}

TEST(AuthHandshake, NoOfferedMethodIsNoAuthMethod) {
  Harness h(ticket_config("t"));
  h.connection->receive(hello({"wampcra", "cryptosign"}, "joe"));
  Message a = h.welcome_or_abort();
  ASSERT_EQ(a.type, MessageType::abort);
  EXPECT_EQ(a.uri, "wamp.error.no_auth_method");
}

TEST(AuthHandshake, MethodsAreTriedInTheClientsOrder) {
  AuthConfig c = ticket_config("t");
  c.methods["anonymous"].role = "anonymous";
  {
    Harness h(c);
    h.connection->receive(hello({"ticket", "anonymous"}, "joe"));
    EXPECT_EQ(h.peer.pop().type, MessageType::challenge);
  }
  {
    Harness h(c);
    h.connection->receive(hello({"anonymous", "ticket"}, "joe"));
    Message w = h.peer.pop();
    ASSERT_EQ(w.type, MessageType::welcome);
    EXPECT_EQ(*wamp::get_string(w.options, "authmethod"), "anonymous");
  }
}

// --- cookie authentication (Crossbar's: a login remembered under the tracking cookie)

TEST(AuthCookie, LoginIsRememberedAndAReturningClientIsWelcomedByItsCookie) {
  auto cookies = std::make_shared<cookie::CookieStore>(cookie::CookieConfig{});
  const std::string cbtid = cookies->create();
  {
    Harness h(ticket_config("secret!"), cookies, cbtid);
    // No login on the cookie yet: "cookie" is skipped, the next method runs.
    h.connection->receive(hello({"cookie", "ticket"}, "joe"));
    ASSERT_EQ(h.peer.pop().type, MessageType::challenge);
    h.connection->receive(authenticate("secret!"));
    ASSERT_EQ(h.welcome_or_abort().type, MessageType::welcome);
  }
  ASSERT_TRUE(cookies->auth(cbtid).has_value());
  Harness h(ticket_config("secret!"), cookies, cbtid);
  h.connection->receive(hello({"cookie", "ticket"}));
  Message w = h.peer.pop();
  ASSERT_EQ(w.type, MessageType::welcome) << w.uri;
  EXPECT_EQ(*wamp::get_string(w.options, "authid"), "joe");
  EXPECT_EQ(*wamp::get_string(w.options, "authrole"), "user");
  EXPECT_EQ(*wamp::get_string(w.options, "authmethod"), "ticket");
  EXPECT_EQ(*wamp::get_string(w.options, "authprovider"), "cookie");
  EXPECT_EQ(*wamp::get_string(*wamp::get_object(w.options, "authextra"), "team"), "blue");
}

TEST(AuthCookie, LogoutForgetsTheLoginAndFailuresAreNotRemembered) {
  auto cookies = std::make_shared<cookie::CookieStore>(cookie::CookieConfig{});
  const std::string cbtid = cookies->create();
  {
    Harness h(ticket_config("secret!"), cookies, cbtid);
    h.connection->receive(hello({"ticket"}, "joe"));
    h.peer.pop();
    h.connection->receive(authenticate("wrong"));
    ASSERT_EQ(h.welcome_or_abort().type, MessageType::abort);
  }
  EXPECT_FALSE(cookies->auth(cbtid).has_value());
  {
    Harness h(ticket_config("secret!"), cookies, cbtid);
    h.connection->receive(hello({"ticket"}, "joe"));
    h.peer.pop();
    h.connection->receive(authenticate("secret!"));
    ASSERT_EQ(h.welcome_or_abort().type, MessageType::welcome);
    ASSERT_TRUE(cookies->auth(cbtid).has_value());
    Message bye;
    bye.type = MessageType::goodbye;
    bye.uri = "wamp.close.logout";
    h.connection->receive(bye);
    EXPECT_EQ(h.peer.pop().type, MessageType::goodbye);
  }
  EXPECT_FALSE(cookies->auth(cbtid).has_value());
  Harness h(ticket_config("secret!"), cookies, cbtid);
  h.connection->receive(hello({"cookie"}));
  Message a = h.peer.pop();
  ASSERT_EQ(a.type, MessageType::abort);
  EXPECT_EQ(a.uri, "wamp.error.no_auth_method");
}

TEST(AuthCookie, AnonymousAuthidIsTheCookieAndNoCookieMeansNoCookieLogin) {
  AuthConfig c;
  c.methods["anonymous"].role = "anonymous";
  auto cookies = std::make_shared<cookie::CookieStore>(cookie::CookieConfig{});
  const std::string cbtid = cookies->create();
  {
    Harness h(c, cookies, cbtid);
    h.connection->receive(hello({"cookie", "anonymous"}));
    Message w = h.peer.pop();
    ASSERT_EQ(w.type, MessageType::welcome);
    EXPECT_EQ(*wamp::get_string(w.options, "authid"), cbtid);
    EXPECT_EQ(*wamp::get_string(w.options, "authmethod"), "anonymous");
  }
  // Without a cbtid on the connection, "cookie" never welcomes.
  Harness h(c, cookies, "");
  h.connection->receive(hello({"cookie", "anonymous"}));
  Message w = h.peer.pop();
  ASSERT_EQ(w.type, MessageType::welcome);
  EXPECT_EQ(*wamp::get_string(w.options, "authmethod"), "anonymous");
  EXPECT_NE(*wamp::get_string(w.options, "authid"), cbtid);
}

// Crossbar logs a cookie out on GOODBYE wamp.close.logout whenever the connection is tracked,
// with or without cookie authentication: the router calls the transport's hook, nothing else.
TEST(AuthCookie, LogoutCallsTheTransportsHookWithoutCookieAuthentication) {
  Router router(realm_config());
  FakePeer peer;
  peer.info.cbtid = "TRACKINGCOOKIE0123456789";
  int logouts = 0;
  peer.info.logout = [&logouts] { ++logouts; };
  auto connection = router.connect(peer);
  connection->receive(hello({}));
  ASSERT_EQ(peer.pop().type, MessageType::welcome);
  Message bye;
  bye.type = MessageType::goodbye;
  bye.uri = "wamp.close.normal";
  connection->receive(bye);
  EXPECT_EQ(peer.pop().type, MessageType::goodbye);
  EXPECT_EQ(logouts, 0);  // an ordinary goodbye is not a logout
  connection->receive(hello({}));
  ASSERT_EQ(peer.pop().type, MessageType::welcome);
  bye.uri = "wamp.close.logout";
  connection->receive(bye);
  EXPECT_EQ(peer.pop().type, MessageType::goodbye);
  EXPECT_EQ(logouts, 1);
}

TEST(AuthCookie, BuiltInAnonymousTakesTheCookieAsAuthid) {
  Router router(realm_config());
  FakePeer peer;
  peer.info.cbtid = "TRACKINGCOOKIE0123456789";
  auto connection = router.connect(peer);
  connection->receive(hello({}));
  Message w = peer.pop();
  ASSERT_EQ(w.type, MessageType::welcome);
  EXPECT_EQ(*wamp::get_string(w.options, "authid"), "TRACKINGCOOKIE0123456789");
}

TEST(AuthHandshake, MessagesBeforeWelcomeAndUnaskedAuthenticateAreProtocolViolations) {
  {
    Harness h(ticket_config("t"));
    h.connection->receive(authenticate("t"));
    EXPECT_EQ(h.peer.pop().uri, "wamp.error.protocol_violation");
  }
  {
    Harness h(ticket_config("t"));
    h.connection->receive(hello({"ticket"}, "joe"));
    h.peer.pop();
    h.connection->receive(authenticate("x"));
    h.connection->receive(authenticate("t"));  // a second answer while the first is decided
    Message a = h.peer.pop();
    EXPECT_EQ(a.uri, "wamp.error.protocol_violation");
    h.executor.run();  // the late decision for the first answer is dropped
    EXPECT_TRUE(h.peer.inbox.empty());
  }
}

TEST(AuthHandshake, ConnectionClosedWhileDecisionPendingDropsIt) {
  Harness h(ticket_config(argon2id_encoded("secret!", 1, 64)));
  h.connection->receive(hello({"ticket"}, "joe"));
  h.peer.pop();
  h.connection->receive(authenticate("secret!"));
  h.connection.reset();  // the transport went away
  h.executor.run();
  EXPECT_TRUE(h.peer.inbox.empty());
  EXPECT_EQ(h.router.session_count(), 0u);
}

TEST(AuthHandshake, WampCraPlainAndSalted) {
  for (bool salted : {false, true}) {
    AuthConfig c;
    Principal p = principal("peter", "user");
    const std::string password = "secret123";
    if (salted) {
      p.salt = "salt123";
      p.iterations = 100;
      p.keylen = 32;
      p.secret = wampcra_derive_key(password, "salt123", 100, 32);
    } else {
      p.secret = password;
    }
    c.methods["wampcra"].principals["peter"] = p;
    Harness h(c);
    h.connection->receive(hello({"wampcra"}, "peter"));
    Message ch = h.peer.pop();
    ASSERT_EQ(ch.type, MessageType::challenge);
    const std::string challenge = *wamp::get_string(ch.options, "challenge");
    EXPECT_NE(challenge.find("\"authrole\":\"user\""), std::string::npos) << challenge;
    std::string key = password;
    if (salted) {
      EXPECT_EQ(*wamp::get_string(ch.options, "salt"), "salt123");
      EXPECT_EQ(*wamp::get_uint(ch.options, "iterations"), 100u);
      EXPECT_EQ(*wamp::get_uint(ch.options, "keylen"), 32u);
      key = wampcra_derive_key(password, "salt123", 100, 32);
    }
    h.connection->receive(authenticate(wampcra_signature(key, challenge)));
    Message w = h.welcome_or_abort();
    ASSERT_EQ(w.type, MessageType::welcome);
    // The session id announced in the challenge is the one the session gets.
    EXPECT_NE(challenge.find("\"session\":" + std::to_string(w.id)), std::string::npos);
  }
}

TEST(AuthHandshake, WampCraWrongSecret) {
  AuthConfig c;
  Principal p = principal("peter", "user");
  p.secret = "right";
  c.methods["wampcra"].principals["peter"] = p;
  Harness h(c);
  h.connection->receive(hello({"wampcra"}, "peter"));
  Message ch = h.peer.pop();
  h.connection->receive(
      authenticate(wampcra_signature("wrong", *wamp::get_string(ch.options, "challenge"))));
  EXPECT_EQ(h.welcome_or_abort().uri, "wamp.error.authentication_failed");
}

AuthConfig cryptosign_config(const std::string& seed) {
  AuthConfig c;
  Principal p = principal("client01", "user");
  p.authorized_keys = {ed25519_public_key(seed)};
  c.methods["cryptosign"].principals["client01"] = p;
  return c;
}

TEST(AuthHandshake, CryptosignWithoutAuthidPicksThePrincipalByKey) {
  const std::string seed = random_bytes(32);
  Harness h(cryptosign_config(seed));
  h.connection->receive(
      hello({"cryptosign"}, "", wamp::Object{{"pubkey", to_hex(ed25519_public_key(seed))}}));
  Message ch = h.peer.pop();
  ASSERT_EQ(ch.type, MessageType::challenge);
  const std::string challenge = unhex(*wamp::get_string(ch.options, "challenge"));
  EXPECT_EQ(challenge.size(), 32u);
  h.connection->receive(authenticate(cryptosign_sign(seed, challenge)));
  Message w = h.welcome_or_abort();
  ASSERT_EQ(w.type, MessageType::welcome);
  EXPECT_EQ(*wamp::get_string(w.options, "authid"), "client01");
}

TEST(AuthHandshake, CryptosignChannelBindingAndRouterAuthentication) {
  const std::string seed = random_bytes(32);
  AuthConfig c = cryptosign_config(seed);
  c.router_key = random_bytes(32);
  Harness h(c);
  h.peer.info.tls = true;
  h.peer.info.tls_unique = random_bytes(32);
  const std::string client_challenge = random_bytes(32);
  h.connection->receive(hello({"cryptosign"}, "client01",
                              wamp::Object{{"pubkey", to_hex(ed25519_public_key(seed))},
                                           {"channel_binding", "tls-unique"},
                                           {"challenge", to_hex(client_challenge)}}));
  Message ch = h.peer.pop();
  ASSERT_EQ(ch.type, MessageType::challenge);
  EXPECT_EQ(*wamp::get_string(ch.options, "channel_binding"), "tls-unique");
  // The router signed our challenge XOR the channel id with its key.
  EXPECT_EQ(*wamp::get_string(ch.options, "pubkey"), to_hex(ed25519_public_key(c.router_key)));
  EXPECT_TRUE(cryptosign_verify(ed25519_public_key(c.router_key),
                                cryptosign_message(client_challenge, h.peer.info.tls_unique),
                                *wamp::get_string(ch.options, "signature")));
  // Signing the bare challenge (no binding) is refused; the bound one is accepted.
  const std::string challenge = unhex(*wamp::get_string(ch.options, "challenge"));
  {
    Harness h2(c);
    h2.peer.info.tls = true;
    h2.peer.info.tls_unique = h.peer.info.tls_unique;
    h2.connection->receive(hello({"cryptosign"}, "client01",
                                 wamp::Object{{"pubkey", to_hex(ed25519_public_key(seed))},
                                              {"channel_binding", "tls-unique"}}));
    const std::string ch2 = unhex(*wamp::get_string(h2.peer.pop().options, "challenge"));
    h2.connection->receive(authenticate(cryptosign_sign(seed, ch2)));
    EXPECT_EQ(h2.welcome_or_abort().uri, "wamp.error.authentication_failed");
  }
  h.connection->receive(
      authenticate(cryptosign_sign(seed, cryptosign_message(challenge, h.peer.info.tls_unique))));
  EXPECT_EQ(h.welcome_or_abort().type, MessageType::welcome);
}

TEST(AuthHandshake, CryptosignUnknownKeyAndBindingWithoutTls) {
  const std::string seed = random_bytes(32);
  {
    Harness h(cryptosign_config(seed));
    h.connection->receive(
        hello({"cryptosign"}, "client01",
              wamp::Object{{"pubkey", to_hex(ed25519_public_key(random_bytes(32)))}}));
    EXPECT_EQ(h.welcome_or_abort().uri, "wamp.error.authentication_failed");
  }
  {
    Harness h(cryptosign_config(seed));
    h.connection->receive(hello({"cryptosign"}, "client01",
                                wamp::Object{{"pubkey", to_hex(ed25519_public_key(seed))},
                                             {"channel_binding", "tls-unique"}}));
    Message a = h.welcome_or_abort();
    EXPECT_EQ(a.uri, "wamp.error.authentication_failed");
  }
}

AuthConfig scram_config(const std::string& kdf, const std::string& password) {
  AuthConfig c;
  Principal p = principal("alice", "user");
  p.scram.kdf = kdf;
  p.scram.iterations = kdf == "pbkdf2" ? 1000 : 1;
  p.scram.memory = kdf == "pbkdf2" ? 0 : 64;
  p.scram.salt = random_bytes(16);
  const ScramKeys keys = scram_keys(
      scram_salted_password(kdf, password, p.scram.salt, p.scram.iterations, p.scram.memory));
  p.scram.stored_key = keys.stored_key;
  p.scram.server_key = keys.server_key;
  c.methods["scram"].principals["alice"] = p;
  return c;
}

// Plays the client side as Autobahn|Python does (AuthScram.on_challenge / on_welcome).
TEST(AuthHandshake, ScramBothKdfsAsAutobahnSpeaksIt) {
  for (const std::string kdf : {"argon2id-13", "pbkdf2"}) {
    for (const std::string password : {"pw", "wrong"}) {
      Harness h(scram_config(kdf, "pw"));
      const std::string client_nonce = to_base64(random_bytes(16));
      h.connection->receive(hello({"scram"}, "alice", wamp::Object{{"nonce", client_nonce}}));
      Message ch = h.peer.pop();
      ASSERT_EQ(ch.type, MessageType::challenge) << ch.uri;
      EXPECT_EQ(ch.uri, "scram");
      for (const auto& [key, value] : ch.options) {
        EXPECT_TRUE(key == "nonce" || key == "kdf" || key == "salt" || key == "iterations" ||
                    key == "memory")
            << "Autobahn refuses the CHALLENGE key " << key;
      }
      EXPECT_EQ(ch.options.contains("memory"), kdf == "argon2id-13");
      const std::string server_nonce = *wamp::get_string(ch.options, "nonce");
      EXPECT_TRUE(server_nonce.starts_with(client_nonce.substr(0, 20)));
      const std::string salt_b64 = *wamp::get_string(ch.options, "salt");
      const auto iterations = static_cast<std::uint32_t>(*wamp::get_uint(ch.options, "iterations"));
      const auto memory =
          static_cast<std::uint32_t>(wamp::get_uint(ch.options, "memory").value_or(0));
      const ScramKeys keys = scram_keys(
          scram_salted_password(kdf, password, *from_base64(salt_b64), iterations, memory));
      const std::string message =
          scram_auth_message("alice", client_nonce, server_nonce, salt_b64, iterations);
      h.connection->receive(authenticate(to_base64(scram_client_proof(keys, message))));
      Message w = h.welcome_or_abort();
      if (password == "pw") {
        ASSERT_EQ(w.type, MessageType::welcome) << w.uri;
        const auto* extra = wamp::get_object(w.options, "authextra");
        ASSERT_TRUE(extra);
        EXPECT_EQ(*wamp::get_string(*extra, "scram_server_signature"),
                  to_base64(scram_server_signature(keys.server_key, message)));
      } else {
        EXPECT_EQ(w.uri, "wamp.error.authentication_failed");
      }
    }
  }
}

TEST(AuthHandshake, TlsClientCertificateByFingerprintOrSubject) {
  AuthConfig c;
  Principal a = principal("client1", "user");
  a.certificate_sha256 = "AB:CD";
  Principal b = principal("client2", "backend");
  b.certificate_subject = "CN=client2,O=Example";
  Principal d = principal("client3", "user");  // Crossbar's key: certificate-sha1
  d.certificate_sha1 = "12:34";
  c.methods["tls"].principals["client1"] = a;
  c.methods["tls"].principals["client2"] = b;
  c.methods["tls"].principals["client3"] = d;
  for (const auto& [fp, sha1, subject, expect] :
       {std::tuple{"AB:CD", "00:00", "CN=x", "client1"},
        std::tuple{"00:00", "00:00", "CN=client2,O=Example", "client2"},
        std::tuple{"00:00", "12:34", "CN=x", "client3"},
        std::tuple{"12:34", "AB:CD", "CN=x", ""},  // each fingerprint only as its own kind
        std::tuple{"00:00", "00:00", "CN=other", ""}}) {
    Harness h(c);
    h.peer.info.tls = true;
    h.peer.info.peer_certificate = router::TransportInfo::PeerCertificate{subject, "", fp, sha1};
    h.connection->receive(hello({"tls"}));
    Message m = h.welcome_or_abort();
    if (*expect) {
      ASSERT_EQ(m.type, MessageType::welcome);
      EXPECT_EQ(*wamp::get_string(m.options, "authid"), expect);
    } else {
      EXPECT_EQ(m.uri, "wamp.error.authentication_failed");
    }
  }
  Harness h(c);  // no certificate
  h.connection->receive(hello({"tls"}));
  EXPECT_EQ(h.welcome_or_abort().uri, "wamp.error.authentication_failed");
}

TEST(AuthHandshake, PrincipalOfAnotherRealmIsRefused) {
  AuthConfig c = ticket_config("t");
  c.methods["ticket"].principals["joe"].realm = "realm2";
  Harness h(c);
  h.connection->receive(hello({"ticket"}, "joe"));
  h.peer.pop();
  h.connection->receive(authenticate("t"));
  EXPECT_EQ(h.welcome_or_abort().uri, "wamp.error.authentication_failed");
}

}  // namespace
}  // namespace junction::auth

#include "auth/keygen.hpp"

namespace junction::auth {
namespace {

TEST(AuthKeygen, ScramPrincipalVerifiesItsPassword) {
  const wamp::Object p = scram_principal("pw", "pbkdf2", 1000, 0);
  const std::string salt = *from_hex(*wamp::get_string(p, "salt"));
  const ScramKeys keys = scram_keys(scram_salted_password("pbkdf2", "pw", salt, 1000, 0));
  EXPECT_EQ(*wamp::get_string(p, "stored-key"), to_hex(keys.stored_key));
  EXPECT_EQ(*wamp::get_string(p, "server-key"), to_hex(keys.server_key));
  EXPECT_FALSE(p.contains("memory"));
  EXPECT_TRUE(scram_principal("pw", "argon2id-13", 1, 64).contains("memory"));
}

TEST(AuthKeygen, HashedTicketAndSaltedCraAndKeypair) {
  EXPECT_TRUE(argon2id_verify(hashed_ticket("t1"), "t1"));
  const wamp::Object cra = wampcra_salted_principal("pw", 10, 32);
  EXPECT_EQ(*wamp::get_string(cra, "secret"),
            wampcra_derive_key("pw", *wamp::get_string(cra, "salt"), 10, 32));
  const wamp::Object kp = cryptosign_keypair();
  EXPECT_EQ(*wamp::get_string(kp, "pubkey"),
            to_hex(ed25519_public_key(*from_hex(*wamp::get_string(kp, "privkey")))));
}

}  // namespace
}  // namespace junction::auth

#include "auth/procedure_caller.hpp"

namespace junction::auth {
namespace {

// Records calls; the test answers them (or not) by hand.
class FakeCaller : public ProcedureCaller {
 public:
  struct Call {
    std::string realm, authrole, procedure;
    wamp::Array args;
    std::function<void(Result)> done;
  };
  FakeCaller() { bind_node_caller(this); }
  ~FakeCaller() override { bind_node_caller(nullptr); }
  void call(const std::string& realm, const std::string& authrole, const std::string& procedure,
            wamp::Array args, std::function<void(Result)> done) override {
    calls.push_back({realm, authrole, procedure, std::move(args), std::move(done)});
  }
  std::vector<Call> calls;
};

AuthConfig dynamic_config(const std::string& method) {
  AuthConfig c;
  c.methods[method].type = "dynamic";
  c.methods[method].authenticator = "com.example.authenticate";
  c.methods[method].timeout_ms = 1500;
  return c;
}

TEST(AuthDynamic, TicketIsDecidedByTheProcedureWithTheTicketInDetails) {
  FakeCaller caller;
  Harness h(dynamic_config("ticket"));
  h.connection->receive(hello({"ticket"}, "joe"));
  ASSERT_EQ(h.peer.pop().type, MessageType::challenge);
  h.connection->receive(authenticate("tkt"));
  ASSERT_EQ(caller.calls.size(), 1u);
  const auto& call = caller.calls[0];
  EXPECT_EQ(call.realm, "realm1");
  EXPECT_EQ(call.authrole, "trusted");
  EXPECT_EQ(call.procedure, "com.example.authenticate");
  ASSERT_EQ(call.args.size(), 3u);
  EXPECT_EQ(*call.args[0].as_string(), "realm1");
  EXPECT_EQ(*call.args[1].as_string(), "joe");
  EXPECT_EQ(*wamp::get_string(*call.args[2].as_object(), "ticket"), "tkt");
  EXPECT_TRUE(h.peer.inbox.empty());
  caller.calls[0].done(
      {"", {wamp::Object{{"role", "user"}, {"extra", wamp::Object{{"k", 1}}}}}, {}});
  Message w = h.welcome_or_abort();
  ASSERT_EQ(w.type, MessageType::welcome) << w.uri;
  EXPECT_EQ(*wamp::get_string(w.options, "authprovider"), "dynamic");
  EXPECT_EQ(*wamp::get_string(w.options, "authrole"), "user");
  EXPECT_TRUE(wamp::get_object(w.options, "authextra")->contains("k"));
}

TEST(AuthDynamic, AnApplicationErrorIsTheAbortReason) {
  FakeCaller caller;
  Harness h(dynamic_config("ticket"));
  h.connection->receive(hello({"ticket"}, "joe"));
  h.peer.pop();
  h.connection->receive(authenticate("tkt"));
  caller.calls[0].done({"com.example.invalid_ticket", {wamp::Value("ticket expired")}, {}});
  Message a = h.welcome_or_abort();
  EXPECT_EQ(a.uri, "com.example.invalid_ticket");
  EXPECT_EQ(a.type, MessageType::abort);
}

TEST(AuthDynamic, ASilentAuthenticatorTimesOutAndALateAnswerIsDropped) {
  FakeCaller caller;
  Harness h(dynamic_config("wampcra"));
  h.connection->receive(hello({"wampcra"}, "peter"));
  ASSERT_EQ(caller.calls.size(), 1u);
  // The timeout is armed with the method's value; the manual executor fires it when run.
  h.executor.run();
  ASSERT_FALSE(h.executor.delays.empty());
  EXPECT_EQ(h.executor.delays[0], std::chrono::milliseconds(1500));
  Message a = h.peer.pop();
  EXPECT_EQ(a.uri, "wamp.error.authentication_failed");
  caller.calls[0].done({"", {wamp::Value("user")}, {}});  // too late: nothing happens
  h.executor.run();
  EXPECT_TRUE(h.peer.inbox.empty());
}

TEST(AuthDynamic, WampCraPrincipalFromTheProcedureGoesThroughTheChallenge) {
  FakeCaller caller;
  Harness h(dynamic_config("wampcra"));
  h.connection->receive(hello({"wampcra"}, "peter"));
  caller.calls[0].done(
      {"", {wamp::Object{{"secret", "s3"}, {"role", "user"}, {"authid", "peter2"}}}, {}});
  Message ch = h.peer.pop();
  ASSERT_EQ(ch.type, MessageType::challenge) << ch.uri;
  h.connection->receive(
      authenticate(wampcra_signature("s3", *wamp::get_string(ch.options, "challenge"))));
  Message w = h.welcome_or_abort();
  ASSERT_EQ(w.type, MessageType::welcome);
  EXPECT_EQ(*wamp::get_string(w.options, "authid"), "peter2");
  EXPECT_EQ(*wamp::get_string(w.options, "authprovider"), "dynamic");
}

// "type": "function" (the node registers the Python function as a procedure): called as a dynamic
// authenticator, welcomed with authprovider "function", and named by its function in messages.
TEST(AuthDynamic, FunctionAuthenticatorsAreCalledAsDynamicOnesWithTheirOwnProvider) {
  FakeCaller caller;
  AuthConfig c = dynamic_config("wampcra");
  c.methods["wampcra"].type = "function";
  c.methods["wampcra"].function = "authenticator.create_authenticator";
  c.methods["wampcra"].authenticator = "junction.auth.function.0";
  c.methods["wampcra"].authenticator_realm = "first";
  {
    Harness h(c);
    h.connection->receive(hello({"wampcra"}, "peter"));
    ASSERT_EQ(caller.calls.size(), 1u);
    EXPECT_EQ(caller.calls[0].realm, "first");
    EXPECT_EQ(caller.calls[0].procedure, "junction.auth.function.0");
    caller.calls[0].done({"", {wamp::Object{{"secret", "s3"}, {"role", "user"}}}, {}});
    Message ch = h.peer.pop();
    ASSERT_EQ(ch.type, MessageType::challenge) << ch.uri;
    h.connection->receive(
        authenticate(wampcra_signature("s3", *wamp::get_string(ch.options, "challenge"))));
    Message w = h.welcome_or_abort();
    ASSERT_EQ(w.type, MessageType::welcome);
    EXPECT_EQ(*wamp::get_string(w.options, "authprovider"), "function");
  }
  {
    Harness h(c);
    h.connection->receive(hello({"wampcra"}, "peter"));
    caller.calls[1].done({"wamp.error.no_such_procedure", {}, {}});
    Message a = h.welcome_or_abort();
    EXPECT_EQ(a.uri, "wamp.error.authentication_failed");
    EXPECT_EQ(*wamp::get_string(a.options, "message"),
              "the function authenticator 'authenticator.create_authenticator' is not available "
              "(wamp.error.no_such_procedure)");
  }
}

TEST(AuthDynamic, MalformedAnswerAndMissingCaller) {
  {
    FakeCaller caller;
    Harness h(dynamic_config("cryptosign"));
    h.connection->receive(
        hello({"cryptosign"}, "c", wamp::Object{{"pubkey", std::string(64, 'a')}}));
    caller.calls[0].done({"", {wamp::Object{{"role", "user"}}}, {}});  // no pubkey
    Message a = h.welcome_or_abort();
    EXPECT_EQ(a.uri, "wamp.error.authentication_failed");
  }
  Harness h(dynamic_config("anonymous"));  // no caller bound
  h.connection->receive(hello({"anonymous"}));
  EXPECT_EQ(h.welcome_or_abort().uri, "wamp.error.authentication_failed");
}

TEST(AuthDynamic, ConnectionGoneBeforeTheAnswer) {
  FakeCaller caller;
  Harness h(dynamic_config("anonymous"));
  h.connection->receive(hello({"anonymous"}));
  h.connection.reset();
  caller.calls[0].done({"", {wamp::Value("user")}, {}});
  h.executor.run();
  EXPECT_TRUE(h.peer.inbox.empty());
  EXPECT_EQ(h.router.session_count(), 0u);
}

TEST(AuthDynamic, AnonymousAndTlsAreDecidedByTheAnswer) {
  {
    FakeCaller caller;
    Harness h(dynamic_config("anonymous"));
    h.connection->receive(hello({"anonymous"}));
    ASSERT_EQ(caller.calls.size(), 1u);
    EXPECT_EQ(*wamp::get_string(*caller.calls[0].args[2].as_object(), "authmethod"), "anonymous");
    caller.calls[0].done({"", {wamp::Value("user")}, {}});
    Message w = h.welcome_or_abort();
    ASSERT_EQ(w.type, MessageType::welcome) << w.uri;
    EXPECT_EQ(*wamp::get_string(w.options, "authrole"), "user");
    EXPECT_EQ(*wamp::get_string(w.options, "authprovider"), "dynamic");
    EXPECT_EQ(wamp::get_string(w.options, "authid")->size(), 29u);  // random, Crossbar's shape
  }
  {
    FakeCaller caller;
    Harness h(dynamic_config("tls"));
    h.connection->receive(hello({"tls"}));
    EXPECT_TRUE(caller.calls.empty());  // no verified certificate: the authenticator is not asked
    EXPECT_EQ(h.welcome_or_abort().uri, "wamp.error.authentication_failed");
  }
  FakeCaller caller;
  Harness h(dynamic_config("tls"));
  h.peer.info.tls = true;
  h.peer.info.peer_certificate =
      router::TransportInfo::PeerCertificate{"CN=client1,O=Example", "client1", "AB:CD", "12:34"};
  h.connection->receive(hello({"tls"}));
  ASSERT_EQ(caller.calls.size(), 1u);
  const wamp::Object& details = *caller.calls[0].args[2].as_object();
  const wamp::Object& cert =
      *wamp::get_object(*wamp::get_object(details, "transport"), "client_cert");
  EXPECT_EQ(*wamp::get_string(cert, "subject"), "CN=client1,O=Example");
  EXPECT_EQ(*wamp::get_string(cert, "sha256"), "AB:CD");
  EXPECT_EQ(*wamp::get_string(cert, "sha1"), "12:34");
  caller.calls[0].done({"", {wamp::Object{{"role", "user"}, {"authid", "client1"}}}, {}});
  Message w = h.welcome_or_abort();
  ASSERT_EQ(w.type, MessageType::welcome) << w.uri;
  EXPECT_EQ(*wamp::get_string(w.options, "authid"), "client1");
  EXPECT_EQ(*wamp::get_string(w.options, "authmethod"), "tls");
}

TEST(AuthDynamic, ScramPrincipalFromTheProcedureGoesThroughTheProof) {
  FakeCaller caller;
  Harness h(dynamic_config("scram"));
  const std::string salt = "0123456789abcdef";
  const ScramKeys keys = scram_keys(scram_salted_password("pbkdf2", "pencil", salt, 100, 0));
  h.connection->receive(hello({"scram"}, "alice", wamp::Object{{"nonce", "Y2xpZW50bm9uY2U="}}));
  ASSERT_EQ(caller.calls.size(), 1u);
  caller.calls[0].done({"",
                        {wamp::Object{{"role", "user"},
                                      {"kdf", "pbkdf2"},
                                      {"iterations", 100},
                                      {"salt", to_hex(salt)},
                                      {"stored-key", to_hex(keys.stored_key)},
                                      {"server-key", to_hex(keys.server_key)}}},
                        {}});
  Message ch = h.peer.pop();
  ASSERT_EQ(ch.type, MessageType::challenge) << ch.uri;
  const std::string auth_message =
      scram_auth_message("alice", "Y2xpZW50bm9uY2U=", *wamp::get_string(ch.options, "nonce"),
                         *wamp::get_string(ch.options, "salt"), 100);
  h.connection->receive(authenticate(to_base64(scram_client_proof(keys, auth_message))));
  Message w = h.welcome_or_abort();
  ASSERT_EQ(w.type, MessageType::welcome) << w.uri;
  EXPECT_EQ(*wamp::get_string(w.options, "authprovider"), "dynamic");
  EXPECT_EQ(*wamp::get_string(w.options, "authmethod"), "scram");
}

}  // namespace
}  // namespace junction::auth
