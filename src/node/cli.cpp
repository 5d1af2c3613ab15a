// node/cli: the `junction` command line. `start` runs the node: config → Router → Server on one
// io_context thread, until SIGINT/SIGTERM, then a graceful shutdown (GOODBYE to every session,
// listeners closed, connections closed; a 5 s watchdog stops the loop if something hangs).
// `check` validates the config, `stop`/`status` use the node directory's node.pid, `convert`
// turns JSON into YAML or back, `version` prints versions, `help` the usage.
#include "node/cli.hpp"

#include <algorithm>
#include <cerrno>
#include <condition_variable>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <functional>
#include <iostream>
#include <mutex>
#include <optional>
#include <thread>

#include <fcntl.h>
#include <signal.h>

#include <openssl/opensslv.h>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/version.hpp>
#include <nlohmann/json.hpp>

#include "auth/asio_executor.hpp"
#include "base/log.hpp"
#include "base/version.hpp"
#include "meta/meta_api.hpp"
#include "metrics/registry.hpp"
#include "node/auth_caller.hpp"
#include "node/cli_args.hpp"
#include "node/component_launcher.hpp"
#include "node/config.hpp"
#include "node/convert.hpp"
#include "node/flash_policy.hpp"
#include "node/guest_supervisor.hpp"
#include "node/init_app.hpp"
#include "node/node_key.hpp"
#include "node/pidfile.hpp"
#include "node/reload.hpp"
#include "node/systemd_notify.hpp"
#include "router/router.hpp"
#include "transport/outbound_budget.hpp"
#include "transport/routing_clock.hpp"
#include "transport/server.hpp"
#include "web/archive.hpp"

