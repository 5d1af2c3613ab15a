// auth/asio_executor: worker threads and routing-thread timers.
#include "auth/asio_executor.hpp"

#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

#include "base/log.hpp"

namespace junction::auth {

AsioExecutor::AsioExecutor(boost::asio::io_context& routing, std::size_t workers)
    : routing_(routing) {
  for (std::size_t i = 0; i < workers; ++i)
    workers_.emplace_back([this] { run_worker(); });
}

AsioExecutor::~AsioExecutor() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  for (auto& t : workers_)
    t.join();
}

void AsioExecutor::offload(std::function<void()> work, std::function<void()> done) {
  {
    std::lock_guard lock(mutex_);
    jobs_.emplace_back(std::move(work), std::move(done));
  }
  wake_.notify_one();
}

void AsioExecutor::after(std::chrono::milliseconds delay, std::function<void()> fn) {
  if (timers_stopped_) return;
  auto timer = std::make_shared<boost::asio::steady_timer>(routing_, delay);
  timers_.insert(timer.get());
  timer->async_wait([this, timer, fn = std::move(fn)](const boost::system::error_code& ec) {
    timers_.erase(timer.get());
    if (!ec) fn();
  });
}

void AsioExecutor::stop_timers() {
  timers_stopped_ = true;
  for (boost::asio::steady_timer* timer : timers_)
    timer->cancel();
}

void AsioExecutor::run_worker() {
  while (true) {
    std::pair<std::function<void()>, std::function<void()>> job;
    {
      std::unique_lock lock(mutex_);
      wake_.wait(lock, [this] { return stopping_ || !jobs_.empty(); });
      if (stopping_) return;
      job = std::move(jobs_.front());
      jobs_.pop_front();
    }
    try {
      job.first();
    } catch (const std::exception& e) {
      JLOG(error, "auth") << "key derivation failed: " << e.what();
    }
    boost::asio::post(routing_, std::move(job.second));
  }
}

}  // namespace junction::auth
