// node_workers_test: guest and container workers and router components in the config reader
// (GuestConfig fields, the component launcher's job, the refusals), node/directory_watch (a
// guest's options.watch), and node/child_process
// (spawn: exit status, exec failure reported at once, descriptors, environment).
#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>
#include <atomic>
#include <thread>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <nlohmann/json.hpp>

#include "base/child_process.hpp"
#include "node/config.hpp"
#include "node/directory_watch.hpp"
#include "node/flash_policy.hpp"

namespace junction::node {
namespace {
using base::child_environment;
using base::spawn;
using base::SpawnRequest;
using base::SpawnResult;

std::string error_of(const std::string& text) {
  try {
    parse_config(text, ConfigFormat::json, "t.json");
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "";
}

NodeConfig parse(const std::string& text, std::vector<std::string>* warnings = nullptr) {
  return parse_config(text, ConfigFormat::json, "t.json", warnings);
}

std::string with_workers(const std::string& workers) {
  return R"({"version": 2, "workers": [{"type": "router", "realms": [{"name": "realm1"}]}, )" +
         workers + "]}";
}

TEST(NodeWorkersConfig, GuestKeys) {
  const auto node = parse(with_workers(R"(
    {"type": "guest", "executable": "node", "arguments": ["hello.js", "--x"],
     "options": {"workdir": "../node", "env": {"inherit": ["PATH", "HOME"], "vars": {"A": "1", "N": 2}},
                 "stdin": {"type": "json", "value": {"k": [1, 2]}, "close": false},
                 "stdout": "drop", "stderr": "close",
                 "junction": {"restart": "on-failure", "restart_delay": 0.25, "max_restart_delay": 8,
                              "stop_timeout": 2}}},
    {"type": "guest", "id": "second", "executable": "/bin/true", "options": {"stdin": "close"}})"));
  ASSERT_EQ(node.guests.size(), 2u);
  const GuestConfig& g = node.guests[0];
  EXPECT_EQ(g.id, "worker-002");  // the router is worker-001 (neither has an ID)
  EXPECT_EQ(g.log_name, "guest worker-002");
  EXPECT_EQ(g.config_path, "workers[1]");
  EXPECT_EQ(g.executable, "node");
  EXPECT_EQ(g.arguments, (std::vector<std::string>{"hello.js", "--x"}));
  EXPECT_EQ(g.workdir, "../node");  // made absolute by load_config_file, not parse_config
  EXPECT_FALSE(g.inherit_all_env);
  EXPECT_EQ(g.inherit_env, (std::vector<std::string>{"PATH", "HOME"}));
  EXPECT_EQ(g.env_vars, (std::vector<std::pair<std::string, std::string>>{{"A", "1"}, {"N", "2"}}));
  EXPECT_EQ(g.stdin_mode, GuestConfig::Stdin::json);
  EXPECT_EQ(g.stdin_data, R"({"k":[1,2]})");
  EXPECT_FALSE(g.stdin_close_after);
  EXPECT_EQ(g.stdout_mode, GuestOutput::drop);
  EXPECT_EQ(g.stderr_mode, GuestOutput::close);
  EXPECT_EQ(g.restart, RestartPolicy::on_failure);
  EXPECT_EQ(g.restart_delay.count(), 250);
  EXPECT_EQ(g.max_restart_delay.count(), 8000);
  EXPECT_EQ(g.stop_timeout.count(), 2000);
  const GuestConfig& h = node.guests[1];
  EXPECT_EQ(h.id, "second");
  EXPECT_EQ(h.stdin_mode, GuestConfig::Stdin::close);
  EXPECT_EQ(h.stdout_mode, GuestOutput::log);
  EXPECT_TRUE(h.inherit_all_env);
  EXPECT_EQ(h.restart, RestartPolicy::never);
  EXPECT_FALSE(h.component_launcher);
  EXPECT_TRUE(h.watch_directories.empty());
}

TEST(NodeWorkersConfig, GuestWatch) {
  const auto node = parse(with_workers(
      R"({"type": "guest", "executable": "node", "options": {"watch": {"directories": ["../node", "lib"], "action": "restart", "timeout": 0.25}}},
         {"type": "guest", "executable": "node", "options": {"watch": {"directories": ["../js"]}}})"));
  ASSERT_EQ(node.guests.size(), 2u);
  EXPECT_EQ(node.guests[0].watch_directories, (std::vector<std::string>{"../node", "lib"}));
  EXPECT_TRUE(node.guests[0].watch_restart);
  EXPECT_EQ(node.guests[0].watch_delay.count(), 250);
  EXPECT_FALSE(node.guests[1].watch_restart);  // Crossbar: the guest is stopped, not restarted
  EXPECT_EQ(node.guests[1].watch_delay.count(), 1000);
}

TEST(NodeWorkersConfig, GuestRefusals) {
  EXPECT_EQ(error_of(with_workers(R"({"type": "guest"})")),
            "t.json: workers[1]: missing required key 'executable' (a string) in guest worker");
  EXPECT_EQ(
      error_of(with_workers(R"({"type": "guest", "executable": "x", "options": {"watch": {}}})")),
      "t.json: workers[1].options.watch: expected a non-empty list of 'directories' to watch");
  EXPECT_EQ(
      error_of(with_workers(
          R"({"type": "guest", "executable": "x", "options": {"watch": {"directories": ["a"], "action": "reload"}}})")),
      "t.json: workers[1].options.watch.action: expected \"restart\" (or no action: the guest "
      "is stopped), found \"reload\"");
  EXPECT_EQ(
      error_of(with_workers(
          R"({"type": "guest", "executable": "x", "options": {"watch": {"directories": [""]}}})")),
      "t.json: workers[1].options.watch.directories[0]: expected a directory, found a string "
      "(\"\")");
  EXPECT_EQ(
      error_of(with_workers(
          R"({"type": "guest", "executable": "x", "options": {"stdin": {"type": "msgpack", "value": 1}}})")),
      "t.json: workers[1].options.stdin.type: guest stdin type 'msgpack' is not supported yet");
  EXPECT_EQ(
      error_of(
          with_workers(R"({"type": "guest", "executable": "x", "options": {"stdin": "open"}})")),
      "t.json: workers[1].options.stdin: expected \"close\" or an object {\"type\": \"json\", "
      "\"value\": ...}, found a string (\"open\")");
  EXPECT_EQ(error_of(with_workers(R"({"type": "guest", "executable": "x", "arguments": [1]})")),
            "t.json: workers[1].arguments[0]: expected a string, found an integer (1)");
  EXPECT_EQ(
      error_of(with_workers(
          R"({"type": "guest", "executable": "x", "options": {"junction": {"stop_timeout": 0}}})")),
      "t.json: workers[1].options.junction.stop_timeout: expected a number of seconds from "
      "0.01 to 3600.0, found an integer (0)");
  EXPECT_EQ(
      error_of(with_workers(R"({"type": "guest", "executable": "x", "options": {"user": "bob"}})")),
      "t.json: workers[1].options.user: unknown key 'user' in guest options (expected one of: "
      "workdir, env, stdin, stdout, stderr, watch, junction)");
}

TEST(NodeWorkersConfig, ContainerAndRouterComponents) {
  const auto node = parse(R"({"version": 2, "workers": [
    {"type": "router", "options": {"pythonpath": ["lib"], "env": {"vars": {"X": "y"}}},
     "realms": [{"name": "realm1"}],
     "components": [{"type": "class", "classname": "auth.Authenticator", "realm": "realm1",
                     "role": "authenticator", "extra": {"n": 1}},
                    {"type": "class", "id": "plain", "classname": "a.B", "realm": "realm1"}]},
    {"type": "container", "id": "backend",
     "options": {"pythonpath": [".."], "shutdown": "shutdown-on-last-component-stopped",
                 "restart": "restart-on-failed", "python": "/opt/py/bin/python3"},
     "components": [{"type": "class", "classname": "hello.AppSession", "realm": "realm1",
                     "transport": {"type": "websocket", "url": "ws://127.0.0.1:8080/ws"}}]}]})");
  ASSERT_EQ(node.guests.size(), 2u);
  const GuestConfig& router = node.guests[0];
  EXPECT_TRUE(router.component_launcher);
  EXPECT_EQ(router.log_name, "router components");
  EXPECT_EQ(router.executable, "/usr/bin/python3");
  EXPECT_EQ(router.pythonpath, std::vector<std::string>{"lib"});
  EXPECT_EQ(router.env_vars.size(), 1u);
  const auto job = nlohmann::json::parse(router.stdin_data);
  EXPECT_EQ(job["kind"], "router");
  ASSERT_EQ(job["components"].size(), 2u);
  EXPECT_EQ(job["components"][0]["classname"], "auth.Authenticator");
  EXPECT_EQ(job["components"][0]["role"], "authenticator");
  EXPECT_EQ(job["components"][0]["extra"]["n"], 1);
  EXPECT_EQ(job["components"][1]["role"], "anonymous");
  EXPECT_EQ(job["components"][1]["id"], "plain");

  const GuestConfig& container = node.guests[1];
  EXPECT_TRUE(container.component_launcher);
  EXPECT_EQ(container.log_name, "container backend");
  EXPECT_EQ(container.executable, "/opt/py/bin/python3");
  EXPECT_EQ(container.pythonpath, std::vector<std::string>{".."});
  const auto cjob = nlohmann::json::parse(container.stdin_data);
  EXPECT_EQ(cjob["kind"], "container");
  EXPECT_EQ(cjob["shutdown"], "shutdown-on-last-component-stopped");
  EXPECT_EQ(cjob["restart"], "restart-on-failed");
  EXPECT_FALSE(cjob["components"][0].contains("role"));
  EXPECT_FALSE(cjob["components"][0].contains("transport"));
}

TEST(NodeWorkersConfig, FunctionComponentsAndAuthenticators) {
  std::vector<std::string> warnings;
  const std::string auth = R"({"type": "function", "create": "auth.create", "config": {"db": 1},
                               "expose_controller": true})";
  const auto node = parse(R"({"version": 2, "workers": [
    {"type": "router", "realms": [{"name": "first"}, {"name": "second"}],
     "transports": [
       {"type": "websocket", "endpoint": {"type": "tcp", "port": 1},
        "auth": {"ticket": )" +
                              auth + R"(, "wampcra": {"type": "function", "create": "auth.create",
                                                     "config": {"db": 2}}}},
       {"type": "rawsocket", "endpoint": {"type": "tcp", "port": 2},
        "auth": {"cryptosign": {"type": "function", "create": "other.make"}}}],
     "components": [{"type": "function", "id": "fn1", "realm": "second", "role": "backend",
                     "callbacks": {"join": "app.on_join", "disconnect": "app.gone"}}]}]})",
                          &warnings);
  ASSERT_EQ(node.guests.size(), 1u);
  const auto job = nlohmann::json::parse(node.guests[0].stdin_data);
  ASSERT_EQ(job["components"].size(), 1u);
  EXPECT_EQ(job["components"][0], nlohmann::json::parse(R"({"type": "function", "id": "fn1",
      "realm": "second", "role": "backend",
      "callbacks": {"join": "app.on_join", "disconnect": "app.gone"}})"));
  // One procedure per "create", on the worker's first realm; the first "config" counts.
  EXPECT_EQ(job["authenticators"], nlohmann::json::parse(R"([
      {"create": "auth.create", "config": {"db": 1}, "procedure": "junction.auth.function.0",
       "realm": "first"},
      {"create": "other.make", "config": {}, "procedure": "junction.auth.function.1",
       "realm": "first"}])"));
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_EQ(warnings[0],
            "t.json: workers[0].transports[0].auth.ticket.expose_controller: 'expose_controller' "
            "is not supported yet: Junction has no controller session; the function's "
            "controller argument is None");

  // Function authenticators alone start the launcher too.
  const auto alone = parse(R"({"workers": [{"type": "router", "realms": [{"name": "r1"}],
     "transports": [{"type": "websocket", "endpoint": {"type": "tcp", "port": 1},
        "auth": {"anonymous": {"type": "function", "create": "a.b"}}}]}]})");
  ASSERT_EQ(alone.guests.size(), 1u);
  EXPECT_TRUE(alone.guests[0].component_launcher);
  EXPECT_EQ(nlohmann::json::parse(alone.guests[0].stdin_data)["components"].size(), 0u);

  EXPECT_EQ(error_of(R"({"workers": [{"type": "router",
     "transports": [{"type": "websocket", "endpoint": {"type": "tcp", "port": 1},
        "auth": {"ticket": {"type": "function", "create": "a.b"}}}]}]})"),
            "t.json: workers[0].transports[0].auth.ticket.type: a 'function' authenticator needs "
            "a realm in its router worker (Junction registers the function there)");
  EXPECT_EQ(error_of(R"({"workers": [{"type": "router", "realms": [{"name": "r1"}],
     "transports": [{"type": "websocket", "endpoint": {"type": "tcp", "port": 1},
        "auth": {"ticket": {"type": "function", "create": "ab"}}}]}]})"),
            "t.json: workers[0].transports[0].auth.ticket.create: expected \"module.function\", "
            "found \"ab\"");
}

