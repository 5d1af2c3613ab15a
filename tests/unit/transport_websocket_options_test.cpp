// transport_websocket_options_test: Crossbar's WebSocket "options" from config text to
// WebSocketOptions (node config reader), and from WebSocketOptions to the session's settings
// (permessage-deflate, ping schedule), plus the URL a node shows for an endpoint. No sockets.
#include <chrono>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "node/config.hpp"
#include "transport/websocket_options.hpp"

namespace junction::transport {
namespace {

using namespace std::chrono_literals;

// The options of the only transport of a config whose WebSocket "options" are `options`.
WebSocketOptions parse_options(const std::string& options,
                               std::vector<std::string>* warnings = nullptr) {
  const std::string text =
      R"({"version": 2, "workers": [{"type": "router", "realms": [{"name": "realm1", "roles":
      [{"name": "anonymous", "permissions": [{"uri": "", "match": "prefix"}]}]}],
      "transports": [{"type": "websocket", "endpoint": {"type": "tcp", "port": 8080},
      "options": )" +
      options + "}]}]}";
  const auto config = node::parse_config(text, node::ConfigFormat::json, "t.json", warnings);
  EXPECT_EQ(config.listeners.size(), 1u);
  EXPECT_TRUE(config.listeners.at(0).websocket_on_any_path);
  return *config.listeners.at(0).websocket_on_any_path;
}

std::string error_of(const std::string& options) {
  try {
    parse_options(options);
  } catch (const node::ConfigError& e) {
    return e.what();
  }
  return "";
}

TEST(WebSocketOptionsConfig, DefaultsWhenAbsent) {
  const auto ws = parse_options("{}");
  const WebSocketOptions defaults;
  EXPECT_EQ(ws.auto_ping_interval, defaults.auto_ping_interval);
  EXPECT_EQ(ws.auto_ping_timeout, defaults.auto_ping_timeout);
  EXPECT_EQ(ws.auto_ping_size, defaults.auto_ping_size);
  EXPECT_EQ(ws.open_handshake_timeout, 30000ms);
  EXPECT_EQ(ws.close_handshake_timeout, 1000ms);
  EXPECT_FALSE(ws.compression.enabled);
  EXPECT_TRUE(ws.allowed_origins.empty());
  EXPECT_FALSE(ws.external_port);
  EXPECT_TRUE(ws.enable_webstatus);
}

TEST(WebSocketOptionsConfig, CrossbarProductionExample) {
  // The "production settings" example of Crossbar's WebSocket options page.
  std::vector<std::string> warnings;
  const auto ws = parse_options(R"({
      "enable_webstatus": false, "max_frame_size": 1048576, "max_message_size": 1048576,
      "auto_fragment_size": 65536, "fail_by_drop": true, "open_handshake_timeout": 2500,
      "close_handshake_timeout": 1000, "auto_ping_interval": 10000, "auto_ping_timeout": 5000,
      "auto_ping_size": 12, "auto_ping_restart_on_any_traffic": true})",
                                &warnings);
  EXPECT_FALSE(ws.enable_webstatus);
  EXPECT_EQ(ws.max_message_size, 1048576u);
  EXPECT_EQ(ws.open_handshake_timeout, 2500ms);
  EXPECT_EQ(ws.close_handshake_timeout, 1000ms);
  EXPECT_EQ(ws.auto_ping_interval, 10000ms);
  EXPECT_EQ(ws.auto_ping_timeout, 5000ms);
  EXPECT_EQ(ws.auto_ping_size, 12u);
  // max_frame_size, auto_fragment_size, fail_by_drop: true are not implemented: one warning each.
  ASSERT_EQ(warnings.size(), 3u);
  EXPECT_NE(warnings[0].find("fail_by_drop"), std::string::npos) << warnings[0];
  EXPECT_NE(warnings[1].find("max_frame_size"), std::string::npos) << warnings[1];
  EXPECT_NE(warnings[2].find("auto_fragment_size"), std::string::npos) << warnings[2];
}

