// base/child_process: starting a child process (a worker the node supervises, a WSGI launcher, a
// CGI script). fork + exec by hand (not Boost.Process) because three things must happen in the
// child between fork and exec, which is where Boost.Process v1 gives little control and v2 is
// not in Boost 1.81's stable API:
//   - its own process group (setpgid), so a stop reaches everything the worker started;
//   - PR_SET_PDEATHSIG = SIGKILL, so the kernel kills it if junction dies, even by SIGKILL;
//   - every other descriptor closed (close_range), signal dispositions and mask reset (junction
//     ignores SIGPIPE; an ignored signal would stay ignored across exec).
// An exec failure is reported back through a close-on-exec pipe, so spawn() knows at once.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

namespace junction::base {

struct SpawnRequest {
  std::string executable;         // a path, or a name looked up in $PATH (as execvp)
  std::vector<std::string> argv;  // argv[0] included
  std::vector<std::string> env;   // "NAME=value"
  std::string workdir;            // empty: junction's
  // Descriptors for the child's 0, 1, 2 (each becomes that descriptor; -1: /dev/null).
  int stdin_fd = -1;
  int stdout_fd = -1;
  int stderr_fd = -1;
};

struct SpawnResult {
  pid_t pid = -1;    // > 0: running (the process group has the same ID)
  int error = 0;     // errno of the failed step when pid <= 0
  std::string step;  // "fork", "chdir", "exec", ...
};

SpawnResult spawn(const SpawnRequest& request);

// "exited with status 3", "killed by SIGKILL": a waitpid() status for log lines.
std::string describe_exit_status(int status);

// The environment for a child: junction's own (all of it, none, or the listed names), then
// `vars` set on top.
std::vector<std::string> child_environment(
    bool inherit_all, const std::vector<std::string>& names,
    const std::vector<std::pair<std::string, std::string>>& vars);

// Puts `dirs` first on PYTHONPATH in `env` ("NAME=value" entries), before what PYTHONPATH held
// already (a Python child: worker options.pythonpath ahead of the inherited path).
void prepend_pythonpath(std::vector<std::string>& env, const std::vector<std::string>& dirs);

}  // namespace junction::base
