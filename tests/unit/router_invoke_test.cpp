// Shared registrations: the invocation policies (single, first, last, roundrobin, random), the
// errors for a second registration, and callees leaving a shared registration mid-call.
#include <gtest/gtest.h>

#include <map>
#include <set>

#include "router_test_support.hpp"

namespace junction::router {
namespace {

using namespace junction::router::test_support;

class InvokeTest : public RouterTest {
 protected:
  void SetUp() override {
    caller.join();
    for (auto& c : callees)
      c = std::make_unique<Client>(router);
    for (auto& c : callees)
      c->join();
  }
  // Registers callee i on "com.shared" with `invoke`; returns the REGISTERED or ERROR message.
  Message register_(std::size_t i, std::string_view invoke, std::string uri = "com.shared") {
    callees[i]->send(
        request(MessageType::reg, 1, std::move(uri), {{"invoke", std::string(invoke)}}));
    return callees[i]->peer.pop();
  }
  // Calls "com.shared" and answers it; returns which callee got the INVOCATION.
  std::size_t call_once() {
    caller.send(request(MessageType::call, ++request_id, "com.shared"));
    std::size_t who = callees.size();
    for (std::size_t i = 0; i < callees.size(); ++i) {
      if (callees[i]->peer.inbox.empty()) continue;
      EXPECT_EQ(who, callees.size()) << "two callees invoked";
      who = i;
      Message invocation = callees[i]->peer.pop();
      EXPECT_EQ(invocation.type, MessageType::invocation);
      callees[i]->send(request(MessageType::yield, invocation.request));
    }
    EXPECT_EQ(caller.peer.pop().type, MessageType::result);
    return who;
  }
  Client caller{router};
  std::array<std::unique_ptr<Client>, 3> callees;
  wamp::Id request_id = 0;
};

TEST_F(InvokeTest, SingleRefusesASecondCallee) {
  EXPECT_EQ(register_(0, "single").type, MessageType::registered);
  expect_error(register_(1, "single"), MessageType::reg, 1, "wamp.error.procedure_already_exists");
  expect_error(register_(1, "roundrobin"), MessageType::reg, 1,
               "wamp.error.procedure_already_exists");
}

TEST_F(InvokeTest, AnotherPolicyIsRefusedWithTheSpecsError) {
  const Message first = register_(0, "roundrobin");
  ASSERT_EQ(first.type, MessageType::registered);
  expect_error(register_(1, "random"), MessageType::reg, 1,
               "wamp.error.procedure_exists_with_different_invocation_policy");
  expect_error(register_(1, "single"), MessageType::reg, 1,
               "wamp.error.procedure_exists_with_different_invocation_policy");
  // The same callee twice: already registered.
  expect_error(register_(0, "roundrobin"), MessageType::reg, 1,
               "wamp.error.procedure_already_exists");
  // The same policy: joins, with the same registration id.
  EXPECT_EQ(register_(1, "roundrobin").id, first.id);
}

TEST_F(InvokeTest, UnknownPolicyIsInvalidArgument) {
  expect_error(register_(0, "fastest"), MessageType::reg, 1, "wamp.error.invalid_argument");
}

TEST_F(InvokeTest, FirstAndLastAreHotStandby) {
  for (std::size_t i = 0; i < 3; ++i)
    ASSERT_EQ(register_(i, "first").type, MessageType::registered);
  EXPECT_EQ(call_once(), 0u);
  EXPECT_EQ(call_once(), 0u);
  callees[0]->connection->closed();  // the primary goes: the next in line takes over
  EXPECT_EQ(call_once(), 1u);

  for (std::size_t i = 1; i < 3; ++i)
    ASSERT_EQ(register_(i, "last", "com.last").type, MessageType::registered);
  caller.send(request(MessageType::call, 99, "com.last"));
  EXPECT_TRUE(callees[1]->peer.inbox.empty());
  EXPECT_EQ(callees[2]->peer.pop().type, MessageType::invocation);
}

TEST_F(InvokeTest, RoundRobinCyclesInRegistrationOrderAndSurvivesAnUnregister) {
  wamp::Id id = 0;
  for (std::size_t i = 0; i < 3; ++i)
    id = register_(i, "roundrobin").id;
  std::vector<std::size_t> order;
  for (int n = 0; n < 4; ++n)
    order.push_back(call_once());
  EXPECT_EQ(order, (std::vector<std::size_t>{0, 1, 2, 0}));
  // Callee 1 was next; it unregisters: callee 2 is next, then 0.
  Message unregister = request(MessageType::unregister, 5);
  unregister.id = id;
  callees[1]->send(unregister);
  EXPECT_EQ(callees[1]->peer.pop().type, MessageType::unregistered);
  EXPECT_EQ(call_once(), 2u);
  EXPECT_EQ(call_once(), 0u);
  EXPECT_EQ(call_once(), 2u);
  // Unregistering again: not its registration any more.
  callees[1]->send(unregister);
  expect_error(callees[1]->peer.pop(), MessageType::unregister, 5,
               "wamp.error.no_such_registration");
}

TEST_F(InvokeTest, RandomReachesEveryCallee) {
  for (std::size_t i = 0; i < 3; ++i)
    register_(i, "random");
  std::map<std::size_t, int> seen;
  for (int n = 0; n < 200; ++n)
    ++seen[call_once()];
  EXPECT_EQ(seen.size(), 3u);  // each has 1 - (2/3)^200 odds: certain
  for (const auto& [who, count] : seen)
    EXPECT_LT(who, 3u);
}

TEST_F(InvokeTest, ACalleeLeavingMidCallFailsOnlyItsOwnCalls) {
  for (std::size_t i = 0; i < 2; ++i)
    register_(i, "roundrobin");
  caller.send(request(MessageType::call, 1, "com.shared"));  // -> callee 0
  caller.send(request(MessageType::call, 2, "com.shared"));  // -> callee 1
  const Message on0 = callees[0]->peer.pop();
  const Message on1 = callees[1]->peer.pop();
  ASSERT_EQ(on0.type, MessageType::invocation);
  ASSERT_EQ(on1.type, MessageType::invocation);
  callees[0]->connection->closed();
  expect_error(caller.peer.pop(), MessageType::call, 1, "wamp.error.canceled");
  EXPECT_TRUE(caller.peer.inbox.empty());  // call 2 is still in flight
  callees[1]->send(request(MessageType::yield, on1.request));
  Message result = caller.peer.pop();
  EXPECT_EQ(result.type, MessageType::result);
  EXPECT_EQ(result.request, 2u);
  // The next calls go to the live callee.
  EXPECT_EQ(call_once(), 1u);
  EXPECT_EQ(call_once(), 1u);
  // The last callee leaves: the registration is gone.
  callees[1]->connection->closed();
  caller.send(request(MessageType::call, 50, "com.shared"));
  expect_error(caller.peer.pop(), MessageType::call, 50, "wamp.error.no_such_procedure");
  // and a new single registration is possible.
  EXPECT_EQ(register_(2, "single").type, MessageType::registered);
}

}  // namespace
}  // namespace junction::router
