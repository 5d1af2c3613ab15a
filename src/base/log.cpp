#include "base/log.hpp"

#include <unistd.h>

#include <array>
#include <atomic>
#include <chrono>
#include <ctime>
#include <string>

namespace junction::log {
namespace {
std::atomic<Level> g_level{Level::info};
constexpr std::array<std::string_view, 6> kNames{"trace", "debug", "info", "warn", "error", "off"};
}  // namespace

void set_level(Level l) {
  g_level.store(l, std::memory_order_relaxed);
}
Level level() {
  return g_level.load(std::memory_order_relaxed);
}

std::optional<Level> parse_level(std::string_view name) {
  for (std::size_t i = 0; i < kNames.size(); ++i) {
    if (kNames[i] == name) return static_cast<Level>(i);
  }
  if (name == "warning") return Level::warn;
  if (name == "none") return Level::off;
  return std::nullopt;
}

std::string_view level_name(Level l) {
  return kNames[static_cast<std::size_t>(l)];
}

void write(Level l, std::string_view component, std::string_view message) {
  using namespace std::chrono;
  const auto now = system_clock::now();
  const std::time_t secs = system_clock::to_time_t(now);
  const auto millis = duration_cast<milliseconds>(now.time_since_epoch()).count() % 1000;
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char stamp[40];
  const std::size_t n = std::strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%S", &tm);
  std::string line;
  line.reserve(64 + message.size());
  line.append(stamp, n);
  char ms[8];
  std::snprintf(ms, sizeof ms, ".%03dZ ", static_cast<int>(millis));
  line += ms;
  const std::string_view name = level_name(l);
  line += name;
  line.append(6 - name.size(), ' ');
  line += component;
  line += ": ";
  line += message;
  line += '\n';
  // One write(2) per record keeps lines from different threads whole.
  [[maybe_unused]] auto written = ::write(STDERR_FILENO, line.data(), line.size());
}

}  // namespace junction::log
