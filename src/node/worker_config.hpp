// node/worker_config: what the config says about the node's worker processes other than the
// router (which is the junction process itself): Crossbar "guest" workers (config_guest.cpp) and
// the processes that run Python components (config_component.cpp), all run by
// node/guest_supervisor.
#pragma once

#include <chrono>
#include <string>
#include <utility>
#include <vector>

namespace junction::node {

// Junction's own restart policy (worker options.junction.restart; Crossbar never restarts a
// guest, and has no key for it).
enum class RestartPolicy {
  never,       // Crossbar's behaviour, the default
  on_failure,  // a non-zero exit status or a signal: restart after the back-off delay
  always,      // any exit: restart after the back-off delay
};

// What happens to a guest's stdout / stderr (Crossbar's options.stdout / options.stderr).
enum class GuestOutput {
  log,    // each line goes to the node log (default)
  drop,   // read and thrown away (/dev/null)
  close,  // the pipe is closed: a write fails with EPIPE (SIGPIPE)
};

struct GuestConfig {
  std::string id;           // the worker's "id", else "worker-NNN" (its position, as Crossbar)
  std::string config_path;  // "workers[2]", for log lines
  std::string log_name;    // the log component: "guest <id>", "container <id>", "router components"
  std::string executable;  // a path (relative to workdir) or a name looked up in $PATH
  std::vector<std::string> arguments;
  std::string workdir;  // absolute once loaded from a file (relative to the node directory)
  // options.env: inherit (true: all, false: none, or these names) and vars (set on top).
  bool inherit_all_env = true;
  std::vector<std::string> inherit_env;
  std::vector<std::pair<std::string, std::string>> env_vars;
  // options.stdin: "close" (EOF at once), a JSON value written to stdin (then closed unless
  // "close": false), or, by default, a pipe kept open and never written.
  enum class Stdin { keep_open, close, json } stdin_mode = Stdin::keep_open;
  std::string stdin_data;  // Stdin::json: the serialized value
  bool stdin_close_after = true;
  GuestOutput stdout_mode = GuestOutput::log;
  GuestOutput stderr_mode = GuestOutput::log;
  // options.junction (Junction's own).
  RestartPolicy restart = RestartPolicy::never;
  std::chrono::milliseconds restart_delay{1000};       // first back-off delay
  std::chrono::milliseconds max_restart_delay{60000};  // the doubling stops here
  std::chrono::milliseconds stop_timeout{5000};        // SIGTERM, then SIGKILL after this
  // options.watch (Crossbar's): a change under one of these directories (absolute once loaded
  // from a file, with the directories below them) stops the guest (SIGTERM, SIGKILL after
  // stop_timeout); with watch_restart ("action": "restart") it starts again watch_delay
  // ("timeout") after it ended, watched again.
  std::vector<std::string> watch_directories;
  bool watch_restart = false;
  std::chrono::milliseconds watch_delay{1000};
  // Python components (a "container" worker, or the router worker's "components"): the process
  // is Junction's component launcher run by `executable` (the Python interpreter), stdin_data
  // its job (config_component.cpp); the node adds the launcher script to the arguments and the
  // private socket to the environment when it starts it.
  bool component_launcher = false;
  std::vector<std::string> pythonpath;  // options.pythonpath (absolute once loaded from a file)
};

}  // namespace junction::node
