// tests/unit/client_session_test: the client Session's state machine driven through a fake
// transport (no sockets): join/abort, every role's request/answer, errors, progressive results,
// cancellation, timeouts, leaving, router-initiated close and protocol violations. Also URL
// parsing.
#include <gtest/gtest.h>

#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>

#include "client/client.hpp"
#include "client/url.hpp"
#include "client_fakes.hpp"

namespace {

namespace asio = boost::asio;
using namespace junction;
using client::Session;
using wamp::Message;
using wamp::MessageType;
using namespace junction::client_test;

class ClientSessionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    transport = std::make_shared<FakeTransport>();
    Captured<std::shared_ptr<Session>> joined;
    Session::join(io.get_executor(), transport, "realm1", {}, joined.handler());
    io.poll();
    ASSERT_EQ(transport->sent.size(), 1u);
    const Message& hello = transport->last();
    EXPECT_EQ(hello.type, MessageType::hello);
    EXPECT_EQ(hello.uri, "realm1");
    const wamp::Object* roles = wamp::get_object(hello.options, "roles");
    ASSERT_NE(roles, nullptr);
    for (const char* role : {"caller", "callee", "publisher", "subscriber"})
      EXPECT_NE(wamp::get_object(*roles, role), nullptr) << role;
    EXPECT_FALSE(joined.done);
    Message welcome = msg(MessageType::welcome, 0, 4242);
    welcome.options["roles"] = wamp::Object{
        {"dealer", wamp::Object{{"features", wamp::Object{{"call_canceling", true}}}}}};
    transport->deliver(welcome);
    io.poll();
    ASSERT_TRUE(joined.done);
    ASSERT_FALSE(joined.error);
    session = joined.value;
    ASSERT_TRUE(session->is_joined());
    EXPECT_EQ(session->id(), 4242u);
    EXPECT_TRUE(session->router_has_feature("dealer", "call_canceling"));
    EXPECT_FALSE(session->router_has_feature("dealer", "call_timeout"));
  }

  void run_for(std::chrono::milliseconds d) {
    io.restart();
    io.run_for(d);
  }

  asio::io_context io;
  std::shared_ptr<FakeTransport> transport;
  std::shared_ptr<Session> session;
};

TEST(ClientJoinTest, AbortFailsTheJoinWithTheRouterReason) {
  asio::io_context io;
  auto transport = std::make_shared<FakeTransport>();
  Captured<std::shared_ptr<Session>> joined;
  Session::join(io.get_executor(), transport, "nope", {}, joined.handler());
  pump(io);
  transport->deliver(wamp::make_abort("wamp.error.no_such_realm", "no realm 'nope'"));
  pump(io);
  ASSERT_TRUE(joined.done);
  EXPECT_EQ(joined.error_uri(), "wamp.error.no_such_realm");
  try {
    std::rethrow_exception(joined.error);
  } catch (const client::Error& e) {
    ASSERT_EQ(e.args().size(), 1u);
    EXPECT_EQ(e.args()[0], wamp::Value("no realm 'nope'"));
  }
  EXPECT_FALSE(transport->open);
}

TEST(ClientJoinTest, TransportLostBeforeWelcome) {
  asio::io_context io;
  auto transport = std::make_shared<FakeTransport>();
  Captured<std::shared_ptr<Session>> joined;
  Session::join(io.get_executor(), transport, "realm1", {}, joined.handler());
  pump(io);
  transport->drop("connection reset");
  pump(io);
  ASSERT_TRUE(joined.done);
  EXPECT_EQ(joined.error_uri(), client::errors::disconnected);
}

TEST(ClientJoinTest, NoWelcomeInTimeFails) {
  asio::io_context io;
  auto transport = std::make_shared<FakeTransport>();
  Captured<std::shared_ptr<Session>> joined;
  client::ConnectOptions options;
  options.timeout = std::chrono::milliseconds(20);
  Session::join(io.get_executor(), transport, "realm1", options, joined.handler());
  io.run_for(std::chrono::milliseconds(500));
  ASSERT_TRUE(joined.done);
  EXPECT_EQ(joined.error_uri(), client::errors::disconnected);
  EXPECT_FALSE(transport->open);
}

