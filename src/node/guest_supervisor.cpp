#include "node/guest_supervisor.hpp"

#include <array>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <optional>
#include <string>

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>

#include "base/child_process.hpp"
#include "base/log.hpp"
#include "node/directory_watch.hpp"

namespace junction::node {

namespace asio = boost::asio;
using Clock = std::chrono::steady_clock;
using base::child_environment;
using base::spawn;
using base::SpawnRequest;
using base::SpawnResult;

namespace {

// A run shorter than this counts as a quick failure: the next restart waits twice as long.
constexpr auto kStableRun = std::chrono::seconds(10);
// Longest output line logged as one record; longer lines are split.
constexpr std::size_t kMaxLine = 16 * 1024;

bool failed(int status) {
  return !(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

log::Level exit_level(int status) {
  return failed(status) ? log::Level::warn : log::Level::info;
}

struct Pipe {
  int read = -1;
  int write = -1;
  bool open() {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) return false;
    read = fds[0];
    write = fds[1];
    return true;
  }
  void close_both() {
    if (read >= 0) ::close(read);
    if (write >= 0) ::close(write);
    read = write = -1;
  }
};

}  // namespace

// One guest: its config, the running process (if any) and its pipes.
struct Guest {
  GuestConfig config;
  std::string component;  // "guest <id>", the log component
  pid_t pid = -1;
  Clock::time_point started;
  std::chrono::milliseconds next_delay{0};
  bool finished = false;       // exited and will not be restarted
  std::uint64_t restarts = 0;  // for the node's metrics
  std::unique_ptr<asio::posix::stream_descriptor> stdin_pipe;
  std::array<std::unique_ptr<asio::posix::stream_descriptor>, 2> outputs;  // stdout, stderr
  std::array<std::string, 2> partial;  // output without its newline yet
  std::array<char, 4096> buffer{};
  std::array<char, 4096> buffer2{};
  std::unique_ptr<asio::steady_timer> timer;  // restart back-off, or the SIGKILL deadline
  std::unique_ptr<DirectoryWatch> watch;      // options.watch, while the guest runs
  bool stopped_by_watch = false;              // SIGTERM sent because options.watch saw a change
};

struct GuestSupervisor::Impl : std::enable_shared_from_this<Impl> {
  asio::io_context& io;
  std::vector<std::unique_ptr<Guest>> guests;
  std::vector<ShutdownTrigger> triggers;
  std::function<void()> shutdown_node;
  asio::signal_set sigchld;
  bool stopping = false;
  bool shutdown_requested = false;
  bool all_stopped = false;
  std::function<void()> stopped;
  ComponentRuntime runtime;

  Impl(asio::io_context& io_, std::vector<GuestConfig> configs, std::vector<ShutdownTrigger> t,
       std::function<void()> shutdown, ComponentRuntime r)
      : io(io_),
        triggers(std::move(t)),
        shutdown_node(std::move(shutdown)),
        sigchld(io_, SIGCHLD),
        runtime(std::move(r)) {
    for (auto& c : configs) {
      auto g = std::make_unique<Guest>();
      g->component = c.log_name.empty() ? "guest " + c.id : c.log_name;
      g->next_delay = c.restart_delay;
      g->config = std::move(c);
      g->timer = std::make_unique<asio::steady_timer>(io);
      guests.push_back(std::move(g));
    }
  }

  void watch_children() {
    sigchld.async_wait([self = shared_from_this()](const boost::system::error_code& ec, int) {
      if (ec) return;
      self->reap();
      if (!self->all_stopped) self->watch_children();
    });
  }

  void reap() {
    for (auto& g : guests) {
      if (g->pid <= 0) continue;
      int status = 0;
      const pid_t r = ::waitpid(g->pid, &status, WNOHANG);
      if (r == g->pid) exited(*g, status);
    }
  }

