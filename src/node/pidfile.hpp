// node/pidfile: the node directory's node.pid, which says which process runs the node. `start`
// creates it (and refuses when a live process already holds it), `stop` and `status` read it,
// the node removes it when it stops. Format: JSON {"pid": N, "started": "<UTC time>"}.
#pragma once

#include <sys/types.h>
#include <filesystem>
#include <optional>
#include <string>

namespace junction::node {

inline constexpr const char* kPidFileName = "node.pid";

// Whether `pid` runs (a zombie does not).
bool process_alive(pid_t pid);

// The PID in `file` if that process is alive; nullopt when the file is absent, unreadable or
// stale (its process is gone).
std::optional<pid_t> running_pid(const std::filesystem::path& file);

// Holds node.pid for this process while it lives. Throws std::runtime_error naming the PID when
// a live process holds the file already; a stale file is replaced.
class PidFile {
 public:
  explicit PidFile(std::filesystem::path file);
  ~PidFile();
  PidFile(const PidFile&) = delete;
  PidFile& operator=(const PidFile&) = delete;

  const std::filesystem::path& path() const { return file_; }

 private:
  std::filesystem::path file_;
};

}  // namespace junction::node
