// tests/unit/client_rawsocket_test: the client's RawSocket transport without a router: URL forms,
// the handshake reply checks (the wire format itself is tested in rawsocket_tests), the transport
// on one end of an in-process Unix socket pair (framing in both directions, partial and large
// frames, PING/PONG, limits in both directions, close), and connect() against a fake router on a
// Unix socket or loopback TCP (every handshake error reply, a non-RawSocket peer, timeouts).
#include <gtest/gtest.h>

#include <stdlib.h>
#include <unistd.h>

#include <filesystem>
#include <thread>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/local/connect_pair.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include "client/error.hpp"
#include "client/rawsocket_transport.hpp"
#include "client/url.hpp"
#include "client_connect_test.hpp"

namespace {

namespace asio = boost::asio;
using namespace junction;
using namespace std::chrono_literals;
using client::RawSocketTransport;
using local = asio::local::stream_protocol;
namespace rs = junction::rawsocket;

std::string frame(rs::FrameType type, std::string_view payload) {
  std::string out;
  const auto header = rs::make_frame_header(type, payload.size());
  out.append(reinterpret_cast<const char*>(header.data()), header.size());
  out.append(payload);
  return out;
}

using test::pump_until;

// ---------------------------------------------------------------------------------------------
// URLs

TEST(ClientRawSocketUrl, TcpForms) {
  auto u = client::parse_url("rs://127.0.0.1:8081");
  ASSERT_TRUE(u);
  EXPECT_EQ(u->scheme, "rs");
  EXPECT_EQ(u->host, "127.0.0.1");
  EXPECT_EQ(u->port, "8081");
  EXPECT_TRUE(u->rawsocket());
  EXPECT_FALSE(u->unix_socket());
  u = client::parse_url("TCP://[::1]:9000/");
  ASSERT_TRUE(u);
  EXPECT_EQ(u->scheme, "tcp");
  EXPECT_EQ(u->host, "::1");
  EXPECT_EQ(u->port, "9000");
  EXPECT_TRUE(u->rawsocket());
  u = client::parse_url("rss://h:1");
  ASSERT_TRUE(u);
  EXPECT_EQ(u->scheme, "rss");
  EXPECT_TRUE(u->rawsocket());
  EXPECT_TRUE(u->tls());
  EXPECT_FALSE(client::parse_url("rs://h"));        // no default port
  EXPECT_FALSE(client::parse_url("tcp://h:"));      // empty port
  EXPECT_FALSE(client::parse_url("rs://h:80/ws"));  // RawSocket has no path
  EXPECT_FALSE(client::parse_url("rs://:80"));
  u = client::parse_url("ws://h/ws");
  ASSERT_TRUE(u);
  EXPECT_FALSE(u->rawsocket());
}

TEST(ClientRawSocketUrl, UnixForms) {
  auto u = client::parse_url("unix:///run/junction/router.sock");
  ASSERT_TRUE(u);
  EXPECT_EQ(u->scheme, "unix");
  EXPECT_EQ(u->path, "/run/junction/router.sock");
  EXPECT_TRUE(u->unix_socket());
  EXPECT_TRUE(u->rawsocket());
  EXPECT_TRUE(u->host.empty());
  u = client::parse_url("RS+UNIX:///tmp/A.sock");
  ASSERT_TRUE(u);
  EXPECT_EQ(u->scheme, "rs+unix");
  EXPECT_EQ(u->path, "/tmp/A.sock");  // the path keeps its case
  u = client::parse_url("unix://relative.sock");
  ASSERT_TRUE(u);
  EXPECT_EQ(u->path, "relative.sock");
  EXPECT_FALSE(client::parse_url("unix://"));
}

TEST(ClientRawSocketUrl, ConnectTransportRefusesWhatItCannotSpeak) {
  asio::io_context io;
  auto error_of = [&](std::string url) {
    std::string what = "<no error>";
    asio::co_spawn(
        io,
        [&, url]() -> asio::awaitable<void> {
          client::TransportOptions options;
          co_await client::connect_transport(io.get_executor(), url, options);
        },
        [&](std::exception_ptr e) {
          try {
            if (e) std::rethrow_exception(e);
          } catch (const client::Error& err) {
            EXPECT_EQ(err.uri(), client::errors::disconnected);
            what = err.what();
          }
        });
    io.restart();
    io.run_for(2s);
    return what;
  };
  // TLS is spoken now: nothing listens on port 1.
  EXPECT_NE(error_of("rss://127.0.0.1:1").find("cannot connect to 127.0.0.1:1: "),
            std::string::npos);
  EXPECT_NE(error_of("wss://127.0.0.1:1/ws").find("cannot connect to 127.0.0.1:1: "),
            std::string::npos);
  EXPECT_NE(error_of("http://127.0.0.1:1/").find("unsupported URL scheme 'http'"),
            std::string::npos);
  EXPECT_NE(error_of("rs://127.0.0.1:1/ws").find("not a router URL"), std::string::npos);
}

// ---------------------------------------------------------------------------------------------
// Wire helpers

std::string reply_error(std::array<unsigned char, 4> reply,
                        wamp::Serializer asked = wamp::Serializer::json) {
  const auto checked = client::check_rawsocket_reply(reply, asked, 11);
  EXPECT_FALSE(checked.ok);
  return checked.error;
}

TEST(ClientRawSocketWire, HandshakeReplies) {
  auto ok = client::check_rawsocket_reply(std::array<unsigned char, 4>{0x7F, 0x93, 0, 0},
                                          wamp::Serializer::cbor, 15);
  EXPECT_TRUE(ok.ok);
  EXPECT_EQ(ok.router_exponent, 9);
  EXPECT_TRUE(ok.error.empty());

  EXPECT_EQ(reply_error({0x7F, 0x10, 0, 0}, wamp::Serializer::msgpack),
            "refused the RawSocket handshake: serializer unsupported (we asked for msgpack)");
  EXPECT_EQ(reply_error({0x7F, 0x20, 0, 0}),
            "refused the RawSocket handshake: maximum message length unacceptable (we announced "
            "1048576 bytes)");
  EXPECT_EQ(reply_error({0x7F, 0x30, 0, 0}),
            "refused the RawSocket handshake: use of reserved bits (unsupported feature)");
  EXPECT_EQ(reply_error({0x7F, 0x40, 0, 0}),
            "refused the RawSocket handshake: maximum connection count reached");
  EXPECT_EQ(reply_error({0x7F, 0x00, 0, 0}),
            "refused the RawSocket handshake: error code 0 (illegal: the spec does not define it)");
  EXPECT_EQ(reply_error({0x7F, 0x70, 0, 0}),
            "refused the RawSocket handshake: error code 7 (not defined by the spec)");
  EXPECT_EQ(reply_error({'H', 'T', 'T', 'P'}),
            "did not answer the RawSocket handshake (reply starts with 0x48 \"HTTP\"): not a "
            "RawSocket endpoint?");
  EXPECT_EQ(reply_error({0x7F, 0xF2, 0, 0}),
            "answered the RawSocket handshake with serializer id 2 (we asked for json, id 1)");
  EXPECT_EQ(reply_error({0x7F, 0xF1, 0, 1}),
            "answered the RawSocket handshake with reserved octets set");
}

// ---------------------------------------------------------------------------------------------
// The transport on one end of a socket pair; the test plays the router on the other.

struct Recorder : client::TransportHandler {
  void on_message(std::string_view bytes) override { messages.emplace_back(bytes); }
  void on_close(std::string reason) override {
    ++closes;
    close_reason = std::move(reason);
  }
  std::vector<std::string> messages;
  int closes = 0;
  std::string close_reason;
};

class ClientRawSocketTransport : public ::testing::Test {
 protected:
  void SetUp() override { open(1 << 20, 1 << 20); }

