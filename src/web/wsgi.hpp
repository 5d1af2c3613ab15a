// web/wsgi: Crossbar's "wsgi" path service — a Python WSGI application (Flask, Django, a plain
// callable) served at the mount path, off the router's threads.
//
// The application runs in a process of its own: Junction's WSGI launcher (junction-wsgi.py,
// shipped next to the junction binary) run by the system's Python, which imports `module`,
// takes `object` from it and serves it with Twisted's WSGIResource on a thread pool (`minthreads`
// .. `maxthreads`, as Crossbar does in its router worker), listening on a Unix socket in a
// private directory. The service forwards each request there (web/reverse_proxy's
// forward_http), with the mount path as SCRIPT_NAME and the rest as PATH_INFO; the client's
// address, host and scheme reach the application as REMOTE_ADDR, SERVER_NAME/SERVER_PORT and
// wsgi.url_scheme. See docs/design.md for why a process and not an embedded interpreter.
//
// The service supervises its launcher on a thread of its own: requests that come while it starts
// wait for it (up to `startup_timeout`); a launcher that exits (an import error, a crash, a
// kill) is logged and started again after a back-off, and requests meanwhile answer 502 with a
// log line. An application that raises answers 500 (Twisted's WSGI container) and its
// traceback goes to the node log; it never reaches the router's process.
#pragma once

#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <boost/asio/io_context.hpp>

#include "transport/http_service.hpp"
#include "web/reverse_proxy.hpp"
#include "web/service_thread.hpp"

namespace junction::web {

struct WsgiOptions {
  std::string module;       // "myapp" or "django_project.wsgi"
  std::string object;       // "app", "application"
  std::string mount = "/";  // the path the service is mounted at: SCRIPT_NAME ("" for "/")
  unsigned minthreads = 0;  // Twisted's ThreadPool bounds (Crossbar's defaults)
  unsigned maxthreads = 20;
  std::chrono::milliseconds timeout{60000};  // per request: no answer by then is a 504
  // The launcher process: the router worker's options.python, pythonpath and env.
  std::string python = "/usr/bin/python3";
  std::vector<std::string> pythonpath;  // absolute directories, first on the module path
  bool inherit_all_env = true;
  std::vector<std::string> inherit_env;
  std::vector<std::pair<std::string, std::string>> env_vars;
  std::string workdir;   // the node directory; empty: junction's
  std::string launcher;  // junction-wsgi.py; empty: found next to junction at start()
  std::chrono::milliseconds startup_timeout{30000};    // not ready by then: killed, restarted
  std::chrono::milliseconds restart_delay{500};        // first back-off delay, doubling ...
  std::chrono::milliseconds max_restart_delay{30000};  // ... up to this
  std::chrono::milliseconds stop_timeout{5000};        // SIGTERM, then SIGKILL after this
};

class WsgiService : public transport::HttpService {
 public:
  explicit WsgiService(WsgiOptions options);
  ~WsgiService() override;

  std::string_view type() const override { return "wsgi"; }
  std::uint64_t body_limit() const override { return 16 * 1024 * 1024; }
  // Starts the launcher (and returns at once: requests wait until it is ready). Throws
  // std::runtime_error when junction-wsgi.py cannot be found or no private directory made.
  void start(router::Router& router, boost::asio::io_context& routing_io) override;
  // Stops the launcher (SIGTERM, SIGKILL after stop_timeout) and waits for it.
  void stop() override;
  void handle(transport::HttpExchange exchange) override;

  const WsgiOptions& options() const { return options_; }
  // The node sets the process settings (the router worker's options) before start().
  WsgiOptions& process_options() { return options_; }

 private:
  struct Launcher;

  WsgiOptions options_;
  ReverseProxyOptions proxy_;  // to the launcher's socket
  std::string socket_dir_;
  // Made by start() before the thread runs, used on the thread, reset by stop() after the join.
  std::shared_ptr<Launcher> launcher_;
  ServiceThread thread_;
};

}  // namespace junction::web