namespace junction::node {

namespace {

using namespace std::chrono_literals;
constexpr auto kShutdownGrace = 5s;
constexpr auto kStopWait = 30s;  // `junction stop` waits this long for the node to end

struct Loaded {
  NodeConfig config;
  std::filesystem::path file;  // the config file; empty for the embedded default
  std::string note;
  std::optional<std::filesystem::path> node_dir;  // where node.pid goes; none: no node directory
};

Loaded load(const detail::CliArgs& args, UnsetEnv unset_env) {
  const auto cwd = std::filesystem::current_path();
  const auto choice = detail::choose_config(args, detail::process_env, cwd);
  if (choice.file.empty()) {
    return {default_config(),
            {},
            choice.note,
            detail::find_node_directory(args, detail::process_env, cwd)};
  }
  return {load_config_file(choice.file, unset_env), choice.file, "", choice.file.parent_path()};
}

// The node directory for stop/status; prints why there is none.
std::optional<std::filesystem::path> node_directory(const detail::CliArgs& args) {
  try {
    auto dir =
        detail::find_node_directory(args, detail::process_env, std::filesystem::current_path());
    if (!dir) {
      std::cerr << "no node directory (--cbdir, $JUNCTION_DIR, $CROSSBAR_DIR, ./.junction, "
                   "./.crossbar)\n";
    }
    return dir;
  } catch (const ConfigError& e) {
    std::cerr << e.what() << "\n";
    return std::nullopt;
  }
}

int cmd_status(const detail::CliArgs& args) {
  const auto dir = node_directory(args);
  if (!dir) return 2;
  const auto pid = running_pid(*dir / kPidFileName);
  if (pid) {
    std::cout << "running (PID " << *pid << ") from " << dir->string() << "\n";
  } else {
    std::cout << "stopped (no node runs from " << dir->string() << ")\n";
  }
  if (!args.assert_state) return 0;
  const bool holds = (*args.assert_state == "running") == pid.has_value();
  std::cout << "assert " << *args.assert_state << (holds ? ": holds" : ": does not hold") << "\n";
  return holds ? 0 : 1;
}

int cmd_stop(const detail::CliArgs& args) {
  const auto dir = node_directory(args);
  if (!dir) return 2;
  const auto pid = running_pid(*dir / kPidFileName);
  if (!pid) {
    std::cerr << "no node is running from " << dir->string() << "\n";
    return 1;
  }
  std::cout << "stopping the node (PID " << *pid << ") from " << dir->string() << " ...\n";
  if (::kill(*pid, SIGTERM) != 0) {
    std::cerr << "cannot signal PID " << *pid << ": " << std::strerror(errno) << "\n";
    return 1;
  }
  // The node's own shutdown gives guest workers their stop_timeout (5 s by default) and then
  // connections 5 s; wait longer than that.
  const auto deadline = std::chrono::steady_clock::now() + kStopWait;
  while (std::chrono::steady_clock::now() < deadline) {
    if (!process_alive(*pid)) {
      std::cout << "stopped\n";
      return 0;
    }
    std::this_thread::sleep_for(50ms);
  }
  std::cerr << "PID " << *pid << " still runs " << kStopWait.count() << " s after SIGTERM\n";
  return 1;
}

int cmd_keygen(const detail::CliArgs& args) {
  const auto dir = node_directory(args);
  if (!dir) return 2;
  try {
    const auto key = generate_node_key(*dir);
    std::cout << "created " << (*dir / "key.priv").string() << " and key.pub\n"
              << "public-key-ed25519: " << key.public_hex << "\n";
    return 0;
  } catch (const std::runtime_error& e) {
    std::cerr << e.what() << "\n";
    return 1;
  }
}

int cmd_keys(const detail::CliArgs& args) {
  const auto dir = node_directory(args);
  if (!dir) return 2;
  try {
    std::cout << "public-key-ed25519: " << load_node_key(*dir).public_hex << "\n";
    return 0;
  } catch (const std::runtime_error& e) {
    std::cerr << e.what() << "\n";
    return 1;
  }
}

int cmd_convert(const detail::CliArgs& args) {
  try {
    const auto choice =
        detail::choose_config(args, detail::process_env, std::filesystem::current_path());
    if (choice.file.empty()) {
      std::cerr << "nothing to convert: " << choice.note << "\n";
      return 1;
    }
    const auto written = convert_config_file(choice.file);
    std::cout << "converted " << choice.file.string() << " to " << written.string() << "\n";
    return 0;
  } catch (const ConfigError& e) {
    std::cerr << e.what() << "\n";
    return 1;
  }
}

int cmd_init(const detail::CliArgs& args) {
  const auto appdir = args.appdir.value_or(".");
  const std::string name = args.template_name.value_or("default");
  try {
    const auto files = init_app(appdir, name);
    std::cout << "created a '" << name << "' application in " << appdir.string() << ":\n";
    for (const auto& f : files)
      std::cout << "  " << f << "\n";
    std::cout << "start it with: junction start --cbdir " << (appdir / ".crossbar").string()
              << "\n";
    return 0;
  } catch (const std::runtime_error& e) {
    std::cerr << e.what() << "\n";
    return 1;
  }
}

int cmd_version() {
  std::cout << "Junction " << kVersion << "\n"
            << "Boost " << BOOST_VERSION / 100000 << "." << BOOST_VERSION / 100 % 1000 << "."
            << BOOST_VERSION % 100 << "\n"
            << OPENSSL_VERSION_TEXT << " (build)\n"
            << "nlohmann/json " << NLOHMANN_JSON_VERSION_MAJOR << "." << NLOHMANN_JSON_VERSION_MINOR
            << "." << NLOHMANN_JSON_VERSION_PATCH << "\n";
  return 0;
}

int cmd_check(const detail::CliArgs& args) {
  try {
    const auto loaded = load(args, UnsetEnv::warn);
    std::cout << "config OK: " << loaded.config.source;
    if (!loaded.note.empty()) std::cout << " (" << loaded.note << ")";
    std::cout << "\n";
    return 0;
  } catch (const ConfigError& e) {
    std::cerr << e.what() << "\n";
    return 1;
  }
}

// Stops `io` if it has not finished within the grace period after a shutdown began.
class Watchdog {
 public:
  explicit Watchdog(boost::asio::io_context& io) : io_(io) {}
  ~Watchdog() {
    {
      std::lock_guard lock(mutex_);
      done_ = true;
    }
    cv_.notify_all();
    if (thread_.joinable()) thread_.join();
  }
  void arm() {
    if (thread_.joinable()) return;
    thread_ = std::thread([this] {
      std::unique_lock lock(mutex_);
      if (!cv_.wait_for(lock, kShutdownGrace, [this] { return done_; })) {
        JLOG(warn, "node") << "connections still open after " << kShutdownGrace.count()
                           << " s; stopping anyway";
        io_.stop();
      }
    });
  }

