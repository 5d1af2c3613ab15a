// transport/http_body_stream: see the header. Every callback is taken out of the object under
// the lock and run after it is released: a callback may call back into the stream.
#include "transport/http_body_stream.hpp"

#include <utility>

namespace junction::transport {

void HttpBodyStream::set_producer(std::function<void()> resume, std::function<void()> cancel) {
  std::function<void()> cancel_now;
  {
    std::lock_guard lock(mutex_);
    resume_ = std::move(resume);
    if (cancelled_) {
      cancel_now = std::move(cancel);  // cancelled before the producer was there
    } else {
      cancel_ = std::move(cancel);
    }
  }
  if (cancel_now) cancel_now();
}

bool HttpBodyStream::write(std::string_view data) {
  std::function<void()> wake;
  bool more = false;
  {
    std::lock_guard lock(mutex_);
    if (cancelled_ || finished_ || failed_) return false;
    queue_.append(data.data(), data.size());
    more = queue_.size() < kHighWater;
    if (!more) paused_ = true;
    if (!queue_.empty()) wake = std::exchange(wake_, nullptr);
  }
  if (wake) wake();
  return more;
}

void HttpBodyStream::finish() {
  std::function<void()> wake;
  {
    std::lock_guard lock(mutex_);
    if (cancelled_ || finished_ || failed_) return;
    finished_ = true;
    resume_ = nullptr;
    cancel_ = nullptr;
    wake = std::exchange(wake_, nullptr);
  }
  if (wake) wake();
}

void HttpBodyStream::fail(std::string why) {
  std::function<void()> wake;
  {
    std::lock_guard lock(mutex_);
    if (cancelled_ || finished_ || failed_) return;
    failed_ = true;
    why_ = std::move(why);
    resume_ = nullptr;
    cancel_ = nullptr;
    wake = std::exchange(wake_, nullptr);
  }
  if (wake) wake();
}

bool HttpBodyStream::cancelled() const {
  std::lock_guard lock(mutex_);
  return cancelled_;
}

HttpBodyStream::Take HttpBodyStream::take(std::string& out, std::function<void()> wake) {
  out.clear();
  std::function<void()> resume;
  Take result;
  {
    std::lock_guard lock(mutex_);
    if (cancelled_) return Take::cancelled;
    if (!queue_.empty()) {
      out.swap(queue_);  // the two strings trade buffers: no copy, no allocation once warm
      if (paused_) {
        paused_ = false;
        resume = resume_;
      }
      result = Take::data;
    } else if (finished_) {
      return Take::finished;
    } else if (failed_) {
      return Take::failed;
    } else {
      wake_ = std::move(wake);
      return Take::waiting;
    }
  }
  if (resume) resume();
  return result;
}

void HttpBodyStream::cancel() {
  std::function<void()> cancel;
  {
    std::lock_guard lock(mutex_);
    if (cancelled_ || finished_ || failed_) return;
    cancelled_ = true;
    std::string().swap(queue_);
    cancel = std::exchange(cancel_, nullptr);
    resume_ = nullptr;
    wake_ = nullptr;
  }
  if (cancel) cancel();
}

std::string HttpBodyStream::failure() const {
  std::lock_guard lock(mutex_);
  return why_;
}

}  // namespace junction::transport
