// web/ and the HTTP service helpers of transport/: byte ranges, Accept-Encoding, HTTP dates,
// percent-decoding, MIME types, gzip, long-poll framing and protocol choice, and the config's web
// paths (nesting, services, refusals).
#include <unistd.h>
#include <zlib.h>

#include <atomic>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <future>
#include <thread>

#include <gtest/gtest.h>

#include "node/config.hpp"
#include "transport/http_service.hpp"
#include "transport/websocket_proxy.hpp"
#include "web/archive.hpp"
#include "web/cgi.hpp"
#include "web/entity.hpp"
#include "web/http_bridge.hpp"
#include "web/longpoll.hpp"
#include "web/mime_types.hpp"
#include "web/reverse_proxy.hpp"
#include "web/service_thread.hpp"
#include "web/upload.hpp"
#include "web/wsgi.hpp"

namespace junction {
namespace {

using web::ByteRange;
using web::RangeResult;

TEST(WebBridgeIpNetwork, PrefixesNetmasksAndMappedAddresses) {
  web::IpNetwork n;
  ASSERT_TRUE(web::IpNetwork::parse("10.0.0.0/8", n));
  EXPECT_TRUE(n.contains("10.1.2.3"));
  EXPECT_FALSE(n.contains("11.0.0.1"));
  EXPECT_TRUE(n.contains("::ffff:10.9.9.9"));                          // IPv4-mapped
  ASSERT_TRUE(web::IpNetwork::parse("192.168.1.1/255.255.255.0", n));  // Crossbar's netmask form
  EXPECT_EQ(n.prefix, 24u);
  EXPECT_TRUE(n.contains("192.168.1.77"));
  EXPECT_FALSE(n.contains("192.168.2.1"));
  ASSERT_TRUE(web::IpNetwork::parse("127.0.0.1", n));
  EXPECT_EQ(n.prefix, 32u);
  ASSERT_TRUE(web::IpNetwork::parse("fd00::/8", n));
  EXPECT_TRUE(n.contains("fd12::1"));
  EXPECT_FALSE(n.contains("10.0.0.1"));
  EXPECT_FALSE(web::IpNetwork::parse("10.0.0.0/255.0.255.0", n));  // not contiguous
  EXPECT_FALSE(web::IpNetwork::parse("10.0.0.0/33", n));
  EXPECT_FALSE(web::IpNetwork::parse("10.0.0.0/", n));
  EXPECT_FALSE(web::IpNetwork::parse("example.com", n));
}

TEST(WebBridgeSignature, HmacSha256OverKeyTimestampSeqNonceBody) {
  // Independent value: python3 -c "import hmac,hashlib,base64; print(base64.urlsafe_b64encode(
  //   hmac.new(b's3cret', b'k1'+b'2026-11-24T04:35:00.123Z'+b'7'+b'42'+b'{}',
  //   hashlib.sha256).digest()).decode())"
  EXPECT_EQ(web::HttpBridgeService::signature("s3cret", "k1", "2026-11-24T04:35:00.123Z", "7", "42",
                                              "{}"),
            "UVDklu_w0iksunZd-aRLSVvGf_CGEXJVcrd8S1DQVy8=");
}

TEST(WebRange, Forms) {
  ByteRange r;
  EXPECT_EQ(web::parse_range("bytes=0-99", 1000, r), RangeResult::single);
  EXPECT_EQ(r.first, 0u);
  EXPECT_EQ(r.length, 100u);
  EXPECT_EQ(web::parse_range("bytes=900-", 1000, r), RangeResult::single);
  EXPECT_EQ(r.first, 900u);
  EXPECT_EQ(r.length, 100u);
  EXPECT_EQ(web::parse_range("bytes=-10", 1000, r), RangeResult::single);
  EXPECT_EQ(r.first, 990u);
  EXPECT_EQ(r.length, 10u);
  EXPECT_EQ(web::parse_range("bytes=-5000", 1000, r), RangeResult::single);
  EXPECT_EQ(r.first, 0u);
  EXPECT_EQ(r.length, 1000u);
  EXPECT_EQ(web::parse_range("bytes=990-5000", 1000, r), RangeResult::single);
  EXPECT_EQ(r.length, 10u);
}

TEST(WebRange, UnsatisfiableAndIgnored) {
  ByteRange r;
  EXPECT_EQ(web::parse_range("bytes=1000-", 1000, r), RangeResult::unsatisfiable);
  EXPECT_EQ(web::parse_range("bytes=-0", 1000, r), RangeResult::unsatisfiable);
  EXPECT_EQ(web::parse_range("bytes=0-1,5-6", 1000, r), RangeResult::none);  // whole entity
  EXPECT_EQ(web::parse_range("bytes=5-1", 1000, r), RangeResult::none);
  EXPECT_EQ(web::parse_range("items=0-1", 1000, r), RangeResult::none);
  EXPECT_EQ(web::parse_range("bytes=x-1", 1000, r), RangeResult::none);
  EXPECT_EQ(web::parse_range("bytes=99999999999999999999-", 1000, r), RangeResult::none);
}

TEST(WebGzip, AcceptEncoding) {
  EXPECT_TRUE(web::accepts_gzip("gzip"));
  EXPECT_TRUE(web::accepts_gzip("deflate, gzip;q=0.5, br"));
  EXPECT_TRUE(web::accepts_gzip("GZIP"));
  EXPECT_FALSE(web::accepts_gzip("gzip;q=0"));
  EXPECT_FALSE(web::accepts_gzip("gzip; q=0.000"));
  EXPECT_FALSE(web::accepts_gzip("br, deflate"));
  EXPECT_FALSE(web::accepts_gzip("x-gzip2"));
}

TEST(WebGzip, RoundTrip) {
  std::string text;
  for (int i = 0; i < 200; ++i)
    text += "hello junction " + std::to_string(i) + "\n";
  const auto gz = web::make_gzip(text);
  ASSERT_NE(gz, nullptr);
  EXPECT_LT(gz->size(), text.size());
  z_stream z{};
  ASSERT_EQ(inflateInit2(&z, 15 + 16), Z_OK);
  std::string out(text.size() + 16, '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(gz->data()));
  z.avail_in = static_cast<uInt>(gz->size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  EXPECT_EQ(inflate(&z, Z_FINISH), Z_STREAM_END);
  out.resize(out.size() - z.avail_out);
  inflateEnd(&z);
  EXPECT_EQ(out, text);
  // Incompressible (too short to win): none.
  EXPECT_EQ(web::make_gzip("ab"), nullptr);
}

TEST(WebHttpDate, RoundTrip) {
  EXPECT_EQ(transport::http_date(784111777), "Sun, 06 Nov 1994 08:49:37 GMT");
  EXPECT_EQ(transport::parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT"), 784111777);
  EXPECT_EQ(transport::parse_http_date("Sunday, 06-Nov-94 08:49:37 GMT"), -1);
  EXPECT_EQ(transport::parse_http_date("Sun, 06 Nov 1994 08:49:37 UTC"), -1);
  EXPECT_EQ(transport::parse_http_date(""), -1);
}

TEST(WebPercent, Decode) {
  std::string out;
  EXPECT_TRUE(transport::percent_decode("a%20b%2F%2e%2E", out));
  EXPECT_EQ(out, "a b/..");
  EXPECT_TRUE(transport::percent_decode("a+b", out));
  EXPECT_EQ(out, "a+b");
  EXPECT_FALSE(transport::percent_decode("%2", out));
  EXPECT_FALSE(transport::percent_decode("%zz", out));
  EXPECT_FALSE(transport::percent_decode("abc%", out));
}

TEST(WebMime, DefaultsAndOverrides) {
  web::MimeTypes types({{".js", "application/x-custom"}, {"FOO", "text/foo"}});
  EXPECT_EQ(types.lookup("index.html"), "text/html");
  EXPECT_EQ(types.lookup("css/a.CSS"), "text/css");
  EXPECT_EQ(types.lookup("logo.svg"), "image/svg+xml");
  EXPECT_EQ(types.lookup("x.js"), "application/x-custom");
  EXPECT_EQ(types.lookup("y.foo"), "text/foo");
  EXPECT_EQ(types.lookup("noext"), "application/octet-stream");
  EXPECT_EQ(types.lookup("dir.d/noext"), "application/octet-stream");
  EXPECT_TRUE(web::compressible_type("text/html; charset=utf-8"));
  EXPECT_TRUE(web::compressible_type("application/ld+json"));
  EXPECT_FALSE(web::compressible_type("image/png"));
}

// The config's web paths: nesting ("path" services flattened), services made, refusals.
std::string web_config(const std::string& paths, const std::string& options = "") {
  return R"({"version": 2, "workers": [{"type": "router", "realms": [{"name": "realm1",
    "roles": [{"name": "anonymous", "permissions": []}]}], "transports": [{"type": "web",
    "endpoint": {"type": "tcp", "port": 8080}, )" +
         options + R"("paths": )" + paths + "}]}]}";
}

node::NodeConfig parse(const std::string& text) {
  return node::parse_config(text, node::ConfigFormat::json, "/tmp/node/t.json");
}

std::string error_of(const std::string& text) {
  try {
    parse(text);
  } catch (const node::ConfigError& e) {
    return e.what();
  }
  return "";
}

TEST(WebConfig, NestedPathsAreFlattened) {
  const auto node = parse(web_config(R"({
    "/": {"type": "static", "directory": "../web"},
    "ws": {"type": "websocket"},
    "app": {"type": "path", "paths": {
      "/": {"type": "json", "value": {"a": 1}},
      "go": {"type": "redirect", "url": "https://example.com/"},
      "deep": {"type": "path", "paths": {"info": {"type": "nodeinfo"}}}}}})"));
  const auto& paths = node.listeners.at(0).paths;
  ASSERT_EQ(paths.size(), 5u);
  EXPECT_EQ(paths.at("/").http->type(), "static");
  EXPECT_EQ(paths.at("/ws").kind, transport::PathService::Kind::websocket);
  EXPECT_EQ(paths.at("/app").http->type(), "json");
  EXPECT_EQ(paths.at("/app/go").http->type(), "redirect");
  EXPECT_EQ(paths.at("/app/deep/info").http->type(), "nodeinfo");
}

TEST(WebConfig, WebOptions) {
  const auto node = parse(web_config(R"({"/": {"type": "nodeinfo"}})",
                                     R"("options": {"access_log": true, "hsts": true,
                                        "hsts_max_age": 600}, )"));
  const auto& web = node.listeners.at(0).web;
  EXPECT_TRUE(web.access_log);
  EXPECT_TRUE(web.hsts);
  EXPECT_EQ(web.hsts_max_age, 600);
}

TEST(WebConfig, Errors) {
  EXPECT_EQ(error_of(web_config(R"({"/": {"type": "static"}})")),
            "/tmp/node/t.json: workers[0].transports[0].paths./: a static service needs "
            "'directory' (or 'package' and 'resource')");
  EXPECT_EQ(error_of(web_config(R"({"/": {"type": "static", "directory": "w", "options":
                                   {"listing": true}}})")),
            "/tmp/node/t.json: workers[0].transports[0].paths./.options.listing: unknown key "
            "'listing' in static options (expected one of: enable_directory_listing, mime_types, "
            "cache_timeout, default_file, allow_cross_origin)");
  EXPECT_EQ(error_of(web_config(R"({"/": {"type": "redirect"}})")),
            "/tmp/node/t.json: workers[0].transports[0].paths./: missing required key 'url' (a "
            "string) in web path service");
  EXPECT_EQ(error_of(web_config(R"({"a": {"type": "path", "paths": {"/": {"type": "nodeinfo"}}},
                                    "/a": {"type": "nodeinfo"}})")),
            "/tmp/node/t.json: workers[0].transports[0].paths.a.paths./: path \"/a\" is "
            "configured twice");
  EXPECT_EQ(error_of(web_config(R"({"/": {"type": "wap"}})")),
            "/tmp/node/t.json: workers[0].transports[0].paths./.type: path type 'wap' is not "
            "supported yet");
}

TEST(WebLongPoll, ProtocolChoiceFollowsTheClient) {
  auto p = web::choose_longpoll_protocol({"wamp.2.cbor", "wamp.2.msgpack.batched", "wamp.2.json"});
  ASSERT_TRUE(p);
  EXPECT_EQ(p->name, "wamp.2.msgpack.batched");
  EXPECT_TRUE(p->batched);
  EXPECT_EQ(p->mime_type, "application/x-msgpack");
  p = web::choose_longpoll_protocol({"wamp.2.json"});
  ASSERT_TRUE(p);
  EXPECT_FALSE(p->batched);
  EXPECT_EQ(p->codec->subprotocol(), "wamp.2.json");
  EXPECT_FALSE(web::choose_longpoll_protocol({"wamp.2.cbor", "wamp.1.json", ""}));
  EXPECT_FALSE(web::choose_longpoll_protocol({}));
}

TEST(WebLongPoll, JsonBatchFraming) {
  const auto p = *web::choose_longpoll_protocol({"wamp.2.json.batched"});
  std::string body;
  web::append_longpoll_frame(p, "[1]", body);
  web::append_longpoll_frame(p, "[2,\"x\"]", body);
  EXPECT_EQ(body, "[1]\x18[2,\"x\"]\x18");
  std::vector<std::string_view> out;
  std::string error;
  ASSERT_TRUE(web::split_longpoll_batch(p, body, out, error));
  EXPECT_EQ(out, (std::vector<std::string_view>{"[1]", "[2,\"x\"]"}));
  EXPECT_FALSE(web::split_longpoll_batch(p, "[1]\x18[2]", out, error));  // unterminated
  EXPECT_NE(error.find("batch format error"), std::string::npos);
  ASSERT_TRUE(web::split_longpoll_batch(p, "", out, error));
  EXPECT_TRUE(out.empty());
}

TEST(WebLongPoll, MsgpackBatchFraming) {
  const auto p = *web::choose_longpoll_protocol({"wamp.2.msgpack.batched"});
  std::string body;
  web::append_longpoll_frame(p, std::string("\x91\x01", 2), body);
  web::append_longpoll_frame(p, std::string(300, 'a'), body);
  ASSERT_EQ(body.size(), 4u + 2 + 4 + 300);
  EXPECT_EQ(body.substr(0, 4), std::string("\0\0\0\x02", 4));
  EXPECT_EQ(body.substr(6, 4), std::string("\0\0\x01\x2c", 4));
  std::vector<std::string_view> out;
  std::string error;
  ASSERT_TRUE(web::split_longpoll_batch(p, body, out, error));
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[1].size(), 300u);
  EXPECT_FALSE(web::split_longpoll_batch(p, body.substr(0, body.size() - 1), out, error));
  EXPECT_FALSE(web::split_longpoll_batch(p, std::string("\0\0", 2), out, error));
  // Unbatched: the body is the message, whatever it holds.
  const auto plain = *web::choose_longpoll_protocol({"wamp.2.msgpack"});
  ASSERT_TRUE(web::split_longpoll_batch(plain, "\x18\x18", out, error));
  EXPECT_EQ(out, (std::vector<std::string_view>{"\x18\x18"}));
  body.clear();
  web::append_longpoll_frame(plain, "abc", body);
  EXPECT_EQ(body, "abc");
}

TEST(WebConfig, LongPoll) {
  const auto node = parse(web_config(R"({"lp": {"type": "longpoll", "options": {
    "request_timeout": 3, "session_timeout": 0, "queue_limit_bytes": 1000,
    "queue_limit_messages": 7, "debug": true, "debug_transport_id": "kjmd3sBLOUnb3Fyr"}},
    "lp2": {"type": "longpoll"}})"));
  const auto& paths = node.listeners.at(0).paths;
  const auto* lp = dynamic_cast<const web::LongPollService*>(paths.at("/lp").http.get());
  ASSERT_NE(lp, nullptr);
  EXPECT_EQ(lp->options().request_timeout, std::chrono::seconds(3));
  EXPECT_EQ(lp->options().session_timeout.count(), 0);
  EXPECT_EQ(lp->options().queue_limit_bytes, 1000u);
  EXPECT_EQ(lp->options().queue_limit_messages, 7u);
  EXPECT_EQ(lp->options().debug_transport_id, "kjmd3sBLOUnb3Fyr");
  const auto* defaults = dynamic_cast<const web::LongPollService*>(paths.at("/lp2").http.get());
  ASSERT_NE(defaults, nullptr);
  EXPECT_EQ(defaults->options().request_timeout, std::chrono::seconds(10));
  EXPECT_EQ(defaults->options().session_timeout, std::chrono::seconds(30));
  EXPECT_EQ(defaults->options().queue_limit_bytes, 131072u);
  EXPECT_EQ(defaults->options().queue_limit_messages, 100u);
  EXPECT_EQ(
      error_of(web_config(R"({"lp": {"type": "longpoll", "options": {"request_timeout": -1}}})")),
      "/tmp/node/t.json: workers[0].transports[0].paths.lp.options.request_timeout: "
      "expected an integer from 0 to 86400, found -1");
  EXPECT_NE(error_of(web_config(R"({"lp": {"type": "longpoll", "options":
                                   {"debug_transport_id": "a/b"}}})"))
                .find("paths.lp.options.debug_transport_id: expected 1 to 64 letters"),
            std::string::npos);
  EXPECT_NE(error_of(web_config(R"({"lp": {"type": "longpoll", "options": {"timeout": 1}}})"))
                .find("paths.lp.options.timeout: unknown key 'timeout' in longpoll options"),
            std::string::npos);
}