TEST_F(ClientSessionTest, CallResult) {
  Captured<client::Result> r;
  client::CallOptions options;
  options.disclose_me = true;
  session->call("com.add", {1, 2}, {{"k", "v"}}, options, r.handler());
  const Message& call = transport->last();
  EXPECT_EQ(call.type, MessageType::call);
  EXPECT_EQ(call.uri, "com.add");
  EXPECT_EQ(wamp::get_bool(call.options, "disclose_me"), true);
  client::Payload sent(call.payload);
  EXPECT_EQ(sent.args(), (wamp::Array{1, 2}));
  EXPECT_EQ(sent.kwargs(), (wamp::Object{{"k", "v"}}));
  Message result = msg(MessageType::result, call.request);
  result.payload = wamp::make_payload({3});
  transport->deliver(result);
  ASSERT_TRUE(r.done);
  ASSERT_FALSE(r.error);
  EXPECT_EQ(r.value.args(), (wamp::Array{3}));
  EXPECT_EQ(r.value.arg(0), wamp::Value(3));
  EXPECT_TRUE(r.value.arg(5).is_null());
}

TEST_F(ClientSessionTest, CallRawSendsThePayloadAsIs) {
  auto payload = session->make_payload({"x"});
  Captured<client::Result> r;
  session->call_raw("p", payload, {}, r.handler());
  EXPECT_EQ(transport->last().payload->args, payload->args);
  Message result = msg(MessageType::result, transport->last().request);
  result.payload = payload;
  transport->deliver(result);
  ASSERT_TRUE(r.done);
  EXPECT_EQ(r.value.raw()->args, "[\"x\"]");
}

TEST_F(ClientSessionTest, CallErrorCarriesUriArgsKwargs) {
  Captured<client::Result> r;
  session->call("com.fail", {}, {}, {}, r.handler());
  Message err = wamp::make_error(MessageType::call, transport->last().request, "com.error.bad",
                                 wamp::make_payload({"why", 7}, {{"code", 42}}));
  transport->deliver(err);
  ASSERT_TRUE(r.done);
  try {
    std::rethrow_exception(r.error);
  } catch (const client::Error& e) {
    EXPECT_EQ(e.uri(), "com.error.bad");
    EXPECT_EQ(e.args(), (wamp::Array{"why", 7}));
    EXPECT_EQ(e.kwargs(), (wamp::Object{{"code", 42}}));
    EXPECT_NE(std::string(e.what()).find("com.error.bad"), std::string::npos);
  }
}

TEST_F(ClientSessionTest, ProgressiveResults) {
  std::vector<wamp::Array> progress;
  Captured<client::Result> r;
  client::CallOptions options;
  options.on_progress = [&](const client::Result& p) { progress.push_back(p.args()); };
  session->call("p", {}, {}, options, r.handler());
  const wamp::Id request = transport->last().request;
  EXPECT_EQ(wamp::get_bool(transport->last().options, "receive_progress"), true);
  for (int i = 0; i < 3; ++i) {
    Message p = msg(MessageType::result, request);
    p.options["progress"] = true;
    p.payload = wamp::make_payload({i});
    transport->deliver(p);
  }
  EXPECT_FALSE(r.done);
  Message fin = msg(MessageType::result, request);
  fin.payload = wamp::make_payload({"done"});
  transport->deliver(fin);
  ASSERT_TRUE(r.done);
  EXPECT_EQ(progress, (std::vector<wamp::Array>{{0}, {1}, {2}}));
  EXPECT_EQ(r.value.args(), (wamp::Array{"done"}));
}

