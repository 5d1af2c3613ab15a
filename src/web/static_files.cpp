// web/static_files: see the header.
#include "web/static_files.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstring>
#include <vector>

#include <boost/beast/http/field.hpp>

#include "base/log.hpp"
#include "web/common.hpp"

namespace junction::web {

namespace http = boost::beast::http;

namespace {

// Files up to this size are held in memory (with their gzip form).
constexpr std::uint64_t kMemoryFileLimit = 256 * 1024;
// Bounds of the memory cache (least recently used out); the working set of a web application's
// assets is far smaller.
constexpr std::size_t kCacheLimitBytes = 64 * 1024 * 1024;
constexpr std::size_t kCacheLimitEntries = 4096;
// Directory index names, in the order they are tried.
constexpr const char* kIndexNames[] = {"index.html", "index.htm"};

// The request's path below the mount as validated names joined by '/', or nullopt when it
// names something outside the tree or is malformed ("..", NUL, a bad escape).
std::optional<std::string> relative_path(std::string_view rest) {
  std::string decoded;
  if (!transport::percent_decode(rest, decoded)) return std::nullopt;
  std::string out;
  std::string_view view(decoded);
  while (!view.empty()) {
    const auto slash = view.find('/');
    const auto name = view.substr(0, slash);
    view = slash == std::string_view::npos ? std::string_view() : view.substr(slash + 1);
    if (name.empty() || name == ".") continue;
    if (name == ".." || name.find('\0') != std::string_view::npos) return std::nullopt;
    if (!out.empty()) out += '/';
    out += name;
  }
  return out;
}

std::string hex(std::uint64_t v) {
  char buf[20];
  std::snprintf(buf, sizeof buf, "%llx", static_cast<unsigned long long>(v));
  return buf;
}

// "/app/x" + "/" keeping the query.
std::string with_slash(const transport::HttpExchange& exchange) {
  std::string location(exchange.path());
  location += '/';
  if (!exchange.query().empty()) {
    location += '?';
    location += exchange.query();
  }
  return location;
}

// Percent-encodes a file name for an href.
std::string encode_name(std::string_view name) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (const unsigned char c : name) {
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
        c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

bool openat2_missing = false;  // the kernel has no openat2 (before 5.6): checked by realpath

}  // namespace

StaticService::StaticService(StaticOptions options)
    : options_(std::move(options)),
      mime_(options_.mime_types),
      cache_(kCacheLimitBytes, kCacheLimitEntries) {
  entity_options_.cache_timeout = options_.cache_timeout;
  entity_options_.allow_cross_origin = options_.allow_cross_origin;
  root_fd();
}

StaticService::~StaticService() {
  if (root_fd_ >= 0) ::close(root_fd_);
}

int StaticService::root_fd() {
  if (const int fd = root_fd_.load(std::memory_order_acquire); fd >= 0) return fd;
  std::lock_guard lock(mutex_);
  if (root_fd_ >= 0) return root_fd_;
  root_fd_.store(::open(options_.directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC),
                 std::memory_order_release);
  if (root_fd_ < 0 && !warned_missing_) {
    warned_missing_ = true;
    JLOG(warn, "web") << "static: directory " << options_.directory.string()
                      << " cannot be opened (" << std::strerror(errno)
                      << "); its requests answer 404 until it exists";
  }
  return root_fd_;
}

int StaticService::open_beneath(int dir_fd, const std::string& relative) {
  const char* name = relative.empty() ? "." : relative.c_str();
  if (!openat2_missing) {
    open_how how{};
    how.flags = O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK;
    how.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS;
    for (;;) {
      const long fd = ::syscall(SYS_openat2, dir_fd, name, &how, sizeof how);
      if (fd >= 0) return static_cast<int>(fd);
      if (errno == EINTR || errno == EAGAIN) continue;
      if (errno != ENOSYS) return -1;
      openat2_missing = true;
      break;
    }
  }
  // No openat2: open, then check that the file's real path lies beneath the root's.
  const int fd = ::openat(dir_fd, name, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
  if (fd < 0) return -1;
  char root_path[PATH_MAX], file_path[PATH_MAX];
  const auto link = [](int f, char* out) {
    const std::string proc = "/proc/self/fd/" + std::to_string(f);
    const auto n = ::readlink(proc.c_str(), out, PATH_MAX - 1);
    if (n < 0) return false;
    out[n] = '\0';
    return true;
  };
  if (!link(dir_fd, root_path) || !link(fd, file_path)) {
    ::close(fd);
    return -1;
  }
  const std::string_view root(root_path), file(file_path);
  if (file != root && !(file.starts_with(root) && (root == "/" || file[root.size()] == '/'))) {
    ::close(fd);
    return -1;
  }
  return fd;
}

void StaticService::handle(transport::HttpExchange exchange) {
  if (!allow_get_head(exchange)) return;
  const auto relative = relative_path(exchange.rest());
  if (!relative) {
    JLOG(debug, "web") << exchange.connection().peer << ": static: refused path "
                       << exchange.path();
    return respond_not_found(exchange);
  }
  const int root = root_fd();
  if (root < 0) return respond_not_found(exchange);
  // A file served before, unchanged since: one stat, no open (see file_cache.hpp).
  if (!relative->empty()) {
    struct stat st {};
    if (::fstatat(root, relative->c_str(), &st, 0) == 0 && S_ISREG(st.st_mode)) {
      if (const auto hit = cache_.find(*relative, FileIdentity::of(st))) {
        return serve_entity(exchange, *hit, entity_options_);
      }
    }
  }
  const int fd = open_beneath(root, *relative);
  if (fd < 0) return serve_not_found(exchange);
  transport::OpenFile file(fd);
  struct stat st {};
  if (::fstat(fd, &st) != 0) return serve_not_found(exchange);
  if (S_ISDIR(st.st_mode)) {
    // "/app/docs" -> "/app/docs/", so that the page's relative links resolve below it. The
    // mount itself ("/" or "/app" with nothing below) is redirected too, but for "/".
    if (!exchange.trailing_slash()) {
      auto response = transport::HttpResponse::text(http::status::moved_permanently,
                                                    "Moved to a path ending in '/'.\n");
      response.headers.set(http::field::location, with_slash(exchange));
      return exchange.respond(std::move(response));
    }
    for (const char* index : kIndexNames) {
      const std::string index_path = relative->empty() ? index : *relative + "/" + index;
      const int index_fd = open_beneath(root, index_path);
      if (index_fd < 0) continue;
      struct stat index_st {};
      if (::fstat(index_fd, &index_st) == 0 && S_ISREG(index_st.st_mode)) {
        return serve_file(exchange, index_fd, index_path);
      }
      ::close(index_fd);
    }
    if (options_.enable_directory_listing) return serve_listing(exchange, fd);
    return serve_not_found(exchange);
  }
  if (!S_ISREG(st.st_mode)) return serve_not_found(exchange);
  // serve_file takes its own descriptor.
  const int own = ::dup(fd);
  if (own < 0) return serve_not_found(exchange);
  serve_file(exchange, own, *relative);
}

void StaticService::serve_file(transport::HttpExchange& exchange, int fd,
                               const std::string& relative) {
  auto file = std::make_shared<const transport::OpenFile>(fd);
  struct stat st {};
  if (::fstat(fd, &st) != 0) return serve_not_found(exchange);
  const FileIdentity identity = FileIdentity::of(st);
  if (const auto hit = cache_.find(relative, identity)) {
    return serve_entity(exchange, *hit, entity_options_);
  }
  const auto size = identity.size;
  Entity entity;
  entity.content_type = std::string(mime_.lookup(relative));
  entity.etag = "\"" + hex(static_cast<std::uint64_t>(identity.mtime_ns)) + "-" + hex(size) + "\"";
  entity.mtime = static_cast<std::int64_t>(st.st_mtim.tv_sec);
  entity.last_modified = transport::http_date(entity.mtime);
  entity.size = size;
  if (size <= kMemoryFileLimit) {
    auto content = std::make_shared<std::string>();
    content->resize(size);
    std::size_t got = 0;
    while (got < size) {
      const auto n = ::pread(fd, content->data() + got, size - got, static_cast<off_t>(got));
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;
      got += static_cast<std::size_t>(n);
    }
    struct stat after {};
    if (got != size) return serve_not_found(exchange);  // changed under us
    const bool unchanged = ::fstat(fd, &after) == 0 && FileIdentity::of(after) == identity;
    if (compressible_type(entity.content_type) && size >= 256) entity.gzipped = make_gzip(*content);
    entity.content = std::move(content);
    auto cached = std::make_shared<const Entity>(std::move(entity));
    // Written to while we read it: served as read, but not remembered.
    if (unchanged) cache_.insert(relative, identity, cached);
    return serve_entity(exchange, *cached, entity_options_);
  }
  entity.file = std::move(file);
  serve_entity(exchange, entity, entity_options_);
}

void StaticService::serve_listing(transport::HttpExchange& exchange, int dir_fd) {
  const int fd = ::dup(dir_fd);
  if (fd < 0) return serve_not_found(exchange);
  DIR* dir = ::fdopendir(fd);
  if (dir == nullptr) {
    ::close(fd);
    return serve_not_found(exchange);
  }
  std::vector<std::pair<std::string, bool>> names;  // name, is a directory
  while (const dirent* e = ::readdir(dir)) {
    const std::string_view name(e->d_name);
    if (name == "." || name == "..") continue;
    bool is_dir = e->d_type == DT_DIR;
    if (e->d_type == DT_UNKNOWN || e->d_type == DT_LNK) {
      struct stat st {};
      is_dir = ::fstatat(::dirfd(dir), e->d_name, &st, 0) == 0 && S_ISDIR(st.st_mode);
    }
    names.emplace_back(std::string(name), is_dir);
  }
  ::closedir(dir);
  std::sort(names.begin(), names.end());
  const std::string title = transport::escape_html(exchange.path());
  std::string page = "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>Index of " +
                     title + "</title></head>\n<body><h1>Index of " + title + "</h1>\n<ul>\n";
  if (!exchange.rest().empty()) page += "<li><a href=\"../\">../</a></li>\n";
  for (const auto& [name, is_dir] : names) {
    const std::string shown = transport::escape_html(name) + (is_dir ? "/" : "");
    page +=
        "<li><a href=\"" + encode_name(name) + (is_dir ? "/" : "") + "\">" + shown + "</a></li>\n";
  }
  page += "</ul>\n</body></html>\n";
  auto response =
      transport::HttpResponse::text(http::status::ok, std::move(page), "text/html; charset=utf-8");
  if (options_.allow_cross_origin) set_cross_origin_headers(exchange, response);
  exchange.respond(std::move(response));
}

void StaticService::serve_not_found(transport::HttpExchange& exchange) {
  if (!options_.default_file.empty()) {
    const int root = root_fd();
    const auto relative = relative_path(options_.default_file);
    if (root >= 0 && relative) {
      const int fd = open_beneath(root, *relative);
      struct stat st {};
      if (fd >= 0 && ::fstat(fd, &st) == 0 && S_ISREG(st.st_mode)) {
        return serve_file(exchange, fd, *relative);
      }
      if (fd >= 0) ::close(fd);
    }
  }
  respond_not_found(exchange);
}

}  // namespace junction::web
