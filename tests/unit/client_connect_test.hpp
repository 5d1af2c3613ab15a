// tests/unit/client_connect_test: what the client's connect() unit tests share (RawSocket in
// client_rawsocket_test, TLS in client_tls_test): a temporary directory, an io_context pumped in
// small steps, and connect_transport() run to its end with the client::Error text kept.
#pragma once

#include <gtest/gtest.h>

#include <stdlib.h>

#include <chrono>
#include <filesystem>
#include <memory>
#include <string>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>

#include "client/error.hpp"
#include "client/transport.hpp"

namespace junction::test {

// Runs `io` until `ready()` holds or `timeout` passes; returns ready().
template <typename Pred>
bool pump_until(boost::asio::io_context& io, Pred ready,
                std::chrono::milliseconds timeout = std::chrono::seconds(5)) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!ready() && std::chrono::steady_clock::now() < deadline) {
    io.restart();
    io.run_for(std::chrono::milliseconds(1));
  }
  return ready();
}

class ClientConnectTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/junction-client-test-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir = tmpl;
  }
  void TearDown() override {
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
  }

  // Connects to `url` with `options`; the transport, or the client::Error text in `error`.
  std::shared_ptr<client::Transport> connect(const std::string& url,
                                             const client::TransportOptions& options) {
    std::shared_ptr<client::Transport> result;
    bool done = false;
    boost::asio::co_spawn(io, client::connect_transport(io.get_executor(), url, options),
                          [&](std::exception_ptr e, std::shared_ptr<client::Transport> t) {
                            done = true;
                            result = std::move(t);
                            try {
                              if (e) std::rethrow_exception(e);
                            } catch (const client::Error& err) {
                              EXPECT_EQ(err.uri(), client::errors::disconnected);
                              error = err.what();
                            } catch (const std::exception& err) {
                              error = std::string("not a client::Error: ") + err.what();
                            }
                          });
    EXPECT_TRUE(pump_until(
        io, [&] { return done; }, std::chrono::seconds(10)));
    return result;
  }

  boost::asio::io_context io;
  std::string dir, error;
};

}  // namespace junction::test