TEST_F(ClientSessionTest, CancellationSlotSendsCancel) {
  asio::cancellation_signal signal;
  Captured<client::Result> r;
  client::CallOptions options;
  options.cancel_mode = client::CancelMode::kill;
  session->call("slow", {}, {}, options, asio::bind_cancellation_slot(signal.slot(), r.handler()));
  const wamp::Id request = transport->last().request;
  signal.emit(asio::cancellation_type::terminal);
  const Message& cancel = transport->last();
  EXPECT_EQ(cancel.type, MessageType::cancel);
  EXPECT_EQ(cancel.request, request);
  EXPECT_EQ(
      wamp::get_string(cancel.options, "mode") ? *wamp::get_string(cancel.options, "mode") : "",
      "kill");
  EXPECT_FALSE(r.done);
  transport->deliver(wamp::make_error(MessageType::call, request, "wamp.error.canceled"));
  ASSERT_TRUE(r.done);
  EXPECT_EQ(r.error_uri(), "wamp.error.canceled");
}

TEST_F(ClientSessionTest, CallTimeoutFailsAndCancels) {
  Captured<client::Result> r;
  client::CallOptions options;
  options.timeout = std::chrono::milliseconds(10);
  session->call("slow", {}, {}, options, r.handler());
  const wamp::Id request = transport->last().request;
  EXPECT_EQ(wamp::find(transport->last().options, "timeout"),
            nullptr);  // router lacks call_timeout
  run_for(std::chrono::milliseconds(300));
  ASSERT_TRUE(r.done);
  EXPECT_EQ(r.error_uri(), client::errors::timeout);
  EXPECT_EQ(transport->last().type, MessageType::cancel);
  EXPECT_EQ(transport->last().request, request);
  // The router's late answer is dropped.
  transport->deliver(wamp::make_error(MessageType::call, request, "wamp.error.canceled"));
}

TEST_F(ClientSessionTest, RegisterInvokeYield) {
  Captured<client::Registration> reg;
  session->provide(
      "com.add",
      [](client::Invocation& inv) {
        return client::Result(wamp::Array{*inv.arg(0).as_int() + *inv.arg(1).as_int()});
      },
      {}, reg.handler());
  EXPECT_EQ(transport->last().type, MessageType::reg);
  EXPECT_EQ(transport->last().uri, "com.add");
  transport->deliver(msg(MessageType::registered, transport->last().request, 77));
  ASSERT_TRUE(reg.done);
  EXPECT_EQ(reg.value.id, 77u);

  Message inv = msg(MessageType::invocation, 5, 77);
  inv.payload = wamp::make_payload({2, 3});
  transport->deliver(inv);
  const Message& yield = transport->last();
  EXPECT_EQ(yield.type, MessageType::yield);
  EXPECT_EQ(yield.request, 5u);
  EXPECT_EQ(client::Payload(yield.payload).args(), (wamp::Array{5}));

  // Unknown registration: an error, not a crash.
  transport->deliver(msg(MessageType::invocation, 6, 999));
  EXPECT_EQ(transport->last().type, MessageType::error);
  EXPECT_EQ(transport->last().uri, "wamp.error.no_such_registration");

  CapturedVoid unreg;
  session->unregister(reg.value, unreg.handler());
  EXPECT_EQ(transport->last().type, MessageType::unregister);
  EXPECT_EQ(transport->last().id, 77u);
  transport->deliver(msg(MessageType::unregistered, transport->last().request));
  EXPECT_TRUE(unreg.done);
  EXPECT_FALSE(unreg.error);
}

