// tests/unit/client_tls_test: the client's TLS without a router: wss:// and rss:// URL forms, the
// errors of a bad TlsOptions (each names the file and the reason), and the TLS handshake failing
// against peers that do not speak TLS (a plain HTTP reply, a peer that hangs up at once). The
// handshakes with real certificates are in tests/client/client_tls_e2e_test.cpp.
#include <gtest/gtest.h>

#include <stdlib.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include "client/error.hpp"
#include "client/transport.hpp"
#include "client/url.hpp"
#include "client_connect_test.hpp"

namespace {

namespace asio = boost::asio;
using namespace junction;
using namespace std::chrono_literals;
using tcp = asio::ip::tcp;

TEST(ClientTlsUrl, Forms) {
  auto u = client::parse_url("wss://example.com/ws");
  ASSERT_TRUE(u);
  EXPECT_TRUE(u->tls());
  EXPECT_FALSE(u->rawsocket());
  EXPECT_EQ(u->port, "443");
  EXPECT_EQ(u->target, "/ws");
  EXPECT_EQ(u->where(), "example.com:443");
  u = client::parse_url("WSS://[::1]:8443");
  ASSERT_TRUE(u);
  EXPECT_EQ(u->where(), "[::1]:8443");
  EXPECT_EQ(u->target, "/");
  u = client::parse_url("rss://127.0.0.1:9000");
  ASSERT_TRUE(u);
  EXPECT_TRUE(u->tls());
  EXPECT_TRUE(u->rawsocket());
  u = client::parse_url("rs+tls://localhost:9000");
  ASSERT_TRUE(u);
  EXPECT_TRUE(u->tls());
  EXPECT_TRUE(u->rawsocket());
  EXPECT_FALSE(client::parse_url("rss://h"));       // RawSocket has no default port
  EXPECT_FALSE(client::parse_url("rss://h:1/ws"));  // nor a path
  u = client::parse_url("ws://h:1");
  ASSERT_TRUE(u);
  EXPECT_FALSE(u->tls());
  u = client::parse_url("rs://h:1");
  ASSERT_TRUE(u);
  EXPECT_FALSE(u->tls());
}

class ClientTls : public test::ClientConnectTest {
 protected:
  // Connects to `url`; the client::Error text ("<no error>" if it connected).
  std::string error_of(const std::string& url, const client::TransportOptions& options) {
    error = "<no error>";
    if (auto transport = connect(url, options)) transport->close();
    return error;
  }

  // A loopback peer that answers each connection's first bytes with `reply` and hangs up.
  std::string plain_peer(std::string reply) {
    auto acceptor =
        std::make_shared<tcp::acceptor>(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
    const auto port = acceptor->local_endpoint().port();
    asio::co_spawn(
        io,
        [acceptor, reply]() -> asio::awaitable<void> {
          for (;;) {
            auto socket = co_await acceptor->async_accept(asio::use_awaitable);
            // The ClientHello is read first, and the connection ends with a FIN: closing with
            // unread data would send a RST ("connection reset") instead.
            char hello[4096];
            boost::system::error_code ec;
            co_await socket.async_read_some(asio::buffer(hello),
                                            asio::redirect_error(asio::use_awaitable, ec));
            if (!reply.empty()) {
              co_await asio::async_write(socket, asio::buffer(reply),
                                         asio::redirect_error(asio::use_awaitable, ec));
            }
            socket.shutdown(tcp::socket::shutdown_send, ec);
            while (!ec) {
              co_await socket.async_read_some(asio::buffer(hello),
                                              asio::redirect_error(asio::use_awaitable, ec));
            }
          }
        },
        asio::detached);
    return "127.0.0.1:" + std::to_string(port);
  }

  std::string file(const std::string& name, const std::string& content) {
    const std::string path = dir + "/" + name;
    std::ofstream(path) << content;
    return path;
  }
};

TEST_F(ClientTls, BadOptionsNameTheFileAndTheReason) {
  client::TransportOptions options;
  options.tls.ca_files = {dir + "/missing.pem"};
  EXPECT_EQ(error_of("wss://127.0.0.1:1/ws", options),
            "junction.client.disconnected: TLS CA file '" + dir +
                "/missing.pem': No such file or directory");
  options.tls.ca_files = {file("garbage.pem", "not a certificate\n")};
  EXPECT_EQ(error_of("rss://127.0.0.1:1", options),
            "junction.client.disconnected: TLS CA file '" + dir +
                "/garbage.pem': no PEM certificate in the file");

  client::TransportOptions cert_only;
  cert_only.tls.certificate_file = dir + "/client.pem";
  EXPECT_EQ(error_of("wss://127.0.0.1:1/ws", cert_only),
            "junction.client.disconnected: TLS: a client certificate needs both "
            "certificate_file and key_file");
  cert_only.tls.key_file = dir + "/client.key";
  EXPECT_EQ(error_of("wss://127.0.0.1:1/ws", cert_only),
            "junction.client.disconnected: TLS client certificate '" + dir +
                "/client.pem': No such file or directory");
  // Plain URLs do not look at the TLS options.
  EXPECT_NE(error_of("ws://127.0.0.1:1/ws", options).find("cannot connect to 127.0.0.1:1"),
            std::string::npos);
}

TEST_F(ClientTls, HandshakeWithAPeerThatDoesNotSpeakTls) {
  client::TransportOptions options;
  options.timeout = 5s;
  const std::string http = plain_peer("HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n");
  for (const std::string& url : {"wss://" + http + "/ws", "rss://" + http}) {
    const std::string error = error_of(url, options);
    EXPECT_EQ(
        error.rfind("junction.client.disconnected: TLS handshake with " + http + " failed: ", 0),
        0u)
        << error;
    EXPECT_EQ(error.find("(not a TLS port?)"), std::string::npos) << error;  // OpenSSL's reason
  }
  const std::string silent = plain_peer("");
  EXPECT_EQ(error_of("wss://" + silent + "/ws", options),
            "junction.client.disconnected: TLS handshake with " + silent +
                " failed: the router closed the connection (not a TLS port?)");
  EXPECT_EQ(error_of("rs+tls://" + silent, options),
            "junction.client.disconnected: TLS handshake with " + silent +
                " failed: the router closed the connection (not a TLS port?)");
}

TEST_F(ClientTls, HandshakeTimesOut) {
  // Accepts and never answers: the deadline covers the TLS handshake too.
  tcp::acceptor acceptor(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  const auto where = "127.0.0.1:" + std::to_string(acceptor.local_endpoint().port());
  client::TransportOptions options;
  options.timeout = 200ms;
  options.tls.verify_peer = false;
  EXPECT_EQ(error_of("rss://" + where, options),
            "junction.client.disconnected: connecting to " + where + " timed out");
}

}  // namespace
