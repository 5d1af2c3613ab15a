// web/cgi: see the header. One Run per request, on the service's thread:
//   find the script -> spawn -> write the body to stdin | read stdout | log stderr lines
//   -> (stdout at EOF and the process reaped) -> parse the output -> respond;
// or, when the header block is complete while the script still writes: respond with a streamed
// body (transport::HttpBodyStream) fed from stdout as the client takes it, ended when stdout is
// at EOF and the process reaped.
// The process's exit is noticed through a pidfd, not SIGCHLD (the node's guest supervisor owns
// that signal and reaps only its own children).
#include "web/cgi.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>

#include <fcntl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/string.hpp>

#include "base/child_process.hpp"
#include "base/log.hpp"
#include "base/version.hpp"

namespace junction::web {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace fs = std::filesystem;

namespace {

constexpr std::size_t kMaxLine = 16 * 1024;

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
    s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r'))
    s.remove_suffix(1);
  return s;
}

// Fields a script may not set: they describe Junction's connection to the client.
bool hop_by_hop(std::string_view name) {
  static constexpr std::string_view kNames[] = {
      "connection", "keep-alive", "transfer-encoding", "te",
      "trailer",    "upgrade",    "content-length",    "proxy-connection"};
  return std::any_of(std::begin(kNames), std::end(kNames),
                     [&](std::string_view n) { return beast::iequals(n, name); });
}

bool within(const fs::path& root, const fs::path& p) {
  auto r = root.begin();
  auto i = p.begin();
  for (; r != root.end(); ++r, ++i) {
    if (r->empty()) continue;  // a trailing separator
    if (i == p.end() || *i != *r) return false;
  }
  return true;
}

}  // namespace

std::optional<CgiScript> CgiService::find_script(const fs::path& directory,
                                                 const std::string& mount, std::string_view rest) {
  std::error_code ec;
  const fs::path root = fs::canonical(directory, ec);
  if (ec) return std::nullopt;
  CgiScript script;
  script.script_name = mount == "/" ? std::string() : mount;
  fs::path at = root;
  std::string segment;
  while (!rest.empty()) {
    const auto slash = rest.find('/');
    const std::string_view raw = rest.substr(0, slash);
    rest = slash == std::string_view::npos ? std::string_view() : rest.substr(slash + 1);
    if (!transport::percent_decode(raw, segment)) return std::nullopt;
    if (segment.empty() || segment == "." || segment == ".." ||
        segment.find_first_of(std::string_view("/\0", 2)) != std::string::npos) {
      return std::nullopt;
    }
    at /= segment;
    script.script_name += "/" + segment;
    // Symlinks are followed (as Crossbar's Twisted resource does), but not out of the directory.
    const fs::path real = fs::canonical(at, ec);
    if (ec || !within(root, real)) return std::nullopt;
    const auto status = fs::status(real, ec);
    if (ec) return std::nullopt;
    if (fs::is_directory(status)) continue;
    if (!fs::is_regular_file(status)) return std::nullopt;
    script.file = real;
    // The rest of the path, decoded, is PATH_INFO ("" when nothing follows the script).
    if (slash != std::string_view::npos) {
      std::string decoded;
      if (!transport::percent_decode(rest, decoded)) return std::nullopt;
      script.path_info = "/" + decoded;
    }
    return script;
  }
  return std::nullopt;  // a directory: no listings
}

std::size_t CgiService::header_block_end(std::string_view output) {
  std::size_t pos = 0;
  for (;;) {
    const auto eol = output.find('\n', pos);
    if (eol == std::string_view::npos) return std::string_view::npos;
    const bool blank = eol == pos || (eol == pos + 1 && output[pos] == '\r');
    pos = eol + 1;
    if (blank) return pos;
  }
}