TEST(NodeWorkersConfig, ComponentRefusals) {
  const std::string t = R"("transport": {"type": "websocket"})";
  EXPECT_EQ(
      error_of(with_workers(
          R"({"type": "container", "components": [{"type": "function", "callbacks": {}}]})")),
      "t.json: workers[1].components[0].type: component type 'function' in a container worker "
      "is not supported yet");
  EXPECT_EQ(
      error_of(
          R"({"workers": [{"type": "router", "components": [{"type": "function", "realm": "r", "callbacks": {"ready": "a.b"}}]}]})"),
      "t.json: workers[0].components[0].callbacks.ready: unknown callback 'ready' (expected one "
      "of: join, leave, connect, disconnect)");
  EXPECT_EQ(
      error_of(
          R"({"workers": [{"type": "router", "components": [{"type": "function", "realm": "r", "callbacks": {"join": "ab"}}]}]})"),
      "t.json: workers[0].components[0].callbacks.join: expected \"module.function\", found "
      "\"ab\"");
  EXPECT_EQ(
      error_of(
          R"({"workers": [{"type": "router", "components": [{"type": "function", "realm": "r", "extra": {}}]}]})")
          .substr(0, 68),
      "t.json: workers[0].components[0].extra: unknown key 'extra' in compo");
  EXPECT_EQ(
      error_of(with_workers(
          R"({"type": "container", "components": [{"type": "class", "classname": "x.Y", "realm": "r"}]})")),
      "t.json: workers[1].components[0]: missing required key 'transport' (an object) in "
      "component");
  EXPECT_EQ(
      error_of(with_workers(
          R"({"type": "container", "components": [{"type": "class", "classname": "Y", "realm": "r", )" +
          t + "}]}")),
      "t.json: workers[1].components[0].classname: expected \"module.Class\", found \"Y\"");
  EXPECT_EQ(
      error_of(with_workers(R"({"type": "container", "options": {"reactor": {}}})")).substr(0, 70),
      "t.json: workers[1].options.reactor: unknown worker option 'reactor' (e");
  EXPECT_EQ(
      error_of(
          R"({"workers": [{"type": "router", "components": [{"type": "class", "classname": "a.B", "realm": "r", "references": []}]}]})"),
      "t.json: workers[0].components[0].references: 'references' is not supported yet");
  EXPECT_EQ(error_of(with_workers(R"({"type": "container", "options": {"shutdown": "never"}})")),
            "t.json: workers[1].options.shutdown: expected \"shutdown-manual\" or "
            "\"shutdown-on-last-component-stopped\", found a string (\"never\")");
  std::vector<std::string> warnings;
  parse(R"({"workers": [{"type": "router", "options": {"pythonpath": ["x"]}}]})", &warnings);
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_EQ(
      warnings[0],
      "t.json: workers[0].options.pythonpath: 'pythonpath' is used by router components, function "
      "authenticators and wsgi path services only; ignored");
}

