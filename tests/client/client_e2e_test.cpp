// tests/client/client_e2e_test: the C++ client library against a live junction (started on a
// free port by RouterProcess): RPC, PubSub, errors, progressive results, cancellation, timeouts,
// leaving, every serializer the router speaks, router shutdown, interop with an Autobahn|Python
// peer, and RawSocket (TCP and Unix socket; alone and next to WebSocket sessions; handshake
// refusal, the router's size limit, the router's pings). Every wait has a timeout.
#include <gtest/gtest.h>

#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include "client/client.hpp"
#include "router_process.hpp"
#include "run_coroutine.hpp"

namespace {

namespace asio = boost::asio;
using namespace junction;
using namespace std::chrono_literals;
using client::Session;
using test::RouterProcess;
using test::run;

asio::awaitable<void> sleep_for(std::chrono::milliseconds d) {
  asio::steady_timer t(co_await asio::this_coro::executor, d);
  co_await t.async_wait(asio::use_awaitable);
}

// Waits (with a deadline) until `ready()` holds, polling every millisecond.
template <typename Pred>
asio::awaitable<bool> wait_until(Pred ready, std::chrono::milliseconds timeout = 5s) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!ready()) {
    if (std::chrono::steady_clock::now() > deadline) co_return false;
    co_await sleep_for(1ms);
  }
  co_return true;
}

std::string error_uri(auto&& fn) {
  try {
    fn();
  } catch (const client::Error& e) {
    return e.uri();
  }
  return "<no error>";
}

class ClientE2E : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    router = new RouterProcess(test::junction_binary(JUNCTION_BIN), test::default_router_config());
    router->start();
  }
  static void TearDownTestSuite() {
    delete router;
    router = nullptr;
  }
  void TearDown() override {
    if (HasFailure()) std::cerr << "---- junction log ----\n" << router->log_tail();
  }
  // Joins realm1 at `url` (default: the router's WebSocket URL).
  static asio::awaitable<std::shared_ptr<Session>> connect(
      asio::io_context& io, wamp::Serializer serializer = wamp::Serializer::json,
      std::string url = {}) {
    client::ConnectOptions options;
    options.serializer = serializer;
    // Not a ?: inside the co_await: GCC 12 frees such a temporary twice.
    if (url.empty()) url = router->url();
    co_return co_await Session::connect(io, url, "realm1", options);
  }
  static inline RouterProcess* router = nullptr;
};

TEST_F(ClientE2E, CallAndRegister) {
  run([](asio::io_context& io) -> asio::awaitable<void> {
    auto callee = co_await connect(io);
    auto caller = co_await connect(io);
    EXPECT_NE(callee->id(), 0u);
    EXPECT_TRUE(caller->router_has_feature("dealer", "progressive_call_results"));
    auto reg = co_await callee->provide("e2e.add", [](client::Invocation& inv) {
      return client::Result(
          wamp::Array{*inv.arg(0).as_int() + *inv.arg(1).as_int()},
          wamp::Object{{"caller", inv.caller() ? wamp::Value(*inv.caller()) : wamp::Value()}});
    });
    EXPECT_EQ(reg.procedure, "e2e.add");
    wamp::Array args{2, 3};
    auto r = co_await caller->call("e2e.add", std::move(args));
    EXPECT_EQ(r.args(), (wamp::Array{5}));
    EXPECT_TRUE(r.kwargs().at("caller").is_null());

    client::CallOptions disclose;
    disclose.disclose_me = true;
    wamp::Array args2{1, 1};
    r = co_await caller->call("e2e.add", std::move(args2), {}, disclose);
    EXPECT_EQ(r.kwargs().at("caller"), wamp::Value(caller->id()));

    // Raw payloads go through untouched.
    auto payload = caller->make_payload({40, 2});
    r = co_await caller->call_raw("e2e.add", payload);
    EXPECT_EQ(r.raw()->args, "[42]");

    co_await callee->unregister(reg);
    try {
      co_await caller->call("e2e.add");
      ADD_FAILURE() << "call after unregister succeeded";
    } catch (const client::Error& e) {
      EXPECT_EQ(e.uri(), "wamp.error.no_such_procedure");
    }
    co_await caller->leave();
    auto reason = co_await callee->leave();
    EXPECT_EQ(reason, "wamp.close.goodbye_and_out");
  });
}

