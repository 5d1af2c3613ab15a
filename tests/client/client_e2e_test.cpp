// tests/client/client_e2e_test: the C++ client library against a live junction (started on a
// free port by RouterProcess): RPC, PubSub, errors, progressive results, cancellation, timeouts,
// leaving, every serializer the router speaks, router shutdown, and interop with an
// Autobahn|Python peer. Every wait has a timeout.
#include <gtest/gtest.h>

#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include "client/client.hpp"
#include "router_process.hpp"

namespace {

namespace asio = boost::asio;
using namespace junction;
using namespace std::chrono_literals;
using client::Session;
using test::RouterProcess;

// Runs the coroutine `body(io)` on a fresh io_context for at most `timeout`; fails the test on a
// timeout or an exception.
template <typename Body>
void run(Body&& body, std::chrono::milliseconds timeout = 15s) {
  asio::io_context io;
  bool done = false;
  std::exception_ptr error;
  asio::co_spawn(io, body(io), [&](std::exception_ptr e) {
    done = true;
    error = e;
  });
  io.run_for(timeout);
  ASSERT_TRUE(done) << "timed out after " << timeout.count() << " ms";
  if (error) {
    try {
      std::rethrow_exception(error);
    } catch (const std::exception& e) {
      FAIL() << "exception: " << e.what();
    }
  }
}

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
    router = new RouterProcess(JUNCTION_BIN, test::default_router_config());
    router->start();
  }
  static void TearDownTestSuite() {
    delete router;
    router = nullptr;
  }
  void TearDown() override {
    if (HasFailure()) std::cerr << "---- junction log ----\n" << router->log_tail();
  }
  static asio::awaitable<std::shared_ptr<Session>> connect(
      asio::io_context& io, wamp::Serializer serializer = wamp::Serializer::json) {
    client::ConnectOptions options;
    options.serializer = serializer;
    co_return co_await Session::connect(io, router->url(), "realm1", options);
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
  RouterProcess router(JUNCTION_BIN, test::default_router_config());
  router.start();
  run([&](asio::io_context& io) -> asio::awaitable<void> {
    auto session = co_await Session::connect(io, router.url(), "realm1");
    std::string reason;
    session->on_close([&](const std::string& r) { reason = r; });
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
    EXPECT_TRUE(co_await wait_until([&] { return !reason.empty() && failed; }));
    EXPECT_EQ(reason, "wamp.close.system_shutdown");
    EXPECT_FALSE(session->is_joined());
  });
  EXPECT_EQ(router.wait_exit(10s), 0) << "graceful shutdown exits with 0";
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