TEST(NodeDirectoryWatch, TellsTheFirstChangeBelowTheDirectoriesOnce) {
  char pattern[] = "/tmp/junction-watch-XXXXXX";
  ASSERT_NE(::mkdtemp(pattern), nullptr);
  const std::filesystem::path root = pattern;
  std::filesystem::create_directories(root / "a" / "deep");
  std::filesystem::create_directories(root / "b");
  boost::asio::io_context io;
  std::vector<std::string> seen;
  DirectoryWatch watch(io, {(root / "a").string(), (root / "b").string()},
                       [&seen](std::string what) { seen.push_back(std::move(what)); });
  std::ofstream(root / "a" / "deep" / "x.txt") << "x";  // a directory below a watched one
  std::ofstream(root / "b" / "y.txt") << "y";           // after the first: not told
  io.run_for(std::chrono::seconds(2));
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0], (root / "a" / "deep" / "x.txt").string() + ": created");
  EXPECT_THROW(DirectoryWatch(io, {(root / "missing").string()}, [](std::string) {}),
               std::runtime_error);
  std::filesystem::remove_all(root);
}

TEST(NodeFlashPolicy, ConfigAndTheAnswerAsCrossbarGivesIt) {
  const auto node = parse(R"({"workers": [{"type": "router", "transports": [
      {"type": "flashpolicy", "allowed_domain": "*", "allowed_ports": [8080, 9000],
       "endpoint": {"type": "tcp", "port": 843}},
      {"type": "flashpolicy", "id": "flash", "endpoint": {"type": "tcp", "port": 0,
                                                          "interface": "127.0.0.1"}}]}]})");
  EXPECT_TRUE(node.listeners.empty());
  ASSERT_EQ(node.flash_policies.size(), 2u);
  EXPECT_EQ(node.flash_policies[0].name, "workers[0].transports[0]");
  EXPECT_EQ(node.flash_policies[0].port, 843);
  EXPECT_EQ(flash_policy_file(node.flash_policies[0]),
            "<?xml version=\"1.0\"?><cross-domain-policy><allow-access-from domain=\"*\" "
            "to-ports=\"8080,9000\" /></cross-domain-policy>");
  EXPECT_EQ(node.flash_policies[1].name, "transport 'flash'");
  EXPECT_EQ(node.flash_policies[1].allowed_ports, "*");
  EXPECT_EQ(
      error_of(
          R"({"workers": [{"type": "router", "transports": [{"type": "flashpolicy", "endpoint": {"type": "unix", "path": "f.sock"}}]}]})"),
      "t.json: workers[0].transports[0].endpoint: a flashpolicy transport on a Unix socket or "
      "with TLS is not supported yet");
  EXPECT_EQ(
      error_of(
          R"({"workers": [{"type": "router", "transports": [{"type": "flashpolicy", "allowed_ports": [0], "endpoint": {"type": "tcp", "port": 1}}]}]})"),
      "t.json: workers[0].transports[0].allowed_ports[0]: expected an integer from 1 to 65535, "
      "found 0");

  // Served: a request (after whitespace) gets the file and EOF; junk beyond 200 bytes is dropped.
  boost::asio::io_context io;
  FlashPolicyServer server(io, node.flash_policies[1]);
  server.start();
  const auto port = static_cast<std::uint16_t>(std::stoi(server.bound().substr(10)));
  const auto exchange = [&](const std::string& request) {
    std::string answer;
    std::atomic<bool> done{false};
    std::thread client([&] {
      boost::asio::io_context cio;
      boost::asio::ip::tcp::socket s(cio);
      s.connect({boost::asio::ip::make_address("127.0.0.1"), port});
      boost::system::error_code ec;
      boost::asio::write(s, boost::asio::buffer(request), ec);
      char buf[512];
      for (std::size_t n; (n = s.read_some(boost::asio::buffer(buf), ec)), !ec;)
        answer.append(buf, n);
      done = true;
    });
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (!done && std::chrono::steady_clock::now() < deadline)
      io.run_one_for(std::chrono::milliseconds(20));
    client.join();
    return answer;
  };
  EXPECT_EQ(exchange(std::string(" <policy-file-request/>") + '\0'),
            flash_policy_file(node.flash_policies[1]));
  EXPECT_EQ(exchange(std::string(300, 'x')), "");
  server.stop();
}

