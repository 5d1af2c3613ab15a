// tests/unit/client_fakes: what the client library's unit tests drive a Session with: a fake
// transport that records what the client sends and delivers what "the router" says, captured
// completions, and a loop pump.
#pragma once

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>

#include "client/client.hpp"

namespace junction::client_test {

namespace asio = boost::asio;
using wamp::Message;
using wamp::MessageType;

class FakeTransport : public client::Transport {
 public:
  const wamp::Codec& codec() const override { return *wamp::codec_for(wamp::Serializer::json); }
  void start(std::weak_ptr<client::TransportHandler> handler) override { handler_ = handler; }
  void send(std::string_view bytes) override {
    auto decoded = codec().decode(bytes);
    ASSERT_TRUE(std::holds_alternative<Message>(decoded)) << bytes;
    sent.push_back(std::get<Message>(std::move(decoded)));
  }
  std::size_t queued_bytes() const override { return 0; }
  void close() override { open = false; }
  bool is_open() const override { return open; }
  std::string tls_channel_id() const override { return channel_id; }

  // The router's side.
  void deliver(const Message& m) {
    std::string bytes;
    codec().encode(m, bytes);
    if (auto h = handler_.lock()) h->on_message(bytes);
  }
  void deliver_raw(std::string_view bytes) {
    if (auto h = handler_.lock()) h->on_message(bytes);
  }
  void drop(std::string reason) {
    open = false;
    if (auto h = handler_.lock()) h->on_close(std::move(reason));
  }
  const Message& last() const { return sent.back(); }

  std::vector<Message> sent;
  bool open = true;
  std::string channel_id;  // as a TLS transport's tls-unique id; empty: a plain connection

 private:
  std::weak_ptr<client::TransportHandler> handler_;
};

template <typename T>
struct Captured {
  bool done = false;
  std::exception_ptr error;
  T value{};
  auto handler() {
    return [this](std::exception_ptr e, T v) {
      done = true;
      error = e;
      value = std::move(v);
    };
  }
  std::string error_uri() const {
    try {
      if (error) std::rethrow_exception(error);
    } catch (const client::Error& e) {
      return e.uri();
    } catch (...) {
      return "<not a client::Error>";
    }
    return "";
  }
};

struct CapturedVoid {
  bool done = false;
  std::exception_ptr error;
  auto handler() {
    return [this](std::exception_ptr e) {
      done = true;
      error = e;
    };
  }
};

// Runs what is ready (the io_context stops when it runs out of work: restart it first).
inline void pump(asio::io_context& io) {
  io.restart();
  io.poll();
}

inline Message msg(MessageType type, wamp::Id request = 0, wamp::Id id = 0) {
  Message m;
  m.type = type;
  m.request = request;
  m.id = id;
  return m;
}

}  // namespace junction::client_test