  void open(std::size_t max_in, std::size_t max_out) {
    local::socket client_end(io);
    asio::local::connect_pair(client_end, router);
    transport = std::make_shared<RawSocketTransport>(
        RawSocketTransport::Socket(std::move(client_end)), *wamp::codec_for(wamp::Serializer::json),
        max_in, max_out);
    transport->start(handler);
  }

  void router_write(std::string_view bytes) { asio::write(router, asio::buffer(bytes)); }
  // Exactly `n` bytes the transport wrote (running the loop until they are there).
  std::string router_read(std::size_t n) {
    EXPECT_TRUE(pump_until(io, [&] { return router.available() >= n; })) << "waiting for " << n;
    std::string out(std::min<std::size_t>(n, router.available()), '\0');
    asio::read(router, asio::buffer(out));
    return out;
  }
  // True when the transport's side has shut down its sending (the router reads EOF).
  bool router_sees_eof() {
    pump_until(io, [&] { return transport->queued_bytes() == 0; });
    router.non_blocking(true);
    char c;
    boost::system::error_code ec;
    const bool eof = pump_until(io, [&] {
      router.read_some(asio::buffer(&c, 1), ec);
      return ec == asio::error::eof;
    });
    router.non_blocking(false);
    return eof;
  }

  asio::io_context io;
  local::socket router{io};
  std::shared_ptr<Recorder> handler = std::make_shared<Recorder>();
  std::shared_ptr<RawSocketTransport> transport;
};

TEST_F(ClientRawSocketTransport, MessagesBothWays) {
  // Two whole frames and the first half of a third in one write; the rest later.
  const std::string third = frame(rs::FrameType::message, "[3]");
  router_write(frame(rs::FrameType::message, "[1]") + frame(rs::FrameType::message, "") +
               third.substr(0, 5));
  ASSERT_TRUE(pump_until(io, [&] { return handler->messages.size() == 2; }));
  EXPECT_EQ(handler->messages, (std::vector<std::string>{"[1]", ""}));
  router_write(third.substr(5));
  ASSERT_TRUE(pump_until(io, [&] { return handler->messages.size() == 3; }));
  EXPECT_EQ(handler->messages.back(), "[3]");

  // Sent back to back: the first leaves at once, the rest wait for it and leave together.
  transport->send("[10]");
  transport->send("[20]");
  transport->send(std::string(3000, 'x'));
  EXPECT_GT(transport->queued_bytes(), 0u);
  EXPECT_EQ(router_read(8 + 8 + 3004), frame(rs::FrameType::message, "[10]") +
                                           frame(rs::FrameType::message, "[20]") +
                                           frame(rs::FrameType::message, std::string(3000, 'x')));
  EXPECT_TRUE(pump_until(io, [&] { return transport->queued_bytes() == 0; }));
  EXPECT_TRUE(transport->is_open());
  EXPECT_EQ(handler->closes, 0);
}

TEST_F(ClientRawSocketTransport, ByteByByteAndLargeFrames) {
  const std::string small = frame(rs::FrameType::message, "[\"one byte at a time\"]");
  for (char c : small) {
    router_write(std::string_view(&c, 1));
    io.restart();
    io.poll();
  }
  ASSERT_TRUE(pump_until(io, [&] { return handler->messages.size() == 1; }));
  EXPECT_EQ(handler->messages[0], "[\"one byte at a time\"]");

  // Much larger than the initial read buffer, and at exactly the limit we announced; written
  // from another thread since it does not fit the socket buffer.
  std::string big(1 << 20, '\0');
  for (std::size_t i = 0; i < big.size(); ++i)
    big[i] = static_cast<char>('a' + i % 26);
  const std::string wire =
      frame(rs::FrameType::message, big) + frame(rs::FrameType::message, "[\"after\"]");
  std::thread writer([&] { asio::write(router, asio::buffer(wire)); });
  const bool got = pump_until(io, [&] { return handler->messages.size() == 3; });
  writer.join();
  ASSERT_TRUE(got);
  EXPECT_TRUE(handler->messages[1] == big);
  EXPECT_EQ(handler->messages[2], "[\"after\"]");
  EXPECT_EQ(handler->closes, 0);
}

TEST_F(ClientRawSocketTransport, PingIsAnsweredWithPongEchoingThePayload) {
  router_write(frame(rs::FrameType::ping, "are you there") + frame(rs::FrameType::pong, "ignored") +
               frame(rs::FrameType::ping, ""));
  EXPECT_EQ(router_read(4 + 13 + 4),
            frame(rs::FrameType::pong, "are you there") + frame(rs::FrameType::pong, ""));
  EXPECT_TRUE(handler->messages.empty());
  EXPECT_TRUE(transport->is_open());
}

TEST_F(ClientRawSocketTransport, FrameLargerThanAnnouncedClosesWithAReason) {
  transport.reset();
  router.close();
  handler = std::make_shared<Recorder>();
  open(1024, 1 << 20);
  router_write(frame(rs::FrameType::message, std::string(1025, 'x')));
  ASSERT_TRUE(pump_until(io, [&] { return handler->closes == 1; }));
  EXPECT_EQ(handler->close_reason,
            "router sent a RawSocket frame of 1025 bytes, more than the 1024 bytes we announced "
            "(max_message_size)");
  EXPECT_TRUE(handler->messages.empty());
  EXPECT_FALSE(transport->is_open());
}

TEST_F(ClientRawSocketTransport, BadFrameHeadersAreProtocolErrors) {
  router_write(std::string("\x08\x00\x00\x00", 4));
  ASSERT_TRUE(pump_until(io, [&] { return handler->closes == 1; }));
  EXPECT_EQ(handler->close_reason,
            "protocol error from the router: RawSocket frame header 0x08 has reserved bits set");

  transport.reset();
  router.close();
  handler = std::make_shared<Recorder>();
  open(1 << 20, 1 << 20);
  router_write(std::string("\x03\x00\x00\x00", 4));
  ASSERT_TRUE(pump_until(io, [&] { return handler->closes == 1; }));
  EXPECT_EQ(handler->close_reason,
            "protocol error from the router: RawSocket frame header 0x03 has unknown frame type 3");
}

TEST_F(ClientRawSocketTransport, SendLargerThanTheRouterAcceptsFailsClearly) {
  transport.reset();
  router.close();
  handler = std::make_shared<Recorder>();
  open(1 << 20, 512);
  transport->send(std::string(512, 'a'));  // exactly the limit: fine
  ASSERT_TRUE(pump_until(io, [&] { return transport->queued_bytes() == 0; }));
  transport->send(std::string(513, 'b'));
  EXPECT_EQ(handler->closes, 0) << "send() must not call the handler";
  transport->send("[1]");  // after the failure nothing more is sent
  ASSERT_TRUE(pump_until(io, [&] { return handler->closes == 1; }));
  EXPECT_EQ(handler->close_reason,
            "cannot send a message of 513 bytes: the router accepts at most 512 bytes (its "
            "RawSocket handshake); closing the connection");
  EXPECT_FALSE(transport->is_open());
  // Only the frame within the limit reached the router; nothing was truncated.
  std::string received;
  boost::system::error_code ec;
  char buf[4096];
  for (;;) {
    const std::size_t n = router.read_some(asio::buffer(buf), ec);
    if (ec) break;
    received.append(buf, n);
  }
  EXPECT_EQ(received, frame(rs::FrameType::message, std::string(512, 'a')));
}

TEST_F(ClientRawSocketTransport, CloseFlushesThenShutsDownAndEndsOnTheRoutersEof) {
  transport->send("[6,{},\"wamp.close.close_realm\"]");
  transport->close();
  transport->send("[1]");  // ignored after close()
  EXPECT_EQ(router_read(4 + 31),
            frame(rs::FrameType::message, "[6,{},\"wamp.close.close_realm\"]"));
  EXPECT_TRUE(router_sees_eof());
  // Messages that still arrive are not handed over after close().
  router_write(frame(rs::FrameType::message, "[7]"));
  const auto t0 = std::chrono::steady_clock::now();
  router.close();
  ASSERT_TRUE(pump_until(io, [&] { return handler->closes == 1; }));
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 1s) << "the router's EOF ends it, not the timer";
  EXPECT_EQ(handler->close_reason, "closed");
  EXPECT_TRUE(handler->messages.empty());
}