int wait_status(pid_t pid) {
  int status = 0;
  EXPECT_EQ(::waitpid(pid, &status, 0), pid);
  return status;
}

TEST(NodeChildProcess, SpawnsWithItsOwnGroupDescriptorsAndEnvironment) {
  int out[2];
  ASSERT_EQ(::pipe(out), 0);
  SpawnRequest req;
  req.executable = "sh";  // looked up in $PATH
  req.argv = {"sh", "-c",
              "read -r _ _ _ _ pgid _ < /proc/$$/stat; echo \"$GREETING $(pwd) $pgid $$\"; exit 3"};
  req.env = child_environment(false, {"PATH"}, {{"GREETING", "hi"}});
  req.workdir = "/tmp";
  req.stdout_fd = out[1];
  const SpawnResult r = spawn(req);
  ::close(out[1]);
  ASSERT_GT(r.pid, 0) << r.step << ": " << r.error;
  std::string text;
  char buf[256];
  for (ssize_t n; (n = ::read(out[0], buf, sizeof buf)) > 0;)
    text.append(buf, static_cast<std::size_t>(n));
  ::close(out[0]);
  const int status = wait_status(r.pid);
  EXPECT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 3);
  const std::string pid = std::to_string(r.pid);
  EXPECT_EQ(text, "hi /tmp " + pid + " " + pid + "\n");  // its own process group
}

