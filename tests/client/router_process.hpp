// tests/client/router_process: a live `junction` for the client's end-to-end tests, like the
// Python harness (tests/e2e/python/junction_harness.py): a Crossbar-format config with port 0 in a
// temporary directory, "listening on 127.0.0.1:PORT" parsed from stderr, stopped by PID (SIGTERM,
// then SIGKILL) at the end. Every wait has a timeout.
#pragma once

#include <fcntl.h>
#include <signal.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <regex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace junction::test {

// A config with realm1, where anonymous may do everything, and `transports` (a JSON array).
inline std::string router_config_with(const std::string& transports) {
  return R"({
  "version": 2,
  "workers": [{
    "type": "router",
    "realms": [{"name": "realm1", "roles": [{"name": "anonymous", "permissions": [{
      "uri": "", "match": "prefix",
      "allow": {"call": true, "register": true, "publish": true, "subscribe": true},
      "disclose": {"caller": false, "publisher": false}, "cache": true}]}]}],
    "transports": )" +
         transports + R"(
  }]
})";
}

// The Python harness's default config: anonymous may do everything on realm1, WebSocket at /ws;
// plus RawSocket on TCP (transport id "rawsocket_tcp") and on the Unix socket router.sock in the
// node directory (id "rawsocket_unix", which pings every second: an idle client must answer with
// PONGs). `rawsocket_serializers` is what both RawSocket listeners offer.
inline std::string default_router_config(
    const std::string& serializers = R"(["json", "msgpack", "cbor", "ubjson"])",
    const std::string& rawsocket_serializers = R"(["json", "msgpack", "cbor", "ubjson"])") {
  return router_config_with(R"([{
      "type": "web",
      "endpoint": {"type": "tcp", "port": 0, "interface": "127.0.0.1"},
      "paths": {"/": {"type": "nodeinfo"},
                "ws": {"type": "websocket", "serializers": )" +
                            serializers + R"(, "options": {"max_message_size": 1048576}}}
    }, {
      "type": "rawsocket", "id": "rawsocket_tcp",
      "endpoint": {"type": "tcp", "port": 0, "interface": "127.0.0.1"},
      "serializers": )" + rawsocket_serializers +
                            R"(, "max_message_size": 1048576
    }, {
      "type": "rawsocket", "id": "rawsocket_unix",
      "endpoint": {"type": "unix", "path": "router.sock"},
      "serializers": )" + rawsocket_serializers +
                            R"(, "max_message_size": 1048576,
      "options": {"auto_ping_interval": 1000, "auto_ping_timeout": 3000}
    }])");
}

// The junction to test: $JUNCTION_BIN when set (another build of the router, e.g. a release one
// next to a sanitizer build of the client), else `built` (the one this build made).
inline std::string junction_binary(const std::string& built) {
  const char* bin = std::getenv("JUNCTION_BIN");
  return bin != nullptr && *bin != '\0' ? std::string(bin) : built;
}

class RouterProcess {
 public:
  // `loglevel`: what junction is started with ("debug" logs every connection).
  RouterProcess(std::string binary, std::string config, std::string loglevel = "info")
      : binary_(std::move(binary)), config_(std::move(config)), loglevel_(std::move(loglevel)) {}
  RouterProcess(const RouterProcess&) = delete;
  RouterProcess& operator=(const RouterProcess&) = delete;
  ~RouterProcess() { stop(); }