TEST_F(ClientRawSocketTransport, CloseGivesUpWaitingForTheRouter) {
  transport->close();
  EXPECT_TRUE(router_sees_eof());
  // The router never closes its side: the linger timer ends the connection.
  ASSERT_TRUE(pump_until(
      io, [&] { return handler->closes == 1; }, 5s));
  EXPECT_EQ(handler->close_reason, "closed");
}

TEST_F(ClientRawSocketTransport, RouterClosingIsReported) {
  router.close();
  ASSERT_TRUE(pump_until(io, [&] { return handler->closes == 1; }));
  EXPECT_EQ(handler->close_reason, "connection closed by the router");
  EXPECT_FALSE(transport->is_open());
}

// ---------------------------------------------------------------------------------------------
// connect() against a fake router that answers the handshake with fixed bytes.

class ClientRawSocketConnect : public test::ClientConnectTest {
 protected:
  void SetUp() override {
    ClientConnectTest::SetUp();
    path = dir + "/router.sock";
  }

  // Accepts one connection on `acceptor`, records the 4-byte request, answers with `reply` (or
  // nothing, holding the connection open, when `reply` is empty; or closes when it is "close").
  template <typename Acceptor>
  asio::awaitable<void> fake_router(Acceptor& acceptor, std::string reply) {
    auto socket = co_await acceptor.async_accept(asio::use_awaitable);
    std::array<unsigned char, 4> bytes{};
    co_await asio::async_read(socket, asio::buffer(bytes), asio::use_awaitable);
    request = bytes;
    if (reply == "close") co_return;
    if (!reply.empty())
      co_await asio::async_write(socket, asio::buffer(reply), asio::use_awaitable);
    asio::steady_timer hold(socket.get_executor(), 3s);
    boost::system::error_code ignored;
    co_await hold.async_wait(asio::redirect_error(asio::use_awaitable, ignored));
  }