  void launch(Guest& g) {
    const GuestConfig& c = g.config;
    SpawnRequest req;
    req.executable = c.executable;
    req.argv.push_back(c.executable);
    req.argv.insert(req.argv.end(), c.arguments.begin(), c.arguments.end());
    req.env = child_environment(c.inherit_all_env, c.inherit_env, c.env_vars);
    req.workdir = c.workdir;
    if (c.component_launcher) {
      // python3 junction-components.py, with options.pythonpath first on the module path.
      req.argv.insert(req.argv.begin() + 1, runtime.launcher);
      base::prepend_pythonpath(req.env, c.pythonpath);
      req.env.push_back("JUNCTION_COMPONENT_SOCKET=" + runtime.socket);
      req.env.push_back(std::string("JUNCTION_COMPONENT_LOGLEVEL=") +
                        std::string(log::level_name(std::min(log::level(), log::Level::error))));
    }

    Pipe in, out[2];
    bool ok = in.open();
    for (int i = 0; i < 2; ++i)
      ok = ok && out[i].open();
    if (!ok) {
      JLOG(error, g.component) << "cannot start: pipe: " << std::strerror(errno);
      in.close_both();
      for (auto& p : out)
        p.close_both();
      return;
    }
    req.stdin_fd = in.read;
    const GuestOutput modes[2] = {c.stdout_mode, c.stderr_mode};
    for (int i = 0; i < 2; ++i) {
      // "drop": /dev/null in the child; "log" and "close": the pipe (closed at once for "close").
      (i == 0 ? req.stdout_fd : req.stderr_fd) = modes[i] == GuestOutput::drop ? -1 : out[i].write;
    }
    const SpawnResult r = spawn(req);
    ::close(in.read);
    for (auto& p : out)
      ::close(p.write);
    if (r.pid <= 0) {
      ::close(in.write);
      for (auto& p : out)
        ::close(p.read);
      JLOG(error, g.component) << "cannot start '" << c.executable << "' (" << c.config_path
                               << ", workdir " << c.workdir << "): " << r.step << ": "
                               << std::strerror(r.error);
      g.started = Clock::now();
      ended(g, 127 << 8);  // as a shell reports a command it could not run
      return;
    }
    g.pid = r.pid;
    g.started = Clock::now();
    JLOG(info, g.component) << "started (PID " << r.pid << "): " << c.executable
                            << (c.arguments.empty() ? "" : " ...") << " in " << c.workdir;
    start_watch(g);
    for (int i = 0; i < 2; ++i) {
      if (modes[i] == GuestOutput::log) {
        g.outputs[i] = std::make_unique<asio::posix::stream_descriptor>(io, out[i].read);
        g.partial[i].clear();
        read_output(g, i);
      } else {
        ::close(out[i].read);
      }
    }
    switch (c.stdin_mode) {
      case GuestConfig::Stdin::close:
        ::close(in.write);
        break;
      case GuestConfig::Stdin::keep_open:
        g.stdin_pipe = std::make_unique<asio::posix::stream_descriptor>(io, in.write);
        break;
      case GuestConfig::Stdin::json:
        g.stdin_pipe = std::make_unique<asio::posix::stream_descriptor>(io, in.write);
        asio::async_write(*g.stdin_pipe, asio::buffer(c.stdin_data),
                          [self = shared_from_this(), &g, pid = g.pid](
                              const boost::system::error_code& ec, std::size_t) {
                            if (g.pid != pid || !g.stdin_pipe) return;
                            if (ec) {
                              JLOG(warn, g.component) << "writing stdin: " << ec.message();
                            }
                            if (ec || g.config.stdin_close_after) g.stdin_pipe.reset();
                          });
        break;
    }
  }