TEST(WebArchive, MemberNames) {
  EXPECT_EQ(web::archive_member_name("a/b.js"), "a/b.js");
  EXPECT_EQ(web::archive_member_name("./a/b.js"), "a/b.js");
  EXPECT_EQ(web::archive_member_name("././x"), "x");
  for (const char* bad : {"", "/etc/passwd", "../x", "a/../x", "a/./x", "a//x", "a/", "..", "."}) {
    EXPECT_EQ(web::archive_member_name(bad), "") << bad;
  }
  EXPECT_EQ(web::archive_member_name(std::string_view("a\0b", 3)), "");
}

TEST(WebArchive, ReadsATarAndRefusesWhatIsNotOne) {
  // A ustar archive written by hand: one 512-byte header, the data padded to 512, two zero
  // blocks. (The e2e test reads ZIP and tar.gz files made by Python.)
  auto octal = [](std::string& block, std::size_t at, std::size_t width, unsigned long value) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%0*lo", static_cast<int>(width - 1), value);
    block.replace(at, width - 1, buf);
  };
  auto member = [&](const std::string& name, const std::string& data) {
    std::string h(512, '\0');
    h.replace(0, name.size(), name);
    octal(h, 100, 8, 0644);
    octal(h, 108, 8, 0);
    octal(h, 116, 8, 0);
    octal(h, 124, 12, data.size());
    octal(h, 136, 12, 1700000000);
    h[156] = '0';
    h.replace(257, 6, std::string("ustar\0", 6));
    h.replace(263, 2, "00");
    h.replace(148, 8, "        ");
    unsigned long sum = 0;
    for (const unsigned char c : h)
      sum += c;
    char chk[8];
    std::snprintf(chk, sizeof chk, "%06lo", sum);
    h.replace(148, 7, std::string(chk, 6) + '\0');
    std::string out = h + data;
    out.append((512 - data.size() % 512) % 512, '\0');
    return out;
  };
  const auto dir = std::filesystem::temp_directory_path() /
                   ("junction-archive-test-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const auto tar = dir / "t.tar";
  {
    std::ofstream out(tar, std::ios::binary);
    out << member("www/index.html", "<p>hi</p>") << member("../evil", "x")
        << member("www/app.js", std::string(1000, 'a')) << std::string(1024, '\0');
  }
  web::ArchiveOptions options;
  options.archive = tar;
  options.object_prefix = "www";
  web::ArchiveService service(options);
  EXPECT_EQ(service.member_count(), 2u);
  EXPECT_TRUE(service.has_member("www/index.html"));
  EXPECT_TRUE(service.has_member("www/app.js"));
  EXPECT_FALSE(service.has_member("../evil"));

  options.hashes = {web::sha256_file(tar)};
  EXPECT_NO_THROW(web::ArchiveService{options});
  options.hashes = {std::string(64, '0')};
  EXPECT_THROW(web::ArchiveService{options}, web::ArchiveError);
  options.hashes.clear();
  {
    std::ofstream out(dir / "text.zip");
    out << "not an archive\n";
  }
  options.archive = dir / "text.zip";
  EXPECT_THROW(web::ArchiveService{options}, web::ArchiveError);
  options.archive = dir / "missing.zip";
  try {
    web::ArchiveService{options};
    ADD_FAILURE() << "a missing archive was accepted";
  } catch (const web::ArchiveError& e) {
    EXPECT_NE(std::string(e.what()).find("No such file or directory"), std::string::npos);
  }
  std::filesystem::remove_all(dir);
}

