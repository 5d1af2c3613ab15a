// node_config_rawsocket_test: the node config reader's RawSocket side — "rawsocket" and
// "universal" transports, "unix" endpoints (relative paths resolved against the node directory),
// "backlog", and their error messages. No sockets.
#include <filesystem>
#include <fstream>
#include <string>

#include <gtest/gtest.h>
#include <unistd.h>

#include "node/config.hpp"
#include "wamp/codec.hpp"

namespace junction::node {
namespace {

namespace fs = std::filesystem;

std::string error_of(std::string_view text) {
  try {
    parse_config(text, ConfigFormat::json, "t.json");
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "";
}

NodeConfig parse(std::string_view text) {
  return parse_config(text, ConfigFormat::json, "t.json");
}

// A one-worker config with the given transports (JSON objects as text, comma-separated).
std::string config(const std::string& transports) {
  return R"({"version": 2, "workers": [{"type": "router", "realms": [{"name": "realm1", "roles": [{"name": "anonymous", "permissions": [{"uri": "", "match": "prefix"}]}]}], "transports": [)" +
         transports + "]}]}";
}

TEST(NodeConfigRawSocket, Defaults) {
  const auto node =
      parse(config(R"({"type": "rawsocket", "endpoint": {"type": "tcp", "port": 8081}})"));
  ASSERT_EQ(node.listeners.size(), 1u);
  const auto& l = node.listeners[0];
  ASSERT_TRUE(l.rawsocket.has_value());
  EXPECT_TRUE(l.paths.empty());
  EXPECT_FALSE(l.websocket_on_any_path.has_value());
  EXPECT_EQ(l.port, 8081);
  EXPECT_EQ(l.interface, "0.0.0.0");
  EXPECT_EQ(l.backlog, 511);
  EXPECT_EQ(l.rawsocket->max_message_size, 128u * 1024);  // Crossbar's default
  EXPECT_EQ(l.rawsocket->max_connections, 0u);
  EXPECT_EQ(l.rawsocket->auto_ping_interval.count(), 0);
  // Every serializer Junction speaks, JSON first.
  ASSERT_FALSE(l.rawsocket->serializers.empty());
  EXPECT_EQ(l.rawsocket->serializers.front(), wamp::Serializer::json);
  for (auto s : l.rawsocket->serializers)
    EXPECT_NE(wamp::codec_for(s), nullptr);
}

TEST(NodeConfigRawSocket, AllKeys) {
  const auto node = parse(config(R"({"type": "rawsocket", "id": "rs1",
      "endpoint": {"type": "tcp", "port": 9000, "interface": "127.0.0.1", "backlog": 64},
      "serializers": ["json"], "max_message_size": 1048576, "debug": true,
      "auth": {"anonymous": {"type": "static"}},
      "options": {"max_connections": 10, "auto_ping_interval": 5000, "auto_ping_timeout": 2000}})"));
  const auto& l = node.listeners.at(0);
  EXPECT_EQ(l.name, "transport 'rs1'");
  EXPECT_EQ(l.backlog, 64);
  ASSERT_TRUE(l.rawsocket.has_value());
  EXPECT_EQ(l.rawsocket->serializers, std::vector<wamp::Serializer>{wamp::Serializer::json});
  EXPECT_EQ(l.rawsocket->max_message_size, 1048576u);
  EXPECT_EQ(l.rawsocket->max_connections, 10u);
  EXPECT_EQ(l.rawsocket->auto_ping_interval.count(), 5000);
  EXPECT_EQ(l.rawsocket->auto_ping_timeout.count(), 2000);
}

TEST(NodeConfigRawSocket, PhaseTimeouts) {
  // Junction's own (issue 13): defaults when absent, set in milliseconds, 0 switches one off.
  const auto defaults =
      parse(config(R"({"type": "rawsocket", "endpoint": {"type": "tcp", "port": 1}})"));
  const auto& d = *defaults.listeners.at(0).rawsocket;
  EXPECT_EQ(d.handshake_timeout.count(), 10000);
  EXPECT_EQ(d.hello_timeout.count(), 10000);
  EXPECT_EQ(d.auth_timeout.count(), 30000);
  EXPECT_EQ(d.frame_timeout.count(), 60000);
  const auto node = parse(config(R"({"type": "rawsocket", "endpoint": {"type": "tcp", "port": 1},
      "options": {"handshake_timeout": 2000, "hello_timeout": 3000, "auth_timeout": 0,
                  "frame_timeout": 4000}})"));
  const auto& rs = *node.listeners.at(0).rawsocket;
  EXPECT_EQ(rs.handshake_timeout.count(), 2000);
  EXPECT_EQ(rs.hello_timeout.count(), 3000);
  EXPECT_EQ(rs.auth_timeout.count(), 0);
  EXPECT_EQ(rs.frame_timeout.count(), 4000);
  EXPECT_EQ(
      error_of(config(
          R"({"type": "rawsocket", "endpoint": {"type": "tcp", "port": 1}, "options": {"frame_timeout": 5}})")),
      "t.json: workers[0].transports[0].options.frame_timeout: 'frame_timeout' is in "
      "milliseconds; 5 is too small (0 switches it off, else at least 1000)");
}

TEST(NodeConfigRawSocket, Errors) {
  EXPECT_EQ(
      error_of(config(
          R"({"type": "rawsocket", "endpoint": {"type": "tcp", "port": 1}, "url": "rs://x"})")),
      "t.json: workers[0].transports[0].url: unknown key 'url' in transport (expected one "
      "of: type, id, endpoint, serializers, max_message_size, auth, debug, options)");
  EXPECT_EQ(
      error_of(config(
          R"({"type": "rawsocket", "endpoint": {"type": "tcp", "port": 1}, "max_message_size": 0})")),
      "t.json: workers[0].transports[0].max_message_size: expected an integer from 1 to "
      "67108864, found 0");
  EXPECT_EQ(
      error_of(config(
          R"({"type": "rawsocket", "endpoint": {"type": "tcp", "port": 1}, "options": {"auto_ping_interval": 30}})")),
      "t.json: workers[0].transports[0].options.auto_ping_interval: 'auto_ping_interval' is "
      "in milliseconds; 30 is too small (0 switches it off, else at least 1000)");
  EXPECT_EQ(
      error_of(config(
          R"({"type": "rawsocket", "endpoint": {"type": "tcp", "port": 1}, "options": {"max_conections": 3}})")),
      "t.json: workers[0].transports[0].options.max_conections: unknown key "
      "'max_conections' in RawSocket options (expected one of: max_message_size, "
      "max_connections, auto_ping_interval, auto_ping_timeout, handshake_timeout, hello_timeout, "
      "auth_timeout, frame_timeout)");
  EXPECT_EQ(error_of(config(R"({"type": "carrier-pigeon"})")),
            "t.json: workers[0].transports[0].type: unknown transport type 'carrier-pigeon' "
            "(expected websocket, web, rawsocket or universal)");
  EXPECT_EQ(error_of(config(R"({"type": "mqtt", "endpoint": {"type": "tcp", "port": 1}})")),
            "t.json: workers[0].transports[0].type: transport type 'mqtt' is not supported yet");
}

TEST(NodeConfigRawSocket, UnixEndpoint) {
  const auto node = parse(config(
      R"({"type": "rawsocket", "endpoint": {"type": "unix", "path": "/run/j.sock", "backlog": 5}},
         {"type": "rawsocket", "endpoint": {"type": "unix", "path": "/run/k.sock"}})"));
  ASSERT_EQ(node.listeners.size(), 2u);
  EXPECT_EQ(node.listeners[0].unix_path, "/run/j.sock");
  EXPECT_EQ(node.listeners[0].backlog, 5);
  EXPECT_EQ(node.listeners[1].unix_path, "/run/k.sock");

  EXPECT_EQ(error_of(config(R"({"type": "rawsocket", "endpoint": {"type": "unix"}})")),
            "t.json: workers[0].transports[0].endpoint: missing required key 'path' (a string) in "
            "endpoint");
  EXPECT_EQ(
      error_of(config(
          R"({"type": "rawsocket", "endpoint": {"type": "unix", "path": "/a", "port": 80}})")),
      "t.json: workers[0].transports[0].endpoint.port: unknown key 'port' in endpoint "
      "(expected one of: type, path, backlog)");
  EXPECT_EQ(error_of(config(R"({"type": "rawsocket", "endpoint": {"type": "unix", "path": "/)" +
                            std::string(120, 'x') + R"("}})")),
            "t.json: workers[0].transports[0].endpoint.path: socket path is 121 bytes long; Unix "
            "domain sockets allow at most 107");
  EXPECT_EQ(error_of(config(R"({"type": "rawsocket", "endpoint": {"type": "unix", "path": "/a"}},
                               {"type": "rawsocket", "endpoint": {"type": "unix", "path": "/a"}})")),
            "t.json: workers[0].transports[1]: Unix socket /a is already used by "
            "workers[0].transports[0]");
  EXPECT_EQ(error_of(config(R"({"type": "websocket", "endpoint": {"type": "unix", "path": "/a",
                               "tls": {"key": "k", "certificate": "c"}}})")),
            "t.json: workers[0].transports[0].endpoint.tls: TLS on Unix socket endpoints is not "
            "supported");
  EXPECT_EQ(error_of(config(R"({"type": "websocket", "endpoint": {"type": "pipe"}})")),
            "t.json: workers[0].transports[0].endpoint.type: expected endpoint type \"tcp\" or "
            "\"unix\", found \"pipe\"");
}

TEST(NodeConfigRawSocket, RelativeUnixPathIsRelativeToTheNodeDirectory) {
  const fs::path dir =
      fs::temp_directory_path() / ("junction-rs-config-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  {
    std::ofstream out(dir / "config.json");
    out << config(R"({"type": "rawsocket", "endpoint": {"type": "unix", "path": "sock/rs.sock"}},
                     {"type": "rawsocket", "endpoint": {"type": "unix", "path": "/tmp/abs.sock"}})");
  }
  const auto node = load_config_file(dir / "config.json");
  fs::remove_all(dir);
  ASSERT_EQ(node.listeners.size(), 2u);
  EXPECT_EQ(node.listeners[0].unix_path, (dir / "sock/rs.sock").string());
  EXPECT_EQ(node.listeners[1].unix_path, "/tmp/abs.sock");
}

TEST(NodeConfigRawSocket, BacklogOnTcpEndpoints) {
  const auto node = parse(
      config(R"({"type": "websocket", "endpoint": {"type": "tcp", "port": 1, "backlog": 50}})"));
  EXPECT_EQ(node.listeners.at(0).backlog, 50);
  EXPECT_EQ(error_of(config(
                R"({"type": "websocket", "endpoint": {"type": "tcp", "port": 1, "backlog": 0}})")),
            "t.json: workers[0].transports[0].endpoint.backlog: expected an integer from 1 to "
            "65535, found 0");
}

TEST(NodeConfigUniversal, CrossbarShape) {
  const auto node = parse(config(R"({"type": "universal", "id": "uni",
      "endpoint": {"type": "tcp", "port": 8080},
      "rawsocket": {"serializers": ["json"], "max_message_size": 65536},
      "websocket": {"ws": {"type": "websocket", "serializers": ["json"]}, "other": {}},
      "web": {"paths": {"/": {"type": "nodeinfo"}}, "options": {}}})"));
  const auto& l = node.listeners.at(0);
  ASSERT_TRUE(l.rawsocket.has_value());
  EXPECT_EQ(l.rawsocket->max_message_size, 65536u);
  ASSERT_EQ(l.paths.size(), 3u);
  EXPECT_EQ(l.paths.at("/ws").kind, transport::PathService::Kind::websocket);
  EXPECT_EQ(l.paths.at("/other").kind, transport::PathService::Kind::websocket);
  ASSERT_EQ(l.paths.at("/").kind, transport::PathService::Kind::http);
  EXPECT_EQ(l.paths.at("/").http->type(), "nodeinfo");
  EXPECT_FALSE(l.websocket_on_any_path.has_value());

  // RawSocket alone on a universal transport is allowed (and on a Unix socket).
  const auto rs_only = parse(config(
      R"({"type": "universal", "endpoint": {"type": "unix", "path": "/u"}, "rawsocket": {}})"));
  EXPECT_TRUE(rs_only.listeners.at(0).rawsocket.has_value());
  EXPECT_TRUE(rs_only.listeners.at(0).paths.empty());
}

TEST(NodeConfigUniversal, Errors) {
  EXPECT_EQ(error_of(config(R"({"type": "universal", "endpoint": {"type": "tcp", "port": 1}})")),
            "t.json: workers[0].transports[0]: a universal transport needs at least one of "
            "'rawsocket', 'websocket', 'web'");
  EXPECT_EQ(error_of(config(R"({"type": "universal", "endpoint": {"type": "tcp", "port": 1},
      "websocket": {"ws": {}}, "web": {"paths": {"ws": {"type": "nodeinfo"}}}})")),
            "t.json: workers[0].transports[0].web.paths.ws: path \"/ws\" is configured twice");
  EXPECT_EQ(error_of(config(R"({"type": "universal", "endpoint": {"type": "tcp", "port": 1},
      "rawsocket": {"endpoint": {}}})")),
            "t.json: workers[0].transports[0].rawsocket.endpoint: unknown key 'endpoint' in "
            "RawSocket config (expected one of: serializers, max_message_size, auth, debug, "
            "options)");
  EXPECT_EQ(error_of(config(R"({"type": "universal", "endpoint": {"type": "tcp", "port": 1},
      "websocket": {"ws": {"type": "nodeinfo"}}})")),
            "t.json: workers[0].transports[0].websocket.ws.type: expected \"websocket\", found "
            "\"nodeinfo\"");
  EXPECT_EQ(error_of(config(R"({"type": "universal", "endpoint": {"type": "tcp", "port": 1},
      "mqtt": {}})")),
            "t.json: workers[0].transports[0].mqtt: 'mqtt' is not supported yet");
}

// WebSocket, web and universal transports on Unix endpoints too, as Crossbar allows any
// listening endpoint for any transport.
TEST(NodeConfigRawSocket, EveryTransportTypeOnAUnixEndpoint) {
  const auto node = parse(config(
      R"({"type": "websocket", "endpoint": {"type": "unix", "path": "/run/ws.sock"}},
         {"type": "web", "endpoint": {"type": "unix", "path": "/run/web.sock"},
          "paths": {"/": {"type": "static", "directory": "/tmp"}, "ws": {"type": "websocket"}}},
         {"type": "universal", "endpoint": {"type": "unix", "path": "/run/u.sock"},
          "rawsocket": {}, "websocket": {"ws": {}}})"));
  ASSERT_EQ(node.listeners.size(), 3u);
  EXPECT_EQ(node.listeners[0].unix_path, "/run/ws.sock");
  EXPECT_TRUE(node.listeners[0].websocket_on_any_path.has_value());
  EXPECT_EQ(node.listeners[1].unix_path, "/run/web.sock");
  EXPECT_EQ(node.listeners[1].paths.size(), 2u);
  EXPECT_EQ(node.listeners[2].unix_path, "/run/u.sock");
  EXPECT_TRUE(node.listeners[2].rawsocket.has_value());
  EXPECT_EQ(node.listeners[2].paths.count("/ws"), 1u);
}

}  // namespace
}  // namespace junction::node
