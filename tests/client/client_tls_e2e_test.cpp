// tests/client/client_tls_e2e_test: the C++ client over TLS (wss://, rss://) against a live
// junction with TLS listeners, with certificates made at test time by the openssl command line
// as tests/e2e/python/test_tls.py makes them (a test CA, a server certificate for
// localhost/127.0.0.1, one for another host name, a client certificate, and a rogue CA with its
// own client certificate). Covered: RPC and PubSub round trips over wss:// and rss://, with a
// plain ws:// session on the other end; a router certificate the client does not trust, a host
// name or IP address the certificate does not name (clear errors); verify_peer = false; a client
// certificate accepted, missing or untrusted; and close_notify at the end of a closed connection
// (seen by in-process TLS peers, since the router does not say); WAMP-Cryptosign bound to the TLS
// connection (tls-unique), with router authentication. Every wait has a timeout.
#include <gtest/gtest.h>

#include <boost/asio/buffers_iterator.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/streambuf.hpp>
#include <boost/asio/write.hpp>

#include "auth/crypto.hpp"
#include "auth/cryptosign.hpp"
#include "client/client.hpp"
#include "router_process.hpp"
#include "run_coroutine.hpp"
#include "websocket/frame.hpp"

namespace {

namespace asio = boost::asio;
namespace ssl = asio::ssl;
using namespace junction;
using namespace std::chrono_literals;
using client::Session;
using test::RouterProcess;
using test::run;
using tcp = asio::ip::tcp;

// --- the test PKI ------------------------------------------------------------------------------

std::string pki_dir;

std::string pki(const std::string& name) {
  return pki_dir + "/" + name;
}

void openssl(const std::string& args) {
  const std::string command =
      "cd '" + pki_dir + "' && openssl " + args + " >/dev/null 2>>openssl.log";
  ASSERT_EQ(std::system(command.c_str()), 0) << command;
}

// ca.pem, server.{key,pem} (localhost, 127.0.0.1), wrong_host.{key,pem} (wrong.example only),
// client.{key,pem} (signed by ca), rogue_ca.pem, rogue_client.{key,pem} (signed by rogue_ca).
// EC P-256 keys: fast to make.
void make_pki() {
  char tmpl[] = "/tmp/junction-client-tls-pki-XXXXXX";
  ASSERT_NE(mkdtemp(tmpl), nullptr);
  pki_dir = tmpl;
  const std::string ec = "-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes";
  for (const std::string ca : {"ca", "rogue_ca"}) {
    openssl("req -x509 " + ec + " -keyout " + ca + ".key -out " + ca +
            ".pem -days 2 -subj '/CN=" + ca +
            "' -addext basicConstraints=critical,CA:TRUE -addext "
            "keyUsage=critical,keyCertSign,cRLSign");
  }
  struct Leaf {
    std::string name, ca, subject, ext;
  };
  const Leaf leaves[] = {
      {"server", "ca", "/CN=localhost",
       "subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n"},
      {"wrong_host", "ca", "/CN=wrong.example",
       "subjectAltName=DNS:wrong.example\nextendedKeyUsage=serverAuth\n"},
      {"client", "ca", "/O=Junction Tests/CN=client1", "extendedKeyUsage=clientAuth\n"},
      {"rogue_client", "rogue_ca", "/CN=rogue", "extendedKeyUsage=clientAuth\n"}};
  for (const auto& leaf : leaves) {
    std::ofstream(pki(leaf.name + ".ext")) << "basicConstraints=CA:FALSE\n" << leaf.ext;
    openssl("req " + ec + " -keyout " + leaf.name + ".key -out " + leaf.name + ".csr -subj '" +
            leaf.subject + "'");
    openssl("x509 -req -in " + leaf.name + ".csr -CA " + leaf.ca + ".pem -CAkey " + leaf.ca +
            ".key -CAcreateserial -out " + leaf.name + ".pem -days 2 -extfile " + leaf.name +
            ".ext");
  }
}

std::string tls_block(const std::string& cert, bool client_ca = false) {
  return R"({"key": ")" + pki(cert + ".key") + R"(", "certificate": ")" + pki(cert + ".pem") +
         (client_ca ? R"(", "ca_certificates": [")" + pki("ca.pem") + R"("]})" : R"("})");
}

