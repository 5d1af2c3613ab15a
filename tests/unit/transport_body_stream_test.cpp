// transport_body_stream_test: the streamed response body between a producer (a service's thread)
// and the HTTP session: order, backpressure (write() says stop at the high-water mark, resume
// runs once the queue is taken), the end, failure, cancellation (the producer's cancel runs once,
// also when the session's hold is dropped unconsumed), and a producer thread racing the consumer.
#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include <gtest/gtest.h>

#include "transport/http_body_stream.hpp"

namespace junction::transport {
namespace {

using Take = HttpBodyStream::Take;

TEST(HttpBodyStream, DataThenFinish) {
  HttpBodyStream s(std::optional<std::uint64_t>(6));
  EXPECT_EQ(s.length(), 6u);
  std::string out;
  int wakes = 0;
  EXPECT_EQ(s.take(out, [&] { ++wakes; }), Take::waiting);
  EXPECT_TRUE(s.write("abc"));
  EXPECT_EQ(wakes, 1);  // the waiting consumer is woken once
  EXPECT_TRUE(s.write("def"));
  EXPECT_EQ(wakes, 1);
  EXPECT_EQ(s.take(out, nullptr), Take::data);
  EXPECT_EQ(out, "abcdef");
  s.finish();
  EXPECT_EQ(s.take(out, nullptr), Take::finished);
  EXPECT_TRUE(out.empty());
  EXPECT_FALSE(s.write("late"));
}

TEST(HttpBodyStream, DataQueuedBeforeTheEndIsTakenFirst) {
  HttpBodyStream s;
  EXPECT_FALSE(s.length().has_value());
  s.write("x");
  s.fail("the backend broke off");
  std::string out;
  EXPECT_EQ(s.take(out, nullptr), Take::data);
  EXPECT_EQ(out, "x");
  EXPECT_EQ(s.take(out, nullptr), Take::failed);
  EXPECT_EQ(s.failure(), "the backend broke off");
}

TEST(HttpBodyStream, BackpressureAtTheHighWaterMark) {
  HttpBodyStream s;
  int resumes = 0;
  int cancels = 0;
  s.set_producer([&] { ++resumes; }, [&] { ++cancels; });
  const std::string piece(HttpBodyStream::kHighWater / 4, 'p');
  EXPECT_TRUE(s.write(piece));
  EXPECT_TRUE(s.write(piece));
  EXPECT_TRUE(s.write(piece));
  EXPECT_FALSE(s.write(piece));  // full: the producer pauses
  EXPECT_EQ(resumes, 0);
  std::string out;
  EXPECT_EQ(s.take(out, nullptr), Take::data);
  EXPECT_EQ(out.size(), HttpBodyStream::kHighWater);
  EXPECT_EQ(resumes, 1);  // taken: the producer goes on
  EXPECT_TRUE(s.write(piece));
  EXPECT_EQ(s.take(out, nullptr), Take::data);
  EXPECT_EQ(resumes, 1);  // no pause, no resume
  EXPECT_EQ(cancels, 0);
}

TEST(HttpBodyStream, CancelRunsTheProducersCancelOnce) {
  HttpBodyStream s;
  int cancels = 0;
  s.set_producer([] {}, [&] { ++cancels; });
  s.write("data");
  s.cancel();
  s.cancel();
  EXPECT_EQ(cancels, 1);
  EXPECT_TRUE(s.cancelled());
  EXPECT_FALSE(s.write("more"));
  std::string out;
  EXPECT_EQ(s.take(out, nullptr), Take::cancelled);
  s.finish();  // nothing after a cancel
  EXPECT_EQ(s.take(out, nullptr), Take::cancelled);
}

TEST(HttpBodyStream, CancelledBeforeTheProducerWasSet) {
  HttpBodyStream s;
  s.cancel();
  int cancels = 0;
  s.set_producer([] {}, [&] { ++cancels; });
  EXPECT_EQ(cancels, 1);
}

TEST(HttpBodyStream, NoCancelAfterTheEnd) {
  HttpBodyStream s;
  int cancels = 0;
  s.set_producer([] {}, [&] { ++cancels; });
  s.finish();
  s.cancel();
  EXPECT_EQ(cancels, 0);
}

TEST(HttpBodyReader, DroppingItUnconsumedCancels) {
  auto s = std::make_shared<HttpBodyStream>();
  int cancels = 0;
  s->set_producer([] {}, [&] { ++cancels; });
  {
    HttpBodyReader reader(s);
    HttpBodyReader moved(std::move(reader));
    EXPECT_FALSE(static_cast<bool>(reader));  // NOLINT(bugprone-use-after-move)
    EXPECT_TRUE(static_cast<bool>(moved));
    EXPECT_EQ(cancels, 0);
  }
  EXPECT_EQ(cancels, 1);
  EXPECT_TRUE(s->cancelled());
}

// A producer thread that pauses when told and a consumer that takes whenever woken: every byte
// arrives once and in order, and no more than the high-water mark plus one piece is ever queued.
TEST(HttpBodyStream, ProducerAndConsumerThreads) {
  auto s = std::make_shared<HttpBodyStream>();
  std::mutex mutex;
  std::condition_variable cv;
  bool resumed = false;
  bool woken = false;
  s->set_producer(
      [&] {
        std::lock_guard lock(mutex);
        resumed = true;
        cv.notify_all();
      },
      [] {});
  constexpr int kPieces = 2000;
  constexpr std::size_t kPiece = 1000;
  std::thread producer([&] {
    for (int i = 0; i < kPieces; ++i) {
      const std::string piece(kPiece, static_cast<char>('a' + i % 26));
      if (!s->write(piece)) {
        std::unique_lock lock(mutex);
        cv.wait(lock, [&] { return resumed; });
        resumed = false;
      }
    }
    s->finish();
  });
  std::string got;
  std::string out;
  std::size_t largest = 0;
  for (;;) {
    const Take t = s->take(out, [&] {
      std::lock_guard lock(mutex);
      woken = true;
      cv.notify_all();
    });
    if (t == Take::data) {
      largest = std::max(largest, out.size());
      got += out;
      continue;
    }
    if (t == Take::finished) break;
    ASSERT_EQ(t, Take::waiting);
    std::unique_lock lock(mutex);
    cv.wait(lock, [&] { return woken; });
    woken = false;
  }
  producer.join();
  ASSERT_EQ(got.size(), kPieces * kPiece);
  for (int i = 0; i < kPieces; ++i)
    ASSERT_EQ(got[static_cast<std::size_t>(i) * kPiece], static_cast<char>('a' + i % 26)) << i;
  EXPECT_LE(largest, HttpBodyStream::kHighWater + kPiece);
}

}  // namespace
}  // namespace junction::transport
