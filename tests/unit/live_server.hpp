// tests/unit/live_server: a transport::Server with its own router, routing clock and io_context,
// run on a thread of its own, for the unit tests that talk to it over real sockets (TCP or Unix).
// It shuts down as the node does (stop listening, close every connection, let the I/O threads
// finish), so no session or timer outlives the io_context it belongs to.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>

#include "router/router.hpp"
#include "transport/routing_clock.hpp"
#include "transport/server.hpp"

namespace junction::test {

class LiveServer {
 public:
  // Starts every listener (Server::start throws, e.g. for a socket file in use) and the thread.
  explicit LiveServer(std::vector<transport::ListenerConfig> listeners,
                      transport::ConnectionLimits limits = {}, std::size_t io_threads = 2)
      : clock_(io_), router_(router::RouterConfig{}, clock_) {
    server_.emplace(io_, router_, std::move(listeners), io_threads, limits);
    server_->start();
    thread_ = std::thread([this] { io_.run(); });
  }
  ~LiveServer() {
    boost::asio::post(io_, [this] {
      server_->stop_listening();
      server_->close_connections();
    });
    guard_.reset();
    thread_.join();
    server_.reset();
  }
  LiveServer(const LiveServer&) = delete;
  LiveServer& operator=(const LiveServer&) = delete;

  const transport::Server& server() const { return *server_; }
  // The TCP port listener `i` is bound to.
  std::uint16_t port(std::size_t i = 0) const {
    const auto bound = server_->bound_endpoints().at(i);
    return static_cast<std::uint16_t>(std::stoi(bound.substr(bound.rfind(':') + 1)));
  }
  // Connections holding a place; waits (up to 5 s) for the count to become `n`.
  bool wait_open(std::size_t n) const {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (server_->open_connections() != n) {
      if (std::chrono::steady_clock::now() > deadline) return false;
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return true;
  }
  std::size_t open() const { return server_->open_connections(); }

 private:
  boost::asio::io_context io_{1};
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> guard_{
      io_.get_executor()};
  transport::RoutingClock clock_;
  router::Router router_;
  std::optional<transport::Server> server_;
  std::thread thread_;
};

}  // namespace junction::test
