// The meta API served by the router itself: procedures, events, kill, testaments, revocation.
// Clients are fake peers; answers arrive before Connection::receive returns (the meta session
// answers right after the dispatch).
#include <gtest/gtest.h>

#include "meta/meta_api.hpp"
#include "router/realm.hpp"
#include "router_fakes.hpp"

namespace junction::meta {
namespace {

using router::testing::Client;
using router::testing::request;
using wamp::Array;
using wamp::Message;
using wamp::MessageType;
using wamp::Object;
using wamp::Value;

router::RouterConfig config() {
  using router::testing::realm_config;
  router::RouterConfig c;
  // "anonymous" may do anything but publish to com.secret.
  router::Permission all = router::testing::allow_all();
  router::Permission no_secret =
      router::testing::allow_all("com.secret", router::MatchPolicy::exact);
  no_secret.publish = false;
  c.realms.push_back(
      realm_config("realm1", wamp::UriCheck::loose, {{"anonymous", {all, no_secret}}}));
  c.realms.push_back(realm_config("quiet", wamp::UriCheck::loose, {{"anonymous", {all}}}, false));
  c.realms.push_back(realm_config("locked", wamp::UriCheck::loose,
                                  {{"anonymous", {router::testing::allow_all("com.")}}}));
  router::RealmConfig history =
      realm_config("history", wamp::UriCheck::loose, {{"anonymous", {all}}});
  router::EventHistoryConfig counter;
  counter.uri = "com.counter";
  counter.limit = 3;
  history.event_history.push_back(counter);
  c.realms.push_back(std::move(history));
  return c;
}

Array args_of(const Message& m) {
  if (!m.payload || m.payload->args.empty()) return {};
  auto v = wamp::codec_for(m.payload->format)->decode_value(m.payload->args);
  return *std::get<Value>(v).as_array();
}

class MetaTest : public ::testing::Test {
 protected:
  router::RouterConfig cfg = config();
  router::Router router{cfg};
  std::vector<std::unique_ptr<MetaApi>> meta = serve_meta_api(router, cfg);
  wamp::Id next_request = 100;

