// node_config_test: the node config reader — Crossbar-format JSON and YAML to NodeConfig, the
// exact error messages (file, JSON path, reason), env substitution, permission match inference,
// the embedded default and config discovery. No sockets.
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include <gtest/gtest.h>

#include "node/config.hpp"

namespace junction::node {
namespace {

namespace fs = std::filesystem;
using router::MatchPolicy;

const fs::path kData = JUNCTION_NODE_TESTDATA_DIR;

// The error message parse_config gives, or "" when the config is valid.
std::string error_of(std::string_view text, ConfigFormat format = ConfigFormat::json) {
  try {
    parse_config(text, format, "t.json");
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "";
}

NodeConfig parse(std::string_view text, ConfigFormat format = ConfigFormat::json,
                 std::vector<std::string>* warnings = nullptr) {
  return parse_config(text, format, "t.json", warnings);
}

const std::string kRealm =
    R"({"name": "realm1", "roles": [{"name": "anonymous", "permissions": [{"uri": "", "match": "prefix"}]}]})";
const std::string kTransport =
    R"({"type": "websocket", "endpoint": {"type": "tcp", "port": 8080}})";

// A one-worker config with the given realm and transport (JSON objects as text).
std::string config(const std::string& realm = kRealm, const std::string& transport = kTransport) {
  return R"({"version": 2, "workers": [{"type": "router", "realms": [)" + realm +
         R"(], "transports": [)" + transport + "]}]}";
}

std::string transport_with_endpoint(const std::string& endpoint) {
  return R"({"type": "websocket", "endpoint": )" + endpoint + "}";
}

std::string web_transport_with_ws(const std::string& ws_service) {
  return R"({"type": "web", "endpoint": {"type": "tcp", "port": 8080}, "paths": {"/": {"type": "nodeinfo"}, "/ws": )" +
         ws_service + "}}";
}

std::string realm_with_permission(const std::string& permission) {
  return R"({"name": "realm1", "roles": [{"name": "anonymous", "permissions": [)" + permission +
         "]}]}";
}

router::Permission only_permission(const NodeConfig& node) {
  EXPECT_EQ(node.router.realms.size(), 1u);
  EXPECT_EQ(node.router.realms.at(0).roles.size(), 1u);
  EXPECT_EQ(node.router.realms.at(0).roles.at(0).permissions.size(), 1u);
  return node.router.realms.at(0).roles.at(0).permissions.at(0);
}

void expect_fixture(const NodeConfig& node) {
  ASSERT_EQ(node.router.realms.size(), 2u);
  const auto& realm1 = node.router.realms[0];
  EXPECT_EQ(realm1.name, "realm1");
  EXPECT_EQ(realm1.uri_check, wamp::UriCheck::loose);
  ASSERT_EQ(realm1.roles.size(), 1u);
  EXPECT_EQ(realm1.roles[0].name, "anonymous");
  ASSERT_EQ(realm1.roles[0].permissions.size(), 1u);
  const auto& all = realm1.roles[0].permissions[0];
  EXPECT_EQ(all.uri, "");
  EXPECT_EQ(all.match, MatchPolicy::prefix);
  EXPECT_TRUE(all.call && all.register_ && all.publish && all.subscribe);
  EXPECT_FALSE(all.disclose_caller || all.disclose_publisher);

  const auto& app = node.router.realms[1];
  EXPECT_EQ(app.name, "com.example.app");
  EXPECT_EQ(app.uri_check, wamp::UriCheck::strict);
  ASSERT_EQ(app.roles.size(), 1u);
  EXPECT_EQ(app.roles[0].name, "backend");
  ASSERT_EQ(app.roles[0].permissions.size(), 2u);
  const auto& procs = app.roles[0].permissions[0];
  EXPECT_EQ(procs.uri, "com.example.");
  EXPECT_EQ(procs.match, MatchPolicy::prefix);
  EXPECT_TRUE(procs.call && procs.register_);
  EXPECT_FALSE(procs.publish || procs.subscribe);
  const auto& status = app.roles[0].permissions[1];
  EXPECT_EQ(status.uri, "com..status");
  EXPECT_EQ(status.match, MatchPolicy::wildcard);
  EXPECT_TRUE(status.subscribe && status.disclose_publisher);
  EXPECT_FALSE(status.call || status.register_ || status.publish || status.disclose_caller);

  ASSERT_EQ(node.listeners.size(), 2u);
  const auto& web = node.listeners[0];
  EXPECT_EQ(web.name, "transport 'web1'");
  EXPECT_EQ(web.interface, "0.0.0.0");
  EXPECT_EQ(web.port, 8080);
  EXPECT_FALSE(web.websocket_on_any_path.has_value());
  ASSERT_EQ(web.paths.size(), 2u);
  ASSERT_EQ(web.paths.at("/").kind, transport::PathService::Kind::http);
  EXPECT_EQ(web.paths.at("/").http->type(), "nodeinfo");
  const auto& ws = web.paths.at("/ws");
  EXPECT_EQ(ws.kind, transport::PathService::Kind::websocket);
  EXPECT_EQ(ws.websocket.serializers,
            (std::vector<wamp::Serializer>{wamp::Serializer::cbor, wamp::Serializer::msgpack,
                                           wamp::Serializer::json}));
  EXPECT_EQ(ws.websocket.max_message_size, 1048576u);

  const auto& plain = node.listeners[1];
  EXPECT_EQ(plain.name, "workers[0].transports[1]");
  EXPECT_EQ(plain.interface, "127.0.0.1");
  EXPECT_EQ(plain.port, 9000);
  EXPECT_TRUE(plain.paths.empty());
  ASSERT_TRUE(plain.websocket_on_any_path.has_value());
  EXPECT_EQ(plain.websocket_on_any_path->serializers, transport::WebSocketOptions{}.serializers);
  EXPECT_EQ(plain.websocket_on_any_path->max_message_size,
            transport::WebSocketOptions{}.max_message_size);
}

// ---- whole configs -------------------------------------------------------------------------

TEST(NodeConfig, CrossbarJsonFixture) {
  const auto node = load_config_file(kData / "node_config.json");
  EXPECT_EQ(node.source, (kData / "node_config.json").string());
  expect_fixture(node);
}

TEST(NodeConfig, CrossbarYamlFixtureMatchesJson) {
  const auto node = load_config_file(kData / "node_config.yaml");
  expect_fixture(node);
}

TEST(NodeConfig, FixtureLoadsWithoutWarnings) {
  // Every key in the fixture is implemented now (backlog was the last one ignored).
  std::ifstream in(kData / "node_config.json");
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::vector<std::string> warnings;
  const auto node = parse(text, ConfigFormat::json, &warnings);
  EXPECT_EQ(warnings, std::vector<std::string>{});
  EXPECT_EQ(node.listeners.at(0).backlog, 1024);
}

TEST(NodeConfig, MinimalConfigAndDefaults) {
  const auto node = parse(config());
  ASSERT_EQ(node.listeners.size(), 1u);
  EXPECT_EQ(node.listeners[0].interface, "0.0.0.0");
  EXPECT_EQ(node.listeners[0].port, 8080);
  EXPECT_EQ(node.listeners[0].name, "workers[0].transports[0]");
  const auto p = only_permission(node);
  EXPECT_FALSE(p.call || p.register_ || p.publish || p.subscribe);  // allow defaults to false
}

TEST(NodeConfig, VersionIsOptionalButOnly2) {
  EXPECT_EQ(error_of(R"({"workers": []})"), "");
  EXPECT_EQ(
      error_of(R"({"version": 1})"),
      "t.json: version: expected 2 (the only config version supported), found an integer (1)");
}

TEST(NodeConfig, ControllerKeysAreWarnedAbout) {
  std::vector<std::string> warnings;
  parse(R"({"version": 2, "controller": {"id": "node1", "options": {"title": "x"}}})",
        ConfigFormat::json, &warnings);
  EXPECT_EQ(warnings, (std::vector<std::string>{
                          "t.json: controller.id: 'id' is not used yet; ignored",
                          "t.json: controller.options.title: 'title' is not supported yet; "
                          "ignored"}));
}

TEST(NodeConfig, WorkerIoThreads) {
  auto with_options = [](const std::string& options) {
    return R"({"version": 2, "workers": [{"type": "router", "options": )" + options + "}]}";
  };
  EXPECT_EQ(parse(with_options("{}")).io_threads, std::nullopt);
  EXPECT_EQ(parse(with_options(R"({"io_threads": 4})")).io_threads, std::size_t{4});
  EXPECT_EQ(parse(with_options(R"({"io_threads": "auto"})")).io_threads, std::size_t{0});
  EXPECT_EQ(error_of(with_options(R"({"io_threads": 0})")),
            "t.json: workers[0].options.io_threads: expected an integer from 1 to 256 or "
            "\"auto\", found 0");
  std::vector<std::string> warnings;
  const auto node =
      parse(with_options(R"({"io_threads": 2, "title": "x"})"), ConfigFormat::json, &warnings);
  EXPECT_EQ(node.io_threads, std::size_t{2});
  EXPECT_EQ(warnings, (std::vector<std::string>{"t.json: workers[0].options.title: worker option "
                                                "'title' is not supported yet; ignored"}));
}

TEST(NodeConfig, WorkerOutboundBudget) {
  auto with_options = [](const std::string& options) {
    return R"({"version": 2, "workers": [{"type": "router", "options": )" + options + "}]}";
  };
  const auto defaults = parse(with_options("{}"));
  EXPECT_EQ(defaults.max_outbound_bytes, 0u);  // the transport's defaults
  EXPECT_EQ(defaults.max_outbound_bytes_per_connection, 0u);
  const auto node = parse(with_options(
      R"({"max_outbound_bytes": 268435456, "max_outbound_bytes_per_connection": 1048576})"));
  EXPECT_EQ(node.max_outbound_bytes, 268435456u);
  EXPECT_EQ(node.max_outbound_bytes_per_connection, 1048576u);
  EXPECT_EQ(error_of(with_options(R"({"max_outbound_bytes": 1048575})")),
            "t.json: workers[0].options.max_outbound_bytes: expected a number of bytes from "
            "1048576 to 1099511627776, found 1048575");
  EXPECT_EQ(error_of(with_options(R"({"max_outbound_bytes_per_connection": "1M"})")),
            "t.json: workers[0].options.max_outbound_bytes_per_connection: expected a number of "
            "bytes from 1048576 to 1099511627776, found \"1M\"");
}

TEST(NodeConfig, RealmCallAndRateLimits) {
  const auto defaults = parse(config());
  const auto& d = defaults.router.realms.at(0);
  EXPECT_EQ(d.max_pending_calls_per_session, 10000u);
  EXPECT_EQ(d.max_pending_calls_per_callee, 100000u);
  EXPECT_EQ(d.max_message_rate, 0u);  // off
  EXPECT_EQ(d.max_message_burst, 0u);
  const std::string realm =
      R"({"name": "realm1", "roles": [], "options": {"max_pending_calls_per_session": 5,
          "max_pending_calls_per_callee": 0, "max_message_rate": 1000,
          "max_message_burst": 50}})";
  const auto parsed = parse(config(realm));
  const auto& r = parsed.router.realms.at(0);
  EXPECT_EQ(r.max_pending_calls_per_session, 5u);
  EXPECT_EQ(r.max_pending_calls_per_callee, 0u);
  EXPECT_EQ(r.max_message_rate, 1000u);
  EXPECT_EQ(r.max_message_burst, 50u);
  EXPECT_EQ(
      error_of(config(R"({"name": "realm1", "roles": [], "options": {"max_message_rate": -5}})")),
      "t.json: workers[0].realms[0].options.max_message_rate: expected an integer from 0 to "
      "1000000000, found -5");
  EXPECT_EQ(
      error_of(config(
          R"({"name": "realm1", "roles": [], "options": {"max_pending_calls_per_callee": "x"}})")),
      "t.json: workers[0].realms[0].options.max_pending_calls_per_callee: expected an integer "
      "from 0 to 1000000000, found a string (\"x\")");
}

