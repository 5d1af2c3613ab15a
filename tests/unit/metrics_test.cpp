// The node's metrics (src/metrics) and what feeds them: the exposition text format (escaping,
// families), the router's counters (messages by type, authentication failures, sessions per
// realm) through collect(), collectors added and removed, and the health service's answers.
#include <gtest/gtest.h>

#include <memory>
#include <optional>
#include <string>

#include "metrics/exposition.hpp"
#include "metrics/health_service.hpp"
#include "metrics/metrics_service.hpp"
#include "metrics/registry.hpp"
#include "router/counters.hpp"
#include "router_test_support.hpp"

namespace junction::metrics {
namespace {

using namespace junction::router::test_support;
using router::Router;
using router::RouterConfig;
using router::test_support::FakePeer;
using wamp::Message;
using wamp::MessageType;

// The value of the sample line that starts with `series` ("name{labels}" or "name"), if any.
std::optional<std::uint64_t> value_of(const std::string& text, const std::string& series) {
  const std::string key = "\n" + series + " ";
  const auto at = ("\n" + text).find(key);
  if (at == std::string::npos) return std::nullopt;
  return std::stoull(text.substr(at + key.size() - 1));
}

TEST(MetricsExposition, FamiliesSamplesAndEscaping) {
  Exposition out;
  out.family("x_total", "counter", "a help\nwith \\ and \"quotes\"");
  out.sample("x_total", {{"realm", "a\"b\\c\nd"}, {"type", "CALL"}}, 42);
  out.sample("x_total", 7);
  EXPECT_EQ(out.text(),
            "# HELP x_total a help\\nwith \\\\ and \"quotes\"\n"
            "# TYPE x_total counter\n"
            "x_total{realm=\"a\\\"b\\\\c\\nd\",type=\"CALL\"} 42\n"
            "x_total 7\n");
}

TEST(MetricsCollect, SessionsMessagesAndAuthenticationFailures) {
  RouterConfig config;
  config.realms.push_back(
      realm_config("realm1", wamp::UriCheck::loose, {{"anonymous", {allow_all()}}}));
  config.realms.push_back(
      realm_config("realm2", wamp::UriCheck::loose, {{"anonymous", {allow_all()}}}));
  Router router(config);
  const std::string before = collect(router);
  EXPECT_EQ(value_of(before, "junction_sessions{realm=\"realm1\"}"), 0u);

  Client callee(router, "realm1");
  callee.join();
  Client caller(router, "realm1");
  caller.join();
  Client other(router, "realm2");
  other.join();
  callee.send(request(MessageType::reg, 1, "com.add"));
  const wamp::Id registration = callee.peer.pop().id;
  (void)registration;
  caller.send(request(MessageType::call, 1, "com.add"));
  Message invocation = callee.peer.pop();
  ASSERT_EQ(invocation.type, MessageType::invocation);
  Message yield;
  yield.type = MessageType::yield;
  yield.request = invocation.request;
  callee.send(yield);
  EXPECT_EQ(caller.peer.pop().type, MessageType::result);
  // A HELLO asking only for a method the (anonymous-only) router does not offer.
  Message hello_ticket = hello("realm1");
  hello_ticket.options["authmethods"] = wamp::Array{wamp::Value("ticket")};
  FakePeer refused_peer;
  auto refused = router.connect(refused_peer);
  refused->receive(hello_ticket);
  expect_abort(refused_peer, "wamp.error.no_auth_method");

  const std::string after = collect(router);
  auto delta = [&](const std::string& series) {
    return static_cast<std::int64_t>(value_of(after, series).value_or(0)) -
           static_cast<std::int64_t>(value_of(before, series).value_or(0));
  };
  EXPECT_EQ(value_of(after, "junction_sessions{realm=\"realm1\"}"), 2u);
  EXPECT_EQ(value_of(after, "junction_sessions{realm=\"realm2\"}"), 1u);
  EXPECT_EQ(delta("junction_messages_received_total{type=\"HELLO\"}"), 4);
  EXPECT_EQ(delta("junction_messages_sent_total{type=\"WELCOME\"}"), 3);
  EXPECT_EQ(delta("junction_messages_sent_total{type=\"ABORT\"}"), 1);
  EXPECT_EQ(delta("junction_messages_received_total{type=\"REGISTER\"}"), 1);
  EXPECT_EQ(delta("junction_messages_received_total{type=\"CALL\"}"), 1);
  EXPECT_EQ(delta("junction_messages_sent_total{type=\"INVOCATION\"}"), 1);
  EXPECT_EQ(delta("junction_messages_received_total{type=\"YIELD\"}"), 1);
  EXPECT_EQ(delta("junction_messages_sent_total{type=\"RESULT\"}"), 1);
  EXPECT_EQ(delta("junction_authentication_failures_total"), 1);
  EXPECT_NE(after.find("# TYPE junction_messages_sent_total counter\n"), std::string::npos);
}

TEST(MetricsRegistry, CollectorsRunUntilTheirHandleGoes) {
  RouterConfig config;
  Router router(config);
  {
    auto handle = add_collector([](Exposition& out) {
      out.family("test_collected", "gauge", "a test figure");
      out.sample("test_collected", 5);
    });
    EXPECT_EQ(value_of(collect(router), "test_collected"), 5u);
    CollectorHandle moved = std::move(handle);
    EXPECT_EQ(value_of(collect(router), "test_collected"), 5u);
  }
  EXPECT_EQ(value_of(collect(router), "test_collected"), std::nullopt);
}

// Records what a service answers.
struct Recorder : transport::HttpResponder {
  std::optional<transport::HttpResponse> response;
  void deliver(std::uint64_t, transport::HttpResponse r) override { response = std::move(r); }
};

transport::HttpResponse ask(transport::HttpService& service, boost::beast::http::verb verb) {
  auto recorder = std::make_shared<Recorder>();
  transport::HttpRequest request(verb, "/health", 11);
  service.handle(transport::HttpExchange(recorder, 1, std::move(request),
                                         std::make_shared<transport::HttpConnectionInfo>(),
                                         "/health", 7));
  EXPECT_TRUE(recorder->response.has_value());
  if (!recorder->response) return transport::HttpResponse{};
  return std::move(*recorder->response);
}

TEST(MetricsHealth, FollowsTheNodeState) {
  HealthService health;
  using boost::beast::http::verb;
  set_node_state(NodeState::starting);
  EXPECT_EQ(ask(health, verb::get).status, transport::HttpStatus::service_unavailable);
  set_node_state(NodeState::running);
  auto ok = ask(health, verb::get);
  EXPECT_EQ(ok.status, transport::HttpStatus::ok);
  EXPECT_EQ(ok.body, "ok\n");
  EXPECT_EQ(ask(health, verb::post).status, transport::HttpStatus::method_not_allowed);
  set_node_state(NodeState::stopping);
  auto stopping = ask(health, verb::get);
  EXPECT_EQ(stopping.status, transport::HttpStatus::service_unavailable);
  EXPECT_EQ(stopping.body, "shutting down\n");
  set_node_state(NodeState::starting);
}

}  // namespace
}  // namespace junction::metrics