  // Calls `procedure` and returns the RESULT or ERROR.
  Message call(Client& c, std::string procedure, Array args = {}, Object kwargs = {}) {
    Message m = request(MessageType::call, ++next_request, std::move(procedure));
    if (!args.empty() || !kwargs.empty()) m.payload = wamp::make_payload(args, kwargs);
    c.send(m);
    while (!c.peer.inbox.empty()) {
      Message answer = c.peer.pop();
      if ((answer.type == MessageType::result || answer.type == MessageType::error) &&
          answer.request == next_request) {
        return answer;
      }
    }
    ADD_FAILURE() << "no answer to " << m.uri;
    return {};
  }
  Value result(Client& c, std::string procedure, Array args = {}, Object kwargs = {}) {
    Message m = call(c, procedure, std::move(args), std::move(kwargs));
    EXPECT_EQ(m.type, MessageType::result) << procedure << ": " << m.uri;
    Array a = args_of(m);
    return a.empty() ? Value() : a[0];
  }
  wamp::Id subscribe(Client& c, std::string topic) {
    c.send(request(MessageType::subscribe, ++next_request, std::move(topic)));
    Message m = c.peer.pop();
    EXPECT_EQ(m.type, MessageType::subscribed);
    return m.id;
  }
  // The EVENTs waiting in c's inbox, as their args.
  std::vector<Array> events(Client& c) {
    std::vector<Array> out;
    while (!c.peer.inbox.empty()) {
      Message m = c.peer.pop();
      if (m.type == MessageType::event) out.push_back(args_of(m));
    }
    return out;
  }
};

TEST_F(MetaTest, SessionCountListGetHideTheRoutersOwnSession) {
  Client a(router), b(router);
  EXPECT_EQ(result(a, "wamp.session.count"), Value(2));
  Value list = result(a, "wamp.session.list");
  ASSERT_TRUE(list.as_array());
  EXPECT_EQ(list.as_array()->size(), 2u);
  EXPECT_EQ(result(a, "wamp.session.count", {Array{"guest"}}), Value(0));
  EXPECT_EQ(result(a, "wamp.session.list", {Array{"anonymous"}}).as_array()->size(), 2u);
  Value details = result(a, "wamp.session.get", {Value(b.id)});
  ASSERT_TRUE(details.as_object());
  EXPECT_EQ(*wamp::get_uint(*details.as_object(), "session"), b.id);
  EXPECT_EQ(*wamp::get_string(*details.as_object(), "authrole"), "anonymous");
  EXPECT_EQ(*wamp::get_string(*details.as_object(), "authmethod"), "anonymous");
  EXPECT_EQ(call(a, "wamp.session.get", {Value(12345)}).uri, "wamp.error.no_such_session");
  EXPECT_EQ(call(a, "wamp.session.get").uri, "wamp.error.invalid_argument");
}

TEST_F(MetaTest, JoinAndLeaveEvents) {
  Client watcher(router);
  subscribe(watcher, "wamp.session.on_join");
  subscribe(watcher, "wamp.session.on_leave");
  wamp::Id id = 0;
  std::string authid;
  {
    Client c(router);
    id = c.id;
    auto joined = events(watcher);
    ASSERT_EQ(joined.size(), 1u);
    const Object& details = *joined[0].at(0).as_object();
    EXPECT_EQ(*wamp::get_uint(details, "session"), id);
    authid = *wamp::get_string(details, "authid");
  }
  auto left = events(watcher);
  ASSERT_EQ(left.size(), 1u);
  EXPECT_EQ(left[0], (Array{Value(id), authid, "anonymous"}));
}

TEST_F(MetaTest, MetaEventsAndTestamentsObeyAuthorization) {
  // In "locked", anonymous may do anything under com. only: no meta events for it.
  Client locked(router, "locked");
  locked.send(request(MessageType::subscribe, 1, "wamp.session.on_join"));
  EXPECT_EQ(locked.peer.pop().uri, "wamp.error.not_authorized");
  Client other(router, "locked");
  EXPECT_TRUE(locked.peer.inbox.empty());

  Client c(router);
  // A testament to a topic the caller may not publish to is refused now, not published later.
  EXPECT_EQ(call(c, "wamp.session.add_testament", {"com.secret", Array{}, Object{}}).uri,
            "wamp.error.not_authorized");
  EXPECT_EQ(call(c, "wamp.session.add_testament", {"wamp.session.on_join", Array{}, Object{}}).uri,
            "wamp.error.not_authorized");
}

TEST_F(MetaTest, SubscriptionAndRegistrationEventsAndProcedures) {
  Client watcher(router);
  for (const char* topic : {"wamp.subscription.on_create", "wamp.subscription.on_subscribe",
                            "wamp.subscription.on_unsubscribe", "wamp.subscription.on_delete",
                            "wamp.registration.on_create", "wamp.registration.on_register",
                            "wamp.registration.on_unregister", "wamp.registration.on_delete"}) {
    subscribe(watcher, topic);
    events(watcher);  // the watcher's own on_create/on_subscribe, once it listens to them
  }
  wamp::Id subscription = 0, registration = 0, id = 0;
  {
    Client c(router);
    id = c.id;
    subscription = subscribe(c, "com.topic");
    c.send(request(MessageType::reg, 2, "com.proc"));
    registration = c.peer.pop().id;
    auto seen = events(watcher);
    ASSERT_EQ(seen.size(), 4u);
    const Object& sub = *seen[0].at(1).as_object();
    EXPECT_EQ(seen[0].at(0), Value(id));
    EXPECT_EQ(*wamp::get_uint(sub, "id"), subscription);
    EXPECT_EQ(*wamp::get_string(sub, "uri"), "com.topic");
    EXPECT_EQ(*wamp::get_string(sub, "match"), "exact");
    EXPECT_EQ(wamp::get_string(sub, "created")->size(), 24u);  // 2024-05-01T10:20:30.123Z
    EXPECT_EQ(seen[1], (Array{Value(id), Value(subscription)}));
    EXPECT_EQ(*wamp::get_string(*seen[2].at(1).as_object(), "invoke"), "single");
    EXPECT_EQ(seen[3], (Array{Value(id), Value(registration)}));

    Value list = result(watcher, "wamp.subscription.list");
    const Array* exact = wamp::get_array(*list.as_object(), "exact");
    ASSERT_TRUE(exact);
    // Only com.topic: the watcher's own subscriptions are to protected wamp.* topics.
    EXPECT_EQ(*exact, (Array{Value(subscription)}));
    EXPECT_EQ(*wamp::get_array(*result(watcher, "wamp.registration.list").as_object(), "exact"),
              (Array{Value(registration)}));
    EXPECT_EQ(*wamp::get_array(*result(watcher, "wamp.registration.list", {Value(id)}).as_object(),
                               "exact"),
              (Array{Value(registration)}));
    EXPECT_EQ(result(watcher, "wamp.subscription.list_subscribers", {Value(subscription)}),
              Value(Array{Value(id)}));
    EXPECT_EQ(result(watcher, "wamp.subscription.count_subscribers", {Value(subscription)}),
              Value(1));
    EXPECT_EQ(result(watcher, "wamp.registration.list_callees", {Value(registration)}),
              Value(Array{Value(id)}));
    EXPECT_EQ(result(watcher, "wamp.registration.count_callees", {Value(registration)}), Value(1));
    EXPECT_EQ(
        *wamp::get_string(
            *result(watcher, "wamp.registration.get", {Value(registration)}).as_object(), "uri"),
        "com.proc");
    EXPECT_EQ(call(watcher, "wamp.subscription.get", {Value(1)}).uri,
              "wamp.error.no_such_subscription");
    // Protected URIs are hidden from callers that are not trusted.
    const wamp::Id own = subscribe(watcher, "wamp.session.on_join");
    EXPECT_EQ(call(watcher, "wamp.subscription.get", {Value(own)}).uri,
              "wamp.error.not_authorized");
    events(watcher);
  }
  auto seen = events(watcher);
  ASSERT_EQ(seen.size(), 4u);
  EXPECT_EQ(seen[0], (Array{Value(id), Value(subscription)}));  // on_unsubscribe
  EXPECT_EQ(seen[1], (Array{Value(id), Value(subscription)}));  // on_delete
  EXPECT_EQ(seen[2], (Array{Value(id), Value(registration)}));  // on_unregister
  EXPECT_EQ(seen[3], (Array{Value(id), Value(registration)}));  // on_delete
}

TEST_F(MetaTest, KillFailsTheVictimsPendingCallsAndNeverKillsTheCaller) {
  Client admin(router), callee(router), caller(router);
  callee.send(request(MessageType::reg, 1, "com.slow"));
  callee.peer.pop();
  caller.send(request(MessageType::call, 7, "com.slow"));
  EXPECT_EQ(callee.peer.pop().type, MessageType::invocation);

  EXPECT_EQ(call(admin, "wamp.session.kill", {Value(admin.id)}).uri, "wamp.error.no_such_session");
  EXPECT_EQ(call(admin, "wamp.session.kill", {Value(callee.id)}, {{"reason", "not a uri!"}}).uri,
            "wamp.error.invalid_uri");
  Message ok = call(admin, "wamp.session.kill", {Value(callee.id)},
                    {{"reason", "com.example.maintenance"}, {"message", "bye"}});
  EXPECT_EQ(ok.type, MessageType::result);
  Message goodbye = callee.peer.pop();
  EXPECT_EQ(goodbye.type, MessageType::goodbye);
  EXPECT_EQ(goodbye.uri, "com.example.maintenance");
  EXPECT_EQ(*wamp::get_string(goodbye.options, "message"), "bye");
  Message error = caller.peer.pop();
  EXPECT_EQ(error.type, MessageType::error);
  EXPECT_EQ(error.request, 7u);
  EXPECT_EQ(error.uri, "wamp.error.canceled");
  EXPECT_EQ(result(admin, "wamp.session.count"), Value(2));
}

TEST_F(MetaTest, KillByAuthidAuthroleAndAll) {
  Client admin(router), b(router), c(router);
  const std::string b_authid =
      *wamp::get_string(*result(admin, "wamp.session.get", {Value(b.id)}).as_object(), "authid");
  EXPECT_EQ(result(admin, "wamp.session.kill_by_authid", {b_authid}), Value(Array{Value(b.id)}));
  EXPECT_EQ(b.peer.pop().uri, "wamp.close.normal");
  EXPECT_EQ(result(admin, "wamp.session.kill_by_authrole", {"guest"}), Value(Array{}));
  EXPECT_EQ(result(admin, "wamp.session.kill_all"), Value(1));
  EXPECT_EQ(c.peer.pop().type, MessageType::goodbye);
  EXPECT_EQ(result(admin, "wamp.session.count"), Value(1));  // the caller survives
}

TEST_F(MetaTest, TestamentsArePublishedWhenTheSessionIsLost) {
  Client listener(router);
  subscribe(listener, "com.will");
  {
    Client c(router);
    EXPECT_EQ(call(c, "wamp.session.add_testament", {"com.will", Array{"a"}, Object{}}).type,
              MessageType::result);
    EXPECT_EQ(call(c, "wamp.session.add_testament",
                   {"com.will", Array{"b"}, Object{{"k", 1}}, Value(), "detached"})
                  .type,
              MessageType::result);
    EXPECT_EQ(call(c, "wamp.session.add_testament", {"com.will", Array{"c"}, Object{}}).type,
              MessageType::result);
    EXPECT_EQ(
        call(c, "wamp.session.add_testament", {"com.will", Array{}, Object{}, Value(), "forever"})
            .uri,
        "wamp.error.testament_error");
    EXPECT_EQ(result(c, "wamp.session.flush_testaments"), Value(2));  // a and c
    EXPECT_EQ(call(c, "wamp.session.add_testament", {"com.will", Array{"d"}, Object{}}).type,
              MessageType::result);
    EXPECT_TRUE(events(listener).empty());
    c.connection->closed();  // the transport is gone (as on a TCP reset)
  }
  EXPECT_EQ(events(listener), (std::vector<Array>{Array{"b"}, Array{"d"}}));
}

TEST_F(MetaTest, RevocationThroughTheMetaApi) {
  Client admin(router);
  Client target(router, "realm1",
                Object{{"subscription_revocation", true}, {"registration_revocation", true}});
  const wamp::Id subscription = subscribe(target, "com.t");
  target.send(request(MessageType::reg, 2, "com.p"));
  const wamp::Id registration = target.peer.pop().id;

  EXPECT_EQ(call(admin, "wamp.subscription.remove_subscriber", {Value(subscription), Value(1)}).uri,
            "wamp.error.no_such_session");
  EXPECT_EQ(call(admin, "wamp.subscription.remove_subscriber",
                 {Value(subscription), Value(target.id), "no longer authorized"})
                .type,
            MessageType::result);
  Message notice = target.peer.pop();
  EXPECT_EQ(notice.type, MessageType::unsubscribed);
  EXPECT_EQ(*wamp::get_string(notice.options, "reason"), "no longer authorized");
  EXPECT_EQ(call(admin, "wamp.registration.remove_callee", {Value(registration), Value(target.id)},
                 {{"reason", "moved"}})
                .type,
            MessageType::result);
  notice = target.peer.pop();
  EXPECT_EQ(notice.type, MessageType::unregistered);
  EXPECT_EQ(*wamp::get_uint(notice.options, "registration"), registration);
  EXPECT_EQ(
      call(admin, "wamp.registration.remove_callee", {Value(registration), Value(target.id)}).uri,
      "wamp.error.no_such_registration");
}

TEST_F(MetaTest, NothingStaleAfterAThousandSessions) {
  Client admin(router);
  for (int i = 0; i < 1000; ++i) {
    Client c(router);
    subscribe(c, "com.t" + std::to_string(i % 10));
    c.send(request(MessageType::reg, 1, "com.p" + std::to_string(i)));
    call(c, "wamp.session.add_testament", {"com.will", Array{}, Object{}});
  }
  EXPECT_EQ(result(admin, "wamp.session.count"), Value(1));
  EXPECT_EQ(result(admin, "wamp.session.list"), Value(Array{Value(admin.id)}));
  EXPECT_EQ(*wamp::get_array(*result(admin, "wamp.subscription.list").as_object(), "exact"),
            Array{});
  EXPECT_EQ(*wamp::get_array(*result(admin, "wamp.registration.list").as_object(), "exact"),
            Array{});
}

TEST_F(MetaTest, NoMetaApiWhenDisabled) {
  Client c(router, "quiet");
  EXPECT_EQ(call(c, "wamp.session.count").uri, "wamp.error.no_such_procedure");
  EXPECT_EQ(router.find_realm("quiet")->sessions().size(), 1u);
}

TEST_F(MetaTest, EventHistoryKeepsTheLastEventsBounded) {
  Client publisher(router, "history");
  for (int i = 1; i <= 5; ++i) {
    Message m = request(MessageType::publish, i, "com.counter");
    m.payload = wamp::make_payload({i}, {{"n", i}});
    publisher.send(m);
  }
  // A subscriber that comes later shares the history's subscription and reads its events.
  Client reader(router, "history");
  const wamp::Id subscription = subscribe(reader, "com.counter");
  Value events = result(reader, "wamp.subscription.get_events", {Value(subscription)});
  ASSERT_TRUE(events.as_array());
  ASSERT_EQ(events.as_array()->size(), 3u);  // the configured limit
  const Object& newest = *events.as_array()->at(0).as_object();
  EXPECT_EQ(*wamp::get_array(newest, "args"), (Array{5}));
  EXPECT_EQ(*wamp::get_object(newest, "kwargs"), (Object{{"n", 5}}));
  EXPECT_EQ(*wamp::get_string(newest, "topic"), "com.counter");
  EXPECT_EQ(*wamp::get_string(newest, "realm"), "history");
  EXPECT_TRUE(wamp::find(newest, "session_id")->is_null());  // not disclosed
  EXPECT_EQ(*wamp::get_array(*events.as_array()->at(2).as_object(), "args"), (Array{3}));
  EXPECT_EQ(result(reader, "wamp.subscription.get_events", {Value(subscription), Value(1)})
                .as_array()
                ->size(),
            1u);
  // The history's own subscriber is not listed.
  EXPECT_EQ(result(reader, "wamp.subscription.count_subscribers", {Value(subscription)}), Value(1));
  const wamp::Id other = subscribe(reader, "com.other");
  EXPECT_EQ(call(reader, "wamp.subscription.get_events", {Value(other)}).uri,
            "wamp.error.history_unavailable");
  Client plain(router);
  const wamp::Id no_history = subscribe(plain, "com.counter");
  EXPECT_EQ(call(plain, "wamp.subscription.get_events", {Value(no_history)}).uri,
            "wamp.error.history_unavailable");
}

TEST_F(MetaTest, LookupAndMatchFollowThePatterns) {
  Client admin(router), c(router);
  c.send(request(MessageType::reg, 1, "com.lm.one"));
  const wamp::Id exact = c.peer.pop().id;
  c.send(request(MessageType::reg, 2, "com.lm.", {{"match", "prefix"}}));
  const wamp::Id prefix = c.peer.pop().id;
  EXPECT_EQ(result(admin, "wamp.registration.lookup", {"com.lm.one"}), Value(exact));
  EXPECT_EQ(result(admin, "wamp.registration.lookup", {"com.lm.", Object{{"match", "prefix"}}}),
            Value(prefix));
  EXPECT_EQ(result(admin, "wamp.registration.lookup", {"com.lm."}), Value());
  EXPECT_EQ(result(admin, "wamp.registration.match", {"com.lm.one"}), Value(exact));
  EXPECT_EQ(result(admin, "wamp.registration.match", {"com.lm.two"}), Value(prefix));
  EXPECT_EQ(result(admin, "wamp.registration.match", {"org.x"}), Value());
  c.send(request(MessageType::subscribe, 3, "com.t..x", {{"match", "wildcard"}}));
  const wamp::Id wildcard = c.peer.pop().id;
  const wamp::Id plain = subscribe(c, "com.t.a.x");
  const Value matched = result(admin, "wamp.subscription.match", {"com.t.a.x"});
  ASSERT_TRUE(matched.as_array());
  EXPECT_EQ(matched.as_array()->size(), 2u);
  EXPECT_EQ(matched.as_array()->at(0), Value(plain));  // exact first
  EXPECT_EQ(result(admin, "wamp.subscription.match", {"com.none"}), Value());
  const Value listed = result(admin, "wamp.registration.list", {Value(c.id)});
  EXPECT_EQ(*wamp::get_array(*listed.as_object(), "prefix"), (Array{Value(prefix)}));
  EXPECT_EQ(*wamp::get_string(
                *result(admin, "wamp.subscription.get", {Value(wildcard)}).as_object(), "match"),
            "wildcard");
}

}  // namespace
}  // namespace junction::meta