std::optional<CgiOutput> CgiService::parse_output(std::string output, std::string& error) {
  CgiOutput out;
  std::size_t pos = 0;
  bool status_seen = false;
  bool location = false;
  for (;;) {
    const auto eol = output.find('\n', pos);
    if (eol == std::string::npos) {
      error = output.empty() ? "no output" : "no blank line after the header fields";
      return std::nullopt;
    }
    std::string_view line(output.data() + pos, eol - pos);
    pos = eol + 1;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty()) break;
    const auto colon = line.find(':');
    const std::string_view name = colon == std::string_view::npos ? line : line.substr(0, colon);
    const bool token = !name.empty() && std::all_of(name.begin(), name.end(), [](char c) {
      return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_';
    });
    if (colon == std::string_view::npos || !token) {
      error = "malformed header line \"" + std::string(line.substr(0, 80)) + "\"";
      return std::nullopt;
    }
    const std::string_view value = trim(line.substr(colon + 1));
    if (beast::iequals(name, "status")) {
      // "404 Not Found" or "404"
      unsigned code = 0;
      std::size_t digits = 0;
      while (digits < value.size() && std::isdigit(static_cast<unsigned char>(value[digits]))) {
        code = code * 10 + static_cast<unsigned>(value[digits] - '0');
        ++digits;
      }
      if (digits != 3 || code < 100 || code > 599) {
        error = "bad Status \"" + std::string(value.substr(0, 40)) + "\"";
        return std::nullopt;
      }
      out.status = code;
      status_seen = true;
      continue;
    }
    if (beast::iequals(name, "content-length")) {
      // Kept as the answer's length when it is a plain number (the body is then sent as is,
      // and a script that writes less or more has its answer cut).
      if (!value.empty() && value.size() <= 18 &&
          std::all_of(value.begin(), value.end(),
                      [](char c) { return std::isdigit(static_cast<unsigned char>(c)); })) {
        out.content_length = std::stoull(std::string(value));
      }
      continue;
    }
    if (hop_by_hop(name)) continue;
    if (beast::iequals(name, "location")) location = true;
    out.headers.emplace_back(std::string(name), std::string(value));
  }
  // RFC 3875 §6.2.3/4: a Location without a Status is a redirect.
  if (location && !status_seen) out.status = 302;
  output.erase(0, pos);
  out.body = std::move(output);
  return out;
}

std::vector<std::string> CgiService::environment(const transport::HttpExchange& exchange,
                                                 const CgiScript& script) {
  const auto& request = exchange.request();
  const auto& connection = exchange.connection();
  std::vector<std::string> env;
  auto set = [&env](std::string_view name, std::string_view value) {
    std::string entry(name);
    entry += '=';
    entry.append(value);
    env.push_back(std::move(entry));
  };
  if (const char* path = std::getenv("PATH")) set("PATH", path);
  set("GATEWAY_INTERFACE", "CGI/1.1");
  set("SERVER_SOFTWARE", std::string("Junction/") + std::string(kVersion));
  set("SERVER_PROTOCOL", request.version() == 10 ? "HTTP/1.0" : "HTTP/1.1");
  set("REQUEST_METHOD",
      std::string_view(request.method_string().data(), request.method_string().size()));
  set("REQUEST_URI", std::string_view(request.target().data(), request.target().size()));
  set("SCRIPT_NAME", script.script_name);
  set("SCRIPT_FILENAME", script.file.string());
  set("PATH_INFO", script.path_info);
  if (!script.path_info.empty()) {
    set("PATH_TRANSLATED", (script.file.parent_path() / script.path_info.substr(1)).string());
  }
  set("QUERY_STRING", exchange.query());
  // A Unix-socket client has no address and no port: REMOTE_ADDR is empty (as gunicorn's on a
  // Unix socket), REMOTE_PORT unset.
  set("REMOTE_ADDR", connection.peer_ip);
  set("REMOTE_HOST", connection.peer_ip);
  const auto colon = connection.peer.rfind(':');
  if (!connection.peer_ip.empty() && colon != std::string::npos) {
    set("REMOTE_PORT", connection.peer.substr(colon + 1));
  }
  // SERVER_NAME: the Host the client asked for, without its port.
  std::string_view host(request[http::field::host].data(), request[http::field::host].size());
  if (host.starts_with('[')) {
    host = host.substr(0, host.find(']') + 1);
  } else if (const auto c = host.find(':'); c != std::string_view::npos) {
    host = host.substr(0, c);
  }
  set("SERVER_NAME", host.empty() ? std::string_view("localhost") : host);
  set("SERVER_PORT", std::to_string(connection.local_port));
  if (connection.tls) set("HTTPS", "on");
  if (!request.body().empty() || request.has_content_length() || request.chunked()) {
    set("CONTENT_LENGTH", std::to_string(request.body().size()));
  }
  if (const auto type = request[http::field::content_type]; !type.empty()) {
    set("CONTENT_TYPE", std::string_view(type.data(), type.size()));
  }
  // The header fields as HTTP_*; several of a name are joined with ", ".
  std::map<std::string, std::string> fields;
  for (const auto& field : request.base()) {
    std::string name = "HTTP_";
    for (const char c : field.name_string())
      name += c == '-' ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    if (name == "HTTP_CONTENT_TYPE" || name == "HTTP_CONTENT_LENGTH") continue;
    if (name == "HTTP_PROXY") continue;  // "httpoxy": it would become the script's proxy
    if (name.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_") != std::string::npos) {
      continue;
    }
    auto [it, fresh] = fields.try_emplace(std::move(name));
    if (!fresh) it->second += ", ";
    it->second.append(field.value().data(), field.value().size());
  }
  for (const auto& [name, value] : fields)
    set(name, value);
  return env;
}