TEST(NodeConfig, ConnectionLimits) {
  auto with_options = [](const std::string& options) {
    return R"({"version": 2, "workers": [{"type": "router", "options": )" + options + "}]}";
  };
  const auto defaults = parse(with_options("{}"));
  EXPECT_FALSE(defaults.connection_limits.max_connections);  // from the open-file limit
  EXPECT_FALSE(defaults.connection_limits.max_connections_per_ip);
  const auto node =
      parse(with_options(R"({"max_connections": 5000, "max_connections_per_ip": 0})"));
  EXPECT_EQ(node.connection_limits.max_connections, 5000u);
  EXPECT_EQ(node.connection_limits.max_connections_per_ip, 0u);
  EXPECT_EQ(error_of(with_options(R"({"max_connections": -1})")),
            "t.json: workers[0].options.max_connections: expected a number of connections from 0 "
            "(no limit) to 10000000, found -1");
  EXPECT_EQ(error_of(with_options(R"({"max_connections_per_ip": "100"})")),
            "t.json: workers[0].options.max_connections_per_ip: expected a number of connections "
            "from 0 (no limit) to 10000000, found \"100\"");
  EXPECT_EQ(error_of(with_options(R"({"max_connections_per_ip": 10000001})")),
            "t.json: workers[0].options.max_connections_per_ip: expected a number of connections "
            "from 0 (no limit) to 10000000, found 10000001");
}