  std::string refusal(std::string reply, wamp::Serializer serializer = wamp::Serializer::json) {
    std::filesystem::remove(path);
    local::acceptor acceptor(io, local::endpoint(path));
    asio::co_spawn(io, fake_router(acceptor, std::move(reply)), asio::detached);
    client::TransportOptions options;
    options.serializer = serializer;
    error.clear();
    EXPECT_FALSE(connect("unix://" + path, options));
    return error;
  }

  std::string path;
  std::array<unsigned char, 4> request{};
};

TEST_F(ClientRawSocketConnect, HandshakeOverAUnixSocket) {
  local::acceptor acceptor(io, local::endpoint(path));
  asio::co_spawn(io, fake_router(acceptor, std::string("\x7F\x53\x00\x00", 4)), asio::detached);
  client::TransportOptions options;
  options.serializer = wamp::Serializer::cbor;
  options.max_message_size = 1 << 20;
  auto transport = connect("rs+unix://" + path, options);
  ASSERT_TRUE(transport) << error;
  EXPECT_EQ(request, (std::array<unsigned char, 4>{0x7F, 0xB3, 0x00, 0x00}));
  EXPECT_EQ(transport->codec().serializer(), wamp::Serializer::cbor);
  auto* raw = dynamic_cast<RawSocketTransport*>(transport.get());
  ASSERT_NE(raw, nullptr);
  EXPECT_EQ(raw->max_in(), 1u << 20);
  EXPECT_EQ(raw->max_out(), 1u << 14);  // the router's exponent 5
  transport->close();
}

