// web/cgi: Crossbar's "cgi" path service — CGI/1.1 scripts (RFC 3875) from a directory, each run
// by the `processor` (an interpreter such as /usr/bin/python3) as `processor script`.
//
// The path below the mount is walked through `directory` segment by segment (percent-decoded;
// "." and ".." segments, NUL and a path that leaves the directory through a symlink answer 404);
// the first regular file is the script: SCRIPT_NAME is the mount plus the path to it, PATH_INFO
// the rest. A path that ends in a directory answers 404 (no listings, as Crossbar). Each request
// forks a process (in its own process group, working directory the script's) with the CGI/1.1
// meta-variables and the header fields as HTTP_* (but Proxy: "httpoxy"), PATH from junction's
// environment and nothing else of it; the request body goes to its stdin. Its stdout is the
// answer: CGI header fields ("Status: 404 Not Found", "Location", "Content-Type", others passed
// on) up to a blank line, then the body; its stderr lines go to the node log. A script that
// prints no header block (within 64 KiB) answers 502; one that takes longer than `timeout` to
// begin its answer is killed (with its process group) and answers 504; each with a log line.
// Once the header block is complete the answer starts and the body is streamed as the script
// writes it (transport::HttpBodyStream; chunked, or the script's Content-Length), stdout read no
// faster than the client takes it; a script silent for `timeout` mid-answer is killed and the
// client's connection reset; a client that goes away kills the script.
//
// Processes are started and watched on the service's own thread, never an I/O thread of the
// router; at most `max_processes` run at once (more requests answer 503).
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <boost/asio/io_context.hpp>

#include "transport/http_service.hpp"
#include "web/service_thread.hpp"

namespace junction::web {

struct CgiOptions {
  std::filesystem::path directory;  // absolute
  std::string processor;            // a path, or a name looked up in $PATH
  std::string mount = "/";
  std::chrono::milliseconds timeout{60000};
  std::size_t max_processes = 64;
  std::size_t max_header_block = 64 * 1024;  // output without a blank line by then: 502
};

// Where a request path leads in a CGI directory.
struct CgiScript {
  std::filesystem::path file;  // the script
  std::string script_name;     // mount + "/a/run.py"
  std::string path_info;       // "/rest/of/path" (decoded), or ""
};

// The parsed stdout of a script.
struct CgiOutput {
  unsigned status = 200;
  std::vector<std::pair<std::string, std::string>> headers;  // without Status, Content-Length
  std::optional<std::uint64_t> content_length;               // the script's, if a number
  std::string body;
};

class CgiService : public transport::HttpService {
 public:
  explicit CgiService(CgiOptions options);
  ~CgiService() override;

  std::string_view type() const override { return "cgi"; }
  std::uint64_t body_limit() const override { return 16 * 1024 * 1024; }
  void start(router::Router& router, boost::asio::io_context& routing_io) override;
  // Kills the scripts still running (SIGKILL to their process groups).
  void stop() override;
  void handle(transport::HttpExchange exchange) override;

  const CgiOptions& options() const { return options_; }

  // The script `rest` (below the mount, still percent-encoded) names, or nullopt (404).
  static std::optional<CgiScript> find_script(const std::filesystem::path& directory,
                                              const std::string& mount, std::string_view rest);
  // Where the body starts in a script's output (after the blank line that ends the header
  // block), or npos while the block is not complete.
  static std::size_t header_block_end(std::string_view output);
  // Parses a script's output; nullopt (and `error` says why) when it has no header block.
  static std::optional<CgiOutput> parse_output(std::string output, std::string& error);
  // The script's environment: "NAME=value" entries.
  static std::vector<std::string> environment(const transport::HttpExchange& exchange,
                                              const CgiScript& script);

 private:
  class Run;

  CgiOptions options_;
  ServiceThread thread_;
  std::map<pid_t, std::weak_ptr<Run>> running_;  // on the service's thread only
};

}  // namespace junction::web