TEST(NodeConfig, WebSocketPhaseTimeoutsAndInflateRatio) {
  const auto defaults = parse(config(kRealm, web_transport_with_ws(R"({"type": "websocket"})")));
  const auto& d = defaults.listeners.at(0).paths.at("/ws").websocket;
  EXPECT_EQ(d.hello_timeout.count(), 10000);
  EXPECT_EQ(d.auth_timeout.count(), 30000);
  EXPECT_EQ(d.frame_timeout.count(), 60000);
  EXPECT_EQ(d.compression.max_inflate_ratio, 256u);
  const auto node = parse(config(kRealm, web_transport_with_ws(R"({"type": "websocket",
      "options": {"hello_timeout": 1000, "auth_timeout": 2000, "frame_timeout": 0,
                  "compression": {"deflate": {"max_inflate_ratio": 0}}}})")));
  const auto& ws = node.listeners.at(0).paths.at("/ws").websocket;
  EXPECT_EQ(ws.hello_timeout.count(), 1000);
  EXPECT_EQ(ws.auth_timeout.count(), 2000);
  EXPECT_EQ(ws.frame_timeout.count(), 0);
  EXPECT_TRUE(ws.compression.enabled);
  EXPECT_EQ(ws.compression.max_inflate_ratio, 0u);
}

TEST(NodeConfig, CookieTrackingKeys) {
  const auto plain = parse(config(kRealm, web_transport_with_ws(R"({"type": "websocket"})")));
  EXPECT_EQ(plain.listeners.at(0).paths.at("/ws").websocket.cookies, nullptr);
  const auto defaults =
      parse(config(kRealm, web_transport_with_ws(R"({"type": "websocket", "cookie": {}})")));
  const auto& d = defaults.listeners.at(0).paths.at("/ws").websocket.cookies;
  ASSERT_NE(d, nullptr);
  EXPECT_EQ(d->config().name, "cbtid");
  EXPECT_EQ(d->config().length, 24u);
  EXPECT_EQ(d->config().max_age.count(), 604800);
  EXPECT_EQ(d->config().file, "");
  // A relative filename is in the node directory (the config file's); purge_on_startup is
  // accepted (Junction always drops expired cookies from the file at start).
  const auto node = parse(config(kRealm, web_transport_with_ws(R"({"type": "websocket",
      "cookie": {"name": "sid", "length": 32, "max_age": 60, "max_entries": 10,
                 "store": {"type": "file", "filename": "no-such-dir/cookies.dat",
                           "purge_on_startup": true}}})")));
  const auto& c = node.listeners.at(0).paths.at("/ws").websocket.cookies;
  ASSERT_NE(c, nullptr);
  EXPECT_EQ(c->config().name, "sid");
  EXPECT_EQ(c->config().length, 32u);
  EXPECT_EQ(c->config().max_age.count(), 60);
  EXPECT_EQ(c->config().max_entries, 10u);
  EXPECT_EQ(c->config().file,
            (std::filesystem::current_path() / "no-such-dir" / "cookies.dat").string());
  EXPECT_EQ(c->size(), 0u);
}

TEST(NodeConfig, Ipv6VersionPicksIpv6Wildcard) {
  const auto node =
      parse(config(kRealm, transport_with_endpoint(R"({"type": "tcp", "port": 0, "version": 6})")));
  EXPECT_EQ(node.listeners[0].interface, "::");
  EXPECT_EQ(node.listeners[0].port, 0);
}

TEST(NodeConfig, WebPathsAreNormalised) {
  const auto node = parse(config(kRealm, web_transport_with_ws(R"({"type": "websocket"})")));
  EXPECT_TRUE(node.listeners[0].paths.contains("/"));
  EXPECT_TRUE(node.listeners[0].paths.contains("/ws"));
  EXPECT_EQ(
      error_of(config(
          kRealm,
          R"({"type": "web", "endpoint": {"type": "tcp", "port": 1}, "paths": {"ws": {"type": "nodeinfo"}, "/ws": {"type": "nodeinfo"}}})")),
      "t.json: workers[0].transports[0].paths.ws: path \"/ws\" is configured twice");
}

// ---- errors: exact path and reason -----------------------------------------------------------

TEST(NodeConfigErrors, UnknownKey) {
  EXPECT_EQ(error_of(R"({"version": 2, "wrokers": []})"),
            "t.json: wrokers: unknown key 'wrokers' in node config (expected one of: version, "
            "$schema, controller, workers)");
  EXPECT_EQ(
      error_of(config(kRealm, transport_with_endpoint(
                                  R"({"type": "tcp", "port": 8080, "interfce": "127.0.0.1"})"))),
      "t.json: workers[0].transports[0].endpoint.interfce: unknown key 'interfce' in endpoint "
      "(expected one of: type, tls, port, version, interface, backlog, shared)");
  EXPECT_EQ(error_of(config(realm_with_permission(R"({"uri": "a", "allow": {"cal": true}})"))),
            "t.json: workers[0].realms[0].roles[0].permissions[0].allow.cal: unknown key 'cal' in "
            "permission 'allow' (expected one of: call, register, publish, subscribe)");
}

// Well-formed JSON that nlohmann cannot hold (found by fuzz_config): a ConfigError naming the
// file, not an escaping json::out_of_range.
TEST(NodeConfigErrors, NumberOverflow) {
  const std::string error = error_of(R"({"version": 2, "workers": [], "x": 70303e24616})");
  EXPECT_EQ(error.rfind("t.json: ", 0), 0u) << error;
  EXPECT_NE(error.find("number overflow"), std::string::npos) << error;
}

TEST(NodeConfigErrors, WrongType) {
  EXPECT_EQ(
      error_of(
          config(kRealm, web_transport_with_ws(
                             R"({"type": "websocket", "options": {"max_message_size": "big"}})"))),
      "t.json: workers[0].transports[0].paths./ws.options.max_message_size: expected an integer "
      "from 1 to 67108864, found a string (\"big\")");
  EXPECT_EQ(error_of(R"({"version": 2, "workers": {}})"),
            "t.json: workers: expected a list, found an object");
  EXPECT_EQ(error_of(config(R"({"name": 42})")),
            "t.json: workers[0].realms[0].name: expected a string, found an integer (42)");
  EXPECT_EQ(error_of(config(realm_with_permission(R"({"uri": "a", "allow": {"call": 1}})"))),
            "t.json: workers[0].realms[0].roles[0].permissions[0].allow.call: expected true or "
            "false, found an integer (1)");
  EXPECT_EQ(error_of("[]"), "t.json: (top level): expected an object (node config), found a list");
}

TEST(NodeConfigErrors, MissingKey) {
  EXPECT_EQ(error_of(config(R"({"roles": []})")),
            "t.json: workers[0].realms[0]: missing required key 'name' (a string) in realm");
  EXPECT_EQ(error_of(config(kRealm, R"({"type": "websocket"})")),
            "t.json: workers[0].transports[0]: missing required key 'endpoint' (an object) in "
            "transport");
}

TEST(NodeConfigErrors, BadPort) {
  EXPECT_EQ(error_of(config(kRealm, transport_with_endpoint(R"({"type": "tcp", "port": 70000})"))),
            "t.json: workers[0].transports[0].endpoint.port: expected an integer from 0 to 65535, "
            "found 70000");
  EXPECT_EQ(error_of(config(kRealm, transport_with_endpoint(R"({"type": "tcp", "port": -1})"))),
            "t.json: workers[0].transports[0].endpoint.port: expected an integer from 0 to 65535, "
            "found -1");
  EXPECT_EQ(
      error_of(config(kRealm, transport_with_endpoint(R"({"type": "tcp", "port": "http"})"))),
      "t.json: workers[0].transports[0].endpoint.port: expected an integer from 0 to 65535, found "
      "a string (\"http\")");
  EXPECT_EQ(error_of(config(kRealm, transport_with_endpoint(R"({"type": "tcp", "port": 80.5})"))),
            "t.json: workers[0].transports[0].endpoint.port: expected an integer from 0 to 65535, "
            "found a number (80.5)");
}

TEST(NodeConfigErrors, PortsInUseTwice) {
  EXPECT_EQ(error_of(config(kRealm, kTransport + "," + kTransport)),
            "t.json: workers[0].transports[1]: port 8080 on 0.0.0.0 is already used by "
            "workers[0].transports[0]");
}

TEST(NodeConfigErrors, UnsupportedThings) {
  EXPECT_EQ(error_of(config(kRealm, R"({"type": "carrier-pigeon"})")),
            "t.json: workers[0].transports[0].type: unknown transport type 'carrier-pigeon' "
            "(expected websocket, web, rawsocket or universal)");
  EXPECT_EQ(
      error_of(config(kRealm, web_transport_with_ws(R"({"type": "wap", "templates": "../t"})"))),
      "t.json: workers[0].transports[0].paths./ws.type: path type 'wap' is not supported "
      "yet");
  EXPECT_EQ(error_of(R"({"version": 2, "workers": [{"type": "proxy"}]})"),
            "t.json: workers[0].type: worker type 'proxy' is not supported yet");
  EXPECT_EQ(
      error_of(config(kRealm, transport_with_endpoint(R"({"type": "onion", "port": 1})"))),
      "t.json: workers[0].transports[0].endpoint.type: endpoint type 'onion' is not supported "
      "yet");
  EXPECT_EQ(
      error_of(config(kRealm, transport_with_endpoint(R"({"type": "tcp", "port": 1, "tls": {}})"))),
      "t.json: workers[0].transports[0].endpoint.tls: missing required key 'key' (a string) in "
      "tls");
  EXPECT_EQ(
      error_of(
          config(kRealm, web_transport_with_ws(
                             R"({"type": "websocket", "auth": {"cookie": {}, "anonymous": {}}})"))),
      "t.json: workers[0].transports[0].paths./ws.auth.cookie: cookie authentication needs cookie "
      "tracking: add a \"cookie\" section to this WebSocket config (it is not available on "
      "RawSocket)");
  EXPECT_EQ(error_of(config(kRealm, web_transport_with_ws(
                                        R"({"type": "websocket", "cookie": {"length": 5}})"))),
            "t.json: workers[0].transports[0].paths./ws.cookie.length: expected an integer from 6 "
            "to 64, found 5");
  EXPECT_EQ(error_of(config(kRealm, web_transport_with_ws(
                                        R"({"type": "websocket", "cookie": {"max_age": 0}})"))),
            "t.json: workers[0].transports[0].paths./ws.cookie.max_age: expected an integer from 1 "
            "to 315360000, found 0");
  EXPECT_EQ(
      error_of(
          config(kRealm, web_transport_with_ws(
                             R"({"type": "websocket", "cookie": {"store": {"type": "lmdb"}}})"))),
      "t.json: workers[0].transports[0].paths./ws.cookie.store.type: cookie store type 'lmdb' is "
      "not supported yet");
  EXPECT_EQ(error_of(config(kRealm,
                            web_transport_with_ws(
                                R"({"type": "websocket", "cookie": {}, "auth": {"cookie": {}}})"))),
            "t.json: workers[0].transports[0].paths./ws.auth: cookie authentication needs another "
            "method to log in with");
  EXPECT_EQ(error_of(config(R"({"name": "realm1", "options": {"bridge_meta_api": true}})")),
            "t.json: workers[0].realms[0].options.bridge_meta_api: 'bridge_meta_api' is not "
            "supported yet");
  EXPECT_EQ(
      error_of(R"({"workers": [{"type": "router", "components": [{"type": "wamplet"}]}]})"),
      "t.json: workers[0].components[0].type: unknown component type 'wamplet' (expected class "
      "or function)");
}

TEST(NodeConfigErrors, Serializers) {
  EXPECT_EQ(
      error_of(config(
          kRealm,
          R"({"type": "websocket", "endpoint": {"type": "tcp", "port": 1}, "serializers": ["flatbuffers"]})")),
      "t.json: workers[0].transports[0].serializers: no supported serializer left");
  EXPECT_EQ(
      error_of(config(
          kRealm,
          R"({"type": "websocket", "endpoint": {"type": "tcp", "port": 1}, "serializers": ["json", "xml"]})")),
      "t.json: workers[0].transports[0].serializers[1]: unknown serializer 'xml' (expected "
      "json, msgpack, cbor, ubjson or flatbuffers)");
}

TEST(NodeConfigErrors, RealmNamesAndIds) {
  EXPECT_EQ(error_of(config(kRealm + "," + kRealm)),
            "t.json: workers[0].realms[1].name: duplicate realm name 'realm1' (also at "
            "workers[0].realms[0])");
  EXPECT_EQ(error_of(config(R"({"name": "my realm"})")),
            "t.json: workers[0].realms[0].name: expected a realm name (a WAMP URI such as "
            "\"realm1\"), found \"my realm\"");
  EXPECT_EQ(
      error_of(config(
          kRealm, R"({"id": "Web", "type": "websocket", "endpoint": {"type": "tcp", "port": 1}})")),
      "t.json: workers[0].transports[0].id: expected an ID matching ^[a-z][a-z0-9_]{2,63}$, "
      "found \"Web\"");
}

TEST(NodeConfigErrors, JsonSyntaxErrorHasLineAndColumn) {
  EXPECT_EQ(error_of("{\n  \"version\": 2,\n  \"workers\": [\n}\n"),
            "t.json:4:1: syntax error while parsing value - unexpected '}'; expected '[', '{', or "
            "a literal");
  EXPECT_EQ(error_of("{\"version\": 2,}"),
            "t.json:1:15: syntax error while parsing object key - unexpected '}'; expected string "
            "literal");
}

TEST(NodeConfigErrors, YamlSyntaxErrorHasLineAndColumn) {
  EXPECT_EQ(error_of("version: 2\nworkers:\n  - type: router\n   bad: [1, 2\n", ConfigFormat::yaml),
            "t.json:4:4: end of sequence not found");
}

TEST(NodeConfigErrors, YamlInvalidUtf8IsAConfigErrorWithLine) {
  // Found by fuzz_config: the bytes reached nlohmann::json and escaped as a type_error.
  EXPECT_EQ(error_of("version: 2\nworkers:\n  - type: \"rou\xffter\"\n", ConfigFormat::yaml),
            "t.json:3:11: invalid UTF-8 in a string (config files must be UTF-8 text)");
  EXPECT_EQ(error_of("version: 2\n\xc0\xaf: 1\n", ConfigFormat::yaml),
            "t.json:2:1: invalid UTF-8 in a string (config files must be UTF-8 text)");
}

// ---- env substitution ------------------------------------------------------------------------

TEST(NodeConfigEnv, SubstitutesWholeStringVariables) {
  ::setenv("JUNCTION_TEST_PORT", "9123", 1);
  ::setenv("JUNCTION_TEST_REALM", "com.example.env", 1);
  const auto node =
      parse(config(R"({"name": "${JUNCTION_TEST_REALM}"})",
                   transport_with_endpoint(R"({"type": "tcp", "port": "${JUNCTION_TEST_PORT}"})")));
  EXPECT_EQ(node.router.realms[0].name, "com.example.env");
  EXPECT_EQ(node.listeners[0].port, 9123);
  // Crossbar's "$PORT" form for ports.
  const auto node2 = parse(
      config(kRealm, transport_with_endpoint(R"({"type": "tcp", "port": "$JUNCTION_TEST_PORT"})")));
  EXPECT_EQ(node2.listeners[0].port, 9123);
  // Not a whole-string reference: left alone.
  const auto node3 = parse(config(R"({"name": "a${JUNCTION_TEST_REALM}"})"));
  EXPECT_EQ(node3.router.realms[0].name, "a${JUNCTION_TEST_REALM}");
}

TEST(NodeConfigEnv, MissingVariableNamesThePath) {
  ::unsetenv("JUNCTION_TEST_UNSET");
  EXPECT_EQ(error_of(config(kRealm, transport_with_endpoint(
                                        R"({"type": "tcp", "port": "${JUNCTION_TEST_UNSET}"})"))),
            "t.json: workers[0].transports[0].endpoint.port: environment variable "
            "'JUNCTION_TEST_UNSET' is not set");
  ::setenv("JUNCTION_TEST_PORT", "80a", 1);
  EXPECT_EQ(error_of(config(kRealm, transport_with_endpoint(
                                        R"({"type": "tcp", "port": "${JUNCTION_TEST_PORT}"})"))),
            "t.json: workers[0].transports[0].endpoint.port: expected an integer from 0 to 65535, "
            "found a string (\"80a\")");
}

// ---- permission match inference (Crossbar's starred URIs) -----------------------------------

struct Inference {
  std::string permission;
  std::string uri;
  MatchPolicy match;
};

TEST(NodeConfigPermissions, MatchInference) {
  const Inference cases[] = {
      {R"({"uri": "com.example.proc"})", "com.example.proc", MatchPolicy::exact},
      {R"({"uri": "com.example.*"})", "com.example.", MatchPolicy::prefix},
      {R"({"uri": "*"})", "", MatchPolicy::prefix},
      {R"({"uri": "com.*.status"})", "com..status", MatchPolicy::wildcard},
      {R"({"uri": "com.*.status.*"})", "com..status.", MatchPolicy::wildcard},
      {R"({"uri": "*.status"})", ".status", MatchPolicy::wildcard},
      {R"({"uri": "", "match": "prefix"})", "", MatchPolicy::prefix},
      {R"({"uri": "com.example", "match": "prefix"})", "com.example", MatchPolicy::prefix},
      {R"({"uri": "com..x", "match": "wildcard"})", "com..x", MatchPolicy::wildcard},
      {R"({"uri": "com.x", "match": "exact"})", "com.x", MatchPolicy::exact},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.permission);
    const auto p = only_permission(parse(config(realm_with_permission(c.permission))));
    EXPECT_EQ(p.uri, c.uri);
    EXPECT_EQ(p.match, c.match);
  }
}

TEST(NodeConfigPermissions, Errors) {
  EXPECT_EQ(error_of(config(realm_with_permission(R"({"uri": "com.*", "match": "prefix"})"))),
            "t.json: workers[0].realms[0].roles[0].permissions[0].uri: '*' is only allowed when "
            "'match' is not given (found \"com.*\")");
  EXPECT_EQ(error_of(config(realm_with_permission(R"({"uri": "com", "match": "regex"})"))),
            "t.json: workers[0].realms[0].roles[0].permissions[0].match: expected \"exact\", "
            "\"prefix\" or \"wildcard\", found \"regex\"");
  EXPECT_EQ(error_of(config(realm_with_permission(R"({"uri": "com..x"})"))),
            "t.json: workers[0].realms[0].roles[0].permissions[0].uri: invalid URI pattern "
            "\"com..x\"");
}

// ---- default config and discovery ------------------------------------------------------------

TEST(NodeConfigDefault, EmbeddedDefault) {
  const auto node = default_config();
  EXPECT_EQ(node.source, "<embedded default>");
  ASSERT_EQ(node.router.realms.size(), 1u);
  EXPECT_EQ(node.router.realms[0].name, "realm1");
  EXPECT_EQ(node.router.realms[0].uri_check, wamp::UriCheck::loose);
  ASSERT_EQ(node.router.realms[0].roles.size(), 1u);
  EXPECT_EQ(node.router.realms[0].roles[0].name, "anonymous");
  const auto p = only_permission(node);
  EXPECT_EQ(p.uri, "");
  EXPECT_EQ(p.match, MatchPolicy::prefix);
  EXPECT_TRUE(p.call && p.register_ && p.publish && p.subscribe);
  ASSERT_EQ(node.listeners.size(), 1u);
  const auto& web = node.listeners[0];
  EXPECT_EQ(web.interface, "127.0.0.1");
  EXPECT_EQ(web.port, 8080);
  ASSERT_EQ(web.paths.at("/").kind, transport::PathService::Kind::http);
  EXPECT_EQ(web.paths.at("/").http->type(), "nodeinfo");
  EXPECT_EQ(web.paths.at("/ws").kind, transport::PathService::Kind::websocket);
  EXPECT_EQ(web.paths.at("/ws").websocket.serializers,
            (std::vector<wamp::Serializer>{wamp::Serializer::cbor, wamp::Serializer::msgpack,
                                           wamp::Serializer::ubjson, wamp::Serializer::json}));
}

class TempDir {
 public:
  TempDir() {
    std::string tmpl = (fs::temp_directory_path() / "junction-node-test-XXXXXX").string();
    path_ = ::mkdtemp(tmpl.data());
  }
  ~TempDir() { fs::remove_all(path_); }
  const fs::path& path() const { return path_; }
  void write(const std::string& name, const std::string& text) const {
    std::ofstream(path_ / name) << text;
  }

 private:
  fs::path path_;
};

TEST(NodeConfigDiscovery, FindConfigIn) {
  TempDir dir;
  EXPECT_EQ(find_config_in(dir.path()), fs::path());
  dir.write("config.yml", "version: 2\n");
  EXPECT_EQ(find_config_in(dir.path()), dir.path() / "config.yml");
  dir.write("config.yaml", "version: 2\n");
  EXPECT_EQ(find_config_in(dir.path()), dir.path() / "config.yaml");
  dir.write("config.json", "{\"version\": 2}");
  EXPECT_EQ(find_config_in(dir.path()), dir.path() / "config.json");
  EXPECT_EQ(find_config_in(dir.path() / "missing"), fs::path());
}

TEST(NodeConfigDiscovery, LoadFileErrors) {
  TempDir dir;
  dir.write("config.toml", "");
  const auto toml = (dir.path() / "config.toml").string();
  try {
    load_config_file(dir.path() / "config.toml");
    FAIL() << "expected ConfigError";
  } catch (const ConfigError& e) {
    EXPECT_EQ(std::string(e.what()),
              toml + ": unknown config file type '.toml' (expected .json, .yaml or .yml)");
  }
  const auto missing = (dir.path() / "nope.json").string();
  try {
    load_config_file(missing);
    FAIL() << "expected ConfigError";
  } catch (const ConfigError& e) {
    EXPECT_EQ(std::string(e.what()), missing + ": cannot open file");
  }
  dir.write("bad.yaml", "workers:\n  - type: router\n    type: router\n");
  const auto bad = (dir.path() / "bad.yaml").string();
  try {
    load_config_file(bad);
    FAIL() << "expected ConfigError";
  } catch (const ConfigError& e) {
    EXPECT_EQ(std::string(e.what()), bad + ":3:5: duplicate key 'type'");
  }
}

TEST(NodeConfigYaml, ScalarTyping) {
  const std::string head =
      "workers:\n"
      "  - type: router\n"
      "    transports: [{type: websocket, endpoint: {type: tcp, port: 0x1F90}}]\n"
      "    realms: [{name: realm1, roles: [{name: anonymous, permissions: [{uri: '', match: "
      "prefix, allow: ";
  const auto p = only_permission(
      parse(head + "{call: yes, publish: On, subscribe: TRUE, register: no}}]}]}]\n",
            ConfigFormat::yaml));
  EXPECT_TRUE(p.call && p.publish && p.subscribe);
  EXPECT_FALSE(p.register_);
  EXPECT_EQ(parse(head + "{}}]}]}]\n", ConfigFormat::yaml).listeners[0].port, 8080);
  // A quoted "true" stays a string.
  EXPECT_EQ(error_of(head + "{call: \"true\"}}]}]}]\n", ConfigFormat::yaml),
            "t.json: workers[0].realms[0].roles[0].permissions[0].allow.call: expected true or "
            "false, found a string (\"true\")");
  // An empty document is not a node config.
  EXPECT_EQ(error_of("", ConfigFormat::yaml),
            "t.json: (top level): expected an object (node config), found null");
}

TEST(NodeConfig, RealmOptionEnableMetaApi) {
  EXPECT_TRUE(parse(config(R"({"name": "realm1"})")).router.realms.at(0).enable_meta_api);
  EXPECT_FALSE(parse(config(R"({"name": "realm1", "options": {"enable_meta_api": false}})"))
                   .router.realms.at(0)
                   .enable_meta_api);
  EXPECT_EQ(error_of(config(R"({"name": "realm1", "options": {"enable_meta_api": "yes"}})")),
            "t.json: workers[0].realms[0].options.enable_meta_api: expected true or false, found "
            "a string (\"yes\")");
}

TEST(NodeConfig, RealmOptionCancelKillGrace) {
  EXPECT_EQ(parse(config(R"({"name": "realm1"})")).router.realms.at(0).cancel_kill_grace,
            std::chrono::milliseconds(2000));
  EXPECT_EQ(parse(config(R"({"name": "realm1", "options": {"cancel_kill_grace": 500}})"))
                .router.realms.at(0)
                .cancel_kill_grace,
            std::chrono::milliseconds(500));
  EXPECT_NE(error_of(config(R"({"name": "realm1", "options": {"cancel_kill_grace": 0}})")), "");
  EXPECT_NE(error_of(config(R"({"name": "realm1", "options": {"cancel_kill_grace": "2s"}})")), "");
}

TEST(NodeConfig, RealmStoreEventHistory) {
  const auto node = parse(config(R"({"name": "realm1", "store": {"type": "memory", "limit": 50,
      "event-history": [{"uri": "com.example.oncounter", "match": "exact", "limit": 1000},
                        {"uri": "com.example.", "match": "prefix"}]}})"));
  const auto& history = node.router.realms.at(0).event_history;
  ASSERT_EQ(history.size(), 2u);
  EXPECT_EQ(history[0].uri, "com.example.oncounter");
  EXPECT_EQ(history[0].match, MatchPolicy::exact);
  EXPECT_EQ(history[0].limit, 1000u);
  EXPECT_EQ(history[1].match, MatchPolicy::prefix);
  EXPECT_EQ(history[1].limit, 50u);
  EXPECT_EQ(error_of(config(R"({"name": "realm1", "store": {"type": "lmdb"}})")),
            "t.json: workers[0].realms[0].store.type: store type 'lmdb' is not supported yet");
  EXPECT_EQ(error_of(config(R"({"name": "realm1", "store": {"type": "memory",
      "call-queue": [{"uri": "com.example.compute"}]}})")),
            "t.json: workers[0].realms[0].store.call-queue: 'call-queue' is not supported yet");
  EXPECT_EQ(error_of(config(R"({"name": "realm1", "store": {"type": "memory",
      "event-history": [{"uri": "com.x", "limit": 0}]}})")),
            "t.json: workers[0].realms[0].store.event-history[0].limit: expected an integer from "
            "1 to 100000, found 0");
}

