// transport/router_link: the hand-over between an I/O thread and the routing thread, driven by
// hand on one test thread (two io_contexts polled in turn, so every step is deterministic): the
// order of messages both ways, release_then's "answers first", and the backpressure that stops
// a session's reading while the router is behind.
#include "transport/router_link.hpp"

#include <gtest/gtest.h>

#include <deque>
#include <string>

#include <boost/asio/io_context.hpp>

#include "router/router.hpp"
#include "transport/net.hpp"
#include "wamp/codec.hpp"

namespace junction::transport {
namespace {

class FakeSession : public router::Peer {
 public:
  void send(wamp::OutboundPtr message) override { received.push_back(std::move(message)); }
  void close() override { closed = true; }
  std::string describe() const override { return "fake session"; }

  std::deque<wamp::OutboundPtr> received;
  bool closed = false;
};

router::RouterConfig one_realm() {
  router::Permission all;
  all.match = router::MatchPolicy::prefix;
  all.call = all.register_ = all.publish = all.subscribe = true;
  router::RealmConfig realm;
  realm.name = "realm1";
  realm.roles = {{"anonymous", {all}}};
  router::RouterConfig config;
  config.realms.push_back(std::move(realm));
  return config;
}

const std::string kHello = R"([1,"realm1",{"roles":{"publisher":{},"subscriber":{}}}])";

class RouterLinkTest : public ::testing::Test {
 protected:
  RouterLinkTest() : router(one_realm()), hub(std::make_shared<RoutingHub>(routing_io, router)) {
    hub->add_port(routing_io);
    io_port = &hub->add_port(io_thread);
  }
  ~RouterLinkTest() override { hub->stop(); }

  // Opens `link` for `session` on `port` and sends HELLO (not routed until settle() on another
  // port than the routing thread's).
  void join(RouterLink& link, FakeSession& session, IoPort& port) {
    link.open(port, session, json);
    ASSERT_TRUE(link.route(kHello, "test"));
  }

  // One turn of each side, until neither has anything left to do.
  void settle() {
    // poll() stops an io_context that ran out of work; restart() lets the next poll() run.
    for (std::size_t ran = 1; ran > 0;) {
      routing_io.restart();
      io_thread.restart();
      ran = routing_io.poll() + io_thread.poll();
    }
  }

