// Listeners on Unix domain sockets serving HTTP and WebSocket, not only RawSocket: a live
// transport::Server (two I/O threads) with a WebSocket listener, a web listener (an HTTP service
// of the test's own that reports what the connection knows about its client, and a file body,
// which goes out with sendfile() as on TCP) and a universal listener on socket files in a
// temporary directory. Also the socket file's life: a stale one is replaced at start, the file is
// gone after stop.
#include <gtest/gtest.h>

#include <fcntl.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/post.hpp>

#include "blocking_socket_io.hpp"
#include "live_server.hpp"
#include "router/router.hpp"
#include "transport/http_service.hpp"
#include "transport/routing_clock.hpp"
#include "transport/server.hpp"

namespace junction::transport {
namespace {

namespace fs = std::filesystem;

// A blocking client socket connected to `path`, with a receive timeout; -1 on failure.
int connect_unix(const std::string& path) {
  const int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
  if (fd < 0) return -1;
  timeval tv{5, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  std::strncpy(address.sun_path, path.c_str(), sizeof address.sun_path - 1);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

using test::read_until;
using test::send_all;

// One HTTP response with a Content-Length body: the head, then exactly the body.
std::string read_response(int fd) {
  std::string got = read_until(fd, "\r\n\r\n");
  const auto end = got.find("\r\n\r\n");
  if (end == std::string::npos) return got;
  const auto at = got.find("Content-Length: ");
  if (at == std::string::npos || at > end) return got;
  const std::size_t length = std::stoul(got.substr(at + 16));
  const std::size_t total = end + 4 + length;
  if (got.size() < total) got += read_until(fd, "", total - got.size());
  return got;
}

std::string body_of(const std::string& response) {
  const auto end = response.find("\r\n\r\n");
  return end == std::string::npos ? std::string() : response.substr(end + 4);
}

const std::string kUpgrade =
    "GET /ws HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
    "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
    "Sec-WebSocket-Protocol: wamp.2.json\r\n\r\n";
const std::string kRawSocketHello("\x7F\xF1\x00\x00", 4);  // JSON, 16 MiB
const std::string kPing("\x89\x80\x00\x00\x00\x00", 6);    // masked, empty
const std::string kPong("\x8A\x00", 2);

// Answers "/who" with what the connection tells services about its client, "/file" with a file
// body (sent with sendfile()).
class WhoService : public HttpService {
 public:
  explicit WhoService(std::string file) : file_(std::move(file)) {}
  std::string_view type() const override { return "who"; }
  void handle(HttpExchange exchange) override {
    if (exchange.rest() == "file") {
      const int fd = ::open(file_.c_str(), O_RDONLY | O_CLOEXEC);
      HttpResponse response;
      response.file = std::make_shared<const OpenFile>(fd);
      response.length = fs::file_size(file_);
      response.headers.set(boost::beast::http::field::content_type, "application/octet-stream");
      return exchange.respond(std::move(response));
    }
    const auto& c = exchange.connection();
    exchange.respond(HttpStatus::ok, "peer=" + c.peer + " ip=" + c.peer_ip +
                                         " port=" + std::to_string(c.local_port) +
                                         " forwarded=" + std::string(c.forwarded_for()));
  }

 private:
  std::string file_;
};

class UnixSockets : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/junction-unix-XXXXXX";
    ASSERT_NE(::mkdtemp(pattern), nullptr);
    dir_ = pattern;
  }
  void TearDown() override {
    stop();
    std::error_code ignored;
    fs::remove_all(dir_, ignored);
  }

  std::string path(const char* name) const { return (fs::path(dir_) / name).string(); }

  static ListenerConfig listener(const char* name, std::string path) {
    ListenerConfig config;
    config.name = name;
    config.unix_path = std::move(path);
    return config;
  }

  void start(std::vector<ListenerConfig> listeners) { live_.emplace(std::move(listeners)); }
  void stop() { live_.reset(); }

  std::string dir_;
  std::optional<test::LiveServer> live_;
};

TEST_F(UnixSockets, WebSocketListener) {
  ListenerConfig ws = listener("ws", path("ws.sock"));
  ws.websocket_on_any_path.emplace();
  ws.websocket_on_any_path->serializers = {wamp::Serializer::json};
  start({ws});
  EXPECT_EQ(live_->server().bound_endpoints().at(0), "unix:" + path("ws.sock"));
  const int fd = connect_unix(path("ws.sock"));
  ASSERT_GE(fd, 0);
  ASSERT_TRUE(send_all(fd, kUpgrade));
  const std::string head = read_until(fd, "\r\n\r\n");
  EXPECT_EQ(head.substr(0, 12), "HTTP/1.1 101");
  EXPECT_NE(head.find("Sec-WebSocket-Protocol: wamp.2.json"), std::string::npos);
  ASSERT_TRUE(send_all(fd, kPing));
  EXPECT_EQ(read_until(fd, "", 2), kPong);
  ::close(fd);
  stop();
  EXPECT_FALSE(fs::exists(path("ws.sock")));  // removed at shutdown
}

TEST_F(UnixSockets, WebListenerServicesSeeAUnixClient) {
  const std::string file = path("blob.bin");
  std::string content(300 * 1024, '\0');
  for (std::size_t i = 0; i < content.size(); ++i)
    content[i] = static_cast<char>(i * 7 + 3);
  std::ofstream(file, std::ios::binary) << content;
  ListenerConfig web = listener("web", path("web.sock"));
  web.paths["/"].kind = PathService::Kind::http;
  web.paths["/"].http = std::make_shared<WhoService>(file);
  web.paths["/ws"].kind = PathService::Kind::websocket;
  web.paths["/ws"].websocket.serializers = {wamp::Serializer::json};
  start({web});
  const int fd = connect_unix(path("web.sock"));
  ASSERT_GE(fd, 0);
  // Two requests on one keep-alive connection, then a file body.
  ASSERT_TRUE(send_all(fd, "GET /who HTTP/1.1\r\nHost: x\r\n\r\n"));
  const std::string first = read_response(fd);
  EXPECT_EQ(first.substr(0, 15), "HTTP/1.1 200 OK");
  EXPECT_EQ(body_of(first), "peer=unix:" + path("web.sock") +
                                " ip= port=0 forwarded=" + std::string(kUnixPeerName));
  ASSERT_TRUE(send_all(fd, "GET /file HTTP/1.1\r\nHost: x\r\n\r\n"));
  const std::string second = read_response(fd);
  EXPECT_EQ(second.substr(0, 15), "HTTP/1.1 200 OK");
  EXPECT_TRUE(body_of(second) == content) << body_of(second).size() << " bytes";
  // The WebSocket path on the same connection after HTTP requests.
  ASSERT_TRUE(send_all(fd, kUpgrade));
  EXPECT_EQ(read_until(fd, "\r\n\r\n").substr(0, 12), "HTTP/1.1 101");
  ASSERT_TRUE(send_all(fd, kPing));
  EXPECT_EQ(read_until(fd, "", 2), kPong);
  ::close(fd);
}

TEST_F(UnixSockets, UniversalListenerTakesRawSocketAndWebSocket) {
  ListenerConfig universal = listener("universal", path("u.sock"));
  universal.rawsocket.emplace();
  universal.websocket_on_any_path.emplace();
  universal.websocket_on_any_path->serializers = {wamp::Serializer::json};
  start({universal});
  const int rs = connect_unix(path("u.sock"));
  ASSERT_GE(rs, 0);
  ASSERT_TRUE(send_all(rs, kRawSocketHello));
  EXPECT_EQ(read_until(rs, "", 4), std::string("\x7F\xF1\x00\x00", 4));
  const int ws = connect_unix(path("u.sock"));
  ASSERT_GE(ws, 0);
  ASSERT_TRUE(send_all(ws, kUpgrade));
  EXPECT_EQ(read_until(ws, "\r\n\r\n").substr(0, 12), "HTTP/1.1 101");
  ASSERT_TRUE(send_all(ws, kPing));
  EXPECT_EQ(read_until(ws, "", 2), kPong);
  ::close(rs);
  ::close(ws);
}

TEST_F(UnixSockets, AStaleSocketFileIsReplaced) {
  // A socket file nobody listens on any more, as a node killed with SIGKILL leaves it.
  const std::string stale = path("stale.sock");
  {
    const int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    std::strncpy(address.sun_path, stale.c_str(), sizeof address.sun_path - 1);
    ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
    ::close(fd);
  }
  ASSERT_TRUE(fs::is_socket(stale));
  ListenerConfig web = listener("web", stale);
  web.websocket_on_any_path.emplace();
  start({web});
  const int fd = connect_unix(stale);
  ASSERT_GE(fd, 0);
  ASSERT_TRUE(send_all(fd, "GET / HTTP/1.1\r\nHost: x\r\n\r\n"));
  EXPECT_EQ(read_response(fd).substr(0, 12), "HTTP/1.1 200");  // the WebSocket status page
  ::close(fd);
}

TEST_F(UnixSockets, ALiveSocketFileIsNotTaken) {
  const std::string live = path("live.sock");
  const int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  std::strncpy(address.sun_path, live.c_str(), sizeof address.sun_path - 1);
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
  ASSERT_EQ(::listen(fd, 4), 0);
  ListenerConfig web = listener("web", live);
  web.websocket_on_any_path.emplace();
  EXPECT_THROW(test::LiveServer({web}, {}, 1), std::runtime_error);
  EXPECT_TRUE(fs::is_socket(live));  // still the other listener's
  ::close(fd);
}

}  // namespace
}  // namespace junction::transport
