// node_cli_test: the `junction` command line without starting a node — argument parsing, the
// node-directory / config-file lookup, and the `check`, `version` and `help` commands.
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <unistd.h>

#include "base/log.hpp"
#include "node/cli.hpp"
#include "node/cli_args.hpp"
#include "node/config.hpp"

namespace junction::node {
namespace {

namespace fs = std::filesystem;
using detail::choose_config;
using detail::CliArgs;
using detail::parse_args;
using detail::UsageError;

const fs::path kData = JUNCTION_NODE_TESTDATA_DIR;

std::string usage_error(const std::vector<std::string>& args) {
  try {
    parse_args(args);
  } catch (const UsageError& e) {
    return e.what();
  }
  return "";
}

TEST(NodeCli, ParsesCommandsAndOptions) {
  auto a = parse_args({"start", "--cbdir", "/srv/node", "--config=my.yaml", "--loglevel", "debug"});
  EXPECT_EQ(a.command, "start");
  EXPECT_EQ(a.cbdir, fs::path("/srv/node"));
  EXPECT_EQ(a.config, fs::path("my.yaml"));
  EXPECT_EQ(a.loglevel, log::Level::debug);

  EXPECT_EQ(parse_args({"check"}).command, "check");
  EXPECT_EQ(parse_args({"version"}).command, "version");
  EXPECT_EQ(parse_args({"--version"}).command, "version");
  EXPECT_EQ(parse_args({"help"}).command, "help");
  EXPECT_EQ(parse_args({"--help"}).command, "help");
  EXPECT_EQ(parse_args({"start", "--nonsense", "-h"}).command, "help");
  EXPECT_EQ(parse_args({"start", "--loglevel=warn"}).loglevel, log::Level::warn);
  EXPECT_EQ(parse_args({"start", "--threads", "4"}).threads, std::size_t{4});
  EXPECT_EQ(parse_args({"start", "--threads=auto"}).threads, std::size_t{0});
  EXPECT_EQ(parse_args({"start"}).threads, std::nullopt);
}

TEST(NodeCli, LogFormatAndLogToFile) {
  EXPECT_EQ(parse_args({"start", "--logformat", "json"}).logformat, log::Format::json);
  EXPECT_EQ(parse_args({"restart", "--logformat=text"}).logformat, log::Format::text);
  EXPECT_EQ(parse_args({"start"}).logformat, std::nullopt);
  EXPECT_TRUE(parse_args({"start", "--logtofile"}).logtofile);
  EXPECT_FALSE(parse_args({"start"}).logtofile);
  EXPECT_EQ(usage_error({"start", "--logformat", "xml"}),
            "--logformat takes text or json, not 'xml'");
  EXPECT_EQ(usage_error({"start", "--logtofile=yes"}), "option '--logtofile' takes no value");
  EXPECT_EQ(usage_error({"check", "--logformat", "json"}),
            "unknown option '--logformat' for 'check'");
}

// JSON log lines: one object a line, control characters, quotes and backslashes escaped.
TEST(NodeLog, JsonLinesAreEscaped) {
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  log::set_output(fds[1]);
  log::set_format(log::Format::json);
  log::write(log::Level::warn, "guest \"x\"",
             "a\tb \"q\" back\\slash\nnext\x01 caf\xC3\xA9 bad\xFF\xC3");
  log::set_format(log::Format::text);
  log::write(log::Level::info, "node", "plain");
  log::set_output(2);
  ::close(fds[1]);
  std::string out;
  char buf[512];
  for (ssize_t n; (n = ::read(fds[0], buf, sizeof buf)) > 0;)
    out.append(buf, static_cast<std::size_t>(n));
  ::close(fds[0]);
  const auto newline = out.find('\n');
  ASSERT_NE(newline, std::string::npos);
  const std::string json_line = out.substr(0, newline);
  EXPECT_EQ(json_line.substr(0, 9), "{\"time\":\"");
  EXPECT_NE(
      json_line.find(
          R"("level":"warn","component":"guest \"x\"","message":"a\tb \"q\" back\\slash\nnext\u0001 café bad��"})"),
      std::string::npos)
      << json_line;
  EXPECT_NE(out.find(" info  node: plain\n", newline), std::string::npos) << out;
}

TEST(NodeCli, ThreadCounts) {
  EXPECT_EQ(detail::parse_thread_count("1"), std::size_t{1});
  EXPECT_EQ(detail::parse_thread_count("256"), std::size_t{256});
  EXPECT_EQ(detail::parse_thread_count("auto"), std::size_t{0});
  for (const char* bad : {"0", "257", "-1", "", "2x", "1000", " 2", "Auto"}) {
    EXPECT_EQ(detail::parse_thread_count(bad), std::nullopt) << bad;
  }
  EXPECT_EQ(usage_error({"start", "--threads", "0"}),
            "bad thread count '0' (expected 1..256 or auto)");
}

TEST(NodeCli, UsageErrors) {
  EXPECT_EQ(usage_error({}), "no command given");
  EXPECT_EQ(usage_error({"frobnicate"}), "unknown command 'frobnicate'");
  EXPECT_EQ(usage_error({"--cbdir", "x"}), "unknown option '--cbdir'");
  EXPECT_EQ(usage_error({"stop", "--config", "x"}), "unknown option '--config' for 'stop'");
  EXPECT_EQ(usage_error({"status", "--assert", "maybe"}),
            "--assert takes running or stopped, not 'maybe'");
  EXPECT_EQ(usage_error({"start", "--colour"}), "unknown option '--colour' for 'start'");
  EXPECT_EQ(usage_error({"start", "--cbdir=x", "--bogus=1"}),
            "unknown option '--bogus' for 'start'");
  EXPECT_EQ(usage_error({"version", "--cbdir", "x"}), "unknown option '--cbdir' for 'version'");
  EXPECT_EQ(usage_error({"start", "--cbdir"}), "option '--cbdir' needs a value");
  EXPECT_EQ(usage_error({"start", "--config="}), "option '--config' needs a value");
  EXPECT_EQ(usage_error({"start", "--loglevel", "loud"}),
            "unknown log level 'loud' (expected trace, debug, info, warn or error)");
  EXPECT_EQ(usage_error({"start", "extra"}), "unexpected argument 'extra' for 'start'");
  EXPECT_EQ(usage_error({"start", "stop"}), "unexpected argument 'stop' for 'start'");
  EXPECT_EQ(usage_error({"start", "--version"}), "unknown option '--version' for 'start'");
  EXPECT_EQ(usage_error({"help", "frobnicate"}), "unknown command 'frobnicate'");
}

// Crossbar's own flags and commands that Junction lacks are named as such, not as unknown.
TEST(NodeCli, CrossbarOnlyFlagsAreNotSupportedYet) {
  EXPECT_EQ(usage_error({"start", "--color", "false"}),
            "option '--color' of crossbar start is not supported yet");
  EXPECT_EQ(usage_error({"restart", "--shutdownafter=10"}),
            "option '--shutdownafter' of crossbar restart is not supported yet");
  EXPECT_EQ(usage_error({"keys", "--private"}),
            "option '--private' of crossbar keys is not supported yet");
  EXPECT_EQ(usage_error({"--debug-lifecycle", "start"}),
            "option '--debug-lifecycle' of crossbar is not supported yet");
  EXPECT_EQ(usage_error({"upgrade"}), "command 'upgrade' of crossbar is not supported yet");
}

// A usage error knows its command, so the help printed with it is that command's.
TEST(NodeCli, UsageErrorsNameTheirCommand) {
  auto command_of = [](const std::vector<std::string>& args) {
    try {
      parse_args(args);
    } catch (const UsageError& e) {
      return e.command();
    }
    return std::string("(no error)");
  };
  EXPECT_EQ(command_of({"frobnicate"}), "");
  EXPECT_EQ(command_of({"start", "--colour"}), "start");
  EXPECT_EQ(command_of({"status", "--assert", "maybe"}), "status");
  EXPECT_EQ(command_of({"stop", "--cbdir"}), "stop");
}

TEST(NodeCli, HelpPerCommand) {
  EXPECT_EQ(parse_args({"help"}).help_topic, "");
  EXPECT_EQ(parse_args({"--help"}).help_topic, "");
  EXPECT_EQ(parse_args({"help", "start"}).help_topic, "start");
  EXPECT_EQ(parse_args({"status", "--help"}).help_topic, "status");
  EXPECT_EQ(parse_args({"init", "-h", "--appdir", "x"}).help_topic, "init");
  EXPECT_EQ(parse_args({"help", "--help"}).help_topic, "");

  const std::string all = detail::usage();
  for (const char* command : {"init", "start", "stop", "restart", "status", "check", "convert",
                              "keygen", "keys", "version", "help"}) {
    EXPECT_NE(all.find("  " + std::string(command) + " "), std::string::npos) << command;
  }
  const std::string start = detail::usage("start");
  EXPECT_EQ(start.rfind("start the node", 0), 0u) << start;
  EXPECT_NE(start.find("Usage: junction start [options]"), std::string::npos) << start;
  for (const char* option : {"--cbdir DIR", "--config FILE", "--loglevel LEVEL", "--threads N",
                             "--logformat FORMAT", "--logtofile"}) {
    EXPECT_NE(start.find(option), std::string::npos) << option;
  }
  EXPECT_EQ(start.find("--assert"), std::string::npos);
  const std::string status = detail::usage("status");
  EXPECT_NE(status.find("--assert STATE"), std::string::npos) << status;
  EXPECT_EQ(status.find("--config"), std::string::npos) << status;
}

CliArgs command(const std::string& name) {
  CliArgs args;
  args.command = name;
  return args;
}

class TempDir {
 public:
  TempDir() {
    std::string tmpl = (fs::temp_directory_path() / "junction-cli-test-XXXXXX").string();
    path_ = ::mkdtemp(tmpl.data());
  }
  ~TempDir() { fs::remove_all(path_); }
  const fs::path& path() const { return path_; }
  fs::path write(const fs::path& name, const std::string& text) const {
    fs::create_directories((path_ / name).parent_path());
    std::ofstream(path_ / name) << text;
    return path_ / name;
  }