std::string endpoint(const std::string& tls) {
  return R"({"type": "tcp", "port": 0, "interface": "127.0.0.1")" +
         (tls.empty() ? std::string("}") : R"(, "tls": )" + tls + "}");
}

// WAMP-Cryptosign keys (32-byte seeds as hex): the client's, and the router's own (router-key).
const std::string kClientSeed(64, '3');
const std::string kRouterSeed(64, '4');
std::string public_key(const std::string& seed_hex) {
  return auth::to_hex(auth::ed25519_public_key(*auth::from_hex(seed_hex)));
}

// A plain WebSocket listener first (RouterProcess::url()), then the TLS listeners by id.
std::string router_config() {
  const std::string cryptosign_paths =
      R"({"ws": {"type": "websocket", "auth": {"cryptosign": {"type": "static", "router-key": ")" +
      kRouterSeed + R"(", "principals": {"client01": {"authorized_keys": [")" +
      public_key(kClientSeed) + R"("], "role": "anonymous"}}}}}})";
  const std::string paths =
      R"({"/": {"type": "nodeinfo"}, "ws": {"type": "websocket", "serializers": ["json", "msgpack", "cbor"]}})";
  return test::router_config_with(R"([
      {"type": "web", "id": "web_plain", "endpoint": )" +
                                  endpoint("") + R"(, "paths": )" + paths + R"(},
      {"type": "web", "id": "web_tls", "endpoint": )" +
                                  endpoint(tls_block("server")) + R"(, "paths": )" + paths + R"(},
      {"type": "rawsocket", "id": "rs_tls", "endpoint": )" +
                                  endpoint(tls_block("server")) +
                                  R"(, "serializers": ["json", "msgpack", "cbor"]},
      {"type": "web", "id": "web_wrong_host", "endpoint": )" +
                                  endpoint(tls_block("wrong_host")) + R"(, "paths": )" + paths +
                                  R"(},
      {"type": "websocket", "id": "ws_mtls", "endpoint": )" +
                                  endpoint(tls_block("server", true)) + R"(},
      {"type": "rawsocket", "id": "rs_mtls", "endpoint": )" +
                                  endpoint(tls_block("server", true)) + R"(},
      {"type": "web", "id": "web_tls_cryptosign", "endpoint": )" +
                                  endpoint(tls_block("server")) + R"(, "paths": )" +
                                  cryptosign_paths + R"(},
      {"type": "web", "id": "web_plain_cryptosign", "endpoint": )" +
                                  endpoint("") + R"(, "paths": )" + cryptosign_paths + R"(}
    ])");
}

class ClientTlsE2E : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    make_pki();
    // Debug: the router logs each connection (TLS or not) and the client certificate it saw.
    router = new RouterProcess(test::junction_binary(JUNCTION_BIN), router_config(), "debug");
    router->start();
  }
  static void TearDownTestSuite() {
    delete router;
    router = nullptr;
    std::filesystem::remove_all(pki_dir);
  }
  void SetUp() override {
    ASSERT_FALSE(HasFatalFailure());  // the PKI
    ASSERT_NE(router, nullptr);
  }
  void TearDown() override {
    if (HasFailure()) std::cerr << "---- junction log ----\n" << router->log_tail();
  }

  // "wss://HOST:PORT/ws" / "rss://HOST:PORT" for a listener, with 127.0.0.1 as `host`.
  static std::string url(const std::string& id, const std::string& scheme,
                         const std::string& host = "localhost", const std::string& path = "/ws") {
    const std::string where = router->listener(id);
    EXPECT_FALSE(where.empty()) << id;
    const std::string port = where.substr(where.rfind(':') + 1);
    return scheme + "://" + host + ":" + port + (scheme == "wss" ? path : "");
  }

  // Options trusting the test CA.
  static client::ConnectOptions trusting(wamp::Serializer serializer = wamp::Serializer::json) {
    client::ConnectOptions options;
    options.serializer = serializer;
    options.tls.ca_files = {pki("ca.pem")};
    options.timeout = 5s;
    return options;
  }

  // The client::Error text of a failed connect ("<connected>" when it joined).
  static asio::awaitable<std::string> connect_error(asio::io_context& io, std::string url,
                                                    client::ConnectOptions options) {
    try {
      auto session = co_await Session::connect(io, url, "realm1", options);
      co_await session->leave();
    } catch (const client::Error& e) {
      EXPECT_EQ(e.uri(), client::errors::disconnected);
      co_return e.what();
    }
    co_return "<connected>";
  }

  static inline RouterProcess* router = nullptr;
};