class CgiService::Run : public std::enable_shared_from_this<Run> {
 public:
  Run(CgiService& service, asio::io_context& io, transport::HttpExchange exchange, CgiScript script)
      : service_(service),
        options_(service.options_),
        io_(io),
        exchange_(std::move(exchange)),
        script_(std::move(script)),
        timer_(io_),
        pause_(io_),
        component_("cgi " + options_.mount) {}

  // A streamed answer that cannot be completed (the service stopped): the client's connection
  // is reset rather than left waiting.
  ~Run() {
    if (body_) body_->fail("the service stopped");
  }

  // Returns the PID (> 0) when the script runs, else answers and returns -1.
  pid_t start() {
    int in[2], out[2], err[2];
    if (::pipe2(in, O_CLOEXEC) != 0) return fail_start("pipe", errno);
    if (::pipe2(out, O_CLOEXEC) != 0) {
      const int e = errno;
      close_pair(in);
      return fail_start("pipe", e);
    }
    if (::pipe2(err, O_CLOEXEC) != 0) {
      const int e = errno;
      close_pair(in);
      close_pair(out);
      return fail_start("pipe", e);
    }
    base::SpawnRequest req;
    req.executable = options_.processor;
    req.argv = {options_.processor, script_.file.string()};
    req.env = environment(exchange_, script_);
    req.workdir = script_.file.parent_path().string();
    req.stdin_fd = in[0];
    req.stdout_fd = out[1];
    req.stderr_fd = err[1];
    const base::SpawnResult r = base::spawn(req);
    ::close(in[0]);
    ::close(out[1]);
    ::close(err[1]);
    if (r.pid <= 0) {
      ::close(in[1]);
      ::close(out[0]);
      ::close(err[0]);
      return fail_start(r.step, r.error);
    }
    pid_ = r.pid;
    const int fd = static_cast<int>(::syscall(SYS_pidfd_open, pid_, 0));  // see web/wsgi.cpp
    if (fd < 0) {
      const int e = errno;
      ::kill(-pid_, SIGKILL);
      int status;
      ::waitpid(pid_, &status, 0);
      ::close(in[1]);
      ::close(out[0]);
      ::close(err[0]);
      return fail_start("pidfd_open", e);
    }
    pidfd_ = std::make_unique<asio::posix::stream_descriptor>(io_, fd);
    stdin_ = std::make_unique<asio::posix::stream_descriptor>(io_, in[1]);
    stdout_ = std::make_unique<asio::posix::stream_descriptor>(io_, out[0]);
    stderr_ = std::make_unique<asio::posix::stream_descriptor>(io_, err[0]);
    auto self = shared_from_this();
    pidfd_->async_wait(asio::posix::stream_descriptor::wait_read,
                       [self](boost::system::error_code) { self->reap(); });
    asio::async_write(*stdin_, asio::buffer(exchange_.request().body()),
                      [self](boost::system::error_code, std::size_t) {
                        self->stdin_.reset();  // EOF for the script (or it left early)
                      });
    read_stdout();
    read_stderr();
    arm_timer();
    return pid_;
  }