  void read_output(Guest& g, int which) {
    auto& stream = *g.outputs[which];
    auto& buf = which == 0 ? g.buffer : g.buffer2;
    stream.async_read_some(asio::buffer(buf),
                           [self = shared_from_this(), &g, which, &buf](
                               const boost::system::error_code& ec, std::size_t n) {
                             if (!g.outputs[which]) return;
                             std::string& line = g.partial[which];
                             for (std::size_t i = 0; i < n; ++i) {
                               if (buf[i] == '\n' || line.size() >= kMaxLine) {
                                 self->log_line(g, which, line);
                                 line.clear();
                                 if (buf[i] == '\n') continue;
                               }
                               line += buf[i];
                             }
                             if (ec) {  // EOF (the guest closed it, or exited) or an error
                               if (!line.empty()) self->log_line(g, which, line);
                               line.clear();
                               g.outputs[which].reset();
                               return;
                             }
                             self->read_output(g, which);
                           });
  }

  void log_line(Guest& g, int which, std::string_view line) {
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    auto level = log::Level::info;
    if (g.config.component_launcher && which == 0) {
      // The launcher prefixes records that are not info with their level.
      static constexpr std::pair<std::string_view, log::Level> kPrefixes[] = {
          {"debug: ", log::Level::debug},
          {"warn: ", log::Level::warn},
          {"error: ", log::Level::error}};
      for (const auto& [prefix, l] : kPrefixes) {
        if (line.starts_with(prefix)) {
          line.remove_prefix(prefix.size());
          level = l;
        }
      }
    }
    if (log::enabled(level)) {
      log::Record(level, g.component) << (which == 0 ? "" : "stderr: ") << line;
    }
  }

  // options.watch: the first change under the directories stops the guest (ended() restarts it
  // when the config says so).
  void start_watch(Guest& g) {
    if (g.config.watch_directories.empty()) return;
    try {
      g.watch = std::make_unique<DirectoryWatch>(
          io, g.config.watch_directories,
          // Weak: the guest holds the watch, which holds this (no cycle through `guests`).
          [weak = weak_from_this(), &g, pid = g.pid](std::string what) {
            auto self = weak.lock();
            if (!self || g.pid != pid || self->stopping) return;
            g.watch.reset();
            g.stopped_by_watch = true;
            JLOG(info, g.component) << "options.watch: " << what << "; stopping (SIGTERM)"
                                    << (g.config.watch_restart ? " to restart it" : "");
            self->terminate(g);
          });
    } catch (const std::exception& e) {
      JLOG(error, g.component) << "options.watch: " << e.what() << "; not watching";
    }
  }

  // SIGTERM to the guest's process group, SIGKILL after its stop_timeout.
  void terminate(Guest& g) {
    ::kill(-g.pid, SIGTERM);
    g.timer->expires_after(g.config.stop_timeout);
    g.timer->async_wait(
        [self = shared_from_this(), g = &g, pid = g.pid](const boost::system::error_code& ec) {
          if (ec || g->pid != pid) return;
          JLOG(warn, g->component)
              << "still running " << g->config.stop_timeout.count() << " ms after SIGTERM: SIGKILL";
          ::kill(-pid, SIGKILL);
        });
  }

  void exited(Guest& g, int status) {
    // At shutdown, anything the guest started in its process group goes with it.
    if (stopping) ::kill(-g.pid, SIGKILL);
    g.pid = -1;
    g.watch.reset();
    g.stdin_pipe.reset();
    // The output pipes are read to their end (EOF): the last lines are not lost.
    ended(g, status);
  }