// RPC both ways and an event between a TLS session (`secure_url`) and a plain ws:// one.
asio::awaitable<void> round_trip(asio::io_context& io, std::string secure_url,
                                 client::ConnectOptions options, std::string plain_url) {
  auto secure = co_await Session::connect(io, secure_url, "realm1", options);
  client::ConnectOptions plain_options;
  auto plain = co_await Session::connect(io, plain_url, "realm1", plain_options);
  client::CallHandler echo = [](client::Invocation& inv) {
    return client::Result(inv.args(), inv.kwargs());
  };
  client::CallHandler echo2 = echo;
  co_await secure->provide("tls.echo", std::move(echo));
  co_await plain->provide("plain.echo", std::move(echo2));
  // Larger than a TLS record (16 KiB): the batched writes and reads span records.
  const std::string big(100000, 'x');
  const wamp::Array args{1, "zwei", big};
  wamp::Array args1 = args, args2 = args;
  auto r = co_await plain->call("tls.echo", std::move(args1));
  EXPECT_EQ(r.args(), args);
  r = co_await secure->call("plain.echo", std::move(args2));
  EXPECT_EQ(r.args(), args);

  std::vector<std::string> got;
  client::EventHandler on_event = [&got](const client::Event& e) {
    got.push_back(*e.arg(0).as_string());
  };
  co_await secure->subscribe("tls.topic", std::move(on_event));
  client::PublishOptions ack;
  ack.acknowledge = true;
  wamp::Array event{"hello over TLS"};
  co_await plain->publish("tls.topic", std::move(event), {}, ack);
  asio::steady_timer t(io);
  for (int i = 0; i < 500 && got.empty(); ++i) {
    t.expires_after(5ms);
    co_await t.async_wait(asio::use_awaitable);
  }
  EXPECT_EQ(got, std::vector<std::string>{"hello over TLS"});
  // And the other way, published over TLS.
  std::vector<std::string> got_plain;
  client::EventHandler on_plain = [&got_plain](const client::Event& e) {
    got_plain.push_back(*e.arg(0).as_string());
  };
  co_await plain->subscribe("plain.topic", std::move(on_plain));
  wamp::Array event2{"from TLS"};
  co_await secure->publish("plain.topic", std::move(event2), {}, ack);
  for (int i = 0; i < 500 && got_plain.empty(); ++i) {
    t.expires_after(5ms);
    co_await t.async_wait(asio::use_awaitable);
  }
  EXPECT_EQ(got_plain, std::vector<std::string>{"from TLS"});
  EXPECT_EQ(co_await secure->leave(), "wamp.close.goodbye_and_out");
  co_await plain->leave();
}

TEST_F(ClientTlsE2E, WssCallAndPublishRoundTrip) {
  run([](asio::io_context& io) -> asio::awaitable<void> {
    const std::vector<wamp::Serializer> serializers{wamp::Serializer::json,
                                                    wamp::Serializer::msgpack};
    for (auto serializer : serializers) {
      co_await round_trip(io, url("web_tls", "wss"), trusting(serializer), router->url());
    }
    // The IP address is in the certificate too.
    co_await round_trip(io, url("web_tls", "wss", "127.0.0.1"), trusting(), router->url());
  });
  EXPECT_TRUE(router->wait_for_log("websocket (TLS) 127.0.0.1:"));
}

TEST_F(ClientTlsE2E, RssCallAndPublishRoundTrip) {
  run([](asio::io_context& io) -> asio::awaitable<void> {
    const std::vector<wamp::Serializer> serializers{wamp::Serializer::json, wamp::Serializer::cbor};
    for (auto serializer : serializers) {
      co_await round_trip(io, url("rs_tls", "rss"), trusting(serializer), router->url());
    }
    co_await round_trip(io, url("rs_tls", "rs+tls", "127.0.0.1"), trusting(), router->url());
  });
}