TEST_F(ClientE2E, ErrorsCarryUriArgsKwargs) {
  run([](asio::io_context& io) -> asio::awaitable<void> {
    auto callee = co_await connect(io);
    auto caller = co_await connect(io);
    co_await callee->provide("e2e.fail", [](client::Invocation&) -> client::Result {
      throw client::Error("com.e2e.oops", {"bad", 7}, {{"why", "testing"}});
    });
    co_await callee->provide("e2e.throw", [](client::Invocation&) -> client::Result {
      throw std::runtime_error("plain exception");
    });
    try {
      co_await caller->call("e2e.fail");
      ADD_FAILURE() << "no error";
    } catch (const client::Error& e) {
      EXPECT_EQ(e.uri(), "com.e2e.oops");
      EXPECT_EQ(e.args(), (wamp::Array{"bad", 7}));
      EXPECT_EQ(e.kwargs(), (wamp::Object{{"why", "testing"}}));
    }
    try {
      co_await caller->call("e2e.throw");
      ADD_FAILURE() << "no error";
    } catch (const client::Error& e) {
      EXPECT_EQ(e.uri(), "wamp.error.runtime_error");
      EXPECT_EQ(e.args(), (wamp::Array{"plain exception"}));
    }
    try {
      co_await caller->call("e2e.nobody");
      ADD_FAILURE() << "no error";
    } catch (const client::Error& e) {
      EXPECT_EQ(e.uri(), "wamp.error.no_such_procedure");
    }
    try {
      co_await callee->provide("e2e.fail", [](client::Invocation&) { return client::Result(); });
      ADD_FAILURE() << "no error";
    } catch (const client::Error& e) {
      EXPECT_EQ(e.uri(), "wamp.error.procedure_already_exists");
    }
    try {
      co_await caller->subscribe("e2e..bad", [](const client::Event&) {});
      ADD_FAILURE() << "no error";
    } catch (const client::Error& e) {
      EXPECT_EQ(e.uri(), "wamp.error.invalid_uri");
    }
    try {
      client::PublishOptions ack;
      ack.acknowledge = true;
      co_await caller->publish("wamp.reserved", {}, {}, ack);
      ADD_FAILURE() << "no error";
    } catch (const client::Error& e) {
      EXPECT_FALSE(e.uri().empty());
    }
    // A realm that does not exist: ABORT becomes the join's error.
    try {
      co_await Session::connect(io, router->url(), "no.such.realm");
      ADD_FAILURE() << "joined a realm that does not exist";
    } catch (const client::Error& e) {
      EXPECT_EQ(e.uri(), "wamp.error.no_such_realm");
    }
    // Nothing listens there.
    try {
      client::ConnectOptions o;
      o.timeout = 2s;
      co_await Session::connect(io, "ws://127.0.0.1:1/ws", "realm1", o);
      ADD_FAILURE() << "connected to port 1";
    } catch (const client::Error& e) {
      EXPECT_EQ(e.uri(), client::errors::disconnected);
    }
  });
}