  void ended(Guest& g, int status) {
    const auto ran = Clock::now() - g.started;
    const bool restart =
        !stopping && (g.config.restart == RestartPolicy::always ||
                      (g.config.restart == RestartPolicy::on_failure && failed(status)));
    const std::string what = base::describe_exit_status(status);
    if (stopping) {
      JLOG(info, g.component) << what;
      g.timer->cancel();
      g.finished = true;
      check_stopped();
      return;
    }
    if (g.stopped_by_watch) {
      // Crossbar's options.watch: "action": "restart" starts it again after "timeout"; without
      // it the guest stays stopped (the restart policy does not apply to this stop).
      g.stopped_by_watch = false;
      g.timer->cancel();
      if (g.config.watch_restart) {
        JLOG(info, g.component) << what << "; restarting in " << g.config.watch_delay.count()
                                << " ms (options.watch)";
        g.timer->expires_after(g.config.watch_delay);
        g.timer->async_wait([self = shared_from_this(), &g](const boost::system::error_code& ec) {
          if (ec || self->stopping) return;
          ++g.restarts;
          self->launch(g);
        });
        return;
      }
      JLOG(info, g.component) << what << " (options.watch)";
      g.finished = true;
      fire_triggers(false);
      return;
    }
    if (restart) {
      if (ran >= kStableRun) g.next_delay = g.config.restart_delay;
      const auto delay = g.next_delay;
      g.next_delay = std::min(g.config.max_restart_delay, g.next_delay * 2);
      if (const auto level = exit_level(status); log::enabled(level)) {
        log::Record(level, g.component) << what << "; restarting in " << delay.count() << " ms";
      }
      g.timer->expires_after(delay);
      g.timer->async_wait([self = shared_from_this(), &g](const boost::system::error_code& ec) {
        if (ec || self->stopping) return;
        ++g.restarts;
        self->launch(g);
      });
      return;
    }
    if (const auto level = exit_level(status); log::enabled(level)) {
      log::Record(level, g.component) << what;
    }
    g.finished = true;
    fire_triggers(failed(status));
  }

  void fire_triggers(bool with_error) {
    bool all_finished = true;
    for (auto& other : guests)
      all_finished = all_finished && other->finished;
    for (const auto t : triggers) {
      const bool fires = t == ShutdownTrigger::worker_exit ||
                         (t == ShutdownTrigger::worker_exit_with_error && with_error) ||
                         (t == ShutdownTrigger::last_worker_exit && all_finished);
      if (fires && !shutdown_requested) {
        shutdown_requested = true;
        JLOG(info, "node") << "a worker exited and the controller's options.shutdown says to stop";
        asio::post(io, [self = shared_from_this()] { self->shutdown_node(); });
        return;
      }
    }
  }

  void check_stopped() {
    for (auto& g : guests) {
      if (g->pid > 0) return;
    }
    if (stopped) {
      auto done = std::move(stopped);
      stopped = nullptr;
      all_stopped = true;  // nothing left to reap: the loop may run out of work
      sigchld.cancel();
      asio::post(io, std::move(done));
    }
  }

  void stop(std::function<void()> done) {
    stopping = true;
    stopped = std::move(done);
    for (auto& g : guests) {
      g->timer->cancel();
      g->watch.reset();
      if (g->pid <= 0) continue;
      JLOG(info, g->component) << "stopping (SIGTERM to process group " << g->pid << ")";
      terminate(*g);
    }
    check_stopped();
  }
};

GuestSupervisor::GuestSupervisor(asio::io_context& io, std::vector<GuestConfig> guests,
                                 std::vector<ShutdownTrigger> triggers,
                                 std::function<void()> shutdown_node, ComponentRuntime components)
    : impl_(std::make_shared<Impl>(io, std::move(guests), std::move(triggers),
                                   std::move(shutdown_node), std::move(components))) {
  // Collected on the routing thread, which owns the guests.
  metrics_ = metrics::add_collector([impl = impl_.get()](metrics::Exposition& out) {
    out.family("junction_worker_restarts_total", "counter",
               "restarts of a guest or container worker by its restart policy");
    for (const auto& g : impl->guests)
      out.sample("junction_worker_restarts_total", {{"worker", g->config.id}}, g->restarts);
  });
}

GuestSupervisor::~GuestSupervisor() {
  // If the loop ended without stop() (the watchdog stopped it), leave no process behind.
  for (auto& g : impl_->guests) {
    if (g->pid > 0) {
      ::kill(-g->pid, SIGKILL);
      int status;
      ::waitpid(g->pid, &status, 0);
    }
  }
}

void GuestSupervisor::start() {
  if (impl_->guests.empty()) return;
  impl_->watch_children();
  for (auto& g : impl_->guests)
    impl_->launch(*g);
}

void GuestSupervisor::stop(std::function<void()> done) {
  impl_->stop(std::move(done));
}

}  // namespace junction::node