TEST(WebReverseProxy, BackendTarget) {
  using web::ReverseProxyService;
  EXPECT_EQ(ReverseProxyService::backend_target("/", "", false, ""), "/");
  EXPECT_EQ(ReverseProxyService::backend_target("/", "a/b%20c", false, "x=1"), "/a/b%20c?x=1");
  EXPECT_EQ(ReverseProxyService::backend_target("/api", "v1/", false, ""), "/api/v1/");
  EXPECT_EQ(ReverseProxyService::backend_target("/api/", "v1", false, ""), "/api/v1");
  EXPECT_EQ(ReverseProxyService::backend_target("/api", "", true, ""), "/api/");
  EXPECT_EQ(ReverseProxyService::backend_target("/api", "", false, "q"), "/api?q");
  EXPECT_EQ(ReverseProxyService::backend_target("", "x", false, ""), "/x");
}

TEST(WebConfig, ReverseProxy) {
  const auto node = parse(web_config(R"({"api": {"type": "reverseproxy", "host": "backend",
    "port": 8081, "path": "/v1/", "timeout": 5}, "p": {"type": "reverseproxy", "host": "h"}})"));
  const auto& paths = node.listeners.at(0).paths;
  const auto* api = dynamic_cast<const web::ReverseProxyService*>(paths.at("/api").http.get());
  ASSERT_NE(api, nullptr);
  EXPECT_EQ(api->options().host, "backend");
  EXPECT_EQ(api->options().port, 8081);
  EXPECT_EQ(api->options().path, "/v1/");
  EXPECT_EQ(api->options().timeout, std::chrono::seconds(5));
  const auto* p = dynamic_cast<const web::ReverseProxyService*>(paths.at("/p").http.get());
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(p->options().port, 80);
  EXPECT_EQ(p->options().path, "/");
  EXPECT_EQ(error_of(web_config(R"({"p": {"type": "reverseproxy", "host": "h", "port": 0}})")),
            "/tmp/node/t.json: workers[0].transports[0].paths.p.port: expected an integer from 1 "
            "to 65535, found 0");
  EXPECT_EQ(error_of(web_config(R"({"p": {"type": "reverseproxy", "host": "h", "path": "x"}})")),
            "/tmp/node/t.json: workers[0].transports[0].paths.p.path: expected an absolute path "
            "such as \"/\" or \"/api/\", found \"x\"");
  EXPECT_EQ(error_of(web_config(R"({"p": {"type": "reverseproxy"}})")),
            "/tmp/node/t.json: workers[0].transports[0].paths.p: missing required key 'host' (a "
            "string) in web path service");
}

