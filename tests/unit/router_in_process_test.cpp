// Realm events, the in-process session, kill and revocation: the router's hooks for the meta API
// and the node's own components, driven without sockets.
#include <gtest/gtest.h>

#include <functional>
#include <string>
#include <vector>

#include "router/broker.hpp"
#include "router/dealer.hpp"
#include "router/in_process_session.hpp"
#include "router/local_delivery.hpp"
#include "router/realm.hpp"
#include "router_fakes.hpp"

namespace junction::router {
namespace {

using testing::Client;
using testing::request;
using wamp::Message;
using wamp::MessageType;

RouterConfig config() {
  RouterConfig c;
  c.realms.push_back(testing::realm_config("realm1", wamp::UriCheck::loose,
                                           {{"anonymous", {testing::allow_all()}}}));
  // "reader" may only subscribe and call.
  Permission read = testing::allow_all();
  read.publish = read.register_ = false;
  c.realms.back().roles.push_back({"reader", {read}});
  return c;
}

// Records every realm event as one line.
struct Recorder : RealmObserver {
  std::vector<std::string> log;
  void session_joined(const Session& s) override { log.push_back("join " + s.authrole); }
  void session_left(const Session& s) override { log.push_back("leave " + s.authrole); }
  void subscription_created(const Session&, const Subscription& s) override {
    log.push_back("sub-create " + s.topic);
  }
  void subscriber_added(const Session&, const Subscription& s) override {
    log.push_back("sub-add " + s.topic);
  }
  void subscriber_removed(const Session&, const Subscription& s) override {
    log.push_back("sub-remove " + s.topic);
  }
  void subscription_deleted(const Session&, const Subscription& s) override {
    log.push_back("sub-delete " + s.topic);
  }
  void registration_created(const Session&, const Registration& r) override {
    log.push_back("reg-create " + r.procedure);
  }
  void callee_added(const Session&, const Registration& r) override {
    log.push_back("reg-add " + r.procedure);
  }
  void callee_removed(const Session&, const Registration& r) override {
    log.push_back("reg-remove " + r.procedure);
  }
  void registration_deleted(const Session&, const Registration& r) override {
    log.push_back("reg-delete " + r.procedure);
  }
};

class InProcessTest : public ::testing::Test {
 protected:
  Router router{config()};
  Realm& realm = *router.find_realm("realm1");
};

TEST_F(InProcessTest, RealmEventsFollowTheLifecycle) {
  Recorder recorder;
  realm.add_observer(recorder);
  {
    Client a(router), b(router);
    a.send(request(MessageType::subscribe, 1, "com.t"));
    b.send(request(MessageType::subscribe, 1, "com.t"));
    a.send(request(MessageType::subscribe, 2, "com.t"));  // again: nothing new
    a.send(request(MessageType::reg, 3, "com.p"));
    Message unsubscribe = request(MessageType::unsubscribe, 4);
    a.peer.pop();
    unsubscribe.id = a.peer.pop().id;  // SUBSCRIBED (the second, same id)
    a.send(unsubscribe);
    EXPECT_EQ(recorder.log,
              (std::vector<std::string>{"join anonymous", "join anonymous", "sub-create com.t",
                                        "sub-add com.t", "sub-add com.t", "reg-create com.p",
                                        "reg-add com.p", "sub-remove com.t"}));
    recorder.log.clear();
  }  // b leaves first (declared last), then a
  EXPECT_EQ(recorder.log,
            (std::vector<std::string>{"sub-remove com.t", "sub-delete com.t", "leave anonymous",
                                      "reg-remove com.p", "reg-delete com.p", "leave anonymous"}));
  realm.remove_observer(recorder);
}

TEST_F(InProcessTest, JoinsWithItsOwnIdentity) {
  Recorder recorder;
  realm.add_observer(recorder);
  InProcessSession local(router, "realm1", "authenticator", "trusted");
  EXPECT_TRUE(local.joined());
  const auto it = realm.sessions().find(local.id());
  ASSERT_NE(it, realm.sessions().end());
  EXPECT_EQ(it->second->authid, "authenticator");
  EXPECT_EQ(it->second->authrole, "trusted");
  EXPECT_TRUE(it->second->in_process);
  EXPECT_EQ(recorder.log, (std::vector<std::string>{"join trusted"}));
  realm.remove_observer(recorder);
  EXPECT_THROW(InProcessSession(router, "nope", "x", "trusted"), std::invalid_argument);
}

TEST_F(InProcessTest, ServesAProcedureToARemoteCaller) {
  InProcessSession local(router, "realm1", "service", "trusted");
  wamp::Id registration = 0;
  std::vector<wamp::Object> seen_details;
  local.register_procedure(
      "com.add",
      [&](const InProcessSession::Invocation& inv, InProcessSession::Responder r) {
        seen_details.push_back(inv.details);
        r.yield({wamp::Value(*inv.args.at(0).as_int() + *inv.args.at(1).as_int())},
                {{"by", "in-process"}});
      },
      {}, [&](InProcessSession::Answer a) { registration = a.id; });
  EXPECT_NE(registration, 0u);

  Client caller(router);
  Message call = request(MessageType::call, 7, "com.add");
  call.payload = wamp::make_payload({2, 3});
  caller.send(call);
  Message result = caller.peer.pop();
  ASSERT_EQ(result.type, MessageType::result);
  EXPECT_EQ(result.request, 7u);
  ASSERT_TRUE(result.payload);
  EXPECT_EQ(result.payload->args, "[5]");
  EXPECT_EQ(result.payload->kwargs, R"({"by":"in-process"})");
  EXPECT_EQ(seen_details.size(), 1u);
}

TEST_F(InProcessTest, AnswersLaterAndErrors) {
  InProcessSession local(router, "realm1", "service", "trusted");
  std::vector<InProcessSession::Responder> held;
  local.register_procedure("com.slow", [&](const InProcessSession::Invocation&,
                                           InProcessSession::Responder r) { held.push_back(r); });
  Client caller(router);
  caller.send(request(MessageType::call, 1, "com.slow"));
  caller.send(request(MessageType::call, 2, "com.slow"));
  EXPECT_TRUE(caller.peer.inbox.empty());
  ASSERT_EQ(held.size(), 2u);
  held[1].error("com.error.busy", {"try later"});
  held[1].yield();  // answered already: ignored
  held[0].yield({1});
  Message first = caller.peer.pop();
  EXPECT_EQ(first.type, MessageType::error);
  EXPECT_EQ(first.request, 2u);
  EXPECT_EQ(first.uri, "com.error.busy");
  Message second = caller.peer.pop();
  EXPECT_EQ(second.type, MessageType::result);
  EXPECT_EQ(second.request, 1u);
  EXPECT_TRUE(caller.peer.inbox.empty());
}

TEST_F(InProcessTest, CallsARemoteCalleeAndGetsTheResultAsynchronously) {
  Client callee(router);
  callee.send(request(MessageType::reg, 1, "com.echo"));
  callee.peer.pop();
  InProcessSession local(router, "realm1", "service", "trusted");
  std::vector<InProcessSession::Answer> answers;
  local.call("com.echo", {"hi"}, {}, {}, [&](InProcessSession::Answer a) { answers.push_back(a); });
  Message invocation = callee.peer.pop();
  ASSERT_EQ(invocation.type, MessageType::invocation);
  EXPECT_EQ(invocation.payload->args, R"(["hi"])");
  EXPECT_TRUE(answers.empty());
  Message yield = request(MessageType::yield, invocation.request);
  yield.payload = invocation.payload;
  callee.send(yield);
  ASSERT_EQ(answers.size(), 1u);
  EXPECT_TRUE(answers[0].ok());
  EXPECT_EQ(answers[0].args, (wamp::Array{"hi"}));

  local.call("com.nothing", {}, {}, {}, [&](InProcessSession::Answer a) { answers.push_back(a); });
  ASSERT_EQ(answers.size(), 2u);
  EXPECT_EQ(answers[1].error, "wamp.error.no_such_procedure");
}

TEST_F(InProcessTest, PublishesAndSubscribesUnderTheRealmsAuthorization) {
  Client subscriber(router);
  subscriber.send(request(MessageType::subscribe, 1, "com.news"));
  subscriber.peer.pop();
  InProcessSession reader(router, "realm1", "r", "reader");
  std::vector<InProcessSession::Answer> acks;
  reader.publish("com.news", {1}, {}, {}, [&](InProcessSession::Answer a) { acks.push_back(a); });
  ASSERT_EQ(acks.size(), 1u);
  EXPECT_EQ(acks[0].error, "wamp.error.not_authorized");
  EXPECT_TRUE(subscriber.peer.inbox.empty());

  InProcessSession writer(router, "realm1", "w", "anonymous");
  writer.publish("com.news", {2}, {{"k", true}});
  Message event = subscriber.peer.pop();
  ASSERT_EQ(event.type, MessageType::event);
  EXPECT_EQ(event.payload->args, "[2]");

  std::vector<InProcessSession::Event> events;
  reader.subscribe("com.news", [&](const InProcessSession::Event& e) { events.push_back(e); });
  Message publish = request(MessageType::publish, 9, "com.news");
  publish.payload = wamp::make_payload({"x"}, {{"n", 1}});
  subscriber.send(publish);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].args, (wamp::Array{"x"}));
  EXPECT_EQ(events[0].kwargs, (wamp::Object{{"n", 1}}));
}