TEST(NodeChildProcess, ExecFailureIsReportedAtOnce) {
  SpawnRequest req;
  req.executable = "./definitely-not-here";
  req.argv = {req.executable};
  const SpawnResult r = spawn(req);
  EXPECT_EQ(r.pid, -1);
  EXPECT_EQ(r.step, "exec");
  EXPECT_EQ(r.error, ENOENT);
  req.executable = "/bin/true";
  req.workdir = "/no/such/dir";
  const SpawnResult c = spawn(req);
  EXPECT_EQ(c.step, "chdir");
  EXPECT_EQ(c.error, ENOENT);
}

TEST(NodeChildProcess, EnvironmentInheritance) {
  ::setenv("JUNCTION_TEST_A", "a", 1);
  ::setenv("JUNCTION_TEST_B", "b", 1);
  auto has = [](const std::vector<std::string>& env, const std::string& entry) {
    return std::find(env.begin(), env.end(), entry) != env.end();
  };
  const auto all = child_environment(true, {}, {{"JUNCTION_TEST_B", "override"}});
  EXPECT_TRUE(has(all, "JUNCTION_TEST_A=a"));
  EXPECT_TRUE(has(all, "JUNCTION_TEST_B=override"));
  EXPECT_FALSE(has(all, "JUNCTION_TEST_B=b"));
  const auto some = child_environment(false, {"JUNCTION_TEST_A"}, {});
  EXPECT_EQ(some, std::vector<std::string>{"JUNCTION_TEST_A=a"});
  EXPECT_TRUE(child_environment(false, {}, {}).empty());
}

TEST(NodeChildProcess, PythonPathPrependedToWhatWasThere) {
  using V = std::vector<std::string>;
  V env{"A=1", "PYTHONPATH=/inherited", "B=2"};
  base::prepend_pythonpath(env, {"/app", "/lib"});
  EXPECT_EQ(env, (V{"A=1", "B=2", "PYTHONPATH=/app:/lib:/inherited"}));
  V none{"A=1"};
  base::prepend_pythonpath(none, {});
  EXPECT_EQ(none, V{"A=1"});  // nothing to put there: no empty PYTHONPATH
  V empty_inherited{"PYTHONPATH="};
  base::prepend_pythonpath(empty_inherited, {"/app"});
  EXPECT_EQ(empty_inherited, V{"PYTHONPATH=/app"});
}

TEST(NodeChildProcess, ExitStatusDescribed) {
  EXPECT_EQ(base::describe_exit_status(3 << 8), "exited with status 3");  // as waitpid() says
  EXPECT_EQ(base::describe_exit_status(SIGKILL), "killed by SIGKILL");
}

}  // namespace
}  // namespace junction::node