TEST_F(ClientE2E, PublishSubscribe) {
  run([](asio::io_context& io) -> asio::awaitable<void> {
    auto pub = co_await connect(io);
    auto sub1 = co_await connect(io);
    auto sub2 = co_await connect(io);
    std::vector<std::int64_t> got1, got2;
    std::optional<wamp::Id> publisher;
    auto s1 = co_await sub1->subscribe("e2e.topic", [&](const client::Event& e) {
      got1.push_back(*e.arg(0).as_int());
      publisher = e.publisher();
      EXPECT_EQ(e.kwargs().at("k"), wamp::Value("v"));
    });
    co_await sub2->subscribe("e2e.topic",
                             [&](const client::Event& e) { got2.push_back(*e.arg(0).as_int()); });
    client::PublishOptions ack;
    ack.acknowledge = true;
    for (int i = 0; i < 100; ++i) {
      wamp::Array args{i};
      wamp::Object kwargs{{"k", "v"}};
      const wamp::Id id = co_await pub->publish("e2e.topic", std::move(args), std::move(kwargs),
                                                i == 99 ? ack : client::PublishOptions{});
      if (i == 99) {
        EXPECT_NE(id, 0u);
      }
    }
    EXPECT_TRUE(co_await wait_until([&] { return got1.size() == 100 && got2.size() == 100; }));
    for (int i = 0; i < 100; ++i)
      EXPECT_EQ(got1[i], i);
    EXPECT_EQ(got1, got2);
    EXPECT_FALSE(publisher.has_value());

    // exclude / eligible / disclose_me
    client::PublishOptions only1 = ack;
    only1.eligible = {sub1->id()};
    only1.disclose_me = true;
    wamp::Array a1{1000};
    wamp::Object kw{{"k", "v"}};
    co_await pub->publish("e2e.topic", std::move(a1), kw, only1);
    client::PublishOptions not1 = ack;
    not1.exclude = {sub1->id()};
    wamp::Array a2{2000};
    co_await pub->publish("e2e.topic", std::move(a2), kw, not1);
    EXPECT_TRUE(co_await wait_until([&] { return got1.size() == 101 && got2.size() == 101; }));
    EXPECT_EQ(got1.back(), 1000);
    EXPECT_EQ(got2.back(), 2000);
    EXPECT_EQ(publisher, pub->id());

    // exclude_me = false delivers to the publisher's own subscription.
    int own = 0;
    co_await pub->subscribe("e2e.own", [&](const client::Event&) { ++own; });
    co_await pub->publish("e2e.own", {}, {}, ack);
    client::PublishOptions include_me = ack;
    include_me.exclude_me = false;
    co_await pub->publish("e2e.own", {}, {}, include_me);
    EXPECT_TRUE(co_await wait_until([&] { return own == 1; }));
    co_await sleep_for(50ms);
    EXPECT_EQ(own, 1);

    // Unsubscribed: no more events.
    co_await sub1->unsubscribe(s1);
    wamp::Array a3{3000};
    co_await pub->publish("e2e.topic", std::move(a3), kw, ack);
    EXPECT_TRUE(co_await wait_until([&] { return got2.size() == 102; }));
    co_await sleep_for(50ms);
    EXPECT_EQ(got1.size(), 101u);

    // publish_nowait with a pre-encoded payload.
    auto payload = pub->make_payload({4000}, {{"k", "v"}});
    for (int i = 0; i < 10; ++i)
      EXPECT_TRUE(pub->publish_nowait("e2e.topic", payload));
    EXPECT_TRUE(co_await wait_until([&] { return got2.size() == 112; }));
  });
}

TEST_F(ClientE2E, ProgressiveResults) {
  run([](asio::io_context& io) -> asio::awaitable<void> {
    auto callee = co_await connect(io);
    auto caller = co_await connect(io);
    co_await callee->provide("e2e.count", [](client::Invocation& inv) {
      const auto n = *inv.arg(0).as_int();
      for (std::int64_t i = 0; i < n; ++i)
        inv.progress({i});
      return client::Result(wamp::Array{"done", inv.progressive()});
    });
    std::vector<std::int64_t> progress;
    client::CallOptions options;
    options.on_progress = [&](const client::Result& r) { progress.push_back(*r.arg(0).as_int()); };
    wamp::Array args{5};
    auto r = co_await caller->call("e2e.count", std::move(args), {}, options);
    EXPECT_EQ(progress, (std::vector<std::int64_t>{0, 1, 2, 3, 4}));
    EXPECT_EQ(r.args(), (wamp::Array{"done", true}));
    // Without on_progress the callee is told not to send progress.
    wamp::Array args2{3};
    r = co_await caller->call("e2e.count", std::move(args2));
    EXPECT_EQ(r.args(), (wamp::Array{"done", false}));
  });
}