TEST_F(ClientSessionTest, CalleeErrorsAndProgress) {
  Captured<client::Registration> reg;
  session->provide(
      "p",
      [](client::Invocation& inv) -> client::Result {
        if (inv.arg(0) == wamp::Value("app")) throw client::Error("com.app.oops", {1}, {{"x", 2}});
        if (inv.arg(0) == wamp::Value("std")) throw std::runtime_error("boom");
        inv.progress({"step"});
        return client::Result(wamp::Array{"final"});
      },
      {}, reg.handler());
  transport->deliver(msg(MessageType::registered, transport->last().request, 1));

  Message a = msg(MessageType::invocation, 10, 1);
  a.payload = wamp::make_payload({"app"});
  transport->deliver(a);
  EXPECT_EQ(transport->last().type, MessageType::error);
  EXPECT_EQ(transport->last().error_type, MessageType::invocation);
  EXPECT_EQ(transport->last().uri, "com.app.oops");
  EXPECT_EQ(client::Payload(transport->last().payload).kwargs(), (wamp::Object{{"x", 2}}));

  Message b = msg(MessageType::invocation, 11, 1);
  b.payload = wamp::make_payload({"std"});
  transport->deliver(b);
  EXPECT_EQ(transport->last().uri, "wamp.error.runtime_error");
  EXPECT_EQ(client::Payload(transport->last().payload).args(), (wamp::Array{"boom"}));

  Message c = msg(MessageType::invocation, 12, 1);
  c.options["receive_progress"] = true;
  transport->deliver(c);
  ASSERT_GE(transport->sent.size(), 2u);
  const Message& progress = transport->sent[transport->sent.size() - 2];
  EXPECT_EQ(progress.type, MessageType::yield);
  EXPECT_EQ(wamp::get_bool(progress.options, "progress"), true);
  EXPECT_EQ(transport->last().type, MessageType::yield);
  EXPECT_EQ(wamp::find(transport->last().options, "progress"), nullptr);
}

TEST_F(ClientSessionTest, AsyncHandlerIsCancelledByInterrupt) {
  Captured<client::Registration> reg;
  session->provide_async(
      "slow",
      [](client::Invocation inv) -> asio::awaitable<client::Result> {
        asio::steady_timer t(co_await asio::this_coro::executor, std::chrono::seconds(30));
        co_await t.async_wait(asio::use_awaitable);
        co_return client::Result(wamp::Array{inv.request()});
      },
      {}, reg.handler());
  transport->deliver(msg(MessageType::registered, transport->last().request, 3));
  transport->deliver(msg(MessageType::invocation, 20, 3));
  pump(io);
  const std::size_t before = transport->sent.size();
  Message interrupt = msg(MessageType::interrupt, 20);
  interrupt.options["mode"] = "kill";
  transport->deliver(interrupt);
  run_for(std::chrono::milliseconds(200));
  ASSERT_EQ(transport->sent.size(), before + 1);
  EXPECT_EQ(transport->last().type, MessageType::error);
  EXPECT_EQ(transport->last().request, 20u);
  EXPECT_EQ(transport->last().uri, "wamp.error.canceled");
}

TEST_F(ClientSessionTest, AsyncHandlerYields) {
  Captured<client::Registration> reg;
  session->provide_async(
      "echo",
      [](client::Invocation inv) -> asio::awaitable<client::Result> {
        co_return client::Result(inv.raw());
      },
      {}, reg.handler());
  transport->deliver(msg(MessageType::registered, transport->last().request, 3));
  Message inv = msg(MessageType::invocation, 21, 3);
  inv.payload = wamp::make_payload({"hi"});
  transport->deliver(inv);
  run_for(std::chrono::milliseconds(50));
  EXPECT_EQ(transport->last().type, MessageType::yield);
  EXPECT_EQ(client::Payload(transport->last().payload).args(), (wamp::Array{"hi"}));
}

