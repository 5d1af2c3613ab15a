// web/service_thread: the thread of its own on which a path service does what must not run on
// an I/O thread (child processes, backend connections, file-system walks): an io_context, the
// thread that runs it (an escaping exception is logged and the loop goes on) and an orderly stop.
// Shared by cgi, reverse proxy and wsgi.
#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <utility>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>

namespace junction::web {

class ServiceThread {
 public:
  // `log_name` prefixes the log line of an exception that escapes a handler.
  explicit ServiceThread(std::string log_name) : log_name_(std::move(log_name)) {}
  ~ServiceThread() { stop(); }
  ServiceThread(const ServiceThread&) = delete;
  ServiceThread& operator=(const ServiceThread&) = delete;

  // Creates the io_context, lets `before_run` set up what lives on it (it runs here, before the
  // thread exists), then starts the thread. False, and nothing done, when it runs already.
  bool start(const std::function<void(boost::asio::io_context&)>& before_run = {});

  // Runs `handler(io)` on the thread. False, and nothing posted, when it is not running: the
  // caller answers 503.
  template <class Handler>
  bool post(Handler&& handler) {
    std::lock_guard lock(mutex_);
    if (!io_) return false;
    boost::asio::post(*io_,
                      [io = io_.get(), h = std::forward<Handler>(handler)]() mutable { h(*io); });
    return true;
  }

  // The running io_context, or null (for a service that must post to it and wait).
  boost::asio::io_context* io();

  // Stops the loop and joins the thread; then `after_join` cleans up what the thread owned (it
  // runs here, with the io_context still alive), and the io_context goes: handlers that never
  // ran are destroyed (a request still in flight answers 500). Nothing when not running.
  void stop(const std::function<void()>& after_join = {});

 private:
  std::string log_name_;
  std::mutex mutex_;  // guards io_ (post() runs on every I/O thread, stop() on the routing one)
  std::unique_ptr<boost::asio::io_context> io_;
  std::optional<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> work_;
  std::thread thread_;
};

}  // namespace junction::web