// The contract of a socket peer: a handler never runs while the router is inside a dispatch, so
// it may change what the router is iterating (here: the subscriber list being fanned out to).
TEST_F(InProcessTest, HandlersRunAfterTheDispatchSoTheyMayChangeTheTables) {
  std::vector<std::unique_ptr<InProcessSession>> locals;
  int events = 0;
  for (int i = 0; i < 3; ++i) {
    auto local = std::make_unique<InProcessSession>(router, "realm1", "l", "trusted");
    InProcessSession* self = local.get();
    auto subscription = std::make_shared<wamp::Id>(0);
    self->subscribe(
        "com.once",
        [&events, self, subscription](const InProcessSession::Event&) {
          ++events;
          self->unsubscribe(*subscription);
        },
        {}, [subscription](InProcessSession::Answer a) { *subscription = a.id; });
    locals.push_back(std::move(local));
  }
  Client publisher(router);
  publisher.send(request(MessageType::publish, 1, "com.once"));
  EXPECT_EQ(events, 3);
  EXPECT_EQ(realm.broker().subscription_count(), 0u);
  publisher.send(request(MessageType::publish, 2, "com.once"));
  EXPECT_EQ(events, 3);
}

TEST_F(InProcessTest, OutsideADispatchTheExecutorDelivers) {
  std::vector<std::function<void()>> posted;
  router.set_executor([&](std::function<void()> f) { posted.push_back(std::move(f)); });
  InProcessSession local(router, "realm1", "l", "trusted");
  std::vector<wamp::Id> ids;
  local.subscribe("com.t", [&](const InProcessSession::Event& e) { ids.push_back(e.publication); });
  // A message sent to the in-process peer with no dispatch under way (as a timer would).
  Message event;
  event.type = MessageType::event;
  event.id = realm.broker().subscriptions().begin()->first;
  event.id2 = 42;
  realm.sessions().at(local.id())->send(std::move(event));
  EXPECT_TRUE(ids.empty());
  ASSERT_EQ(posted.size(), 1u);
  posted[0]();
  EXPECT_EQ(ids, (std::vector<wamp::Id>{42}));
}

