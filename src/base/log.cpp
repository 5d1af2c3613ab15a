#include "base/log.hpp"

#include <unistd.h>

#include <array>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <string>

namespace junction::log {
namespace {
std::atomic<Level> g_level{Level::info};
std::atomic<Format> g_format{Format::text};
std::atomic<int> g_fd{STDERR_FILENO};

// Length of the well-formed UTF-8 sequence at text[i] (RFC 3629), 0 if it is not one.
std::size_t utf8_sequence(std::string_view text, std::size_t i) {
  const auto b = [&](std::size_t k) { return static_cast<unsigned char>(text[i + k]); };
  const auto cont = [&](std::size_t k) { return i + k < text.size() && (b(k) & 0xC0) == 0x80; };
  const unsigned char lead = b(0);
  if (lead >= 0xC2 && lead <= 0xDF) return cont(1) ? 2 : 0;
  if (lead >= 0xE0 && lead <= 0xEF) {
    if (!cont(1) || !cont(2)) return 0;
    if ((lead == 0xE0 && b(1) < 0xA0) || (lead == 0xED && b(1) > 0x9F)) return 0;
    return 3;
  }
  if (lead >= 0xF0 && lead <= 0xF4) {
    if (!cont(1) || !cont(2) || !cont(3)) return 0;
    if ((lead == 0xF0 && b(1) < 0x90) || (lead == 0xF4 && b(1) > 0x8F)) return 0;
    return 4;
  }
  return 0;
}

// JSON string contents (RFC 8259): quote, backslash and control characters escaped; bytes that
// are not UTF-8 (a guest worker's output may be anything) become U+FFFD.
void append_json_escaped(std::string& out, std::string_view text) {
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    const auto u = static_cast<unsigned char>(c);
    if (u >= 0x80) {
      const std::size_t n = utf8_sequence(text, i);
      if (n == 0) {
        out += "\xEF\xBF\xBD";
      } else {
        out.append(text.substr(i, n));
        i += n - 1;
      }
    } else if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\t') {
      out += "\\t";
    } else if (c == '\r') {
      out += "\\r";
    } else if (u < 0x20) {
      char esc[8];
      std::snprintf(esc, sizeof esc, "\\u%04x", u);
      out += esc;
    } else {
      out += c;
    }
  }
}
constexpr std::array<std::string_view, 6> kNames{"trace", "debug", "info", "warn", "error", "off"};
}  // namespace

void set_level(Level l) {
  g_level.store(l, std::memory_order_relaxed);
}
void set_format(Format f) {
  g_format.store(f, std::memory_order_relaxed);
}
void set_output(int fd) {
  g_fd.store(fd, std::memory_order_relaxed);
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
  std::snprintf(ms, sizeof ms, ".%03dZ", static_cast<int>(millis));
  line += ms;
  const std::string_view name = level_name(l);
  if (g_format.load(std::memory_order_relaxed) == Format::json) {
    std::string json = "{\"time\":\"" + line + "\",\"level\":\"";
    json += name;
    json += "\",\"component\":\"";
    append_json_escaped(json, component);
    json += "\",\"message\":\"";
    append_json_escaped(json, message);
    json += "\"}";
    line = std::move(json);
  } else {
    line += ' ';
    line += name;
    line.append(6 - name.size(), ' ');
    line += component;
    line += ": ";
    line += message;
  }
  line += '\n';
  // One write(2) per record keeps lines from different threads whole.
  [[maybe_unused]] auto written =
      ::write(g_fd.load(std::memory_order_relaxed), line.data(), line.size());
}

}  // namespace junction::log