TEST_F(ClientE2E, CancelAndTimeout) {
  run([](asio::io_context& io) -> asio::awaitable<void> {
    using namespace asio::experimental::awaitable_operators;
    auto callee = co_await connect(io);
    auto caller = co_await connect(io);
    int interrupted = 0, started = 0;
    co_await callee->provide_async("e2e.slow",
                                   [&](client::Invocation inv) -> asio::awaitable<client::Result> {
                                     ++started;
                                     try {
                                       co_await sleep_for(10s);
                                     } catch (const boost::system::system_error&) {
                                       ++interrupted;
                                       EXPECT_TRUE(inv.interrupted());
                                       throw;
                                     }
                                     co_return client::Result();
                                   });
    // Cancellation through the awaitable operators: the timer wins, the call is cancelled.
    asio::steady_timer timer(io, 100ms);
    auto winner = co_await (caller->call("e2e.slow") || timer.async_wait(asio::use_awaitable));
    EXPECT_EQ(winner.index(), 1u);
    EXPECT_TRUE(co_await wait_until([&] { return interrupted == 1; }));

    // An explicit cancellation signal, mode kill: the callee's answer (canceled) comes back.
    asio::cancellation_signal signal;
    client::CallOptions kill;
    kill.cancel_mode = client::CancelMode::kill;
    bool done = false;
    std::string uri;
    caller->call(
        "e2e.slow", {}, {}, kill,
        asio::bind_cancellation_slot(signal.slot(), [&](std::exception_ptr e, client::Result) {
          done = true;
          uri = error_uri([&] { std::rethrow_exception(e); });
        }));
    EXPECT_TRUE(co_await wait_until([&] { return started == 2; }));
    signal.emit(asio::cancellation_type::terminal);
    EXPECT_TRUE(co_await wait_until([&] { return done; }));
    EXPECT_EQ(uri, "wamp.error.canceled");
    EXPECT_EQ(interrupted, 2);

    // Client-side timeout.
    client::CallOptions quick;
    quick.timeout = 100ms;
    const auto t0 = std::chrono::steady_clock::now();
    try {
      co_await caller->call("e2e.slow", {}, {}, quick);
      ADD_FAILURE() << "no timeout";
    } catch (const client::Error& e) {
      EXPECT_EQ(e.uri(), client::errors::timeout);
    }
    EXPECT_LT(std::chrono::steady_clock::now() - t0, 2s);
    EXPECT_TRUE(co_await wait_until([&] { return interrupted == 3; }));
  });
}

TEST_F(ClientE2E, EverySerializerTheRouterSpeaks) {
  run([](asio::io_context& io) -> asio::awaitable<void> {
    auto json = co_await connect(io);
    int events = 0;
    co_await json->subscribe("e2e.ser.topic", [&](const client::Event& e) {
      EXPECT_EQ(e.arg(0), wamp::Value(wamp::Binary{std::string("\x00\xff", 2)}));
      ++events;
    });
    co_await json->provide("e2e.ser.echo",
                           [](client::Invocation& inv) { return client::Result(inv.raw()); });
    int spoken = 0;
    for (auto s : {wamp::Serializer::msgpack, wamp::Serializer::cbor, wamp::Serializer::ubjson}) {
      const std::string name(client::serializer_name(s));
      if (wamp::codec_for(s) == nullptr) continue;
      std::shared_ptr<Session> other;
      try {
        other = co_await connect(io, s);
      } catch (const client::Error& e) {
        // The router's WebSocket config may not offer this serializer yet (issue #4).
        std::cerr << "serializer " << name << " not offered by the router: " << e.what() << "\n";
        continue;
      }
      ++spoken;
      wamp::Array args{1.5, "x", wamp::Object{{"n", nullptr}}};
      auto r = co_await other->call("e2e.ser.echo", args);
      EXPECT_EQ(r.args(), args) << name;
      EXPECT_EQ(r.raw()->format, s) << name;
      client::PublishOptions ack;
      ack.acknowledge = true;
      wamp::Array bin{wamp::Binary{std::string("\x00\xff", 2)}};
      co_await other->publish("e2e.ser.topic", std::move(bin), {}, ack);
      co_await other->leave();
    }
    EXPECT_TRUE(co_await wait_until([&] { return events == spoken; }));
    std::cerr << spoken << " binary serializer(s) exercised\n";
  });
}

