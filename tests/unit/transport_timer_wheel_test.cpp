// transport_timer_wheel_test: the deadlines every session's auto-ping, handshake and linger
// timeouts run on. Real time, short deadlines, one io_context.
#include <chrono>
#include <functional>
#include <memory>
#include <vector>

#include <gtest/gtest.h>

#include "transport/timer_wheel.hpp"

namespace junction::transport {
namespace {

using namespace std::chrono_literals;
using clock = TimerWheel::clock;

struct Recorder : TimerWheel::Client {
  std::vector<clock::time_point> fired;
  std::function<void()> then;
  void on_deadline() override {
    fired.push_back(clock::now());
    if (then) then();
  }
};

TEST(TimerWheel, FiresAtTheDeadlineNotBeforeAndAtMostATickLate) {
  asio::io_context io;
  auto wheel = std::make_shared<TimerWheel>(io);
  Recorder a, b;
  const auto start = clock::now();
  wheel->schedule(a, start + 250ms);
  wheel->schedule(b, start + 120ms);
  io.run_for(600ms);
  ASSERT_EQ(a.fired.size(), 1u);
  ASSERT_EQ(b.fired.size(), 1u);
  EXPECT_GE(a.fired[0], start + 250ms);
  EXPECT_LT(a.fired[0], start + 250ms + TimerWheel::kTick + 100ms);  // slack for a busy machine
  EXPECT_GE(b.fired[0], start + 120ms);
  EXPECT_LT(b.fired[0], a.fired[0]);
}

TEST(TimerWheel, CancelAndRescheduleReplaceTheDeadline) {
  asio::io_context io;
  auto wheel = std::make_shared<TimerWheel>(io);
  Recorder cancelled, moved;
  const auto start = clock::now();
  wheel->schedule(cancelled, start + 100ms);
  TimerWheel::cancel(cancelled);
  wheel->schedule(moved, start + 100ms);
  wheel->schedule(moved, start + 350ms);
  io.run_for(600ms);
  EXPECT_TRUE(cancelled.fired.empty());
  ASSERT_EQ(moved.fired.size(), 1u);
  EXPECT_GE(moved.fired[0], start + 350ms);
}

TEST(TimerWheel, ADeadlineCanReArmItselfAndCancelOthers) {
  asio::io_context io;
  auto wheel = std::make_shared<TimerWheel>(io);
  Recorder repeating, victim;
  const auto start = clock::now();
  repeating.then = [&] {
    if (repeating.fired.size() < 3) wheel->schedule(repeating, clock::now() + 100ms);
    TimerWheel::cancel(victim);
  };
  wheel->schedule(repeating, start + 100ms);
  wheel->schedule(victim, start + 100ms);  // same slot: may be due in the same tick
  io.run_for(800ms);
  EXPECT_EQ(repeating.fired.size(), 3u);
  // The victim fired only if it came first within the shared tick; never after a cancel.
  EXPECT_LE(victim.fired.size(), 1u);
}

TEST(TimerWheel, PastDeadlinesFireOnTheNextTick) {
  asio::io_context io;
  auto wheel = std::make_shared<TimerWheel>(io);
  Recorder late;
  wheel->schedule(late, clock::now() - 5s);
  io.run_for(300ms);
  EXPECT_EQ(late.fired.size(), 1u);
}

TEST(TimerWheel, ADestroyedClientIsForgottenAndTheWheelStopsTicking) {
  asio::io_context io;
  auto wheel = std::make_shared<TimerWheel>(io);
  {
    Recorder gone;
    wheel->schedule(gone, clock::now() + 100ms);
  }
  Recorder kept;
  wheel->schedule(kept, clock::now() + 150ms);
  io.run_for(400ms);
  EXPECT_EQ(kept.fired.size(), 1u);
  // Nothing is scheduled any more: the wheel's timer is not re-armed, so the io_context runs out
  // of work at once.
  io.restart();
  const auto before = clock::now();
  io.run();
  EXPECT_LT(clock::now() - before, 50ms);
}

TEST(TimerWheel, ClientsOutliveTheWheelSafely) {
  Recorder survivor;
  {
    asio::io_context io;
    auto wheel = std::make_shared<TimerWheel>(io);
    wheel->schedule(survivor, clock::now() + 10s);
  }
  EXPECT_TRUE(survivor.fired.empty());  // and its destructor must not touch the dead wheel
}

TEST(TimerWheel, ManyClientsAcrossSlots) {
  asio::io_context io;
  auto wheel = std::make_shared<TimerWheel>(io);
  std::vector<std::unique_ptr<Recorder>> clients;
  const auto start = clock::now();
  for (int i = 0; i < 2000; ++i) {
    clients.push_back(std::make_unique<Recorder>());
    wheel->schedule(*clients.back(), start + std::chrono::milliseconds(i % 400));
  }
  io.run_for(800ms);
  for (int i = 0; i < 2000; ++i) {
    ASSERT_EQ(clients[i]->fired.size(), 1u) << i;
    EXPECT_GE(clients[i]->fired[0], start + std::chrono::milliseconds(i % 400));
  }
}

}  // namespace
}  // namespace junction::transport