  pid_t pid() const { return pid_; }

 private:
  static void close_pair(int fds[2]) {
    ::close(fds[0]);
    ::close(fds[1]);
  }

  pid_t fail_start(const std::string& step, int err) {
    JLOG(error, component_) << "cannot run " << options_.processor << " " << script_.file.string()
                            << ": " << step << ": " << std::strerror(err);
    exchange_.respond(http::status::internal_server_error,
                      "Internal server error: the CGI script could not be started.\n");
    return -1;
  }

  // Until the answer starts: the whole run within `timeout`. After: `timeout` without output.
  void arm_timer() {
    timer_.expires_after(options_.timeout);
    timer_.async_wait([self = shared_from_this()](boost::system::error_code ec) {
      if (ec || self->pid_ <= 0) return;
      self->timed_out_ = true;
      ::kill(-self->pid_, SIGKILL);
    });
  }

  void read_stdout() {
    if (reading_ || paused_ || !stdout_) return;
    reading_ = true;
    stdout_->async_read_some(
        asio::buffer(buffer_),
        [self = shared_from_this()](boost::system::error_code ec, std::size_t n) {
          self->reading_ = false;
          self->on_stdout(ec, n);
        });
  }

  void on_stdout(boost::system::error_code ec, std::size_t n) {
    if (cancelled_) return;
    if (n > 0) {
      if (body_) {
        arm_timer();
        if (!body_->write(std::string_view(buffer_.data(), n))) pause();
      } else if (!too_large_) {
        output_.append(buffer_.data(), n);
        if (!ec && CgiService::header_block_end(output_) != std::string::npos) {
          // The header block is complete and the script still writes: the answer starts
          // now and its body follows as the script writes it.
          return start_answer();
        }
        if (output_.size() > options_.max_header_block &&
            CgiService::header_block_end(output_) == std::string::npos) {
          if (pid_ > 0) ::kill(-pid_, SIGKILL);
          too_large_ = true;
        }
      }
    }
    if (ec) {
      stdout_.reset();
      return maybe_finish();
    }
    read_stdout();
  }

  void start_answer() {
    std::string error;
    auto parsed = parse_output(std::move(output_), error);
    output_.clear();
    if (!parsed) {
      if (pid_ > 0) ::kill(-pid_, SIGKILL);
      JLOG(warn, "web") << exchange_.connection().peer << ": " << component_ << " "
                        << exchange_.path() << ": no valid CGI answer (" << error << "); 502";
      return exchange_.respond(http::status::bad_gateway,
                               "Bad gateway: the CGI script gave no valid answer.\n");
    }
    transport::HttpResponse response;
    response.status = static_cast<http::status>(parsed->status);
    for (auto& [name, value] : parsed->headers)
      response.headers.insert(name, value);
    body_ = std::make_shared<transport::HttpBodyStream>(parsed->content_length);
    auto on_thread = [weak = weak_from_this(), thread = &service_.thread_](auto f) {
      return [weak, thread, f] {
        thread->post([weak, f](asio::io_context&) {
          if (auto self = weak.lock()) f(*self);
        });
      };
    };
    body_->set_producer(on_thread([](Run& self) {
                          self.paused_ = false;
                          self.pause_.cancel();
                        }),
                        on_thread([](Run& self) { self.cancel(); }));
    response.stream = transport::HttpBodyReader(body_);
    exchange_.respond(std::move(response));
    arm_timer();
    if (!parsed->body.empty() && !body_->write(parsed->body)) return pause();
    read_stdout();
  }

