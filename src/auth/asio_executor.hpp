// auth/asio_executor: the node's Executor: a few worker threads for key derivation, results and
// delays posted to the routing thread's io_context.
#pragma once

#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include <boost/asio/io_context.hpp>

#include "auth/executor.hpp"

namespace junction::auth {

class AsioExecutor : public Executor {
 public:
  AsioExecutor(boost::asio::io_context& routing, std::size_t workers = 1);
  ~AsioExecutor() override;  // joins the workers (work not started is dropped)

  void offload(std::function<void()> work, std::function<void()> done) override;
  void after(std::chrono::milliseconds delay, std::function<void()> fn) override;

 private:
  void run_worker();

  boost::asio::io_context& routing_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<std::pair<std::function<void()>, std::function<void()>>> jobs_;
  bool stopping_ = false;
  std::vector<std::thread> workers_;
};

}  // namespace junction::auth
