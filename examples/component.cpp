// examples/component: a small WAMP component written with the Junction C++ client library. It
// provides com.example.add (a callee), com.example.countdown (progressive results) and listens to
// com.example.news (a subscriber) until Ctrl-C, then leaves the realm cleanly.
//
//   junction-example-component [ws://127.0.0.1:8080/ws] [realm1]
#include <iostream>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>

#include "client/client.hpp"

namespace asio = boost::asio;
using namespace junction;

asio::awaitable<void> component(std::string url, std::string realm) {
  auto io = co_await asio::this_coro::executor;
  auto session = co_await client::Session::connect(io, url, realm);
  std::cout << "joined " << realm << " as session " << session->id() << std::endl;

  // A callee: returns a result, or throws client::Error (sent to the caller as a WAMP ERROR).
  co_await session->provide("com.example.add", [](client::Invocation& inv) {
    const auto a = inv.arg(0).as_int(), b = inv.arg(1).as_int();
    if (!a || !b) throw client::Error("com.example.error.not_a_number", {"add needs two integers"});
    return client::Result(wamp::Array{*a + *b});
  });
  // Progressive results: inv.progress() while working, then the final result.
  co_await session->provide("com.example.countdown", [](client::Invocation& inv) {
    for (std::int64_t i = inv.arg(0).as_int().value_or(3); i > 0; --i)
      inv.progress({i});
    return client::Result(wamp::Array{"liftoff"});
  });
  // A subscriber: args, kwargs and details of each event.
  co_await session->subscribe("com.example.news", [](const client::Event& event) {
    std::cout << "news: " << wamp::to_debug_string(event.args()) << " "
              << wamp::to_debug_string(event.kwargs()) << std::endl;
  });
  std::cout << "ready: com.example.add, com.example.countdown, com.example.news" << std::endl;

  asio::signal_set signals(io, SIGINT, SIGTERM);
  session->on_close([&](const std::string& reason) {
    std::cout << "session closed: " << reason << std::endl;
    signals.cancel();
  });
  try {
    co_await signals.async_wait(asio::use_awaitable);
  } catch (const boost::system::system_error&) {
    co_return;  // the router ended the session
  }
  std::cout << "leaving: " << co_await session->leave() << std::endl;
}

int main(int argc, char** argv) {
  const std::string url = argc > 1 ? argv[1] : "ws://127.0.0.1:8080/ws";
  const std::string realm = argc > 2 ? argv[2] : "realm1";
  asio::io_context io;
  int status = 0;
  asio::co_spawn(io, component(url, realm), [&](std::exception_ptr e) {
    if (!e) return;
    try {
      std::rethrow_exception(e);
    } catch (const std::exception& x) {
      std::cerr << "error: " << x.what() << std::endl;
      status = 1;
    }
  });
  io.run();
  return status;
}