TEST_F(ClientTlsE2E, UntrustedRouterCertificateIsAClearError) {
  run([](asio::io_context& io) -> asio::awaitable<void> {
    // The system's CAs (the default) do not know the test CA; nor does the rogue CA.
    client::ConnectOptions system_cas;
    system_cas.timeout = 5s;
    const std::string wss = url("web_tls", "wss");
    const std::string where = wss.substr(6, wss.rfind('/') - 6);
    EXPECT_EQ(co_await connect_error(io, wss, system_cas),
              "junction.client.disconnected: TLS handshake with " + where +
                  " failed: certificate verify failed (unable to get local issuer certificate)");
    client::ConnectOptions rogue = trusting();
    rogue.tls.ca_files = {pki("rogue_ca.pem")};
    const std::string rss = url("rs_tls", "rss");
    EXPECT_EQ(co_await connect_error(io, rss, rogue),
              "junction.client.disconnected: TLS handshake with " + rss.substr(6) +
                  " failed: certificate verify failed (unable to get local issuer certificate)");
    // Trusting the test CA as well as others (several files) works.
    client::ConnectOptions both = trusting();
    both.tls.ca_files = {pki("rogue_ca.pem"), pki("ca.pem")};
    EXPECT_EQ(co_await connect_error(io, rss, both), "<connected>");
  });
}

TEST_F(ClientTlsE2E, HostNameMismatchIsAClearError) {
  run([](asio::io_context& io) -> asio::awaitable<void> {
    // A certificate from the trusted CA, for wrong.example only.
    const std::string by_name = url("web_wrong_host", "wss");
    EXPECT_EQ(co_await connect_error(io, by_name, trusting()),
              "junction.client.disconnected: TLS handshake with " +
                  by_name.substr(6, by_name.rfind('/') - 6) +
                  " failed: certificate verify failed (hostname mismatch)");
    const std::string by_ip = url("web_wrong_host", "wss", "127.0.0.1");
    EXPECT_EQ(co_await connect_error(io, by_ip, trusting()),
              "junction.client.disconnected: TLS handshake with " +
                  by_ip.substr(6, by_ip.rfind('/') - 6) +
                  " failed: certificate verify failed (IP address mismatch)");
  });
}

TEST_F(ClientTlsE2E, VerifyPeerFalseAcceptsAnyCertificate) {
  run([](asio::io_context& io) -> asio::awaitable<void> {
    client::ConnectOptions insecure;
    insecure.tls.verify_peer = false;
    insecure.timeout = 5s;
    // Neither the CA (system CAs only) nor the host name would pass verification.
    co_await round_trip(io, url("web_wrong_host", "wss"), insecure, router->url());
    co_await round_trip(io, url("rs_tls", "rss", "127.0.0.1"), insecure, router->url());
  });
}

TEST_F(ClientTlsE2E, ClientCertificateAcceptedMissingOrUntrustedRefused) {
  run([](asio::io_context& io) -> asio::awaitable<void> {
    client::ConnectOptions with_cert = trusting();
    with_cert.tls.certificate_file = pki("client.pem");
    with_cert.tls.key_file = pki("client.key");
    co_await round_trip(io, url("ws_mtls", "wss", "localhost", "/"), with_cert, router->url());
    co_await round_trip(io, url("rs_mtls", "rss"), with_cert, router->url());

    // TLS 1.3: the router's verdict on our certificate arrives after our handshake, on the
    // first read (the upgrade response, the RawSocket handshake reply).
    const std::string wss = url("ws_mtls", "wss", "localhost", "/");
    const std::string wss_where = wss.substr(6, wss.rfind('/') - 6);
    EXPECT_EQ(co_await connect_error(io, wss, trusting()),
              "junction.client.disconnected: TLS connection to " + wss_where +
                  " failed: tlsv13 alert certificate required");
    client::ConnectOptions rogue = trusting();
    rogue.tls.certificate_file = pki("rogue_client.pem");
    rogue.tls.key_file = pki("rogue_client.key");
    const std::string rss = url("rs_mtls", "rss");
    EXPECT_EQ(co_await connect_error(io, rss, rogue),
              "junction.client.disconnected: TLS connection to " + rss.substr(6) +
                  " failed: tlsv1 alert unknown ca");
  });
  EXPECT_TRUE(router->wait_for_log("client certificate CN=client1,O=Junction Tests SHA-256 "));
}