  const wamp::Codec& json = *wamp::codec_for(wamp::Serializer::json);
  boost::asio::io_context routing_io;
  boost::asio::io_context io_thread;
  router::Router router;
  std::shared_ptr<RoutingHub> hub;
  IoPort* io_port = nullptr;
};

TEST_F(RouterLinkTest, MessagesCrossInOrderBothWays) {
  FakeSession session;
  RouterLink link;
  join(link, session, *io_port);
  for (int i = 1; i <= 50; ++i) {
    ASSERT_TRUE(link.route(
        R"([32,)" + std::to_string(i) + R"(,{},"com.topic)" + std::to_string(i) + R"("])", "test"));
  }
  EXPECT_TRUE(session.received.empty());  // nothing is routed until the routing thread runs
  settle();
  ASSERT_EQ(session.received.size(), 51u);
  EXPECT_EQ(session.received[0]->message().type, wamp::MessageType::welcome);
  for (int i = 1; i <= 50; ++i) {
    const auto& m = session.received[static_cast<std::size_t>(i)]->message();
    EXPECT_EQ(m.type, wamp::MessageType::subscribed);
    EXPECT_EQ(m.request, static_cast<wamp::Id>(i));
    // Encoded on the routing thread for this session's serializer before the hand-over.
    EXPECT_NE(session.received[static_cast<std::size_t>(i)]->encoded(json), nullptr);
  }
  EXPECT_EQ(router.session_count(), 1u);
  link.release("test");
  settle();
  EXPECT_EQ(router.session_count(), 0u);
}

TEST_F(RouterLinkTest, ReleaseThenDeliversTheAnswersFirst) {
  FakeSession session;
  RouterLink link;
  join(link, session, *io_port);
  ASSERT_TRUE(link.route(R"([32,7,{},"com.topic"])", "test"));
  bool released = false;
  std::size_t answers_when_released = 0;
  link.release_then("test", [&] {
    released = true;
    answers_when_released = session.received.size();
  });
  EXPECT_FALSE(link.is_open());
  EXPECT_FALSE(released);
  settle();
  EXPECT_TRUE(released);
  EXPECT_EQ(answers_when_released, 2u);  // WELCOME and SUBSCRIBED came first
  EXPECT_EQ(router.session_count(), 0u);
}

TEST_F(RouterLinkTest, ReadingPausesWhileTheRouterIsBehindAndResumesOnceItCaughtUp) {
  FakeSession session;
  RouterLink link;
  join(link, session, *io_port);
  const std::string publish = R"([16,1,{},"com.nobody.listens",["0123456789abcdef"]])";
  int resumed = 0;
  auto resume = [&] { ++resumed; };
  // Below the mark: no pause.
  EXPECT_FALSE(link.pause_reading("test", resume));
  std::size_t staged = kHello.size() + RouterLink::kChargePerMessage;
  int messages = 0;
  while (staged < RouterLink::kPauseReadingAt) {
    ASSERT_TRUE(link.route(publish, "test"));
    staged += publish.size() + RouterLink::kChargePerMessage;
    ++messages;
    if (staged < RouterLink::kPauseReadingAt) {
      EXPECT_FALSE(link.pause_reading("test", resume));
    }
  }
  EXPECT_TRUE(link.pause_reading("test", resume)) << "after " << messages << " messages";
  EXPECT_EQ(resumed, 0);
  settle();  // the routing thread routes the lot, then the I/O thread gets "resume"
  EXPECT_EQ(resumed, 1);
  EXPECT_FALSE(link.pause_reading("test", resume));
  EXPECT_EQ(session.received.size(), 1u);  // WELCOME; no subscriber, no acknowledge
  EXPECT_FALSE(session.closed);
}

TEST_F(RouterLinkTest, APausedSessionThatGoesIsNotResumed) {
  FakeSession session;
  RouterLink link;
  join(link, session, *io_port);
  // One message past the mark on its own.
  const std::string big =
      R"([16,1,{},"com.x",[")" + std::string(RouterLink::kPauseReadingAt, 'x') + R"("]])";
  ASSERT_TRUE(link.route(big, "test"));
  int resumed = 0;
  EXPECT_TRUE(link.pause_reading("test", [&] { ++resumed; }));
  link.release("test");
  settle();
  EXPECT_EQ(resumed, 0);
}

TEST_F(RouterLinkTest, ASessionWhoseThreadFallsBehindIsClosedAtTheQueueLimit) {
  // A subscriber on the I/O thread, a publisher on the routing thread. Only the routing thread
  // runs: what the router sends the subscriber waits in the hand-over, and past kMaxQueuedBytes
  // the subscriber is closed instead of the hand-over growing.
  FakeSession subscriber;
  RouterLink subscriber_link;
  join(subscriber_link, subscriber, *io_port);
  ASSERT_TRUE(subscriber_link.route(R"([32,1,{},"com.big"])", "test"));
  settle();
  ASSERT_EQ(subscriber.received.size(), 2u);  // WELCOME, SUBSCRIBED

  FakeSession publisher;
  RouterLink publisher_link;
  join(publisher_link, publisher, hub->port(0));
  const std::size_t event_size = 1024 * 1024;
  const std::string publish = R"([16,1,{},"com.big",[")" + std::string(event_size, 'x') + R"("]])";
  const std::size_t published = kMaxQueuedBytes / event_size + 8;
  for (std::size_t i = 0; i < published; ++i) {
    ASSERT_TRUE(publisher_link.route(publish, "test"));
    routing_io.restart();
    routing_io.poll();  // the routing thread hands over; the I/O thread does not run
  }
  EXPECT_FALSE(subscriber.closed);
  settle();
  EXPECT_TRUE(subscriber.closed);
  const std::size_t events = subscriber.received.size() - 2;
  EXPECT_GT(events, kMaxQueuedBytes / event_size - 2);
  EXPECT_LT(events, published);  // the rest was not queued
}

TEST_F(RouterLinkTest, OnTheRoutingThreadEverythingIsDirect) {
  FakeSession session;
  RouterLink link;
  join(link, session, hub->port(0));
  ASSERT_EQ(session.received.size(), 1u);  // routed synchronously, no hand-over
  EXPECT_FALSE(link.pause_reading("test", [] {}));
  link.release("test");
  EXPECT_EQ(router.session_count(), 0u);
}

}  // namespace
}  // namespace junction::transport
