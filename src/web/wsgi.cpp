// web/wsgi: see the header. The Launcher lives on the service's own thread: it starts the
// process, logs its output, notices its exit through a pidfd (no SIGCHLD handler: the node's
// guest supervisor owns that signal and reaps only its own children), restarts it, and holds or
// refuses requests while it is not ready.
#include "web/wsgi.hpp"

#include <array>
#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <filesystem>
#include <future>
#include <stdexcept>

#include <fcntl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

#include "base/child_process.hpp"
#include "base/installed_file.hpp"
#include "base/log.hpp"

namespace junction::web {

namespace asio = boost::asio;
namespace http = boost::beast::http;
using Clock = std::chrono::steady_clock;

namespace {

// What the launcher prints on stdout once it listens.
constexpr std::string_view kReadyLine = "junction-wsgi: ready";
// A run at least this long resets the back-off.
constexpr auto kStableRun = std::chrono::seconds(10);
// Requests held while the launcher starts; more are answered 503.
constexpr std::size_t kMaxWaiting = 1024;
constexpr std::size_t kMaxLine = 16 * 1024;

}  // namespace

struct WsgiService::Launcher : std::enable_shared_from_this<Launcher> {
  enum class State { starting, ready, down, stopped };

  asio::io_context& io;
  ServiceThread& thread;
  const WsgiOptions& options;
  const ReverseProxyOptions& proxy;
  std::string component;  // the log component: "wsgi /app"
  State state = State::down;
  pid_t pid = -1;
  std::uint64_t generation = 0;  // which run the handlers belong to
  Clock::time_point started;
  std::chrono::milliseconds next_delay;
  std::string last_end = "not started yet";
  std::unique_ptr<asio::posix::stream_descriptor> pidfd;
  std::array<std::unique_ptr<asio::posix::stream_descriptor>, 2> outputs;  // stdout, stderr
  std::array<std::string, 2> partial;
  std::array<std::array<char, 4096>, 2> buffers{};
  asio::steady_timer timer;  // startup deadline, restart back-off, or the SIGKILL deadline
  std::deque<transport::HttpExchange> waiting;
  std::function<void()> on_stopped;

  Launcher(asio::io_context& io_, ServiceThread& t, const WsgiOptions& o,
           const ReverseProxyOptions& p)
      : io(io_),
        thread(t),
        options(o),
        proxy(p),
        component("wsgi " + o.mount),
        next_delay(o.restart_delay),
        timer(io_) {}

  void launch() {
    base::SpawnRequest req;
    req.executable = options.python;
    req.argv = {options.python, options.launcher,
                "--socket",     proxy.unix_socket,
                "--module",     options.module,
                "--object",     options.object,
                "--mount",      options.mount,
                "--minthreads", std::to_string(options.minthreads),
                "--maxthreads", std::to_string(options.maxthreads)};
    req.env =
        base::child_environment(options.inherit_all_env, options.inherit_env, options.env_vars);
    base::prepend_pythonpath(req.env, options.pythonpath);
    req.env.push_back("PYTHONUNBUFFERED=1");
    req.workdir = options.workdir;

    int out[2][2];
    if (::pipe2(out[0], O_CLOEXEC) != 0) return failed_to_start("pipe", errno);
    if (::pipe2(out[1], O_CLOEXEC) != 0) {
      const int err = errno;
      ::close(out[0][0]);
      ::close(out[0][1]);
      return failed_to_start("pipe", err);
    }
    req.stdout_fd = out[0][1];
    req.stderr_fd = out[1][1];
    std::error_code ignored;
    std::filesystem::remove(proxy.unix_socket, ignored);  // a dead launcher's socket
    const base::SpawnResult r = base::spawn(req);
    ::close(out[0][1]);
    ::close(out[1][1]);
    if (r.pid <= 0) {
      ::close(out[0][0]);
      ::close(out[1][0]);
      return failed_to_start(r.step, r.error);
    }
    // Readable once the process has exited. (The syscall: bookworm's <sys/pidfd.h> declares
    // pidfd_open without extern "C", so C++ cannot link against it.)
    const int fd = static_cast<int>(::syscall(SYS_pidfd_open, r.pid, 0));
    if (fd < 0) {
      const int err = errno;
      ::kill(-r.pid, SIGKILL);
      int status;
      ::waitpid(r.pid, &status, 0);
      ::close(out[0][0]);
      ::close(out[1][0]);
      return failed_to_start("pidfd_open", err);
    }
    pid = r.pid;
    ++generation;
    started = Clock::now();
    state = State::starting;
    JLOG(info, component) << "started the WSGI launcher (PID " << pid << ") for " << options.module
                          << ":" << options.object;
    pidfd = std::make_unique<asio::posix::stream_descriptor>(io, fd);
    pidfd->async_wait(asio::posix::stream_descriptor::wait_read,
                      [self = shared_from_this(), g = generation](boost::system::error_code ec) {
                        if (!ec && g == self->generation) self->exited();
                      });
    for (int i = 0; i < 2; ++i) {
      outputs[i] = std::make_unique<asio::posix::stream_descriptor>(io, out[i][0]);
      partial[i].clear();
      read_output(i, outputs[i].get());
    }
    timer.expires_after(options.startup_timeout);
    timer.async_wait([self = shared_from_this(), g = generation](boost::system::error_code ec) {
      if (ec || g != self->generation || self->state != State::starting) return;
      JLOG(error, self->component) << "the WSGI launcher is not ready after "
                                   << self->options.startup_timeout.count() << " ms: SIGKILL";
      ::kill(-self->pid, SIGKILL);
    });
  }