TEST(NodeConfigAuth, MethodsArePassedToTheTransportAsAHandle) {
  const auto node = parse(config(kRealm, web_transport_with_ws(R"({"type": "websocket", "auth": {
      "ticket": {"type": "static", "principals": {"joe": {"ticket": "t", "role": "r"}}},
      "wampcra": {"type": "static", "users": {"p": {"secret": "s", "role": "r", "salt": "x",
                                                    "iterations": 10, "keylen": 32}}},
      "cryptosign": {"type": "static", "principals": {"c": {"authorized_keys": [
          "545efb0a2192db8d43f118e9bf9aee081466e1ef36c708b96ee6f62dddad9122"], "role": "r"}}},
      "scram": {"type": "static", "principals": {"a": {"kdf": "pbkdf2", "iterations": 4096,
          "salt": "00ff", "role": "r",
          "stored-key": "0000000000000000000000000000000000000000000000000000000000000000",
          "server-key": "0000000000000000000000000000000000000000000000000000000000000000"}}},
      "tls": {"type": "static", "principals": {"t": {"subject": "CN=x", "role": "r"}}},
      "anonymous": {"type": "static", "role": "guest"}}})")));
  const auto& paths = node.listeners.at(0).paths;
  EXPECT_NE(paths.at("/ws").websocket.auth, nullptr);
}