TEST(WebConfig, WebSocketReverseProxy) {
  const auto node = parse(web_config(R"({"ws": {"type": "websocket-reverseproxy",
    "url": "ws://example.org/ws", "timeout": 4, "backend": {"type": "websocket",
    "endpoint": {"type": "tcp", "host": "backend", "port": 9000},
    "url": "ws://backend:9000/app/ws?ignored=1"}}})"));
  const auto& service = node.listeners.at(0).paths.at("/ws");
  ASSERT_EQ(service.kind, transport::PathService::Kind::websocket_proxy);
  ASSERT_NE(service.websocket_proxy, nullptr);
  EXPECT_EQ(service.websocket_proxy->host, "backend");
  EXPECT_EQ(service.websocket_proxy->port, 9000);
  EXPECT_EQ(service.websocket_proxy->path, "/app/ws");
  EXPECT_EQ(service.websocket_proxy->connect_timeout, std::chrono::seconds(4));
  const std::string prefix = "/tmp/node/t.json: workers[0].transports[0].paths.p";
  EXPECT_EQ(error_of(web_config(R"({"p": {"type": "websocket-reverseproxy"}})")),
            prefix + ": missing required key 'backend' (an object) in web path service");
  EXPECT_EQ(error_of(web_config(R"({"p": {"type": "websocket-reverseproxy", "backend": {
              "type": "websocket", "endpoint": {"type": "tcp", "host": "h", "port": 1,
              "tls": {}}}}})")),
            prefix + ".backend.endpoint.tls: 'tls' is not supported yet");
  EXPECT_EQ(error_of(web_config(R"({"p": {"type": "websocket-reverseproxy", "options": {},
              "backend": {"type": "websocket", "endpoint": {"type": "tcp", "host": "h",
              "port": 1}}}})")),
            prefix + ".options: 'options' is not supported yet");
  EXPECT_EQ(error_of(web_config(R"({"p": {"type": "websocket-reverseproxy", "backend": {
              "type": "websocket", "endpoint": {"type": "tcp", "host": "h", "port": 1},
              "url": "wss://h/x"}}})")),
            prefix +
                ".backend.url: expected a ws:// URL such as \"ws://localhost:9000/ws\" "
                "(wss:// is not supported yet), found \"wss://h/x\"");
}