TEST_F(ClientE2E, ManySessionsAndCallsInFlight) {
  run([](asio::io_context& io) -> asio::awaitable<void> {
    auto callee = co_await connect(io);
    co_await callee->provide("e2e.echo",
                             [](client::Invocation& inv) { return client::Result(inv.raw()); });
    std::vector<std::shared_ptr<Session>> callers;
    for (int i = 0; i < 20; ++i)
      callers.push_back(co_await connect(io));
    int ok = 0;
    for (int round = 0; round < 50; ++round) {
      for (std::size_t c = 0; c < callers.size(); ++c) {
        callers[c]->call_raw("e2e.echo", callers[c]->make_payload({static_cast<int>(c), round}), {},
                             [&, c, round](std::exception_ptr e, client::Result r) {
                               EXPECT_FALSE(e);
                               if (!e && r.args() == wamp::Array{static_cast<int>(c), round}) ++ok;
                             });
      }
    }
    EXPECT_TRUE(co_await wait_until([&] { return ok == 1000; }));
  });
}

TEST(ClientE2EShutdown, RouterShutdownEndsTheSession) {
  RouterProcess router(test::junction_binary(JUNCTION_BIN), test::default_router_config());
  router.start();
  run([&](asio::io_context& io) -> asio::awaitable<void> {
    auto session = co_await Session::connect(io, router.url(), "realm1");
    std::string reason;
    session->on_close([&](const std::string& r) { reason = r; });
    auto rawsocket = co_await Session::connect(io, router.rs_url(), "realm1");
    std::string rawsocket_reason;
    rawsocket->on_close([&](const std::string& r) { rawsocket_reason = r; });
    bool failed = false;
    co_await session->provide_async("e2e.hang",
                                    [](client::Invocation) -> asio::awaitable<client::Result> {
                                      co_await sleep_for(10s);
                                      co_return client::Result();
                                    });
    session->call("e2e.hang", {}, {}, {},
                  [&](std::exception_ptr e, client::Result) { failed = e != nullptr; });
    co_await sleep_for(50ms);
    kill(router.pid(), SIGTERM);
    EXPECT_TRUE(co_await wait_until(
        [&] { return !reason.empty() && failed && !rawsocket_reason.empty(); }));
    EXPECT_EQ(reason, "wamp.close.system_shutdown");
    EXPECT_FALSE(session->is_joined());
    EXPECT_EQ(rawsocket_reason, "wamp.close.system_shutdown");
    EXPECT_FALSE(rawsocket->is_joined());
  });
  EXPECT_EQ(router.wait_exit(10s), 0) << "graceful shutdown exits with 0";
}

// ---------------------------------------------------------------------------------------------
// RawSocket

std::vector<wamp::Serializer> rawsocket_serializers() {
  std::vector<wamp::Serializer> out;
  for (auto s : {wamp::Serializer::json, wamp::Serializer::msgpack, wamp::Serializer::cbor,
                 wamp::Serializer::ubjson}) {
    if (wamp::codec_for(s) != nullptr) out.push_back(s);
  }
  return out;
}