TEST_F(ClientSessionTest, SubscribeEventsAndUnsubscribe) {
  std::vector<wamp::Array> first, second;
  Captured<client::Subscription> s1, s2;
  session->subscribe(
      "t", [&](const client::Event& e) { first.push_back(e.args()); }, {}, s1.handler());
  transport->deliver(msg(MessageType::subscribed, transport->last().request, 9));
  session->subscribe(
      "t", [&](const client::Event& e) { second.push_back(e.args()); }, {}, s2.handler());
  transport->deliver(msg(MessageType::subscribed, transport->last().request, 9));
  ASSERT_TRUE(s1.done && s2.done);
  EXPECT_EQ(s1.value.id, 9u);
  EXPECT_NE(s1.value.handler, s2.value.handler);

  Message ev = msg(MessageType::event, 0, 9);
  ev.id2 = 1000;
  ev.options["publisher"] = 55;
  ev.payload = wamp::make_payload({1});
  transport->deliver(ev);
  EXPECT_EQ(first.size(), 1u);
  EXPECT_EQ(second.size(), 1u);

  const std::size_t sent = transport->sent.size();
  CapturedVoid u1;
  session->unsubscribe(s1.value, u1.handler());
  EXPECT_EQ(transport->sent.size(), sent);  // the other handler keeps the subscription
  pump(io);
  EXPECT_TRUE(u1.done);
  transport->deliver(ev);
  EXPECT_EQ(first.size(), 1u);
  EXPECT_EQ(second.size(), 2u);

  CapturedVoid u2;
  session->unsubscribe(s2.value, u2.handler());
  EXPECT_EQ(transport->last().type, MessageType::unsubscribe);
  EXPECT_EQ(transport->last().id, 9u);
  transport->deliver(ev);  // in flight: dropped
  EXPECT_EQ(second.size(), 2u);
  transport->deliver(msg(MessageType::unsubscribed, transport->last().request));
  EXPECT_TRUE(u2.done);
}

TEST_F(ClientSessionTest, EventDetails) {
  client::Event got;
  Captured<client::Subscription> s;
  session->subscribe(
      "t", [&](const client::Event& e) { got = e; }, {}, s.handler());
  transport->deliver(msg(MessageType::subscribed, transport->last().request, 9));
  Message ev = msg(MessageType::event, 0, 9);
  ev.id2 = 1000;
  ev.options["publisher"] = 55;
  ev.payload = wamp::make_payload({}, {{"a", 1}});
  transport->deliver(ev);
  EXPECT_EQ(got.publication, 1000u);
  EXPECT_EQ(got.topic, "t");
  EXPECT_EQ(got.publisher(), 55u);
  EXPECT_EQ(got.kwargs(), (wamp::Object{{"a", 1}}));
  EXPECT_TRUE(got.args().empty());
}

TEST_F(ClientSessionTest, PublishOptionsAndAcknowledge) {
  Captured<wamp::Id> plain, acked;
  session->publish("t", {1}, {}, {}, plain.handler());
  EXPECT_EQ(transport->last().type, MessageType::publish);
  EXPECT_TRUE(transport->last().options.empty());
  EXPECT_FALSE(plain.done);  // never inside the initiating call
  pump(io);
  EXPECT_TRUE(plain.done);
  EXPECT_EQ(plain.value, 0u);

  client::PublishOptions options;
  options.acknowledge = true;
  options.exclude_me = false;
  options.exclude = {1, 2};
  options.eligible = {3};
  options.disclose_me = true;
  session->publish("t", {}, {}, options, acked.handler());
  client::PublishOptions ack;
  ack.acknowledge = true;
  const Message& pub = transport->last();
  EXPECT_EQ(wamp::get_bool(pub.options, "acknowledge"), true);
  EXPECT_EQ(wamp::get_bool(pub.options, "exclude_me"), false);
  EXPECT_EQ(wamp::get_bool(pub.options, "disclose_me"), true);
  ASSERT_NE(wamp::get_array(pub.options, "exclude"), nullptr);
  EXPECT_EQ(*wamp::get_array(pub.options, "exclude"), (wamp::Array{1, 2}));
  transport->deliver(msg(MessageType::published, pub.request, 31337));
  ASSERT_TRUE(acked.done);
  EXPECT_EQ(acked.value, 31337u);

  Captured<wamp::Id> refused;
  session->publish("wamp.x", {}, {}, ack, refused.handler());
  transport->deliver(wamp::make_error(MessageType::publish, transport->last().request,
                                      "wamp.error.not_authorized"));
  EXPECT_EQ(refused.error_uri(), "wamp.error.not_authorized");

  EXPECT_TRUE(session->publish_nowait("t", session->make_payload({1}), ack));
  EXPECT_EQ(wamp::find(transport->last().options, "acknowledge"), nullptr);
}