TEST(WebConfig, Wsgi) {
  // The router worker's python, pythonpath and env are the launcher's; the mount path is kept.
  const auto node = parse(R"({"version": 2, "workers": [{"type": "router",
    "options": {"pythonpath": ["..", "/opt/apps"], "python": "/usr/local/bin/python3",
                "env": {"inherit": ["PATH"], "vars": {"A": "1"}}},
    "transports": [{"type": "web", "endpoint": {"type": "tcp", "port": 8080}, "paths": {
      "/": {"type": "wsgi", "module": "django_project.wsgi", "object": "application"},
      "app": {"type": "path", "paths": {"flask": {"type": "wsgi", "module": "myapp",
              "object": "app", "minthreads": 2, "maxthreads": 4, "timeout": 9}}}}}]}]})");
  const auto& paths = node.listeners.at(0).paths;
  const auto* root = dynamic_cast<const web::WsgiService*>(paths.at("/").http.get());
  ASSERT_NE(root, nullptr);
  const auto& o = root->options();
  EXPECT_EQ(o.module, "django_project.wsgi");
  EXPECT_EQ(o.object, "application");
  EXPECT_EQ(o.mount, "/");
  EXPECT_EQ(o.minthreads, 0u);
  EXPECT_EQ(o.maxthreads, 20u);
  EXPECT_EQ(o.timeout, std::chrono::seconds(60));
  EXPECT_EQ(o.python, "/usr/local/bin/python3");
  EXPECT_EQ(o.pythonpath, (std::vector<std::string>{"/tmp", "/opt/apps"}));
  EXPECT_EQ(o.workdir, "/tmp/node");
  EXPECT_FALSE(o.inherit_all_env);
  EXPECT_EQ(o.inherit_env, std::vector<std::string>{"PATH"});
  ASSERT_EQ(o.env_vars.size(), 1u);
  EXPECT_EQ(o.env_vars[0].first, "A");
  const auto* flask = dynamic_cast<const web::WsgiService*>(paths.at("/app/flask").http.get());
  ASSERT_NE(flask, nullptr);
  EXPECT_EQ(flask->options().mount, "/app/flask");
  EXPECT_EQ(flask->options().minthreads, 2u);
  EXPECT_EQ(flask->options().maxthreads, 4u);
  EXPECT_EQ(flask->options().timeout, std::chrono::seconds(9));
  EXPECT_EQ(flask->options().python, "/usr/local/bin/python3");
  EXPECT_EQ(flask->options().pythonpath, o.pythonpath);
  // A router worker whose pythonpath only a wsgi service uses: no "ignored" warning.
  std::vector<std::string> warnings;
  node::parse_config(R"({"workers": [{"type": "router", "options": {"pythonpath": ["x"]},
    "transports": [{"type": "web", "endpoint": {"type": "tcp", "port": 8080}, "paths": {
      "/": {"type": "wsgi", "module": "m", "object": "o"}}}]}]})",
                     node::ConfigFormat::json, "/tmp/node/t.json", &warnings);
  EXPECT_TRUE(warnings.empty()) << warnings.at(0);

  EXPECT_EQ(error_of(web_config(R"({"w": {"type": "wsgi", "object": "app"}})")),
            "/tmp/node/t.json: workers[0].transports[0].paths.w: missing required key 'module' "
            "(a string) in web path service");
  EXPECT_EQ(error_of(web_config(R"({"w": {"type": "wsgi", "module": "a..b", "object": "x"}})")),
            "/tmp/node/t.json: workers[0].transports[0].paths.w.module: expected a Python module "
            "name such as \"myapp\" or \"pkg.wsgi\", found \"a..b\"");
  EXPECT_EQ(error_of(web_config(R"({"w": {"type": "wsgi", "module": "m", "object": "a.b"}})")),
            "/tmp/node/t.json: workers[0].transports[0].paths.w.object: expected a Python name "
            "such as \"app\", found \"a.b\"");
  EXPECT_EQ(error_of(web_config(
                R"({"w": {"type": "wsgi", "module": "m", "object": "o", "minthreads": 5,
                          "maxthreads": 4}})")),
            "/tmp/node/t.json: workers[0].transports[0].paths.w.minthreads: 'minthreads' (5) is "
            "larger than 'maxthreads' (4)");
  EXPECT_EQ(error_of(web_config(
                R"({"w": {"type": "wsgi", "module": "m", "object": "o", "maxthreads": 0}})")),
            "/tmp/node/t.json: workers[0].transports[0].paths.w.maxthreads: expected an integer "
            "from 1 to 1024, found 0");
  EXPECT_NE(error_of(web_config(R"({"w": {"type": "wsgi", "module": "m", "object": "o",
                                          "threads": 3}})"))
                .find("unknown key 'threads'"),
            std::string::npos);
}