TEST(NodeConfigAuth, BadValuesNameTheKeyAndNeverShowTheSecret) {
  const auto ws = [](const std::string& auth) {
    return config(kRealm, web_transport_with_ws(R"({"type": "websocket", "auth": )" + auth + "}"));
  };
  EXPECT_EQ(error_of(ws(R"({"cryptosign": {"type": "static", "principals": {"c": {
                "authorized_keys": ["abc"], "role": "r"}}}})")),
            "t.json: workers[0].transports[0].paths./ws.auth.cryptosign.principals.c."
            "authorized_keys[0]: expected 64 hex digits (an Ed25519 public key)");
  const std::string e = error_of(ws(R"({"scram": {"type": "static", "principals": {"a": {
      "kdf": "pbkdf2", "iterations": 1, "salt": "00", "role": "r",
      "stored-key": "zz-secret-zz", "server-key": "00"}}}})"));
  EXPECT_NE(e.find("stored-key: expected 64 hex digits"), std::string::npos) << e;
  EXPECT_EQ(e.find("zz-secret-zz"), std::string::npos) << e;
  EXPECT_EQ(error_of(ws(R"({"ticket": {"type": "static", "principals": {"j": {"role": "r"}}}})")),
            "t.json: workers[0].transports[0].paths./ws.auth.ticket.principals.j: missing "
            "required key 'ticket' (a string) in principal 'j'");
  EXPECT_EQ(error_of(ws(R"({"tls": {"type": "static", "principals": {"j": {"role": "r"}}}})")),
            "t.json: workers[0].transports[0].paths./ws.auth.tls.principals.j: a tls principal "
            "needs \"certificate-sha1\", \"certificate-sha256\" or \"subject\"");
}