  void failed_to_start(const std::string& step, int err) {
    JLOG(error, component) << "cannot start the WSGI launcher (" << options.python << " "
                           << options.launcher << "): " << step << ": " << std::strerror(err);
    ended("could not be started");
  }

  void read_output(int which, asio::posix::stream_descriptor* stream) {
    stream->async_read_some(
        asio::buffer(buffers[which]),
        [self = shared_from_this(), which, stream](boost::system::error_code ec, std::size_t n) {
          if (self->outputs[which].get() != stream) return;
          std::string& line = self->partial[which];
          for (std::size_t i = 0; i < n; ++i) {
            const char c = self->buffers[which][i];
            if (c == '\n' || line.size() >= kMaxLine) {
              self->log_line(which, line);
              line.clear();
              if (c == '\n') continue;
            }
            line += c;
          }
          if (ec) {  // EOF: the launcher exited (or closed it)
            if (!line.empty()) self->log_line(which, line);
            line.clear();
            self->outputs[which].reset();
            return;
          }
          self->read_output(which, stream);
        });
  }

  // The launcher writes its log to stdout, one record a line, prefixed with the level when it is
  // not info; stderr is what Python itself writes there (warnings, a crash).
  void log_line(int which, std::string_view line) {
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (which == 0 && line == kReadyLine) return became_ready();
    auto level = which == 0 ? log::Level::info : log::Level::warn;
    if (which == 0) {
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
    if (log::enabled(level))
      log::Record(level, component) << (which == 0 ? "" : "stderr: ") << line;
  }

  void became_ready() {
    if (state != State::starting) return;
    state = State::ready;
    timer.cancel();
    JLOG(info, component) << "the WSGI launcher is ready (" << options.module << ":"
                          << options.object << " at " << options.mount << ")";
    while (!waiting.empty()) {
      auto exchange = std::move(waiting.front());
      waiting.pop_front();
      forward_http(thread, io, proxy, std::move(exchange));
    }
  }

  void exited() {
    // Anything it started in its process group goes with it (killed before the launcher is
    // reaped: until then its PID, the group's ID, cannot be reused).
    ::kill(-pid, SIGKILL);
    int status = 0;
    pid_t r;
    do {
      r = ::waitpid(pid, &status, WNOHANG);
    } while (r < 0 && errno == EINTR);
    pidfd.reset();
    pid = -1;
    ended(r == 0 || r < 0 ? "ended" : base::describe_exit_status(status));
  }

  void ended(const std::string& what) {
    last_end = what;
    timer.cancel();
    if (state == State::stopped) {
      JLOG(info, component) << "the WSGI launcher " << what;
      if (on_stopped) std::exchange(on_stopped, nullptr)();
      return;
    }
    state = State::down;
    if (Clock::now() - started >= kStableRun) next_delay = options.restart_delay;
    const auto delay = next_delay;
    next_delay = std::min(options.max_restart_delay, next_delay * 2);
    JLOG(warn, component) << "the WSGI launcher " << what << "; restarting in " << delay.count()
                          << " ms";
    while (!waiting.empty()) {
      refuse(waiting.front());
      waiting.pop_front();
    }
    timer.expires_after(delay);
    timer.async_wait([self = shared_from_this()](boost::system::error_code ec) {
      if (!ec && self->state == State::down) self->launch();
    });
  }

  void refuse(transport::HttpExchange& exchange) {
    JLOG(warn, "web") << exchange.connection().peer << ": " << component << " " << exchange.path()
                      << ": the WSGI launcher is not running (" << last_end << "); 502";
    exchange.respond(http::status::bad_gateway,
                     "Bad gateway: the WSGI application is not running.\n");
  }

  void request(transport::HttpExchange exchange) {
    switch (state) {
      case State::ready:
        return forward_http(thread, io, proxy, std::move(exchange));
      case State::starting:
        if (waiting.size() >= kMaxWaiting) {
          return exchange.respond(http::status::service_unavailable,
                                  "Service unavailable: the WSGI application is starting.\n");
        }
        waiting.push_back(std::move(exchange));
        return;
      case State::down:
        return refuse(exchange);
      case State::stopped:
        return exchange.respond(http::status::service_unavailable, "Shutting down.\n");
    }
  }

  void shutdown(std::function<void()> done) {
    const State before = state;
    state = State::stopped;
    timer.cancel();
    while (!waiting.empty()) {
      waiting.front().respond(http::status::service_unavailable, "Shutting down.\n");
      waiting.pop_front();
    }
    if (pid <= 0 || before == State::stopped) return done();
    on_stopped = std::move(done);
    JLOG(info, component) << "stopping the WSGI launcher (SIGTERM to process group " << pid << ")";
    ::kill(-pid, SIGTERM);
    timer.expires_after(options.stop_timeout);
    timer.async_wait([self = shared_from_this(), g = generation](boost::system::error_code ec) {
      if (ec || g != self->generation || self->pid <= 0) return;
      JLOG(warn, self->component) << "the WSGI launcher still runs "
                                  << self->options.stop_timeout.count()
                                  << " ms after SIGTERM: SIGKILL";
      ::kill(-self->pid, SIGKILL);
    });
  }
};

WsgiService::WsgiService(WsgiOptions options)
    : options_(std::move(options)), thread_("wsgi " + options_.mount) {
  proxy_.host = "localhost";
  proxy_.path = options_.mount;
  proxy_.timeout = options_.timeout;
  proxy_.log_name = "wsgi " + options_.mount;
}

WsgiService::~WsgiService() {
  stop();
}

void WsgiService::start(router::Router&, asio::io_context&) {
  if (thread_.io()) return;
  if (options_.launcher.empty()) {
    std::string searched;
    const auto found = base::find_installed_file("junction-wsgi.py", &searched);
    if (!found) {
      throw std::runtime_error(
          "wsgi " + options_.mount +
          ": junction-wsgi.py, installed with junction, not found (looked at " + searched + ")");
    }
    options_.launcher = found->string();
  }
  const char* runtime = std::getenv("XDG_RUNTIME_DIR");
  std::string dir =
      (runtime && *runtime ? std::string(runtime) : std::string("/tmp")) + "/junction-wsgi-XXXXXX";
  if (!::mkdtemp(dir.data())) {
    throw std::runtime_error("wsgi " + options_.mount + ": cannot create a private directory (" +
                             dir + "): " + std::strerror(errno));
  }
  socket_dir_ = dir;  // mode 0700: only junction's user reaches the launcher
  proxy_.unix_socket = dir + "/wsgi.sock";
  thread_.start([this](asio::io_context& io) {
    launcher_ = std::make_shared<Launcher>(io, thread_, options_, proxy_);
    asio::post(io, [l = launcher_] { l->launch(); });
  });
}

void WsgiService::stop() {
  asio::io_context* io = thread_.io();
  if (!io) return;
  // launcher_ was set before the thread started and changes only here, after it is joined.
  std::shared_ptr<Launcher> launcher = launcher_;
  // Stop the launcher and wait for it (a little longer than its SIGKILL deadline).
  auto gone = std::make_shared<std::promise<void>>();
  auto future = gone->get_future();
  asio::post(*io, [launcher, gone] { launcher->shutdown([gone] { gone->set_value(); }); });
  future.wait_for(options_.stop_timeout + std::chrono::seconds(2));
  thread_.stop([this, &launcher] {
    launcher_.reset();
    if (launcher->pid > 0) {  // it did not go in time: no process is left behind
      ::kill(-launcher->pid, SIGKILL);
      int status;
      ::waitpid(launcher->pid, &status, 0);
    }
    launcher.reset();
  });
  std::error_code ignored;
  std::filesystem::remove_all(socket_dir_, ignored);
}

void WsgiService::handle(transport::HttpExchange exchange) {
  auto held = std::make_shared<transport::HttpExchange>(std::move(exchange));
  // On the thread, launcher_ is the one start() made (stop() resets it only after the join).
  if (!thread_.post([this, held](asio::io_context&) { launcher_->request(std::move(*held)); })) {
    held->respond(http::status::service_unavailable, "Not started.\n");
  }
}

}  // namespace junction::web