TEST(WebCgi, ParseOutput) {
  using web::CgiService;
  std::string error;
  auto out = CgiService::parse_output("Content-Type: text/plain\r\nX-A: 1\r\n\r\nbody\r\n", error);
  ASSERT_TRUE(out) << error;
  EXPECT_EQ(out->status, 200u);
  ASSERT_EQ(out->headers.size(), 2u);
  EXPECT_EQ(out->headers[1], (std::pair<std::string, std::string>{"X-A", "1"}));
  EXPECT_EQ(out->body, "body\r\n");
  out = CgiService::parse_output("Status: 404 Not Found\nContent-Length: 99\nConnection: x\n\n",
                                 error);
  ASSERT_TRUE(out) << error;
  EXPECT_EQ(out->status, 404u);
  EXPECT_TRUE(out->headers.empty());  // Junction's own fields are not the script's to set
  EXPECT_EQ(out->body, "");
  out = CgiService::parse_output("Location: /x\n\n", error);
  ASSERT_TRUE(out) << error;
  EXPECT_EQ(out->status, 302u);
  out = CgiService::parse_output("Status: 201\nLocation: /x\n\n", error);
  ASSERT_TRUE(out) << error;
  EXPECT_EQ(out->status, 201u);
  EXPECT_FALSE(CgiService::parse_output("", error));
  EXPECT_EQ(error, "no output");
  EXPECT_FALSE(CgiService::parse_output("Content-Type: text/plain\n", error));
  EXPECT_EQ(error, "no blank line after the header fields");
  EXPECT_FALSE(CgiService::parse_output("hello world\n\n", error));
  EXPECT_EQ(error, "malformed header line \"hello world\"");
  EXPECT_FALSE(CgiService::parse_output("Status: 99 x\n\n", error));
  EXPECT_EQ(error, "bad Status \"99 x\"");
}