TEST(NodeConfigAuth, DynamicAuthenticators) {
  const auto ws = [](const std::string& auth) {
    return config(kRealm, web_transport_with_ws(R"({"type": "websocket", "auth": )" + auth + "}"));
  };
  const auto node = parse(ws(R"({
      "ticket": {"type": "dynamic", "authenticator": "com.example.authenticate"},
      "wampcra": {"type": "dynamic", "authenticator": "com.example.authenticate",
                  "authenticator-realm": "realm-auth", "authenticator-role": "auth",
                  "timeout": 2500},
      "anonymous": {"type": "dynamic", "authenticator": "com.example.anon"}})"));
  EXPECT_NE(node.listeners.at(0).paths.at("/ws").websocket.auth, nullptr);
  EXPECT_EQ(error_of(ws(R"({"ticket": {"type": "dynamic"}})")),
            "t.json: workers[0].transports[0].paths./ws.auth.ticket: missing required key "
            "'authenticator' (a string) in 'ticket' authentication");
  EXPECT_EQ(error_of(ws(R"({"ticket": {"type": "dynamic", "authenticator": "a..b c"}})")),
            "t.json: workers[0].transports[0].paths./ws.auth.ticket.authenticator: 'a..b c' is "
            "not a valid procedure URI");
  EXPECT_EQ(error_of(ws(R"({"ticket": {"type": "dynamic", "authenticator": "a.b",
                                       "timeout": 0}})")),
            "t.json: workers[0].transports[0].paths./ws.auth.ticket.timeout: expected an integer "
            "from 1 to 600000, found 0");
  EXPECT_EQ(error_of(ws(R"({"ticket": {"type": "dynamic", "authenticator": "a.b",
                                       "principals": {}}})")),
            "t.json: workers[0].transports[0].paths./ws.auth.ticket.principals: unknown key "
            "'principals' in 'ticket' authentication (expected one of: type, authenticator, "
            "authenticator-realm, authenticator-role, timeout)");
}

