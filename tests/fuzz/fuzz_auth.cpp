// Fuzz target for authentication (issue 13: "the auth messages"): WAMP messages in JSON, one per
// line, go through a Router whose transport offers ticket, wampcra (salted), cryptosign and scram
// with static principals — HELLO's authmethods/authid/authextra, AUTHENTICATE's signature and
// extra, and whatever else a peer sends around them. Properties: nothing crashes or throws; a
// session is welcomed only through ticket and only when the input carried the ticket (wampcra,
// cryptosign and scram answers depend on a random challenge and secrets the input cannot know);
// after an ABORT the router has closed the connection.
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <exception>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "auth/authenticator.hpp"
#include "auth/scram.hpp"
#include "base/log.hpp"
#include "router/router.hpp"
#include "wamp/codec.hpp"

namespace {

using namespace junction;

constexpr std::string_view kTicket = "correct-horse-battery";

[[noreturn]] void fail(const char* what, std::string_view input) {
  std::fprintf(stderr, "fuzz property broken: %s\ninput (hex): ", what);
  for (unsigned char c : input)
    std::fprintf(stderr, "%02x", c);
  std::fprintf(stderr, "\n");
  std::abort();
}

// Work and delays run when the target drains them (as the routing thread would, later).
class QueueExecutor : public auth::Executor {
 public:
  void offload(std::function<void()> work, std::function<void()> done) override {
    queue.push_back([work = std::move(work), done = std::move(done)] {
      work();
      done();
    });
  }
  void after(std::chrono::milliseconds, std::function<void()> fn) override {
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
};

class RecordingPeer : public router::Peer {
 public:
  void send(wamp::OutboundPtr message) override {
    const wamp::Message m = message->message();
    if (m.type == wamp::MessageType::welcome) {
      welcomed = true;
      if (const auto* method = wamp::get_string(m.options, "authmethod")) welcome_method = *method;
    }
    if (m.type == wamp::MessageType::abort) aborted = true;
  }
  void close() override { closed = true; }
  std::string describe() const override { return "fuzz"; }
  router::TransportInfo transport_info() const override { return info; }

  router::TransportInfo info;
  bool welcomed = false;
  bool aborted = false;
  bool closed = false;
  std::string welcome_method;
};

auth::Principal principal(const std::string& authid) {
  auth::Principal p;
  p.authid = authid;
  p.role = "user";
  return p;
}

auth::AuthConfig auth_config() {
  auth::AuthConfig c;
  auth::Principal ticket = principal("joe");
  ticket.ticket = std::string(kTicket);
  c.methods["ticket"].principals["joe"] = ticket;

  auth::Principal cra = principal("joe");
  cra.secret = "derived-key";
  cra.salt = "salt123";
  cra.iterations = 100;
  cra.keylen = 32;
  c.methods["wampcra"].principals["joe"] = cra;

  auth::Principal signer = principal("joe");
  signer.authorized_keys.push_back(std::string(32, '\x42'));
  c.methods["cryptosign"].principals["joe"] = signer;

  auth::Principal scram = principal("joe");
  scram.scram.kdf = "pbkdf2";
  scram.scram.iterations = 16;
  scram.scram.salt = "scram-salt";
  const auto keys =
      auth::scram_keys(auth::scram_salted_password("pbkdf2", "pencil", scram.scram.salt, 16, 0));
  scram.scram.stored_key = keys.stored_key;
  scram.scram.server_key = keys.server_key;
  c.methods["scram"].principals["joe"] = scram;
  return c;
}

router::RouterConfig router_config() {
  router::RouterConfig config;
  router::Permission all;
  all.match = router::MatchPolicy::prefix;
  all.call = all.register_ = all.publish = all.subscribe = true;
  router::RealmConfig realm;
  realm.name = "realm1";
  realm.roles = {{"user", {all}}};
  config.realms.push_back(std::move(realm));
  return config;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  static const bool quiet = [] {
    log::set_level(log::Level::off);
    return true;
  }();
  (void)quiet;
  static QueueExecutor executor;
  static const auto authenticator =
      std::make_shared<auth::Authenticator>(auth_config(), executor, std::chrono::milliseconds(0));
  const wamp::Codec& codec = *wamp::codec_for(wamp::Serializer::json);

  try {
    router::Router router(router_config());
    RecordingPeer peer;
    peer.info.authenticator = authenticator;
    auto connection = router.connect(peer);
    std::size_t start = 0;
    while (start <= input.size() && !peer.closed) {
      std::size_t end = input.find('\n', start);
      if (end == std::string_view::npos) end = input.size();
      auto decoded = codec.decode(input.substr(start, end - start));
      if (auto* message = std::get_if<wamp::Message>(&decoded)) {
        connection->receive(std::move(*message));
      }
      executor.run();
      start = end + 1;
    }
    executor.run();
    if (peer.welcomed) {
      if (peer.welcome_method != "ticket") fail("welcomed without knowing the secret", input);
      if (input.find(kTicket) == std::string_view::npos) fail("ticket welcome without it", input);
    }
    if (peer.aborted && !peer.closed) fail("ABORT without closing the connection", input);
    connection.reset();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "unexpected exception: %s\n", e.what());
    fail("an exception escaped the router", input);
  }
  executor.run();
  return 0;
}
