// Connection limits (transport/connection_limiter): the limiter on its own (at and past each
// limit, a freed place reused, a slot released exactly once however it moves), and a live
// transport::Server on loopback (two I/O threads) whose slots follow the connection through
// HTTP -> WebSocket, RawSocket and protocol detection: refused clients get HTTP 503 / RawSocket
// error 4 (on a universal listener by their first byte), admitted ones are served, and every place
// comes back when the connections close. Loopback addresses 127.0.0.2 and 127.0.0.3 stand for other
// clients.
#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/post.hpp>

#include "blocking_socket_io.hpp"
#include "live_server.hpp"
#include "router/router.hpp"
#include "transport/connection_limiter.hpp"
#include "transport/routing_clock.hpp"
#include "transport/server.hpp"

namespace junction::transport {
namespace {

using namespace std::chrono_literals;
using Refusal = ConnectionLimiter::Refusal;

std::optional<boost::asio::ip::address> ip(const char* text) {
  return boost::asio::ip::make_address(text);
}

TEST(ConnectionLimits, DefaultsFollowTheOpenFileLimit) {
  ConnectionLimits unset;
  EXPECT_EQ(unset.effective(20000).total, 18000u);
  EXPECT_EQ(unset.effective(20000).per_ip, 9000u);
  EXPECT_EQ(unset.effective(1024).total, 922u);
  EXPECT_EQ(unset.effective(1024).per_ip, 461u);
  EXPECT_EQ(unset.effective(100).total, 36u);  // at least kReservedDescriptors kept back
  EXPECT_EQ(unset.effective(0).total, 0u);     // no known limit: none of our own
  EXPECT_EQ(unset.effective(0).per_ip, 0u);
  ConnectionLimits set{500, std::nullopt};
  EXPECT_EQ(set.effective(20000).total, 500u);
  EXPECT_EQ(set.effective(20000).per_ip, 250u);
  ConnectionLimits none{0, 0};
  EXPECT_EQ(none.effective(20000).total, 0u);
  EXPECT_EQ(none.effective(20000).per_ip, 0u);
  ConnectionLimits per_ip_only{0, 10};
  EXPECT_EQ(per_ip_only.effective(20000).per_ip, 10u);
}

TEST(ConnectionLimiter, TotalAtAndPastTheLimitAndAFreedPlaceReused) {
  auto limiter = std::make_shared<ConnectionLimiter>(ConnectionLimits::Effective{3, 0});
  Refusal why = Refusal::none;
  std::vector<ConnectionSlot> slots;
  for (const char* a : {"10.0.0.1", "10.0.0.2", "10.0.0.3"}) {
    slots.push_back(limiter->admit(ip(a), why));
    EXPECT_TRUE(slots.back().holds());
    EXPECT_EQ(why, Refusal::none);
  }
  EXPECT_EQ(limiter->open(), 3u);
  EXPECT_FALSE(limiter->admit(ip("10.0.0.4"), why).holds());
  EXPECT_EQ(why, Refusal::total);
  EXPECT_FALSE(limiter->admit(std::nullopt, why).holds());  // Unix clients count too
  slots.erase(slots.begin());
  EXPECT_EQ(limiter->open(), 2u);
  slots.push_back(limiter->admit(ip("10.0.0.4"), why));
  EXPECT_TRUE(slots.back().holds());
  slots.clear();
  EXPECT_EQ(limiter->open(), 0u);
  EXPECT_EQ(limiter->addresses(), 0u);
}

TEST(ConnectionLimiter, PerAddressAtAndPastTheLimit) {
  auto limiter = std::make_shared<ConnectionLimiter>(ConnectionLimits::Effective{0, 2});
  Refusal why = Refusal::none;
  auto a1 = limiter->admit(ip("192.0.2.1"), why);
  auto a2 = limiter->admit(ip("::ffff:192.0.2.1"), why);  // the same client over IPv6
  EXPECT_TRUE(a1.holds());
  EXPECT_TRUE(a2.holds());
  EXPECT_EQ(limiter->open_from(*ip("192.0.2.1")), 2u);
  EXPECT_FALSE(limiter->admit(ip("192.0.2.1"), why).holds());
  EXPECT_EQ(why, Refusal::per_ip);
  // Other addresses, and Unix clients (no address), are not affected.
  auto b1 = limiter->admit(ip("2001:db8::1"), why);
  auto u1 = limiter->admit(std::nullopt, why);
  EXPECT_TRUE(b1.holds());
  EXPECT_TRUE(u1.holds());
  EXPECT_EQ(limiter->open(), 4u);
  a1 = ConnectionSlot();  // move-assigning an empty slot releases the old place
  EXPECT_EQ(limiter->open_from(*ip("192.0.2.1")), 1u);
  auto a3 = limiter->admit(ip("192.0.2.1"), why);
  EXPECT_TRUE(a3.holds());
  EXPECT_EQ(limiter->addresses(), 2u);
}

TEST(ConnectionLimiter, ASlotIsReleasedExactlyOnceWhereverItMoves) {
  auto limiter = std::make_shared<ConnectionLimiter>(ConnectionLimits::Effective{2, 2});
  Refusal why = Refusal::none;
  {
    ConnectionSlot first = limiter->admit(ip("10.1.1.1"), why);
    ConnectionSlot second(std::move(first));
    EXPECT_FALSE(first.holds());  // NOLINT(bugprone-use-after-move): the point of the test
    ConnectionSlot third;
    third = std::move(second);
    third = std::move(third);  // self-move keeps it
    EXPECT_TRUE(third.holds());
    EXPECT_EQ(limiter->open(), 1u);
    third.release();
    third.release();
    EXPECT_EQ(limiter->open(), 0u);
  }
  EXPECT_EQ(limiter->open(), 0u);
  EXPECT_EQ(limiter->addresses(), 0u);
}

TEST(ConnectionLimiter, RefusalsAreLoggedAtMostOnceASecondPerLimitAndAllCounted) {
  auto limiter = std::make_shared<ConnectionLimiter>(ConnectionLimits::Effective{10, 4});
  const auto first = limiter->note_refusal("transports[0]", "198.51.100.7:4242", Refusal::per_ip);
  EXPECT_EQ(first,
            "transports[0]: refused a connection from 198.51.100.7:4242: 4 connections from this "
            "address are open (max_connections_per_ip) (1 refused in all)");
  EXPECT_EQ(limiter->note_refusal("transports[0]", "198.51.100.7:4243", Refusal::per_ip), "");
  // Each limit has its own pace: the first refusal for the total is logged too.
  EXPECT_EQ(limiter->note_refusal("transports[1]", "198.51.100.8:1", Refusal::total),
            "transports[1]: refused a connection from 198.51.100.8:1: 10 connections are open "
            "(max_connections) (3 refused in all)");
  EXPECT_EQ(limiter->note_refusal("transports[1]", "198.51.100.8:2", Refusal::total), "");
  EXPECT_EQ(limiter->refused(), 4u);
}

// ---- a live Server -------------------------------------------------------------------------

// A blocking client socket from `source` (a loopback address) to 127.0.0.1:port, with a receive
// timeout; -1 on failure.
int connect_from(const char* source, std::uint16_t port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return -1;
  timeval tv{5, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  sockaddr_in local{};
  local.sin_family = AF_INET;
  ::inet_pton(AF_INET, source, &local.sin_addr);
  sockaddr_in remote{};
  remote.sin_family = AF_INET;
  remote.sin_port = htons(port);
  ::inet_pton(AF_INET, "127.0.0.1", &remote.sin_addr);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&local), sizeof local) != 0 ||
      ::connect(fd, reinterpret_cast<sockaddr*>(&remote), sizeof remote) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

using test::read_until;
using test::send_all;

const std::string kUpgrade =
    "GET /ws HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
    "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
    "Sec-WebSocket-Protocol: wamp.2.json\r\n\r\n";
const std::string kRawSocketHello("\x7F\xF1\x00\x00", 4);  // JSON, 16 MiB

// A WebSocket upgrade from `source`: the status line's code ("101", "503") or "" when the
// connection closed without an answer. The socket stays open in `fd`.
std::string upgrade_from(const char* source, std::uint16_t port, int& fd) {
  fd = connect_from(source, port);
  if (fd < 0) return "connect failed";
  send_all(fd, kUpgrade);  // a refused connection may be closed already: read says so
  const std::string head = read_until(fd, "\r\n\r\n");
  return head.size() >= 12 ? head.substr(9, 3) : "";
}

using test::LiveServer;

ListenerConfig listener(const char* name) {
  ListenerConfig config;
  config.name = name;
  config.interface = "127.0.0.1";
  config.port = 0;
  return config;
}

TEST(ServerConnectionLimits, WebSocketPerAddressAndTotal) {
  ListenerConfig ws = listener("ws");
  ws.websocket_on_any_path.emplace();
  ws.websocket_on_any_path->serializers = {wamp::Serializer::json};
  LiveServer server({ws}, ConnectionLimits{3, 2});
  const auto port = server.port();

  int a1 = -1, a2 = -1, a3 = -1, b1 = -1, c1 = -1;
  EXPECT_EQ(upgrade_from("127.0.0.1", port, a1), "101");
  EXPECT_EQ(upgrade_from("127.0.0.1", port, a2), "101");
  // The slot went on with the connection to the WebSocket session: the third from the same
  // address is refused, with a 503 before any upgrade.
  EXPECT_EQ(upgrade_from("127.0.0.1", port, a3), "503");
  EXPECT_EQ(upgrade_from("127.0.0.2", port, b1), "101");
  EXPECT_EQ(upgrade_from("127.0.0.3", port, c1), "503");  // the total
  EXPECT_EQ(server.open(), 3u);
  ::close(a3);
  ::close(c1);
  // An admitted WebSocket still works (a ping is answered with a pong).
  ASSERT_TRUE(send_all(b1, std::string("\x89\x80\x00\x00\x00\x00", 6)));
  EXPECT_EQ(read_until(b1, "", 2), std::string("\x8A\x00", 2));

  ::close(a1);
  ASSERT_TRUE(server.wait_open(2));
  EXPECT_EQ(upgrade_from("127.0.0.3", port, c1), "101");  // the freed place, reused
  EXPECT_EQ(upgrade_from("127.0.0.1", port, a3), "503");  // total reached again
  ::close(a3);
  for (int fd : {a2, b1, c1})
    ::close(fd);
  EXPECT_TRUE(server.wait_open(0));  // every place back, none twice
}

TEST(ServerConnectionLimits, PlainHttpConnectionsHoldAPlaceToo) {
  ListenerConfig ws = listener("ws");
  ws.websocket_on_any_path.emplace();
  LiveServer server({ws}, ConnectionLimits{1, 0});
  const int idle = connect_from("127.0.0.1", server.port());  // sends nothing yet
  ASSERT_TRUE(server.wait_open(1));
  int refused = -1;
  EXPECT_EQ(upgrade_from("127.0.0.2", server.port(), refused), "503");
  ::close(refused);
  ::close(idle);
  EXPECT_TRUE(server.wait_open(0));
}

TEST(ServerConnectionLimits, RawSocketRefusedWithErrorFour) {
  ListenerConfig rs = listener("rs");
  rs.rawsocket.emplace();
  LiveServer server({rs}, ConnectionLimits{2, 1});
  const auto port = server.port();
  const int a = connect_from("127.0.0.1", port);
  ASSERT_TRUE(send_all(a, kRawSocketHello));
  EXPECT_EQ(read_until(a, "", 4), std::string("\x7F\xF1\x00\x00", 4));
  const int a2 = connect_from("127.0.0.1", port);
  send_all(a2, kRawSocketHello);
  EXPECT_EQ(read_until(a2, "", 4), std::string("\x7F\x40\x00\x00", 4));  // error 4
  EXPECT_EQ(read_until(a2, ""), "");                                     // then closed
  ::close(a2);
  const int b = connect_from("127.0.0.2", port);
  ASSERT_TRUE(send_all(b, kRawSocketHello));
  EXPECT_EQ(read_until(b, "", 4), std::string("\x7F\xF1\x00\x00", 4));
  const int c = connect_from("127.0.0.3", port);  // past the total
  EXPECT_EQ(read_until(c, "", 4), std::string("\x7F\x40\x00\x00", 4));
  ::close(c);
  ::close(a);
  ASSERT_TRUE(server.wait_open(1));
  const int a3 = connect_from("127.0.0.1", port);
  ASSERT_TRUE(send_all(a3, kRawSocketHello));
  EXPECT_EQ(read_until(a3, "", 4), std::string("\x7F\xF1\x00\x00", 4));
  ::close(a3);
  ::close(b);
  EXPECT_TRUE(server.wait_open(0));
}

TEST(ServerConnectionLimits, UniversalListenerAnswersRefusedConnectionsByTheirFirstByte) {
  ListenerConfig universal = listener("universal");
  universal.rawsocket.emplace();
  universal.websocket_on_any_path.emplace();
  universal.websocket_on_any_path->serializers = {wamp::Serializer::json};
  LiveServer server({universal}, ConnectionLimits{2, 0});
  const auto port = server.port();
  // One RawSocket and one WebSocket, both through the protocol detector.
  const int rs = connect_from("127.0.0.1", port);
  ASSERT_TRUE(send_all(rs, kRawSocketHello));
  EXPECT_EQ(read_until(rs, "", 4), std::string("\x7F\xF1\x00\x00", 4));
  int ws = -1;
  EXPECT_EQ(upgrade_from("127.0.0.2", port, ws), "101");
  // Past the total: a WebSocket client gets HTTP 503, a RawSocket one handshake error 4.
  int refused = -1;
  EXPECT_EQ(upgrade_from("127.0.0.3", port, refused), "503");
  ::close(refused);
  const int refused_rs = connect_from("127.0.0.3", port);
  send_all(refused_rs, kRawSocketHello);
  EXPECT_EQ(read_until(refused_rs, "", 4), std::string("\x7F\x40\x00\x00", 4));
  EXPECT_EQ(read_until(refused_rs, ""), "");  // then closed
  ::close(refused_rs);
  // One that says nothing is closed after the refusal's linger (1 s).
  const int silent = connect_from("127.0.0.3", port);
  EXPECT_EQ(read_until(silent, ""), "");
  ::close(silent);
  ::close(rs);
  ASSERT_TRUE(server.wait_open(1));
  const int rs2 = connect_from("127.0.0.3", port);
  ASSERT_TRUE(send_all(rs2, kRawSocketHello));
  EXPECT_EQ(read_until(rs2, "", 4), std::string("\x7F\xF1\x00\x00", 4));
  ::close(rs2);
  ::close(ws);
  EXPECT_TRUE(server.wait_open(0));
}

}  // namespace
}  // namespace junction::transport