TEST_F(ClientSessionTest, SubscribeAndRegisterErrors) {
  Captured<client::Subscription> s;
  session->subscribe(
      "bad..uri", [](const client::Event&) {}, {}, s.handler());
  transport->deliver(wamp::make_error(MessageType::subscribe, transport->last().request,
                                      "wamp.error.invalid_uri"));
  EXPECT_EQ(s.error_uri(), "wamp.error.invalid_uri");
  Captured<client::Registration> r;
  session->provide(
      "p", [](client::Invocation&) { return client::Result(); }, {}, r.handler());
  transport->deliver(wamp::make_error(MessageType::reg, transport->last().request,
                                      "wamp.error.procedure_already_exists"));
  EXPECT_EQ(r.error_uri(), "wamp.error.procedure_already_exists");
}

TEST_F(ClientSessionTest, LeaveSendsGoodbyeAndWaitsForTheAnswer) {
  Captured<std::string> left;
  session->leave("wamp.close.close_realm", left.handler());
  EXPECT_EQ(transport->last().type, MessageType::goodbye);
  EXPECT_EQ(transport->last().uri, "wamp.close.close_realm");
  EXPECT_FALSE(left.done);
  EXPECT_FALSE(session->is_joined());
  transport->deliver(wamp::make_goodbye("wamp.close.goodbye_and_out"));
  ASSERT_TRUE(left.done);
  EXPECT_EQ(left.value, "wamp.close.goodbye_and_out");
  EXPECT_FALSE(transport->open);

  Captured<client::Result> r;
  session->call("p", {}, {}, {}, r.handler());
  EXPECT_FALSE(r.done);
  pump(io);
  EXPECT_EQ(r.error_uri(), client::errors::not_joined);
}

TEST_F(ClientSessionTest, RouterGoodbyeFailsPendingAndNotifies) {
  std::string closed;
  session->on_close([&](const std::string& reason) { closed = reason; });
  Captured<client::Result> r;
  session->call("p", {}, {}, {}, r.handler());
  transport->deliver(wamp::make_goodbye("wamp.close.system_shutdown"));
  EXPECT_EQ(transport->last().type, MessageType::goodbye);
  EXPECT_EQ(transport->last().uri, "wamp.close.goodbye_and_out");
  EXPECT_EQ(closed, "wamp.close.system_shutdown");
  ASSERT_TRUE(r.done);
  EXPECT_EQ(r.error_uri(), client::errors::disconnected);
}

TEST_F(ClientSessionTest, TransportLossFailsEverythingPending) {
  std::string closed;
  session->on_close([&](const std::string& reason) { closed = reason; });
  Captured<client::Result> r;
  Captured<client::Subscription> s;
  Captured<wamp::Id> p;
  session->call("p", {}, {}, {}, r.handler());
  session->subscribe(
      "t", [](const client::Event&) {}, {}, s.handler());
  client::PublishOptions ack;
  ack.acknowledge = true;
  session->publish("t", {}, {}, ack, p.handler());
  transport->drop("connection reset");
  EXPECT_EQ(closed, "connection reset");
  EXPECT_EQ(r.error_uri(), client::errors::disconnected);
  EXPECT_EQ(s.error_uri(), client::errors::disconnected);
  EXPECT_EQ(p.error_uri(), client::errors::disconnected);
}

