// transport/http_body_stream: a response body that a service produces over time (a backend's
// answer, a WSGI application's chunks, a CGI script's output) and the HTTP session sends as it
// comes: the one streamed response kind every service uses (see docs/web.md, "Streamed bodies").
//
// Two sides, each on its own thread: the producer (a service's thread) writes pieces and ends the
// body; the consumer (the connection's I/O thread, transport/http_session) takes what is queued
// and writes it to the socket. The queue is bounded: write() says "stop" once kHighWater bytes
// wait, and the producer then stops reading from its source until its `resume` callback runs —
// which happens when the consumer has taken the queue (the socket drained it). So memory per
// response is bounded by kHighWater plus one piece, whatever the body's size and whatever the
// client's speed. When the client goes away (or the answer is not wanted: HEAD, a session that
// closed), the consumer cancels: the producer's `cancel` callback runs once and the producer
// stops its source (closes the iterable, kills the script, closes the backend connection).
//
// Callbacks run on the thread of whoever triggered them, never under the stream's lock: a
// producer posts from `resume`/`cancel` to its own thread, the session from `wake` to its own.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace junction::transport {

class HttpBodyStream {
 public:
  // Bytes queued at which write() asks the producer to pause.
  static constexpr std::size_t kHighWater = 256 * 1024;

  HttpBodyStream() = default;
  // `length`: the body's size when the producer knows it (Content-Length); the session then
  // sends exactly that many bytes, else it frames the body (chunked, or close-delimited).
  explicit HttpBodyStream(std::optional<std::uint64_t> length) : length_(length) {}
  HttpBodyStream(const HttpBodyStream&) = delete;
  HttpBodyStream& operator=(const HttpBodyStream&) = delete;

  std::optional<std::uint64_t> length() const { return length_; }

  // ---- producer side (any thread) ----
  // Set once, before the response carrying the stream is delivered. `resume` runs after a
  // write() that returned false, once the queue has been taken; `cancel` runs once when the body
  // is no longer wanted. Both may run on any thread: post to your own.
  void set_producer(std::function<void()> resume, std::function<void()> cancel);
  // Queues `data` (copied). True: go on. False: the queue is full, pause until `resume` (or
  // the body is no longer wanted: cancelled() is true and the data was dropped).
  bool write(std::string_view data);
  // The body is complete.
  void finish();
  // The body cannot be completed (the producer failed mid-way): the session aborts the
  // connection and logs `why`.
  void fail(std::string why);
  bool cancelled() const;

  // ---- consumer side (the session) ----
  enum class Take { data, waiting, finished, failed, cancelled };
  // data: `out` (cleared first) holds everything queued. waiting: nothing yet; `wake` runs once
  // when there is (data, the end, a failure). finished / failed (see failure()) / cancelled:
  // the body ended so, after all data was taken.
  Take take(std::string& out, std::function<void()> wake);
  // Not wanted any more: the queue is dropped and the producer's `cancel` runs (once). Does
  // nothing after the body finished or failed.
  void cancel();
  std::string failure() const;

 private:
  mutable std::mutex mutex_;
  std::optional<std::uint64_t> length_;
  std::string queue_;
  bool finished_ = false;
  bool failed_ = false;
  bool cancelled_ = false;
  bool paused_ = false;  // a write() returned false; resume_ is owed
  std::string why_;
  std::function<void()> resume_;
  std::function<void()> cancel_;
  std::function<void()> wake_;
};

// The session's hold on a stream (HttpResponse::stream): move-only, and dropping it unconsumed
// cancels the stream, so a response that never reaches a socket (the connection closed before
// the answer came, an exchange that was superseded) always stops its producer.
class HttpBodyReader {
 public:
  HttpBodyReader() = default;
  explicit HttpBodyReader(std::shared_ptr<HttpBodyStream> stream) : stream_(std::move(stream)) {}
  HttpBodyReader(HttpBodyReader&& other) noexcept = default;
  HttpBodyReader& operator=(HttpBodyReader&& other) noexcept {
    if (this != &other) {
      reset();
      stream_ = std::move(other.stream_);
    }
    return *this;
  }
  ~HttpBodyReader() { reset(); }

  explicit operator bool() const { return stream_ != nullptr; }
  HttpBodyStream* operator->() const { return stream_.get(); }
  // Cancels the stream (a no-op when it ended) and lets go of it.
  void reset() {
    if (stream_) std::exchange(stream_, nullptr)->cancel();
  }

 private:
  std::shared_ptr<HttpBodyStream> stream_;
};

}  // namespace junction::transport