TEST_F(InProcessTest, KillEndsTheSessionAndFailsItsPendingCalls) {
  Client callee(router), caller(router);
  callee.send(request(MessageType::reg, 1, "com.p"));
  callee.peer.pop();
  caller.send(request(MessageType::call, 5, "com.p"));
  EXPECT_EQ(callee.peer.pop().type, MessageType::invocation);
  kill_session(*realm.sessions().at(callee.id), "wamp.close.killed", "bye");
  Message goodbye = callee.peer.pop();
  EXPECT_EQ(goodbye.type, MessageType::goodbye);
  EXPECT_EQ(goodbye.uri, "wamp.close.killed");
  EXPECT_EQ(*wamp::get_string(goodbye.options, "message"), "bye");
  EXPECT_FALSE(realm.sessions().contains(callee.id));
  Message error = caller.peer.pop();
  EXPECT_EQ(error.type, MessageType::error);
  EXPECT_EQ(error.request, 5u);
  EXPECT_EQ(error.uri, "wamp.error.canceled");
  // The killed peer answers GOODBYE; its transport is then closed.
  callee.send(wamp::make_goodbye("wamp.close.goodbye_and_out"));
  EXPECT_TRUE(callee.peer.closed);
}

TEST_F(InProcessTest, RevocationTellsOnlyPeersThatAnnouncedIt) {
  const wamp::Object revocation{{"subscription_revocation", true},
                                {"registration_revocation", true}};
  Client knows(router, "realm1", revocation), plain(router);
  knows.send(request(MessageType::subscribe, 1, "com.t"));
  plain.send(request(MessageType::subscribe, 1, "com.t"));
  knows.send(request(MessageType::reg, 2, "com.p"));
  const wamp::Id subscription = knows.peer.pop().id;
  const wamp::Id registration = knows.peer.pop().id;
  plain.peer.pop();

  ASSERT_TRUE(realm.broker().remove_subscriber(subscription, *realm.sessions().at(knows.id),
                                               "no longer authorized"));
  Message notice = knows.peer.pop();
  EXPECT_EQ(notice.type, MessageType::unsubscribed);
  EXPECT_EQ(notice.request, 0u);
  EXPECT_EQ(*wamp::get_uint(notice.options, "subscription"), subscription);
  EXPECT_EQ(*wamp::get_string(notice.options, "reason"), "no longer authorized");
  ASSERT_TRUE(
      realm.broker().remove_subscriber(subscription, *realm.sessions().at(plain.id), "gone"));
  EXPECT_TRUE(plain.peer.inbox.empty());
  EXPECT_EQ(realm.broker().subscription_count(), 0u);
  EXPECT_FALSE(realm.broker().remove_subscriber(subscription, *realm.sessions().at(plain.id), ""));

  ASSERT_TRUE(realm.dealer().revoke_callee(registration, *realm.sessions().at(knows.id), "moved"));
  notice = knows.peer.pop();
  EXPECT_EQ(notice.type, MessageType::unregistered);
  EXPECT_EQ(notice.request, 0u);
  EXPECT_EQ(*wamp::get_uint(notice.options, "registration"), registration);
  EXPECT_EQ(*wamp::get_string(notice.options, "reason"), "moved");
  plain.send(request(MessageType::call, 3, "com.p"));
  EXPECT_EQ(plain.peer.pop().uri, "wamp.error.no_such_procedure");
}

TEST_F(InProcessTest, ShutdownEndsInProcessSessions) {
  InProcessSession local(router, "realm1", "l", "trusted");
  bool closed = false;
  local.on_close([&] { closed = true; });
  router.shutdown();
  EXPECT_TRUE(closed);
  EXPECT_FALSE(local.joined());
  EXPECT_EQ(router.session_count(), 0u);
}

}  // namespace
}  // namespace junction::router