TEST_F(ClientRawSocketConnect, HandshakeOverTcp) {
  asio::ip::tcp::acceptor acceptor(io,
                                   asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  const auto port = std::to_string(acceptor.local_endpoint().port());
  asio::co_spawn(io, fake_router(acceptor, std::string("\x7F\xF2\x00\x00", 4)), asio::detached);
  client::TransportOptions options;
  options.serializer = wamp::Serializer::msgpack;
  auto transport = connect("tcp://127.0.0.1:" + port, options);
  ASSERT_TRUE(transport) << error;
  EXPECT_EQ(request, (std::array<unsigned char, 4>{0x7F, 0xF2, 0x00, 0x00}));  // 16 MiB, msgpack
  auto* raw = dynamic_cast<RawSocketTransport*>(transport.get());
  ASSERT_NE(raw, nullptr);
  EXPECT_EQ(raw->max_out(), (1u << 24) - 1);
  transport->close();
}

TEST_F(ClientRawSocketConnect, EveryHandshakeErrorIsAClearError) {
  const std::string where = "router at unix socket " + path + " ";
  EXPECT_EQ(refusal(std::string("\x7F\x10\x00\x00", 4), wamp::Serializer::ubjson),
            "junction.client.disconnected: " + where +
                "refused the RawSocket handshake: serializer unsupported (we asked for ubjson)");
  EXPECT_EQ(refusal(std::string("\x7F\x20\x00\x00", 4)),
            "junction.client.disconnected: " + where +
                "refused the RawSocket handshake: maximum message length unacceptable (we "
                "announced 16777215 bytes)");
  EXPECT_EQ(refusal(std::string("\x7F\x30\x00\x00", 4)),
            "junction.client.disconnected: " + where +
                "refused the RawSocket handshake: use of reserved bits (unsupported feature)");
  EXPECT_EQ(refusal(std::string("\x7F\x40\x00\x00", 4)),
            "junction.client.disconnected: " + where +
                "refused the RawSocket handshake: maximum connection count reached");
  EXPECT_EQ(refusal(std::string("\x7F\x00\x00\x00", 4)),
            "junction.client.disconnected: " + where +
                "refused the RawSocket handshake: error code 0 (illegal: the spec does not define "
                "it)");
  EXPECT_EQ(refusal("HTTP/1.1 400 Bad Request\r\n\r\n"),
            "junction.client.disconnected: " + where +
                "did not answer the RawSocket handshake (reply starts with 0x48 \"HTTP\"): not a "
                "RawSocket endpoint?");
  EXPECT_EQ(refusal("close"), "junction.client.disconnected: " + where +
                                  "closed the connection during the RawSocket handshake (not a "
                                  "RawSocket endpoint?)");
}

TEST_F(ClientRawSocketConnect, NothingListeningAndTimeouts) {
  client::TransportOptions options;
  EXPECT_FALSE(connect("unix://" + path, options));
  EXPECT_NE(error.find("cannot connect to unix socket " + path + ": "), std::string::npos) << error;

  // A listener that accepts and never answers: the handshake times out.
  local::acceptor acceptor(io, local::endpoint(path));
  asio::co_spawn(io, fake_router(acceptor, ""), asio::detached);
  options.timeout = 200ms;
  const auto t0 = std::chrono::steady_clock::now();
  EXPECT_FALSE(connect("unix://" + path, options));
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 2s);
  EXPECT_EQ(error,
            "junction.client.disconnected: connecting to unix socket " + path + " timed out");
}

}  // namespace
