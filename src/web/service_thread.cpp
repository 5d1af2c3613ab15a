// web/service_thread: a path service's own thread (see the header).
#include "web/service_thread.hpp"

#include <exception>

#include "base/log.hpp"

namespace junction::web {

bool ServiceThread::start(const std::function<void(boost::asio::io_context&)>& before_run) {
  std::lock_guard lock(mutex_);
  if (io_) return false;
  io_ = std::make_unique<boost::asio::io_context>(1);
  work_.emplace(io_->get_executor());
  if (before_run) before_run(*io_);
  thread_ = std::thread([io = io_.get(), this] {
    for (;;) {
      try {
        io->run();
        return;
      } catch (const std::exception& e) {
        JLOG(error, "web") << log_name_ << ": " << e.what();
      }
    }
  });
  return true;
}

boost::asio::io_context* ServiceThread::io() {
  std::lock_guard lock(mutex_);
  return io_.get();
}

void ServiceThread::stop(const std::function<void()>& after_join) {
  std::unique_ptr<boost::asio::io_context> io;
  {
    std::lock_guard lock(mutex_);
    if (!io_) return;
    work_.reset();
    io_->stop();
    io = std::move(io_);
  }
  if (thread_.joinable()) thread_.join();
  if (after_join) after_join();
  io.reset();
}

}  // namespace junction::web