 private:
  boost::asio::io_context& io_;
  std::mutex mutex_;
  std::condition_variable cv_;
  bool done_ = false;
  std::thread thread_;
};

// Downloads the archives of "archive" paths with `download` and no file yet, one after the
// other, before any listener serves: Crossbar, too, downloads while it creates the web service,
// before the transport listens. False (logged) when one fails: the node does not start.
bool download_archives(const NodeConfig& config) {
  for (const auto& listener : config.listeners) {
    for (const auto& [path, service] : listener.paths) {
      auto* archive = dynamic_cast<web::ArchiveService*>(service.http.get());
      if (archive == nullptr || !archive->pending()) continue;
      try {
        archive->download();
      } catch (const web::ArchiveError& e) {
        JLOG(error, "node") << listener.name << ": path " << path << ": " << e.what();
        return false;
      }
    }
  }
  return true;
}

int cmd_start(const detail::CliArgs& args) {
  if (args.loglevel) log::set_level(*args.loglevel);
  if (args.logformat) log::set_format(*args.logformat);
  if (args.logtofile) {
    // The node directory is where node.pid goes: the config file's directory, else --cbdir ...
    std::optional<std::filesystem::path> dir;
    try {
      const auto cwd = std::filesystem::current_path();
      const auto choice = detail::choose_config(args, detail::process_env, cwd);
      dir = choice.file.empty() ? detail::find_node_directory(args, detail::process_env, cwd)
                                : choice.file.parent_path();
    } catch (const ConfigError& e) {
      JLOG(error, "node") << e.what();
      return 1;
    }
    if (!dir) {
      JLOG(error, "node") << "--logtofile needs a node directory (--cbdir, $JUNCTION_DIR, "
                             "$CROSSBAR_DIR, ./.junction, ./.crossbar)";
      return 1;
    }
    const auto file = *dir / "node.log";
    const int fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (fd < 0) {
      JLOG(error, "node") << file.string() << ": cannot open: " << std::strerror(errno);
      return 1;
    }
    log::set_output(fd);  // kept open until the process ends
  }
  Loaded loaded;
  try {
    loaded = load(args, UnsetEnv::refuse);
  } catch (const ConfigError& e) {
    JLOG(error, "node") << e.what();
    return 1;
  }
  JLOG(info, "node") << "Junction " << kVersion << " starting (config: " << loaded.config.source
                     << ")";
  if (!loaded.note.empty()) {
    JLOG(info, "node") << loaded.note;
  }
  if (loaded.config.listeners.empty()) {
    JLOG(warn, "node") << "no transports configured: nobody can connect";
  }
  std::optional<PidFile> pid_file;
  if (loaded.node_dir) {
    try {
      pid_file.emplace(*loaded.node_dir / kPidFileName);
    } catch (const std::runtime_error& e) {
      JLOG(error, "node") << e.what();
      return 1;
    }
  }

  if (!download_archives(loaded.config)) return 1;

  // I/O threads: --threads, else $JUNCTION_IO_THREADS, else the config, else 1; 0 is "auto".
  std::size_t io_threads = loaded.config.io_threads.value_or(1);
  if (args.threads) {
    io_threads = *args.threads;
  } else if (const char* env = std::getenv("JUNCTION_IO_THREADS"); env && *env) {
    const auto parsed = detail::parse_thread_count(env);
    if (!parsed) {
      JLOG(error, "node") << "$JUNCTION_IO_THREADS: bad thread count '" << env
                          << "' (expected 1..256 or auto)";
      return 1;
    }
    io_threads = *parsed;
  }
  if (io_threads == 0) io_threads = std::max(1u, std::thread::hardware_concurrency());

  // The node-wide bound on bytes waiting for slow peers (before any connection exists).
  transport::OutboundBudget::global().configure(loaded.config.max_outbound_bytes,
                                                loaded.config.max_outbound_bytes_per_connection);

  // Python components: the launcher script, and the private socket they connect over.
  std::optional<PrivateSocketDir> component_dir;
  ComponentRuntime component_runtime;
  if (std::any_of(loaded.config.guests.begin(), loaded.config.guests.end(),
                  [](const GuestConfig& g) { return g.component_launcher; })) {
    std::string searched;
    const auto launcher = find_component_launcher(&searched);
    if (!launcher) {
      JLOG(error, "node") << "Python components need junction-components.py, installed with "
                             "junction; not found (looked at "
                          << searched << ")";
      return 1;
    }
    try {
      component_dir.emplace();
    } catch (const std::runtime_error& e) {
      JLOG(error, "node") << e.what();
      return 1;
    }
    component_runtime = {launcher->string(), component_dir->socket_path()};
    loaded.config.listeners.push_back(component_listener(component_runtime.socket));
  }

  std::signal(SIGPIPE, SIG_IGN);
  try {
    // The routing thread; the Server adds io_threads - 1 I/O threads of its own.
    boost::asio::io_context io(1);
    // Key derivation for authentication runs on a worker thread, answers on this one.
    auth::AsioExecutor auth_executor(io);
    auth::bind_node_executor(&auth_executor);
    struct Unbind {
      ~Unbind() { auth::bind_node_executor(nullptr); }
    } unbind_auth_executor;
    // Deadlines (call timeouts, cancel grace periods) on the routing thread's loop.
    transport::RoutingClock clock(io);
    router::Router router(loaded.config.router, clock);
    // In-process sessions (the meta API) get what the router sends them outside a dispatch (a
    // timer) through the routing thread's loop.
    router.set_executor([&io](std::function<void()> f) { boost::asio::post(io, std::move(f)); });
    const auto meta_api = meta::serve_meta_api(router, loaded.config.router);
    // Dynamic authenticators are called through in-process sessions on this router.
    BoundAuthCaller auth_caller(router, auth_executor);
    transport::Server server(io, router, loaded.config.listeners, io_threads,
                             loaded.config.connection_limits);
    Watchdog watchdog(io);
    boost::asio::signal_set signals(io, SIGINT, SIGTERM);
    // SIGHUP reloads roles, permissions and TLS certificates from the config file (node/reload).
    boost::asio::signal_set hangup(io, SIGHUP);
    // Shutdown: the guest workers first (SIGTERM, SIGKILL after their stop_timeout) while the
    // router still serves their goodbyes, then GOODBYE to every session and the listeners closed.
    bool shutting_down = false;
    std::function<void()> shut_down;
    GuestSupervisor guests(
        io, loaded.config.guests, loaded.config.shutdown_triggers, [&] { shut_down(); },
        component_runtime);
    // "flashpolicy" transports: no WAMP, an acceptor each (node/flash_policy).
    std::vector<std::unique_ptr<FlashPolicyServer>> flash_policies;
    for (const auto& flash : loaded.config.flash_policies)
      flash_policies.push_back(std::make_unique<FlashPolicyServer>(io, flash));
    shut_down = [&] {
      if (shutting_down) return;
      shutting_down = true;
      metrics::set_node_state(metrics::NodeState::stopping);  // health: 503 from now on
      notify_stopping();
      // Back to the default action: a second Ctrl-C ends the process at once.
      boost::system::error_code ignored;
      signals.clear(ignored);
      signals.cancel(ignored);  // when a worker's exit stopped the node, the wait is still pending
      hangup.cancel(ignored);
      guests.stop([&] {
        server.stop_listening();
        for (auto& flash : flash_policies)
          flash->stop();
        router.shutdown();
        // Pending authenticator/authorizer timeouts must not hold the loop open after shutdown.
        auth_executor.stop_timers();
        server.close_connections();
        watchdog.arm();
      });
    };
    signals.async_wait([&](const boost::system::error_code& ec, int signal) {
      if (ec) return;
      JLOG(info, "node") << "received " << (signal == SIGINT ? "SIGINT" : "SIGTERM")
                         << ", shutting down";
      shut_down();
    });
    std::function<void()> wait_hangup = [&] {
      hangup.async_wait([&](const boost::system::error_code& ec, int) {
        if (ec || shutting_down) return;
        reload_config(loaded.file, router, server);
        wait_hangup();
      });
    };
    wait_hangup();
    // Signals are caught before the listeners announce themselves: a supervisor may send SIGTERM
    // as soon as it sees "listening on", and that must already mean a graceful stop.
    try {
      server.start();
      for (auto& flash : flash_policies)
        flash->start();
    } catch (const std::exception& e) {
      JLOG(error, "node") << e.what();
      return 1;
    }
    metrics::set_node_state(metrics::NodeState::running);
    {
      std::string status = "listening on";
      for (const auto& endpoint : server.bound_endpoints())
        status += " " + endpoint;
      notify_ready(status);
    }
    // Guest workers start once the router listens (they usually connect to it).
    guests.start();
    io.run();
  } catch (const std::exception& e) {
    JLOG(error, "node") << "fatal: " << e.what();
    return 1;
  }
  JLOG(info, "node") << "Junction stopped";
  return 0;
}

}  // namespace

int run_cli(int argc, char** argv) {
  std::vector<std::string> args(argv + (argc > 0 ? 1 : 0), argv + argc);
  detail::CliArgs parsed;
  try {
    parsed = detail::parse_args(args);
  } catch (const detail::UsageError& e) {
    std::cerr << "junction: " << e.what() << "\n\n" << detail::usage(e.command());
    return 2;
  }
  if (parsed.command == "help") {
    std::cout << detail::usage(parsed.help_topic);
    return 0;
  }
  if (parsed.command == "version") return cmd_version();
  if (parsed.command == "status") return cmd_status(parsed);
  if (parsed.command == "stop") return cmd_stop(parsed);
  if (parsed.command == "convert") return cmd_convert(parsed);
  if (parsed.command == "keygen") return cmd_keygen(parsed);
  if (parsed.command == "keys") return cmd_keys(parsed);
  if (parsed.command == "init") return cmd_init(parsed);
  if (parsed.command == "restart") {
    // Stop what runs from this node directory (nothing running is fine), then start.
    try {
      if (auto dir = detail::find_node_directory(parsed, detail::process_env,
                                                 std::filesystem::current_path());
          dir && running_pid(*dir / kPidFileName) && cmd_stop(parsed) != 0) {
        return 1;
      }
    } catch (const ConfigError& e) {
      std::cerr << e.what() << "\n";
      return 1;
    }
  }
  if (parsed.command == "check") {
    if (parsed.loglevel) log::set_level(*parsed.loglevel);
    return cmd_check(parsed);
  }
  return cmd_start(parsed);
}

}  // namespace junction::node