TEST(WebSocketOptionsConfig, MillisecondsLikeCrossbar) {
  EXPECT_EQ(parse_options(R"({"auto_ping_interval": 0})").auto_ping_interval, 0ms);
  EXPECT_EQ(parse_options(R"({"close_handshake_timeout": 0})").close_handshake_timeout, 0ms);
  EXPECT_EQ(error_of(R"({"auto_ping_interval": 10})"),
            "t.json: workers[0].transports[0].options.auto_ping_interval: 'auto_ping_interval' "
            "is in milliseconds; 10 is too small (0 switches it off, else at least 1000)");
  EXPECT_NE(error_of(R"({"open_handshake_timeout": -1})").find("expected an integer"),
            std::string::npos);
  EXPECT_NE(error_of(R"({"auto_ping_timeout": "5s"})").find("expected an integer"),
            std::string::npos);
}

TEST(WebSocketOptionsConfig, AutoPingSizeRange) {
  EXPECT_EQ(parse_options(R"({"auto_ping_size": 125})").auto_ping_size, 125u);
  EXPECT_EQ(parse_options(R"({"auto_ping_size": 4})").auto_ping_size, 4u);
  EXPECT_NE(error_of(R"({"auto_ping_size": 126})").find("from 4 to 125"), std::string::npos);
  EXPECT_NE(error_of(R"({"auto_ping_size": 3})").find("from 4 to 125"), std::string::npos);
}

TEST(WebSocketOptionsConfig, Compression) {
  auto ws = parse_options(R"({"compression": {"deflate": {}}})");
  EXPECT_TRUE(ws.compression.enabled);
  EXPECT_EQ(ws.compression.max_window_bits, 15);
  EXPECT_EQ(ws.compression.memory_level, 8);
  EXPECT_FALSE(ws.compression.no_context_takeover);

  std::vector<std::string> warnings;
  ws = parse_options(R"({"compression": {"deflate": {"request_no_context_takeover": true,
      "request_max_window_bits": 12, "no_context_takeover": true, "max_window_bits": 12,
      "memory_level": 5}}})",
                     &warnings);
  EXPECT_TRUE(ws.compression.enabled);
  EXPECT_EQ(ws.compression.max_window_bits, 12);
  EXPECT_EQ(ws.compression.memory_level, 5);
  EXPECT_TRUE(ws.compression.no_context_takeover);
  EXPECT_EQ(warnings.size(), 2u);  // the two request_* options

  EXPECT_EQ(parse_options(R"({"compression": {"deflate": {"max_window_bits": 8}}})")
                .compression.max_window_bits,
            9);
  EXPECT_FALSE(parse_options(R"({"compression": {}})").compression.enabled);
  EXPECT_NE(
      error_of(R"({"compression": {"deflate": {"max_window_bits": 16}}})").find("from 8 to 15"),
      std::string::npos);
  EXPECT_NE(error_of(R"({"compression": {"deflate": {"level": 3}}})").find("unknown key 'level'"),
            std::string::npos);
  EXPECT_NE(error_of(R"({"compression": {"snappy": {}}})").find("unknown key 'snappy'"),
            std::string::npos);
}