TEST(NodeConfig, RoleWithADynamicAuthorizer) {
  const auto node = parse(config(R"({"name": "realm1", "roles": [
      {"name": "app", "authorizer": "com.example.authorize", "authorizer-timeout": 500}]})"));
  const auto& role = node.router.realms.at(0).roles.at(0);
  EXPECT_EQ(role.authorizer, "com.example.authorize");
  EXPECT_EQ(role.authorizer_timeout, std::chrono::milliseconds(500));
  EXPECT_TRUE(role.permissions.empty());
  EXPECT_EQ(parse(config(R"({"name": "realm1", "roles": [{"name": "app", "authorizer": "a.b"}]})"))
                .router.realms.at(0)
                .roles.at(0)
                .authorizer_timeout,
            std::chrono::milliseconds(10000));
  EXPECT_EQ(error_of(config(R"({"name": "realm1", "roles": [{"name": "app",
      "authorizer": "a.b", "permissions": []}]})")),
            "t.json: workers[0].realms[0].roles[0].authorizer: a role with an 'authorizer' has no "
            "'permissions' or 'allow-by-default' (the authorizer decides everything)");
  EXPECT_EQ(error_of(config(R"({"name": "realm1", "roles": [{"name": "app",
      "authorizer": "not a uri"}]})")),
            "t.json: workers[0].realms[0].roles[0].authorizer: 'not a uri' is not a valid "
            "procedure URI");
}

}  // namespace
}  // namespace junction::node