// Caller/callee and publisher/subscriber over RawSocket, on TCP and on the Unix socket, with
// every serializer (JSON, MessagePack, CBOR, and UBJSON when built in): each session of a round
// uses the same transport and serializer.
TEST_F(ClientE2E, RawSocketRpcAndPubSub) {
  run(
      [](asio::io_context& io) -> asio::awaitable<void> {
        int round = 0;
        const std::vector<std::string> urls{router->rs_url(), router->unix_url()};
        for (const std::string& url : urls) {
          for (auto serializer : rawsocket_serializers()) {
            const std::string what = url + " " + std::string(client::serializer_name(serializer));
            const std::string p = "e2e.rs" + std::to_string(++round);
            auto callee = co_await connect(io, serializer, url);
            auto caller = co_await connect(io, serializer, url);
            auto subscriber = co_await connect(io, serializer, url);

            co_await callee->provide(p + ".add", [](client::Invocation& inv) {
              for (std::int64_t i = 0; i < 3; ++i)
                if (inv.progressive()) inv.progress({i});
              return client::Result(wamp::Array{*inv.arg(0).as_int() + *inv.arg(1).as_int()});
            });
            co_await callee->provide(
                p + ".echo", [](client::Invocation& inv) { return client::Result(inv.raw()); });
            // Named first: GCC 12 destroys a lambda's by-value captures twice when the lambda is
            // written inside the co_await expression.
            client::CallHandler fail = [what](client::Invocation&) -> client::Result {
              throw client::Error("com.e2e.rs.oops", {"bad"}, {{"where", what}});
            };
            co_await callee->provide(p + ".fail", std::move(fail));

            wamp::Array args{2, 3};
            auto r = co_await caller->call(p + ".add", std::move(args));
            EXPECT_EQ(r.args(), (wamp::Array{5})) << what;
            EXPECT_EQ(r.raw()->format, serializer) << what;

            std::vector<std::int64_t> progress;
            client::CallOptions progressive;
            progressive.on_progress = [&](const client::Result& pr) {
              progress.push_back(*pr.arg(0).as_int());
            };
            wamp::Array args2{40, 2};
            r = co_await caller->call(p + ".add", std::move(args2), {}, progressive);
            EXPECT_EQ(r.args(), (wamp::Array{42})) << what;
            EXPECT_EQ(progress, (std::vector<std::int64_t>{0, 1, 2})) << what;

            // Binary values, and a message far bigger than the client's first read buffer (and
            // than the router's default RawSocket limit of 128 KiB; this config allows 1 MiB).
            wamp::Array values{wamp::Binary{std::string("\x00\x01\xfe\xff", 4)}, 1.5,
                               std::string(300 * 1024, 'z'), wamp::Object{{"n", nullptr}}};
            r = co_await caller->call(p + ".echo", values);
            EXPECT_TRUE(r.args() == values) << what;

            try {
              co_await caller->call(p + ".fail");
              ADD_FAILURE() << "no error " << what;
            } catch (const client::Error& e) {
              EXPECT_EQ(e.uri(), "com.e2e.rs.oops") << what;
              EXPECT_EQ(e.args(), (wamp::Array{"bad"})) << what;
              EXPECT_EQ(e.kwargs(), (wamp::Object{{"where", what}})) << what;
            }

            std::vector<std::int64_t> events;
            co_await subscriber->subscribe(p + ".topic", [&](const client::Event& e) {
              events.push_back(*e.arg(0).as_int());
              EXPECT_EQ(e.kwargs().at("k"), wamp::Value(wamp::Binary{std::string("\xff", 1)}));
            });
            client::PublishOptions ack;
            ack.acknowledge = true;
            for (int i = 0; i < 50; ++i) {
              wamp::Array a{i};
              wamp::Object kw{{"k", wamp::Binary{std::string("\xff", 1)}}};
              co_await caller->publish(p + ".topic", std::move(a), std::move(kw),
                                       i == 49 ? ack : client::PublishOptions{});
            }
            EXPECT_TRUE(co_await wait_until([&] { return events.size() == 50; })) << what;
            for (int i = 0; i < static_cast<int>(events.size()); ++i)
              EXPECT_EQ(events[i], i) << what;

            EXPECT_EQ(co_await subscriber->leave(), "wamp.close.goodbye_and_out") << what;
            EXPECT_EQ(co_await caller->leave(), "wamp.close.goodbye_and_out") << what;
            EXPECT_EQ(co_await callee->leave(), "wamp.close.goodbye_and_out") << what;
          }
        }
      },
      90s);
}