// --- close_notify, seen by an in-process TLS peer -----------------------------------------------

class TlsPeer {
 public:
  explicit TlsPeer(asio::io_context& io)
      : context_(ssl::context::tls_server),
        acceptor_(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)) {
    context_.use_certificate_chain_file(pki("server.pem"));
    context_.use_private_key_file(pki("server.key"), ssl::context::pem);
  }
  std::string where() const {
    return "localhost:" + std::to_string(acceptor_.local_endpoint().port());
  }
  asio::awaitable<ssl::stream<tcp::socket>> accept() {
    ssl::stream<tcp::socket> stream(co_await acceptor_.async_accept(asio::use_awaitable), context_);
    co_await stream.async_handshake(ssl::stream_base::server, asio::use_awaitable);
    co_return stream;
  }
  // Reads until the client's end — asio::error::eof when it sent close_notify,
  // ssl::error::stream_truncated when TCP ended without it —, answers with our close_notify (as
  // the router does) and returns how the client ended.
  static asio::awaitable<boost::system::error_code> end(ssl::stream<tcp::socket>& stream) {
    char buf[4096];
    boost::system::error_code ec, ignored;
    while (!ec) {
      co_await stream.async_read_some(asio::buffer(buf),
                                      asio::redirect_error(asio::use_awaitable, ec));
    }
    co_await stream.async_shutdown(asio::redirect_error(asio::use_awaitable, ignored));
    co_return ec;
  }

 private:
  ssl::context context_;
  tcp::acceptor acceptor_;
};

// Connects a transport to an in-process peer at `url`, sends `message` (unless empty), closes,
// and waits (up to 5 s) until the client has reported its end and `peer_done` holds. The
// client's close reason; `took`: how long the close took.
asio::awaitable<std::string> close_transport(asio::io_context& io, std::string url,
                                             std::string message, const bool& peer_done,
                                             std::chrono::steady_clock::duration& took) {
  client::TransportOptions options;
  options.tls.ca_files = {pki("ca.pem")};
  options.timeout = 5s;
  auto transport = co_await client::connect_transport(io.get_executor(), url, options);
  struct Handler : client::TransportHandler {
    void on_message(std::string_view) override {}
    void on_close(std::string r) override { reason = std::move(r); }
    std::string reason;
  };
  auto handler = std::make_shared<Handler>();
  transport->start(handler);
  if (!message.empty()) transport->send(message);
  transport->close();
  const auto t0 = std::chrono::steady_clock::now();
  asio::steady_timer t(io);
  while ((handler->reason.empty() || !peer_done) && std::chrono::steady_clock::now() - t0 < 5s) {
    t.expires_after(5ms);
    co_await t.async_wait(asio::use_awaitable);
  }
  took = std::chrono::steady_clock::now() - t0;
  co_return handler->reason;
}

TEST_F(ClientTlsE2E, RawSocketCloseSendsCloseNotify) {
  run([](asio::io_context& io) -> asio::awaitable<void> {
    TlsPeer peer(io);
    boost::system::error_code end;
    bool peer_done = false;
    asio::co_spawn(
        io,
        [&]() -> asio::awaitable<void> {
          auto stream = co_await peer.accept();
          std::array<unsigned char, 4> hello{};
          co_await asio::async_read(stream, asio::buffer(hello), asio::use_awaitable);
          const std::array<unsigned char, 4> reply{0x7F, 0xF1, 0, 0};  // json, 16 MiB
          co_await asio::async_write(stream, asio::buffer(reply), asio::use_awaitable);
          end = co_await TlsPeer::end(stream);
          peer_done = true;
        },
        asio::detached);
    std::chrono::steady_clock::duration took{};
    const std::string url = "rss://" + peer.where();
    const std::string reason =
        co_await close_transport(io, url, "[6,{},\"wamp.close.normal\"]", peer_done, took);
    EXPECT_EQ(reason, "closed");
    EXPECT_EQ(end, asio::error::eof) << end.message();  // not "stream truncated"
    EXPECT_LT(took, 1s);  // the peer's close_notify ended it, not the 3 s timer
  });
}

