// web/static_files: Crossbar's "static" path service — files from a directory (or a Python
// package's resource directory, resolved by the config reader).
//
// A request's path below the mount is percent-decoded, split into names, and opened beneath the
// root with openat2(RESOLVE_BENEATH): "..", its percent-encoded forms and symbolic links that
// lead out of the tree cannot reach anything outside it (links inside the tree work).
// Directories: a request without the trailing slash is redirected to it (relative links in the
// page then work), then index.html / index.htm, else a listing (enable_directory_listing) or
// not found. Not found: default_file (single-page applications) or 404.
// Small files (up to 256 KiB) are kept in memory, with their gzip form and header values, in a
// bounded cache (web/file_cache: 64 MiB, 4096 files, least recently used out); each request
// revalidates its entry with one fstatat() of the path (same inode, size, mtime and ctime, see
// file_cache.hpp for why this cannot reach outside the tree), and only a miss opens the file.
// Larger files are sent from the open file.
// Disk access happens on the I/O thread, as in nginx without thread pools: files come from the
// page cache in the common case, and a file system slow enough to matter should not hold a
// web root.
#pragma once

#include <atomic>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "transport/http_service.hpp"
#include "web/entity.hpp"
#include "web/file_cache.hpp"
#include "web/mime_types.hpp"

namespace junction::web {

struct StaticOptions {
  std::filesystem::path directory;  // absolute
  bool enable_directory_listing = false;
  std::map<std::string, std::string> mime_types;             // ".ext" -> type overrides
  std::optional<std::int64_t> cache_timeout = 12 * 60 * 60;  // Crossbar's default: 12 h
  std::string default_file;  // relative to directory; served (200) for paths not found
  bool allow_cross_origin = true;
};

class StaticService : public transport::HttpService {
 public:
  // A missing directory is not an error (Crossbar starts too): every request answers 404 until
  // it exists, and a warning is logged.
  explicit StaticService(StaticOptions options);
  ~StaticService() override;
  std::string_view type() const override { return "static"; }
  void handle(transport::HttpExchange exchange) override;

 private:
  int root_fd();  // opens the root on first use (or after it appeared); -1 if missing
  // Opens `relative` (already validated names joined by '/') beneath `dir_fd`; -1 if it cannot
  // be reached.
  static int open_beneath(int dir_fd, const std::string& relative);
  void serve_file(transport::HttpExchange& exchange, int fd, const std::string& relative);
  void serve_listing(transport::HttpExchange& exchange, int dir_fd);
  void serve_not_found(transport::HttpExchange& exchange);

  StaticOptions options_;
  MimeTypes mime_;
  EntityOptions entity_options_;
  std::mutex mutex_;  // guards opening the root (services are shared by the I/O threads)
  std::atomic<int> root_fd_ = -1;  // set once, under mutex_
  bool warned_missing_ = false;
  FileCache cache_;
};

}  // namespace junction::web