// RawSocket (TCP, Unix socket) and WebSocket sessions with different serializers in one realm:
// each calls the others' procedures and receives the others' events.
TEST_F(ClientE2E, RawSocketAndWebSocketSessionsTogether) {
  run([](asio::io_context& io) -> asio::awaitable<void> {
    struct Peer {
      std::string name;
      std::shared_ptr<Session> session;
      std::vector<std::string> events;
    };
    std::vector<Peer> peers(3);
    peers[0].name = "websocket-json";
    peers[0].session = co_await connect(io, wamp::Serializer::json);
    peers[1].name = "rawsocket-tcp-msgpack";
    peers[1].session = co_await connect(io, wamp::Serializer::msgpack, router->rs_url());
    peers[2].name = "rawsocket-unix-cbor";
    peers[2].session = co_await connect(io, wamp::Serializer::cbor, router->unix_url());
    for (auto& peer : peers) {
      const std::string name = peer.name;
      // Named first (GCC 12 and by-value captures: see RawSocketRpcAndPubSub).
      client::CallHandler handler = [name](client::Invocation& inv) {
        return client::Result(wamp::Array{name, inv.arg(0), inv.arg(1)});
      };
      co_await peer.session->provide("e2e.mix." + name, std::move(handler));
      co_await peer.session->subscribe("e2e.mix.topic", [&peer](const client::Event& e) {
        peer.events.push_back(*e.arg(0).as_string() + "/" +
                              (e.arg(1) == wamp::Value(wamp::Binary{std::string("\x00\x80", 2)})
                                   ? "binary ok"
                                   : "binary wrong"));
      });
    }
    for (auto& from : peers) {
      for (auto& to : peers) {
        wamp::Array args{from.name, wamp::Binary{std::string("\x00\x80", 2)}};
        auto r = co_await from.session->call("e2e.mix." + to.name, std::move(args));
        EXPECT_EQ(r.args(),
                  (wamp::Array{to.name, from.name, wamp::Binary{std::string("\x00\x80", 2)}}))
            << from.name << " -> " << to.name;
      }
    }
    client::PublishOptions everyone;
    everyone.acknowledge = true;
    everyone.exclude_me = false;
    for (auto& from : peers) {
      wamp::Array args{from.name, wamp::Binary{std::string("\x00\x80", 2)}};
      co_await from.session->publish("e2e.mix.topic", std::move(args), {}, everyone);
    }
    EXPECT_TRUE(co_await wait_until([&] {
      for (auto& peer : peers)
        if (peer.events.size() < 3) return false;
      return true;
    }));
    const std::vector<std::string> expected{"websocket-json/binary ok",
                                            "rawsocket-tcp-msgpack/binary ok",
                                            "rawsocket-unix-cbor/binary ok"};
    for (auto& peer : peers) {
      auto got = peer.events;
      EXPECT_EQ(got, expected) << peer.name;
      co_await peer.session->leave();
    }
  });
}

// A message bigger than the router announced in its handshake (1 MiB here) is not sent: the
// connection is closed and the call fails with a reason that says so.
TEST_F(ClientE2E, RawSocketMessageOverTheRoutersLimitFailsClearly) {
  run([](asio::io_context& io) -> asio::awaitable<void> {
    auto caller = co_await connect(io, wamp::Serializer::msgpack, router->rs_url());
    std::string reason;
    caller->on_close([&](const std::string& r) { reason = r; });
    wamp::Array args{std::string(2 * 1024 * 1024, 'x')};
    try {
      co_await caller->call("e2e.rs.big", std::move(args));
      ADD_FAILURE() << "a 2 MiB call went through";
    } catch (const client::Error& e) {
      EXPECT_EQ(e.uri(), client::errors::disconnected);
      EXPECT_NE(std::string(e.what()).find("the router accepts at most 1048576 bytes"),
                std::string::npos)
          << e.what();
    }
    EXPECT_FALSE(caller->is_joined());
    // on_close may run after the failed call has resumed us.
    EXPECT_TRUE(co_await wait_until([&] { return !reason.empty(); }));
    EXPECT_NE(reason.find("cannot send a message of 2097"), std::string::npos) << reason;
  });
}

// The Unix socket listener pings every second and closes a connection that does not answer
// within 3 s: an idle RawSocket session stays joined because the client answers with PONGs.
TEST_F(ClientE2E, RawSocketAnswersTheRoutersPings) {
  run([](asio::io_context& io) -> asio::awaitable<void> {
    auto session = co_await connect(io, wamp::Serializer::json, router->unix_url());
    std::string reason;
    session->on_close([&](const std::string& r) { reason = r; });
    co_await sleep_for(5500ms);
    EXPECT_TRUE(session->is_joined()) << reason;
    co_await session->provide("e2e.rs.alive",
                              [](client::Invocation&) { return client::Result(wamp::Array{1}); });
    auto r = co_await session->call("e2e.rs.alive");
    EXPECT_EQ(r.args(), (wamp::Array{1}));
    co_await session->leave();
  });
}

