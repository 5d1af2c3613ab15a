// auth/asio_executor: the node's Executor: a few worker threads for key derivation, results and
// delays posted to the routing thread's io_context.
#pragma once

#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <thread>
#include <unordered_set>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include "auth/executor.hpp"

namespace junction::auth {

class AsioExecutor : public Executor {
 public:
  AsioExecutor(boost::asio::io_context& routing, std::size_t workers = 1);
  ~AsioExecutor() override;  // joins the workers (work not started is dropped)

  void offload(std::function<void()> work, std::function<void()> done) override;
  void after(std::chrono::milliseconds delay, std::function<void()> fn) override;
  // Node shutdown: pending delays are cancelled (their functions never run) and later ones are
  // dropped, so that timeouts of authentications and authorizations still in flight (10 s by
  // default) do not keep the routing thread's io_context running. Routing thread.
  void stop_timers();

 private:
  void run_worker();

  boost::asio::io_context& routing_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<std::pair<std::function<void()>, std::function<void()>>> jobs_;
  bool stopping_ = false;
  std::vector<std::thread> workers_;
  // Routing thread only.
  std::unordered_set<boost::asio::steady_timer*> timers_;
  bool timers_stopped_ = false;
};

}  // namespace junction::auth