TEST_F(ClientTlsE2E, WebSocketCloseHandshakeThenCloseNotify) {
  run([](asio::io_context& io) -> asio::awaitable<void> {
    TlsPeer peer(io);
    boost::system::error_code end;
    std::string close_frame;
    bool peer_done = false;
    asio::co_spawn(
        io,
        [&]() -> asio::awaitable<void> {
          auto stream = co_await peer.accept();
          asio::streambuf request;
          co_await asio::async_read_until(stream, request, "\r\n\r\n", asio::use_awaitable);
          std::string text(asio::buffers_begin(request.data()), asio::buffers_end(request.data()));
          const auto key_at = text.find("Sec-WebSocket-Key: ") + 19;
          const std::string key = text.substr(key_at, text.find("\r\n", key_at) - key_at);
          const std::string response =
              "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
              "Sec-WebSocket-Accept: " +
              websocket::accept_key(key) + "\r\nSec-WebSocket-Protocol: wamp.2.json\r\n\r\n";
          co_await asio::async_write(stream, asio::buffer(response), asio::use_awaitable);
          // The client's close frame (masked, code 1000: 2 + 4 + 2 bytes), then ours.
          std::array<char, 8> frame{};
          co_await asio::async_read(stream, asio::buffer(frame), asio::use_awaitable);
          close_frame.assign(frame.data(), 2);
          const std::array<unsigned char, 4> reply{0x88, 0x02, 0x03, 0xE8};
          co_await asio::async_write(stream, asio::buffer(reply), asio::use_awaitable);
          end = co_await TlsPeer::end(stream);
          peer_done = true;
        },
        asio::detached);
    std::chrono::steady_clock::duration took{};
    const std::string url = "wss://" + peer.where() + "/ws";
    const std::string reason = co_await close_transport(io, url, "", peer_done, took);
    EXPECT_EQ(reason, "closed by the router (1000)");
    EXPECT_EQ(close_frame, std::string("\x88\x82", 2));  // FIN close, masked, 2 bytes
    EXPECT_EQ(end, asio::error::eof) << end.message();   // close_notify, not "stream truncated"
    EXPECT_LT(took, 1s);
  });
}

}  // namespace

namespace {

// Cryptosign bound to the TLS connection: the client asks for tls-unique, signs the challenge
// XORed with its channel id, and checks the router's signature over its own challenge bound the
// same way. The router (transport/tls_context.cpp) computes the id from its side of the
// connection, so a join proves both ends agree on it. Without TLS the client refuses to try.
TEST_F(ClientTlsE2E, CryptosignWithTlsUniqueChannelBinding) {
  run([](asio::io_context& io) -> asio::awaitable<void> {
    auto options = trusting();
    options.authmethods = {"cryptosign"};
    options.authid = "client01";
    options.private_key = kClientSeed;
    options.router_public_key = public_key(kRouterSeed);
    options.channel_binding = true;
    auto session =
        co_await Session::connect(io, url("web_tls_cryptosign", "wss"), "realm1", options);
    const wamp::Object& welcome = session->welcome_details();
    EXPECT_EQ(*wamp::get_string(welcome, "authmethod"), "cryptosign");
    EXPECT_EQ(*wamp::get_string(welcome, "authid"), "client01");
    co_await session->leave();
    // The same credentials over plain TCP: no channel to bind to, refused before HELLO.
    std::string error;
    try {
      auto plain = co_await Session::connect(io, url("web_plain_cryptosign", "ws") + "/ws",
                                             "realm1", options);
      co_await plain->leave();
    } catch (const client::Error& e) {
      EXPECT_EQ(e.uri(), client::errors::cannot_authenticate);
      error = e.what();
    }
    EXPECT_NE(error.find("needs a TLS connection"), std::string::npos) << error;
  });
}

}  // namespace