  void start(std::chrono::seconds timeout = std::chrono::seconds(15)) {
    char tmpl[] = "/tmp/junction-client-e2e-XXXXXX";
    if (mkdtemp(tmpl) == nullptr) throw std::runtime_error("mkdtemp failed");
    dir_ = tmpl;
    const std::string config_path = dir_ + "/config.json";
    std::ofstream(config_path) << config_;
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) != 0) throw std::runtime_error("pipe failed");
    pid_ = fork();
    if (pid_ < 0) throw std::runtime_error("fork failed");
    if (pid_ == 0) {
      dup2(fds[1], STDERR_FILENO);
      dup2(fds[1], STDOUT_FILENO);
      if (chdir(dir_.c_str()) != 0) _exit(126);
      execl(binary_.c_str(), binary_.c_str(), "start", "--config", config_path.c_str(),
            "--loglevel", loglevel_.c_str(), static_cast<char*>(nullptr));
      _exit(127);
    }
    close(fds[1]);
    reader_ = std::thread([this, fd = fds[0]] { read_output(fd); });
    std::unique_lock lock(mutex_);
    if (!cv_.wait_for(lock, timeout, [&] { return port_ != 0 || eof_; }) || port_ == 0) {
      lock.unlock();
      stop();
      throw std::runtime_error("junction did not print 'listening on':\n" + log_tail());
    }
  }

  // SIGTERM, up to 5 s for a graceful exit, then SIGKILL. Returns the exit status (or -1).
  int stop() {
    int status = -1;
    if (pid_ > 0) {
      kill(pid_, SIGTERM);
      const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
      while (waitpid(pid_, &status, WNOHANG) == 0) {
        if (std::chrono::steady_clock::now() > deadline) {
          kill(pid_, SIGKILL);
          waitpid(pid_, &status, 0);
          break;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
      }
      pid_ = -1;
    }
    if (reader_.joinable()) reader_.join();
    if (!dir_.empty()) {
      std::error_code ec;
      std::filesystem::remove_all(dir_, ec);
      dir_.clear();
    }
    return status;
  }

  // Waits up to `timeout` for the process to exit by itself; its exit code, or -1.
  int wait_exit(std::chrono::milliseconds timeout) {
    if (pid_ <= 0) return -1;
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    int status = 0;
    while (waitpid(pid_, &status, WNOHANG) == 0) {
      if (std::chrono::steady_clock::now() > deadline) return -1;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    pid_ = -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }

  pid_t pid() const { return pid_; }
  int port() const { return port_; }
  std::string url() const { return "ws://127.0.0.1:" + std::to_string(port_) + "/ws"; }

  // Where the transport with config id `id` listens ("127.0.0.1:PORT" or "unix:/path"), from its
  // "transport '<id>' listening on ..." line; waits up to `timeout` for it. Empty if none came.
  std::string listener(const std::string& id,
                       std::chrono::milliseconds timeout = std::chrono::seconds(5)) const {
    std::unique_lock lock(mutex_);
    cv_.wait_for(lock, timeout, [&] { return listeners_.count(id) != 0 || eof_; });
    const auto it = listeners_.find(id);
    return it == listeners_.end() ? std::string() : it->second;
  }
  // RawSocket over TCP and over the Unix socket of default_router_config().
  std::string rs_url() const { return "rs://" + listener("rawsocket_tcp"); }
  std::string unix_url() const {
    const std::string where = listener("rawsocket_unix");
    return "unix://" + (where.rfind("unix:", 0) == 0 ? where.substr(5) : where);
  }

  // Waits up to `timeout` for a log line containing `text`; whether one came.
  bool wait_for_log(const std::string& text,
                    std::chrono::milliseconds timeout = std::chrono::seconds(5)) const {
    std::unique_lock lock(mutex_);
    bool found = false;
    cv_.wait_for(lock, timeout, [&] {
      for (const auto& line : lines_)
        if (line.find(text) != std::string::npos) return found = true;
      return eof_;
    });
    return found;
  }

  std::string log_tail() const {
    std::lock_guard lock(mutex_);
    std::string out;
    for (const auto& line : lines_)
      out += line + "\n";
    return out;
  }

 private:
  void read_output(int fd) {
    static const std::regex listening(R"(listening on ([0-9.]+):(\d+))");
    static const std::regex named(R"(transport '([a-z0-9_]+)' listening on (\S+))");
    std::string partial;
    char buf[4096];
    for (;;) {
      const ssize_t n = read(fd, buf, sizeof buf);
      if (n <= 0) break;
      partial.append(buf, static_cast<std::size_t>(n));
      std::size_t nl;
      while ((nl = partial.find('\n')) != std::string::npos) {
        std::string line = partial.substr(0, nl);
        partial.erase(0, nl + 1);
        std::smatch m;
        std::lock_guard lock(mutex_);
        if (port_ == 0 && std::regex_search(line, m, listening)) {
          port_ = std::stoi(m[2]);
          cv_.notify_all();
        }
        if (std::regex_search(line, m, named)) {
          listeners_[m[1]] = m[2];
          cv_.notify_all();
        }
        lines_.push_back(std::move(line));
        if (lines_.size() > 400) lines_.pop_front();
        cv_.notify_all();
      }
    }
    close(fd);
    std::lock_guard lock(mutex_);
    eof_ = true;
    cv_.notify_all();
  }

  std::string binary_;
  std::string config_;
  std::string loglevel_;
  std::string dir_;
  pid_t pid_ = -1;
  std::thread reader_;
  mutable std::mutex mutex_;
  mutable std::condition_variable cv_;
  std::deque<std::string> lines_;
  std::map<std::string, std::string> listeners_;  // config id -> "host:port" or "unix:/path"
  int port_ = 0;
  bool eof_ = false;
};

}  // namespace junction::test