 private:
  fs::path path_;
};

struct FakeEnv {
  std::map<std::string, std::string> vars;
  detail::EnvLookup lookup() const {
    return [this](const std::string& name) -> std::optional<std::string> {
      auto it = vars.find(name);
      if (it == vars.end()) return std::nullopt;
      return it->second;
    };
  }
};

TEST(NodeCliLookup, NothingFoundMeansEmbeddedDefault) {
  TempDir cwd;
  FakeEnv env;
  const auto choice = choose_config(command("start"), env.lookup(), cwd.path());
  EXPECT_TRUE(choice.file.empty());
  EXPECT_EQ(choice.note,
            "no node directory (--cbdir, $JUNCTION_DIR, $CROSSBAR_DIR, ./.junction, ./.crossbar); "
            "using the embedded default");
}

TEST(NodeCliLookup, DotDirectoriesInOrder) {
  TempDir cwd;
  FakeEnv env;
  cwd.write(".crossbar/config.yaml", "version: 2\n");
  EXPECT_EQ(choose_config(command("start"), env.lookup(), cwd.path()).file,
            cwd.path() / ".crossbar/config.yaml");
  fs::create_directories(cwd.path() / ".junction");
  const auto choice = choose_config(command("start"), env.lookup(), cwd.path());
  EXPECT_TRUE(choice.file.empty());  // ./.junction wins, and holds no config
  EXPECT_EQ(choice.note, "no config.json, config.yaml or config.yml in " +
                             (cwd.path() / ".junction").string() + "; using the embedded default");
}

TEST(NodeCliLookup, EnvironmentThenFlag) {
  TempDir cwd;
  const auto cb = cwd.write("cb/config.json", "{}");
  const auto jd = cwd.write("jd/config.yml", "{}");
  const auto flag = cwd.write("flag/config.json", "{}");
  FakeEnv env;
  env.vars["CROSSBAR_DIR"] = (cwd.path() / "cb").string();
  EXPECT_EQ(choose_config(command("start"), env.lookup(), cwd.path()).file, cb);
  env.vars["JUNCTION_DIR"] = "jd";  // relative to cwd
  EXPECT_EQ(choose_config(command("start"), env.lookup(), cwd.path()).file, jd);
  CliArgs args = command("start");
  args.cbdir = "flag";
  EXPECT_EQ(choose_config(args, env.lookup(), cwd.path()).file, flag);
}

TEST(NodeCliLookup, ExplicitConfigFile) {
  TempDir cwd;
  const auto in_dir = cwd.write("node/other.yaml", "{}");
  const auto in_cwd = cwd.write("here.json", "{}");
  FakeEnv env;
  CliArgs args = command("check");
  args.config = "here.json";
  EXPECT_EQ(choose_config(args, env.lookup(), cwd.path()).file, in_cwd);
  args.cbdir = "node";
  args.config = "other.yaml";
  EXPECT_EQ(choose_config(args, env.lookup(), cwd.path()).file, in_dir);
  args.config = in_cwd;  // absolute wins over --cbdir
  EXPECT_EQ(choose_config(args, env.lookup(), cwd.path()).file, in_cwd);
  args.config = "missing.json";
  try {
    choose_config(args, env.lookup(), cwd.path());
    FAIL() << "expected ConfigError";
  } catch (const ConfigError& e) {
    EXPECT_EQ(std::string(e.what()),
              (cwd.path() / "node/missing.json").string() + ": no such config file");
  }
  args.cbdir = "nodir";
  try {
    choose_config(args, env.lookup(), cwd.path());
    FAIL() << "expected ConfigError";
  } catch (const ConfigError& e) {
    EXPECT_EQ(std::string(e.what()),
              (cwd.path() / "nodir").string() + ": node directory (from --cbdir) does not exist");
  }
}

int run(std::vector<std::string> args) {
  args.insert(args.begin(), "junction");
  std::vector<char*> argv;
  for (auto& a : args)
    argv.push_back(a.data());
  argv.push_back(nullptr);
  return run_cli(static_cast<int>(args.size()), argv.data());
}

TEST(NodeCliCommands, CheckGoodAndBadConfig) {
  const auto good = (kData / "node_config.json").string();
  testing::internal::CaptureStdout();
  EXPECT_EQ(run({"check", "--config", good, "--loglevel", "error"}), 0);
  EXPECT_EQ(testing::internal::GetCapturedStdout(), "config OK: " + good + "\n");

  TempDir dir;
  const auto bad = dir.write("config.json", R"({"version": 2, "workers": [{"type": "proxy"}]})");
  testing::internal::CaptureStdout();
  testing::internal::CaptureStderr();
  EXPECT_EQ(run({"check", "--cbdir", dir.path().string()}), 1);
  EXPECT_EQ(testing::internal::GetCapturedStdout(), "");
  EXPECT_EQ(testing::internal::GetCapturedStderr(),
            bad.string() + ": workers[0].type: worker type 'proxy' is not supported yet\n");
}

TEST(NodeCliCommands, VersionHelpAndUsage) {
  testing::internal::CaptureStdout();
  EXPECT_EQ(run({"version"}), 0);
  const std::string version = testing::internal::GetCapturedStdout();
  EXPECT_EQ(version.rfind("Junction ", 0), 0u) << version;
  EXPECT_NE(version.find("Boost 1."), std::string::npos) << version;
  EXPECT_NE(version.find("OpenSSL"), std::string::npos) << version;

  testing::internal::CaptureStdout();
  EXPECT_EQ(run({"help"}), 0);
  EXPECT_EQ(testing::internal::GetCapturedStdout(), detail::usage());

  testing::internal::CaptureStdout();
  EXPECT_EQ(run({"keys", "--help"}), 0);
  EXPECT_EQ(testing::internal::GetCapturedStdout(), detail::usage("keys"));

  testing::internal::CaptureStderr();
  EXPECT_EQ(run({"frobnicate"}), 2);
  EXPECT_EQ(testing::internal::GetCapturedStderr(),
            "junction: unknown command 'frobnicate'\n\n" + detail::usage());

  testing::internal::CaptureStderr();
  EXPECT_EQ(run({"stop", "--config", "x"}), 2);
  EXPECT_EQ(testing::internal::GetCapturedStderr(),
            "junction: unknown option '--config' for 'stop'\n\n" + detail::usage("stop"));
}

}  // namespace
}  // namespace junction::node