TEST_F(ClientSessionTest, GarbageIsAProtocolViolation) {
  std::string closed;
  session->on_close([&](const std::string& reason) { closed = reason; });
  transport->deliver_raw("[not json");
  EXPECT_EQ(transport->last().type, MessageType::abort);
  EXPECT_EQ(transport->last().uri, "wamp.error.protocol_violation");
  EXPECT_FALSE(transport->open);
  EXPECT_EQ(closed, "wamp.error.protocol_violation");
}

TEST_F(ClientSessionTest, AwaitableStyle) {
  bool finished = false;
  asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        // GCC 12 cannot compile a braced list inside a co_await expression ("array used as
        // initializer"): build the arguments first.
        wamp::Array args{1, 2};
        auto result = co_await session->call("com.add", std::move(args));
        EXPECT_EQ(result.args(), (wamp::Array{3}));
        try {
          co_await session->call("com.fail");
          ADD_FAILURE() << "no exception";
        } catch (const client::Error& e) {
          EXPECT_EQ(e.uri(), "com.error");
        }
        finished = true;
      },
      asio::detached);
  pump(io);
  Message result = msg(MessageType::result, transport->last().request);
  result.payload = wamp::make_payload({3});
  transport->deliver(result);
  pump(io);
  transport->deliver(wamp::make_error(MessageType::call, transport->last().request, "com.error"));
  pump(io);
  EXPECT_TRUE(finished);
}

TEST(ClientUrlTest, Parses) {
  auto u = client::parse_url("ws://127.0.0.1:8080/ws");
  ASSERT_TRUE(u);
  EXPECT_EQ(u->scheme, "ws");
  EXPECT_EQ(u->host, "127.0.0.1");
  EXPECT_EQ(u->port, "8080");
  EXPECT_EQ(u->target, "/ws");
  u = client::parse_url("WS://example.com");
  ASSERT_TRUE(u);
  EXPECT_EQ(u->scheme, "ws");
  EXPECT_EQ(u->port, "80");
  EXPECT_EQ(u->target, "/");
  u = client::parse_url("ws://[::1]:9000/x?y=1");
  ASSERT_TRUE(u);
  EXPECT_EQ(u->host, "::1");
  EXPECT_EQ(u->target, "/x?y=1");
  EXPECT_FALSE(client::parse_url("127.0.0.1:8080"));
  EXPECT_FALSE(client::parse_url("ws://:80/"));
  EXPECT_FALSE(client::parse_url("ws://h:8o/"));
  EXPECT_FALSE(client::parse_url("rs://h"));
  EXPECT_TRUE(client::parse_url("rs://h:8081"));
  // An IPv6 address needs its brackets; an unclosed bracket or junk after "]" is refused.
  EXPECT_FALSE(client::parse_url("ws://::1:9000/"));
  EXPECT_FALSE(client::parse_url("ws://[::1:9000/"));
  EXPECT_FALSE(client::parse_url("ws://[::1]9000/"));
  u = client::parse_url("ws://[::1]/");
  ASSERT_TRUE(u);
  EXPECT_EQ(u->port, "80");
}

TEST(ClientSerializerTest, Names) {
  EXPECT_EQ(client::codec_by_name("json"), wamp::codec_for(wamp::Serializer::json));
  EXPECT_EQ(client::codec_by_name("yaml"), nullptr);
  EXPECT_EQ(client::serializer_name(wamp::Serializer::cbor), "cbor");
}

}  // namespace

namespace {
TEST_F(ClientSessionTest, AwaitableProvide) {
  bool finished = false;
  asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        auto reg =
            co_await session->provide("p", [](client::Invocation&) { return client::Result(); });
        EXPECT_EQ(reg.id, 5u);
        finished = true;
      },
      asio::detached);
  pump(io);
  transport->deliver(msg(MessageType::registered, transport->last().request, 5));
  pump(io);
  EXPECT_TRUE(finished);
}
}  // namespace
