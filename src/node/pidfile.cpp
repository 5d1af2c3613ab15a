// node/pidfile: see the header. The file is created with O_EXCL so two starts racing for the
// same node directory cannot both win.
#include "node/pidfile.hpp"

#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstring>
#include <ctime>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include <fcntl.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

namespace junction::node {

namespace {

std::optional<pid_t> read_pid(const std::filesystem::path& file) {
  std::ifstream in(file);
  if (!in) return std::nullopt;
  std::stringstream text;
  text << in.rdbuf();
  const auto j = nlohmann::json::parse(text.str(), nullptr, /*allow_exceptions=*/false);
  if (!j.is_object() || !j.contains("pid") || !j["pid"].is_number_integer()) return std::nullopt;
  const auto pid = j["pid"].get<long long>();
  if (pid <= 0) return std::nullopt;
  return static_cast<pid_t>(pid);
}

}  // namespace

bool process_alive(pid_t pid) {
  if (::kill(pid, 0) != 0 && errno != EPERM) return false;
  // A zombie (exited, not yet reaped by its parent) has stopped too.
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  if (!std::getline(stat, line)) return true;
  const auto paren = line.rfind(')');
  return paren == std::string::npos || paren + 2 >= line.size() || line[paren + 2] != 'Z';
}

namespace {

std::string utc_now() {
  const std::time_t now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm tm{};
  ::gmtime_r(&now, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

}  // namespace

std::optional<pid_t> running_pid(const std::filesystem::path& file) {
  auto pid = read_pid(file);
  if (pid && process_alive(*pid)) return pid;
  return std::nullopt;
}

PidFile::PidFile(std::filesystem::path file) : file_(std::move(file)) {
  for (int attempt = 0; attempt < 2; ++attempt) {
    const int fd = ::open(file_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd >= 0) {
      const std::string text =
          nlohmann::json{{"pid", ::getpid()}, {"started", utc_now()}}.dump() + "\n";
      const bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
      ::close(fd);
      if (!ok) throw std::runtime_error(file_.string() + ": cannot write the PID file");
      return;
    }
    if (errno != EEXIST) {
      throw std::runtime_error(file_.string() +
                               ": cannot create the PID file: " + std::strerror(errno));
    }
    if (auto pid = running_pid(file_)) {
      throw std::runtime_error("a node is already running from " + file_.parent_path().string() +
                               " (PID " + std::to_string(*pid) + ", " + file_.string() + ")");
    }
    std::error_code ec;
    std::filesystem::remove(file_, ec);  // stale: its process is gone
  }
  throw std::runtime_error(file_.string() + ": cannot create the PID file (another start races)");
}

PidFile::~PidFile() {
  // Only our own file: a later node may have replaced a file we thought stale.
  if (auto pid = read_pid(file_); pid && *pid == ::getpid()) {
    std::error_code ec;
    std::filesystem::remove(file_, ec);
  }
}

}  // namespace junction::node