  // Until the client has taken what waits (the producer's resume). The wait is an operation on
  // the loop, so the run lives while it pauses (its process may have ended meanwhile) and goes
  // with the loop when the service stops.
  // The script's silence is not counted while it is the client that is slow (a client that
  // stops reading is cut off by the connection's write timeout, which kills the script).
  void pause() {
    paused_ = true;
    timer_.cancel();
    pause_.expires_at(asio::steady_timer::time_point::max());
    pause_.async_wait([self = shared_from_this()](boost::system::error_code) {
      if (self->paused_ || self->cancelled_) return;
      if (self->pid_ > 0) self->arm_timer();
      self->read_stdout();
    });
  }

  // The client went away mid-answer: the script (and its process group) is killed; reap()
  // collects it as usual.
  void cancel() {
    if (cancelled_) return;
    cancelled_ = true;
    pause_.cancel();
    JLOG(debug, component_) << script_.script_name << ": the client went away; killing the script";
    body_.reset();
    if (pid_ > 0) ::kill(-pid_, SIGKILL);
    stdout_.reset();
  }

  void read_stderr() {
    stderr_->async_read_some(
        asio::buffer(err_buffer_),
        [self = shared_from_this()](boost::system::error_code ec, std::size_t n) {
          std::string& line = self->err_line_;
          for (std::size_t i = 0; i < n; ++i) {
            const char c = self->err_buffer_[i];
            if (c == '\n' || line.size() >= kMaxLine) {
              self->log_stderr(line);
              line.clear();
              if (c == '\n') continue;
            }
            line += c;
          }
          if (ec) {
            if (!line.empty()) self->log_stderr(line);
            self->stderr_.reset();
            return;
          }
          self->read_stderr();
        });
  }

  void log_stderr(std::string_view line) {
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    JLOG(warn, component_) << script_.script_name << ": stderr: " << line;
  }

  void reap() {
    // Whatever the script left running in its group goes too (before the reap: until then the
    // group's ID cannot be reused).
    ::kill(-pid_, SIGKILL);
    int status = 0;
    pid_t r;
    do {
      r = ::waitpid(pid_, &status, WNOHANG);
    } while (r < 0 && errno == EINTR);
    status_ = r == pid_ ? status : -1;
    service_.running_.erase(pid_);
    pid_ = -1;
    pidfd_.reset();
    timer_.cancel();
    maybe_finish();
  }