// A RawSocket listener that does not offer the serializer asked for refuses the handshake; the
// client says so. So does a WebSocket port asked for RawSocket.
TEST(ClientE2ERawSocket, HandshakeRefusalIsAClearError) {
  RouterProcess router(
      test::junction_binary(JUNCTION_BIN),
      test::default_router_config(R"(["json", "msgpack", "cbor"])", R"(["json"])"));
  router.start();
  run([&](asio::io_context& io) -> asio::awaitable<void> {
    const std::vector<std::string> urls{router.rs_url(), router.unix_url()};
    for (const std::string& url : urls) {
      client::ConnectOptions cbor;
      cbor.serializer = wamp::Serializer::cbor;
      try {
        co_await Session::connect(io, url, "realm1", cbor);
        ADD_FAILURE() << "joined with cbor at " << url;
      } catch (const client::Error& e) {
        EXPECT_EQ(e.uri(), client::errors::disconnected);
        EXPECT_NE(
            std::string(e.what()).find(
                "refused the RawSocket handshake: serializer unsupported (we asked for cbor)"),
            std::string::npos)
            << e.what();
      }
      // The serializer it does offer works.
      auto session = co_await Session::connect(io, url, "realm1");
      EXPECT_TRUE(session->is_joined());
      co_await session->leave();
    }
    try {
      co_await Session::connect(io, "rs://127.0.0.1:" + std::to_string(router.port()), "realm1");
      ADD_FAILURE() << "RawSocket to the WebSocket port joined";
    } catch (const client::Error& e) {
      EXPECT_EQ(e.uri(), client::errors::disconnected);
      EXPECT_NE(std::string(e.what()).find("RawSocket"), std::string::npos) << e.what();
      std::cerr << "rs:// to the WebSocket port: " << e.what() << "\n";
    }
  });
  if (::testing::Test::HasFailure()) std::cerr << router.log_tail();
}

// An Autobahn|Python peer (tests/client/autobahn_peer.py) and a C++ session call and publish to
// each other.
TEST_F(ClientE2E, AutobahnPythonInterop) {
  run(
      [](asio::io_context& io) -> asio::awaitable<void> {
        auto session = co_await connect(io);
        std::vector<wamp::Array> from_python;
        bool python_ready = false;
        co_await session->provide("cpp.echo", [](client::Invocation& inv) {
          return client::Result(inv.raw());  // args and kwargs back as they came
        });
        co_await session->subscribe(
            "cpp.topic", [&](const client::Event& e) { from_python.push_back(e.args()); });
        co_await session->subscribe("py.ready", [&](const client::Event&) { python_ready = true; });

        const pid_t pid = fork();
        if (pid == 0) {
          const std::string url = router->url();
          execl(JUNCTION_PYTHON, JUNCTION_PYTHON, AUTOBAHN_PEER, url.c_str(), "realm1",
                static_cast<char*>(nullptr));
          _exit(127);
        }
        EXPECT_TRUE(co_await wait_until([&] { return python_ready; }, 20s)) << "peer never ready";
        if (python_ready) {
          EXPECT_EQ(from_python, (std::vector<wamp::Array>{{42, "from python"}}));
          wamp::Array args{2, 3};
          auto r = co_await session->call("py.add2", std::move(args));
          EXPECT_EQ(r.args(), (wamp::Array{5}));
          try {
            co_await session->call("py.fail");
            ADD_FAILURE() << "no error";
          } catch (const client::Error& e) {
            EXPECT_EQ(e.uri(), "com.py.error");
            EXPECT_EQ(e.args(), (wamp::Array{"bad"}));
            EXPECT_EQ(e.kwargs(), (wamp::Object{{"code", 7}}));
          }
          std::vector<std::int64_t> progress;
          client::CallOptions options;
          options.on_progress = [&](const client::Result& p) {
            progress.push_back(*p.arg(0).as_int());
          };
          wamp::Array n{3};
          r = co_await session->call("py.count", std::move(n), {}, options);
          EXPECT_EQ(progress, (std::vector<std::int64_t>{0, 1, 2}));
          EXPECT_EQ(r.args(), (wamp::Array{"done"}));
        }
        client::PublishOptions ack;
        ack.acknowledge = true;
        co_await session->publish("py.stop", {}, {}, ack);
        int status = -1;
        bool exited =
            co_await wait_until([&] { return waitpid(pid, &status, WNOHANG) == pid; }, 20s);
        if (!exited) {
          kill(pid, SIGKILL);
          waitpid(pid, &status, 0);
        }
        EXPECT_TRUE(exited) << "the Autobahn peer did not exit";
        EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "peer status " << status;
      },
      40s);
}

}  // namespace
