// tests/client/run_coroutine: running one test's coroutine on a fresh io_context, with a
// deadline; shared by the client's end-to-end tests.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <exception>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>

namespace junction::test {

// Runs the coroutine `body(io)` on a fresh io_context for at most `timeout`; fails the test on a
// timeout or an exception.
template <typename Body>
void run(Body&& body, std::chrono::milliseconds timeout = std::chrono::seconds(15)) {
  boost::asio::io_context io;
  bool done = false;
  std::exception_ptr error;
  boost::asio::co_spawn(io, body(io), [&](std::exception_ptr e) {
    done = true;
    error = e;
  });
  io.run_for(timeout);
  ASSERT_TRUE(done) << "timed out after " << timeout.count() << " ms";
  if (error) {
    try {
      std::rethrow_exception(error);
    } catch (const std::exception& e) {
      FAIL() << "exception: " << e.what();
    }
  }
}

}  // namespace junction::test