TEST(WebCgi, FindScript) {
  using web::CgiService;
  const auto dir =
      std::filesystem::temp_directory_path() / ("junction-cgi-test-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir / "cgi" / "sub");
  std::ofstream(dir / "cgi" / "run.sh") << "echo\n";
  std::ofstream(dir / "cgi" / "sub" / "x y.py") << "print()\n";
  std::ofstream(dir / "secret.sh") << "echo\n";
  std::filesystem::create_symlink(dir / "secret.sh", dir / "cgi" / "out.sh");
  const auto root = dir / "cgi";
  auto s = CgiService::find_script(root, "/app", "run.sh");
  ASSERT_TRUE(s);
  EXPECT_EQ(s->file, std::filesystem::canonical(root / "run.sh"));
  EXPECT_EQ(s->script_name, "/app/run.sh");
  EXPECT_EQ(s->path_info, "");
  s = CgiService::find_script(root, "/", "sub/x%20y.py/a/b%2Fc/");
  ASSERT_TRUE(s);
  EXPECT_EQ(s->script_name, "/sub/x y.py");
  EXPECT_EQ(s->path_info, "/a/b/c/");
  s = CgiService::find_script(root, "/app", "run.sh/");
  ASSERT_TRUE(s);
  EXPECT_EQ(s->path_info, "/");
  for (const char* rest :
       {"", "sub", "sub/", "missing", "../secret.sh", "%2e%2e/secret.sh", "sub/%2E%2E/run.sh",
        "./run.sh", "out.sh", "run%00.sh", "%2fetc", "%zz", "sub//x%20y.py"}) {
    EXPECT_FALSE(CgiService::find_script(root, "/app", rest)) << rest;
  }
  std::filesystem::remove_all(dir);
}

TEST(WebConfig, Cgi) {
  const auto node = parse(web_config(
      R"({"cgi": {"type": "cgi", "directory": "/tmp", "processor": "sh", "timeout": 3}})"));
  const auto* cgi =
      dynamic_cast<const web::CgiService*>(node.listeners.at(0).paths.at("/cgi").http.get());
  ASSERT_NE(cgi, nullptr);
  EXPECT_EQ(cgi->options().directory, "/tmp");
  EXPECT_EQ(cgi->options().processor, "sh");
  EXPECT_EQ(cgi->options().mount, "/cgi");
  EXPECT_EQ(cgi->options().timeout, std::chrono::seconds(3));
  EXPECT_EQ(error_of(web_config(R"({"c": {"type": "cgi", "directory": "/tmp"}})")),
            "/tmp/node/t.json: workers[0].transports[0].paths.c: missing required key "
            "'processor' (a string) in web path service");
  EXPECT_EQ(error_of(web_config(
                R"({"c": {"type": "cgi", "directory": "/tmp", "processor": "/no/such/x"}})")),
            "/tmp/node/t.json: workers[0].transports[0].paths.c.processor: CGI processor "
            "\"/no/such/x\" is not an executable program (give a path such as "
            "\"/usr/bin/python3\" or a name in $PATH)");
  EXPECT_NE(
      error_of(
          web_config(
              R"({"c": {"type": "cgi", "directory": "/tmp", "processor": "no-such-program-x"}})"))
          .find("is not an executable program"),
      std::string::npos);
}

// A path service's own thread: runs what is posted on a thread that is not the caller's, refuses
// posts once stopped, cleans up after the join, and destroys handlers that never ran.
TEST(WebServiceThread, PostRunsOnItsThreadAndStopIsOrderly) {
  web::ServiceThread thread("test");
  EXPECT_FALSE(thread.post([](boost::asio::io_context&) {}));  // not started
  bool set_up = false;
  EXPECT_TRUE(thread.start([&](boost::asio::io_context&) { set_up = true; }));
  EXPECT_TRUE(set_up);
  EXPECT_FALSE(thread.start());  // runs already
  ASSERT_NE(thread.io(), nullptr);
  std::promise<std::thread::id> ran;
  EXPECT_TRUE(thread.post([&](boost::asio::io_context& io) {
    EXPECT_EQ(&io, thread.io());
    ran.set_value(std::this_thread::get_id());
  }));
  EXPECT_NE(ran.get_future().get(), std::this_thread::get_id());
  // A handler that throws is logged and the loop goes on.
  EXPECT_TRUE(thread.post([](boost::asio::io_context&) { throw std::runtime_error("boom"); }));
  std::promise<void> after;
  EXPECT_TRUE(thread.post([&](boost::asio::io_context&) { after.set_value(); }));
  after.get_future().get();
  // A handler still queued at stop() is destroyed, not run; after_join runs once, after the join.
  auto alive = std::make_shared<int>(0);
  std::weak_ptr<int> watch = alive;
  std::promise<void> release;
  auto released = release.get_future().share();
  EXPECT_TRUE(thread.post([released](boost::asio::io_context&) { released.wait(); }));
  std::atomic<bool> second_ran{false};
  EXPECT_TRUE(thread.post(
      [alive = std::move(alive), &second_ran](boost::asio::io_context&) { second_ran = true; }));
  int cleaned = 0;
  std::thread stopper([&] { thread.stop([&] { ++cleaned; }); });
  // stop() has stopped the loop once io() is null (it then waits for the running handler).
  while (thread.io() != nullptr)
    std::this_thread::yield();
  release.set_value();
  stopper.join();
  EXPECT_EQ(cleaned, 1);
  EXPECT_FALSE(second_ran);
  EXPECT_TRUE(watch.expired());
  EXPECT_EQ(thread.io(), nullptr);
  EXPECT_FALSE(thread.post([](boost::asio::io_context&) {}));
  thread.stop([&] { ++cleaned; });  // stopped already: nothing
  EXPECT_EQ(cleaned, 1);
}

TEST(WebConfig, Upload) {
  const std::string fields = R"("form_fields": {"file_name": "resumableFilename",
      "mime_type": "resumableType", "total_size": "resumableTotalSize",
      "chunk_number": "resumableChunkNumber", "chunk_size": "resumableChunkSize",
      "total_chunks": "resumableTotalChunks", "content": "file", "on_progress": "on_progress",
      "session": "session", "chunk_extra": "chunk_extra", "finish_extra": "finish_extra"})";
  const auto node = parse(web_config(R"({"upload": {"type": "upload", "realm": "realm1",
      "role": "anonymous", "directory": "../uploaded", "temp_directory": "../uploaded/tmp", )" +
                                     fields + R"(, "options": {"max_file_size": 200000000,
      "file_permissions": "0644", "file_types": [".csv", ".txt"]}}})"));
  const auto* upload =
      dynamic_cast<const web::UploadService*>(node.listeners.at(0).paths.at("/upload").http.get());
  ASSERT_NE(upload, nullptr);
  const auto& o = upload->options();
  EXPECT_EQ(o.realm, "realm1");
  EXPECT_EQ(o.authrole, "anonymous");
  EXPECT_EQ(o.authid, "file-upload");
  EXPECT_EQ(o.limits.directory, "/tmp/uploaded");
  EXPECT_EQ(o.limits.temp_directory, "/tmp/uploaded/tmp");
  EXPECT_EQ(o.limits.max_file_size, 200000000u);
  EXPECT_EQ(o.limits.file_permissions, 0644u);
  EXPECT_EQ(o.limits.file_types, (std::vector<std::string>{".csv", ".txt"}));
  EXPECT_EQ(o.fields.file_name, "resumableFilename");
  EXPECT_EQ(o.fields.content, "file");
  EXPECT_EQ(o.fields.session, "session");
  EXPECT_EQ(upload->body_limit(), 64u * 1024 * 1024 + 64 * 1024);  // one chunk at most 64 MiB

  const std::string base = R"({"u": {"type": "upload", "realm": "realm1", "role": "anonymous",
      "directory": "/srv/up", )";
  EXPECT_EQ(error_of(web_config(base + R"("form_fields": {"file_name": "f"}}})")),
            "/tmp/node/t.json: workers[0].transports[0].paths.u.form_fields: missing required "
            "key 'mime_type' (a string) in upload form_fields");
  EXPECT_EQ(error_of(web_config(base + fields + R"(, "options": {"file_permissions": "rw"}}})")),
            "/tmp/node/t.json: workers[0].transports[0].paths.u.options.file_permissions: "
            "expected an octal mode such as \"0644\", found \"rw\"");
  EXPECT_EQ(error_of(web_config(base + fields + R"(, "options": {"file_types": ["txt"]}}})")),
            "/tmp/node/t.json: workers[0].transports[0].paths.u.options.file_types[0]: expected "
            "a file extension with its dot such as \".txt\", found \"txt\"");
  EXPECT_EQ(error_of(web_config(base + fields + R"(, "temp_directory": "/srv/up"}})")),
            "/tmp/node/t.json: workers[0].transports[0].paths.u.temp_directory: "
            "'temp_directory' must not be the upload 'directory'");
  EXPECT_EQ(error_of(web_config(base + fields + R"(, "options": {"chunk_size": 1}}})")),
            "/tmp/node/t.json: workers[0].transports[0].paths.u.options.chunk_size: unknown key "
            "'chunk_size' in upload options (expected one of: max_file_size, file_types, "
            "file_permissions)");
}

}  // namespace
}  // namespace junction