  void maybe_finish() {
    if (pid_ > 0 || stdout_) return;
    const std::string ended = status_ >= 0 ? base::describe_exit_status(status_) : "ended";
    if (body_) {  // the streamed answer ends
      auto body = std::exchange(body_, nullptr);
      if (timed_out_) {
        const std::string why = "no output for " + std::to_string(options_.timeout.count()) +
                                " ms (the script was killed)";
        JLOG(warn, "web") << exchange_.connection().peer << ": " << component_ << " "
                          << exchange_.path() << ": " << why;
        return body->fail(why);
      }
      if (status_ != 0) {
        JLOG(info, component_) << script_.script_name << " " << ended << " (its answer is sent)";
      }
      return body->finish();
    }
    if (exchange_.answered()) return;
    auto fail = [&](http::status code, const std::string& why, const char* body) {
      JLOG(warn, "web") << exchange_.connection().peer << ": " << component_ << " "
                        << exchange_.path() << ": " << why << "; " << static_cast<unsigned>(code);
      exchange_.respond(code, body);
    };
    if (timed_out_) {
      return fail(http::status::gateway_timeout,
                  "the script did not finish within " + std::to_string(options_.timeout.count()) +
                      " ms (killed)",
                  "Gateway timeout: the CGI script did not answer in time.\n");
    }
    if (too_large_) {
      return fail(http::status::bad_gateway,
                  "the script wrote more than " + std::to_string(options_.max_header_block) +
                      " bytes without ending its header block (killed)",
                  "Bad gateway: the CGI script gave no valid answer.\n");
    }
    std::string error;
    auto parsed = parse_output(std::move(output_), error);
    if (!parsed) {
      return fail(http::status::bad_gateway, "no valid CGI answer (" + error + "; " + ended + ")",
                  "Bad gateway: the CGI script gave no valid answer.\n");
    }
    if (status_ != 0) {
      JLOG(info, component_) << script_.script_name << " " << ended << " (its answer is sent)";
    }
    transport::HttpResponse response;
    response.status = static_cast<http::status>(parsed->status);
    for (auto& [name, value] : parsed->headers)
      response.headers.insert(name, value);
    if (parsed->content_length && *parsed->content_length != parsed->body.size()) {
      // The script's length does not match what it wrote: its length goes, the body stays.
      JLOG(info, component_) << script_.script_name << ": Content-Length "
                             << *parsed->content_length << " but " << parsed->body.size()
                             << " bytes written";
    }
    response.body = std::move(parsed->body);
    exchange_.respond(std::move(response));
  }

  CgiService& service_;
  const CgiOptions& options_;
  asio::io_context& io_;
  transport::HttpExchange exchange_;
  CgiScript script_;
  asio::steady_timer timer_;
  asio::steady_timer pause_;  // waits while the client has not taken what is queued
  std::string component_;
  pid_t pid_ = -1;
  int status_ = -1;
  bool timed_out_ = false;
  bool too_large_ = false;
  // The streamed answer, once the header block is complete and the script still writes.
  std::shared_ptr<transport::HttpBodyStream> body_;
  bool reading_ = false;
  bool paused_ = false;  // the client has not taken what waits: stdout is not read
  bool cancelled_ = false;
  std::unique_ptr<asio::posix::stream_descriptor> pidfd_, stdin_, stdout_, stderr_;
  std::array<char, 16384> buffer_{};
  std::array<char, 4096> err_buffer_{};
  std::string output_;
  std::string err_line_;
};

CgiService::CgiService(CgiOptions options)
    : options_(std::move(options)), thread_("cgi " + options_.mount) {}

CgiService::~CgiService() {
  stop();
}

void CgiService::start(router::Router&, asio::io_context&) {
  thread_.start();
}

void CgiService::stop() {
  thread_.stop([this] {
    // The thread is gone: running_ is ours now. No script outlives the service.
    for (const auto& [pid, run] : running_) {
      ::kill(-pid, SIGKILL);
      int status;
      ::waitpid(pid, &status, 0);
    }
    running_.clear();
  });
}

void CgiService::handle(transport::HttpExchange exchange) {
  auto held = std::make_shared<transport::HttpExchange>(std::move(exchange));
  const bool posted = thread_.post([this, held](asio::io_context& io) {
    transport::HttpExchange& ex = *held;
    // The file system is looked at here, on the service's thread, not on an I/O thread.
    auto script = find_script(options_.directory, options_.mount, ex.rest());
    if (!script) return ex.respond(http::status::not_found, "Not found.\n");
    if (running_.size() >= options_.max_processes) {
      JLOG(warn, "web") << ex.connection().peer << ": cgi " << options_.mount << " " << ex.path()
                        << ": " << running_.size() << " scripts run already; 503";
      return ex.respond(http::status::service_unavailable,
                        "Service unavailable: too many CGI scripts running.\n");
    }
    auto run = std::make_shared<Run>(*this, io, std::move(ex), std::move(*script));
    if (const pid_t pid = run->start(); pid > 0) running_.emplace(pid, run);
  });
  if (!posted) held->respond(http::status::service_unavailable, "Not started.\n");
}

}  // namespace junction::web
