#include "base/child_process.hpp"

#include <cerrno>
#include <csignal>
#include <cstring>
#include <string_view>

#include <fcntl.h>
#include <linux/close_range.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;

namespace junction::base {

namespace {

// Only async-signal-safe calls from here on in the child (the parent has other threads).
[[noreturn]] void child_fail(int report_fd, int step, int err) {
  const int message[2] = {step, err};
  [[maybe_unused]] auto n = ::write(report_fd, message, sizeof message);
  ::_exit(127);
}

constexpr const char* kSteps[] = {"exec", "setpgid", "prctl(PR_SET_PDEATHSIG)",
                                  "dup2", "chdir",   "open /dev/null"};

}  // namespace

std::vector<std::string> child_environment(
    bool inherit_all, const std::vector<std::string>& names,
    const std::vector<std::pair<std::string, std::string>>& vars) {
  std::vector<std::string> env;
  for (char** e = environ; e && *e; ++e) {
    const std::string_view entry(*e);
    const auto name = entry.substr(0, entry.find('='));
    bool wanted = inherit_all;
    for (const auto& n : names)
      wanted = wanted || n == name;
    if (wanted) env.emplace_back(entry);
  }
  for (const auto& [name, value] : vars) {
    const std::string prefix = name + "=";
    std::erase_if(env, [&](const std::string& e) { return e.starts_with(prefix); });
    env.push_back(prefix + value);
  }
  return env;
}

std::string describe_exit_status(int status) {
  if (WIFEXITED(status)) return "exited with status " + std::to_string(WEXITSTATUS(status));
  if (WIFSIGNALED(status)) {
    const char* name = sigabbrev_np(WTERMSIG(status));
    return std::string("killed by SIG") + (name ? name : std::to_string(WTERMSIG(status)));
  }
  return "ended (status " + std::to_string(status) + ")";
}

SpawnResult spawn(const SpawnRequest& request) {
  // Everything the child needs is built before fork: no allocation after it.
  std::vector<char*> argv;
  for (const auto& a : request.argv)
    argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  std::vector<char*> envp;
  for (const auto& e : request.env)
    envp.push_back(const_cast<char*>(e.c_str()));
  envp.push_back(nullptr);
  // execvpe looks the name up in the PATH of the environment junction runs with.
  const char* file = request.executable.c_str();
  const char* workdir = request.workdir.empty() ? nullptr : request.workdir.c_str();

  int report[2];
  if (::pipe2(report, O_CLOEXEC) != 0) return {-1, errno, "pipe"};
  const pid_t parent = ::getpid();
  const pid_t pid = ::fork();
  if (pid < 0) {
    const int err = errno;
    ::close(report[0]);
    ::close(report[1]);
    return {-1, err, "fork"};
  }
  if (pid == 0) {
    if (::setpgid(0, 0) != 0) child_fail(report[1], 1, errno);
    if (::prctl(PR_SET_PDEATHSIG, SIGKILL) != 0) child_fail(report[1], 2, errno);
    // junction may have died between fork and prctl: then nobody would send the signal.
    if (::getppid() != parent) ::_exit(127);
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    for (int s = 1; s < NSIG; ++s) {
      if (s != SIGKILL && s != SIGSTOP) ::signal(s, SIG_DFL);
    }
    const int wanted[3] = {request.stdin_fd, request.stdout_fd, request.stderr_fd};
    // Move the wanted descriptors above 2 first, so dup2 onto 0..2 cannot clobber one of them.
    int moved[3];
    for (int i = 0; i < 3; ++i) {
      int fd = wanted[i];
      if (fd < 0) {
        fd = ::open("/dev/null", i == 0 ? O_RDONLY : O_WRONLY);
        if (fd < 0) child_fail(report[1], 5, errno);
      }
      moved[i] = ::fcntl(fd, F_DUPFD, 3);
      if (moved[i] < 0) child_fail(report[1], 3, errno);
    }
    for (int i = 0; i < 3; ++i) {
      if (::dup2(moved[i], i) < 0) child_fail(report[1], 3, errno);
    }
    // Every other descriptor closes on exec (the report pipe too, which is how the parent
    // learns that exec succeeded).
    ::syscall(SYS_close_range, 3U, ~0U, CLOSE_RANGE_CLOEXEC);
    if (workdir && ::chdir(workdir) != 0) child_fail(report[1], 4, errno);
    ::execvpe(file, argv.data(), envp.data());
    child_fail(report[1], 0, errno);
  }
  ::close(report[1]);
  int message[2];
  ssize_t n;
  do {
    n = ::read(report[0], message, sizeof message);
  } while (n < 0 && errno == EINTR);
  ::close(report[0]);
  if (n == static_cast<ssize_t>(sizeof message)) {
    // The child is gone already (it _exit()ed); reap it here so no zombie is left.
    int status;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    const int step = message[0] >= 0 && message[0] < 6 ? message[0] : 0;
    return {-1, message[1], kSteps[step]};
  }
  // The parent also puts the child into its group (no race with a kill(-pid) right after).
  ::setpgid(pid, pid);
  return {pid, 0, ""};
}

void prepend_pythonpath(std::vector<std::string>& env, const std::vector<std::string>& dirs) {
  std::string path;
  for (const auto& dir : dirs)
    path += (path.empty() ? "" : ":") + dir;
  constexpr std::string_view kName = "PYTHONPATH=";
  for (auto& e : env) {
    if (e.starts_with(kName)) {
      if (e.size() > kName.size()) path += (path.empty() ? "" : ":") + e.substr(kName.size());
      e.clear();
    }
  }
  std::erase(env, std::string());
  if (!path.empty()) env.push_back(std::string(kName) + path);
}

}  // namespace junction::base