TEST(WebSocketOptionsConfig, AllowedOrigins) {
  auto ws = parse_options(R"({"allowed_origins": ["https://*.example.com"]})");
  EXPECT_EQ(ws.allowed_origins, (std::vector<std::string>{"https://*.example.com", "null"}));
  ws = parse_options(
      R"({"allowed_origins": ["https://*.example.com"], "allow_null_origin": false})");
  EXPECT_EQ(ws.allowed_origins, (std::vector<std::string>{"https://*.example.com"}));
  ws = parse_options(R"({"allow_null_origin": false})");
  EXPECT_EQ(ws.allowed_origins, (std::vector<std::string>{"*"}));
  EXPECT_TRUE(parse_options(R"({"allowed_origins": []})").allowed_origins.empty());
  EXPECT_NE(error_of(R"({"allowed_origins": "https://x"})").find("expected a list"),
            std::string::npos);
  EXPECT_NE(error_of(R"({"allowed_origins": [""]})").find("allowed_origins[0]"), std::string::npos);
}

TEST(WebSocketOptionsConfig, ExternalPortAndWebstatus) {
  const auto ws = parse_options(R"({"external_port": 443, "enable_webstatus": false})");
  EXPECT_EQ(ws.external_port, 443);
  EXPECT_FALSE(ws.enable_webstatus);
  EXPECT_NE(error_of(R"({"external_port": 0})").find("from 1 to 65535"), std::string::npos);
}

TEST(WebSocketOptionsConfig, FixedBehaviourOptions) {
  std::vector<std::string> warnings;
  parse_options(R"({"validate_utf8": true, "tcp_nodelay": true, "mask_server_frames": false,
      "require_websocket_subprotocol": true, "max_frame_size": 0})",
                &warnings);
  EXPECT_TRUE(warnings.empty());
  parse_options(R"({"validate_utf8": false})", &warnings);
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_NE(warnings[0].find("'validate_utf8': only true is supported; ignored"),
            std::string::npos);
  EXPECT_NE(error_of(R"({"auto_ping_intervall": 1000})").find("unknown key 'auto_ping_intervall'"),
            std::string::npos);
}

TEST(DeflateConfig, Mapping) {
  WebSocketOptions o;
  o.compression.enabled = true;
  o.compression.max_window_bits = 11;
  o.compression.memory_level = 4;
  o.compression.no_context_takeover = true;
  auto config = deflate_config(o);
  EXPECT_EQ(config.max_window_bits, 11);
  EXPECT_TRUE(config.no_context_takeover);
  EXPECT_EQ(config.memory_level, 4);
  EXPECT_EQ(config.level, kDeflateLevel);

  // zlib cannot deflate raw with a window of 8 bits; memLevel 0 does not exist.
  o.compression.max_window_bits = 8;
  o.compression.memory_level = 0;
  config = deflate_config(o);
  EXPECT_EQ(config.max_window_bits, 9);
  EXPECT_EQ(config.memory_level, 1);
}

TEST(PingSchedule, DefaultKeepsIdlePeersInCheck) {
  WebSocketOptions o;
  auto schedule = ping_schedule(o);
  EXPECT_EQ(schedule.interval, std::chrono::milliseconds(kDefaultPingInterval));
  EXPECT_EQ(schedule.timeout, std::chrono::milliseconds(kDefaultPingInterval));

  o.auto_ping_interval = 2000ms;
  o.auto_ping_timeout = 1000ms;
  schedule = ping_schedule(o);
  EXPECT_EQ(schedule.interval, 2000ms);
  EXPECT_EQ(schedule.timeout, 1000ms);

  // An interval without a timeout: pings keep NAT state alive, silence is not punished.
  o.auto_ping_timeout = 0ms;
  EXPECT_EQ(ping_schedule(o).timeout, 0ms);
}

TEST(PingSchedule, PayloadClampedToAFrame) {
  WebSocketOptions o;
  o.auto_ping_size = 12;
  EXPECT_EQ(ping_schedule(o).payload_size, 12u);
  o.auto_ping_size = 1000;
  EXPECT_EQ(ping_schedule(o).payload_size, 125u);
}

TEST(WebSocketUrl, HostAndExternalPort) {
  EXPECT_EQ(websocket_url("example.com:8080", "/ws", std::nullopt, false),
            "ws://example.com:8080/ws");
  EXPECT_EQ(websocket_url("example.com:8080", "/ws", 9000, false), "ws://example.com:9000/ws");
  EXPECT_EQ(websocket_url("example.com:8080", "/ws", 80, false), "ws://example.com/ws");
  EXPECT_EQ(websocket_url("example.com:8080", "/ws", 443, true), "wss://example.com/ws");
  EXPECT_EQ(websocket_url("example.com", "/ws", 443, false), "ws://example.com:443/ws");
  EXPECT_EQ(websocket_url("[::1]:8080", "/", 9000, false), "ws://[::1]:9000/");
  EXPECT_EQ(websocket_url("[::1]", "ws", std::nullopt, false), "ws://[::1]/ws");
}

}  // namespace
}  // namespace junction::transport
