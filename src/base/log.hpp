// base/log: leveled logging for every module. One line per record on stderr (or the file
// descriptor set_output names), as text:
//   2026-11-24T05:14:01.123Z info  router: session 123 joined realm1
// or, with Format::json, as a JSON object per line:
//   {"time":"2026-11-24T05:14:01.123Z","level":"info","component":"router","message":"..."}
// The level check happens before the message is built, so disabled records cost one compare.
#pragma once

#include <optional>
#include <sstream>
#include <string_view>

namespace junction::log {

enum class Level { trace = 0, debug, info, warn, error, off };

enum class Format { text, json };

void set_level(Level level);
void set_format(Format format);
// Where records go (default STDERR_FILENO); the caller keeps the descriptor open.
void set_output(int fd);
Level level();
std::optional<Level> parse_level(std::string_view name);
std::string_view level_name(Level level);

// Writes one finished record (thread-safe: a single write(2) per line).
void write(Level level, std::string_view component, std::string_view message);

// Collects a record with operator<< and writes it when destroyed.
class Record {
 public:
  Record(Level level, std::string_view component) : level_(level), component_(component) {}
  Record(const Record&) = delete;
  Record& operator=(const Record&) = delete;
  ~Record() { write(level_, component_, stream_.view()); }
  template <typename T>
  Record& operator<<(const T& value) {
    stream_ << value;
    return *this;
  }

 private:
  Level level_;
  std::string_view component_;
  std::ostringstream stream_;
};

inline bool enabled(Level l) {
  return l >= level();
}

}  // namespace junction::log

// JLOG(info, "router") << "session " << id << " joined";
#define JLOG(lvl, component)                                    \
  if (!::junction::log::enabled(::junction::log::Level::lvl)) { \
  } else                                                        \
    ::junction::log::Record(::junction::log::Level::lvl, component)
