// node_config_crossbar_test: Crossbar keys that mean in Junction what they mean in Crossbar —
// RawSocket options.max_message_size (written by `crossbar init`), controller options.shutdown,
// roles without permissions and allow-by-default, realm keys refused or warned about — and
// unset "${VAR}" handling (refused by start, a warning in check). No sockets.
#include <cstdlib>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "node/config.hpp"

namespace junction::node {
namespace {

std::string error_of(std::string_view text) {
  try {
    parse_config(text, ConfigFormat::json, "t.json");
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "";
}

NodeConfig parse(std::string_view text, std::vector<std::string>* warnings = nullptr,
                 UnsetEnv unset_env = UnsetEnv::refuse) {
  return parse_config(text, ConfigFormat::json, "t.json", warnings, unset_env);
}

std::string with_transport(const std::string& transport) {
  return R"({"version": 2, "workers": [{"type": "router", "transports": [)" + transport + "]}]}";
}

std::string with_roles(const std::string& roles) {
  return R"({"version": 2, "workers": [{"type": "router", "realms": [{"name": "realm1", "roles": [)" +
         roles + "]}]}]}";
}

std::string with_realm_key(const std::string& key_and_value) {
  return R"({"version": 2, "workers": [{"type": "router", "realms": [{"name": "realm1", )" +
         key_and_value + "}]}]}";
}

TEST(NodeConfigCrossbar, RawSocketOptionsMaxMessageSize) {
  // What `crossbar init` writes.
  const auto node = parse(with_transport(
      R"({"type": "rawsocket", "endpoint": {"type": "tcp", "port": 8081, "backlog": 1024},
          "options": {"max_message_size": 1048576}, "serializers": ["cbor", "msgpack", "json"]})"));
  ASSERT_TRUE(node.listeners[0].rawsocket);
  EXPECT_EQ(node.listeners[0].rawsocket->max_message_size, 1048576u);
  // Given twice, the values must agree.
  const auto same = parse(with_transport(
      R"({"type": "rawsocket", "endpoint": {"type": "tcp", "port": 1}, "max_message_size": 4096,
          "options": {"max_message_size": 4096}})"));
  EXPECT_EQ(same.listeners[0].rawsocket->max_message_size, 4096u);
  EXPECT_EQ(
      error_of(with_transport(
          R"({"type": "rawsocket", "endpoint": {"type": "tcp", "port": 1}, "max_message_size": 4096,
                    "options": {"max_message_size": 8192}})")),
      "t.json: workers[0].transports[0].options.max_message_size: 8192 differs from "
      "'max_message_size' 4096 of the transport (give it once)");
  EXPECT_EQ(error_of(with_transport(
                R"({"type": "rawsocket", "endpoint": {"type": "tcp", "port": 1},
                    "options": {"max_message_size": 0}})")),
            "t.json: workers[0].transports[0].options.max_message_size: expected an integer from 1 "
            "to 67108864, found 0");
  // Also in a universal transport's RawSocket part.
  const auto universal = parse(with_transport(
      R"({"type": "universal", "endpoint": {"type": "tcp", "port": 1},
          "rawsocket": {"options": {"max_message_size": 2048}}})"));
  EXPECT_EQ(universal.listeners[0].rawsocket->max_message_size, 2048u);
}

TEST(NodeConfigCrossbar, RoleWithoutPermissionsDeniesAll) {
  const auto node = parse(with_roles(R"({"name": "frontend"})"));
  ASSERT_EQ(node.router.realms[0].roles.size(), 1u);
  EXPECT_EQ(node.router.realms[0].roles[0].name, "frontend");
  EXPECT_TRUE(node.router.realms[0].roles[0].permissions.empty());
  const auto denied = parse(with_roles(R"({"name": "frontend", "allow-by-default": false})"));
  EXPECT_TRUE(denied.router.realms[0].roles[0].permissions.empty());
}

TEST(NodeConfigCrossbar, AllowByDefaultWithoutPermissionsAllowsAll) {
  const auto node = parse(with_roles(R"({"name": "user", "allow-by-default": true})"));
  const auto& perms = node.router.realms[0].roles[0].permissions;
  ASSERT_EQ(perms.size(), 1u);
  EXPECT_EQ(perms[0].uri, "");
  EXPECT_EQ(perms[0].match, router::MatchPolicy::prefix);
  EXPECT_TRUE(perms[0].call && perms[0].register_ && perms[0].publish && perms[0].subscribe);
  EXPECT_FALSE(perms[0].disclose_caller || perms[0].disclose_publisher);
}

TEST(NodeConfigCrossbar, AllowByDefaultNextToPermissionsIsIgnoredAsInCrossbar) {
  // crossbar-examples authentication/advanced: {"allow-by-default": true, "permissions": []}.
  std::vector<std::string> warnings;
  const auto node = parse(
      with_roles(R"({"name": "user", "allow-by-default": true, "permissions": []})"), &warnings);
  EXPECT_TRUE(node.router.realms[0].roles[0].permissions.empty());
  EXPECT_EQ(warnings, (std::vector<std::string>{
                          "t.json: workers[0].realms[0].roles[0].allow-by-default: ignored: a role "
                          "with 'permissions' allows only what they grant (as in Crossbar)"}));
  EXPECT_EQ(error_of(with_roles(R"({"name": "user", "allow-by-default": "yes"})")),
            "t.json: workers[0].realms[0].roles[0].allow-by-default: expected true or false, "
            "found a string (\"yes\")");
}

TEST(NodeConfigCrossbar, RealmStatsRefusedTraceWarned) {
  EXPECT_EQ(error_of(with_realm_key(R"("stats": {"rated_message_size": 256})")),
            "t.json: workers[0].realms[0].stats: 'stats' is not supported yet");
  std::vector<std::string> warnings;
  parse(with_realm_key(R"("trace": true)"), &warnings);
  EXPECT_EQ(warnings, (std::vector<std::string>{
                          "t.json: workers[0].realms[0].trace: 'trace' is not supported yet; "
                          "ignored"}));
}

TEST(NodeConfigCrossbar, ControllerShutdownTriggers) {
  EXPECT_TRUE(parse(R"({"version": 2})").shutdown_triggers.empty());
  const auto node = parse(
      R"({"version": 2, "controller": {"options": {"shutdown": ["shutdown_on_worker_exit",
          "shutdown_on_worker_exit_with_error", "shutdown_on_last_worker_exit",
          "shutdown_on_shutdown_requested"]}}})");
  EXPECT_EQ(node.shutdown_triggers,
            (std::vector<ShutdownTrigger>{
                ShutdownTrigger::worker_exit, ShutdownTrigger::worker_exit_with_error,
                ShutdownTrigger::last_worker_exit, ShutdownTrigger::shutdown_requested}));
  const auto one = parse(
      R"({"version": 2, "controller": {"options": {"shutdown": "shutdown_on_worker_exit"}}})");
  EXPECT_EQ(one.shutdown_triggers, std::vector<ShutdownTrigger>{ShutdownTrigger::worker_exit});
  EXPECT_EQ(
      error_of(R"({"version": 2, "controller": {"options": {"shutdown": ["on_exit"]}}})"),
      "t.json: controller.options.shutdown[0]: expected one of shutdown_on_shutdown_requested, "
      "shutdown_on_worker_exit, shutdown_on_worker_exit_with_error, shutdown_on_last_worker_exit; "
      "found a string (\"on_exit\")");
  EXPECT_EQ(error_of(R"({"version": 2, "controller": {"options": {"shutdown": 1}}})"),
            "t.json: controller.options.shutdown: expected a list of shutdown triggers, found an "
            "integer (1)");
  EXPECT_EQ(error_of(R"({"version": 2, "controller": {"options": {"color": "red"}}})"),
            "t.json: controller.options.color: unknown key 'color' in controller options "
            "(expected one of: shutdown, title)");
}

TEST(NodeConfigCrossbar, UnsetVariableRefusedByStartWarnedByCheck) {
  ::unsetenv("JUNCTION_TEST_SECRET");
  const std::string text = with_roles(R"({"name": "${JUNCTION_TEST_SECRET}"})");
  EXPECT_EQ(error_of(text),
            "t.json: workers[0].realms[0].roles[0].name: environment variable "
            "'JUNCTION_TEST_SECRET' is not set");
  std::vector<std::string> warnings;
  const auto node = parse(text, &warnings, UnsetEnv::warn);
  EXPECT_EQ(node.router.realms[0].roles[0].name, "${JUNCTION_TEST_SECRET}");
  EXPECT_EQ(warnings, (std::vector<std::string>{
                          "t.json: workers[0].realms[0].roles[0].name: environment variable "
                          "'JUNCTION_TEST_SECRET' is not set; `junction start` refuses this "
                          "config until it is set"}));
}

}  // namespace
}  // namespace junction::node
