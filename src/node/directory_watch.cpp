// node/directory_watch: inotify, one watch descriptor per directory (inotify is not recursive).
#include "node/directory_watch.hpp"

#include <array>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <map>
#include <stdexcept>
#include <system_error>

#include <sys/inotify.h>
#include <unistd.h>

#include <boost/asio/posix/stream_descriptor.hpp>

namespace junction::node {

namespace asio = boost::asio;
namespace fs = std::filesystem;

namespace {

// What a file's content, name or presence can change by (not reads, not metadata only).
constexpr std::uint32_t kEvents = IN_CREATE | IN_DELETE | IN_CLOSE_WRITE | IN_MODIFY |
                                  IN_MOVED_FROM | IN_MOVED_TO | IN_DELETE_SELF | IN_MOVE_SELF;

std::string describe(std::uint32_t mask) {
  if (mask & IN_CREATE) return "created";
  if (mask & (IN_DELETE | IN_DELETE_SELF)) return "deleted";
  if (mask & (IN_MOVED_FROM | IN_MOVED_TO | IN_MOVE_SELF)) return "moved";
  if (mask & IN_Q_OVERFLOW) return "many changes";
  return "modified";
}

}  // namespace

struct DirectoryWatch::Impl : std::enable_shared_from_this<Impl> {
  asio::posix::stream_descriptor fd;
  std::map<int, fs::path> directories;  // by watch descriptor
  std::function<void(std::string)> changed;
  alignas(inotify_event) std::array<char, 16 * 1024> buffer{};

  Impl(asio::io_context& io, int raw, std::function<void(std::string)> c)
      : fd(io, raw), changed(std::move(c)) {}

  void add(const fs::path& dir, bool required) {
    const int wd = ::inotify_add_watch(fd.native_handle(), dir.c_str(), kEvents | IN_ONLYDIR);
    if (wd < 0) {
      if (!required) return;  // vanished meanwhile: nothing to watch
      throw std::runtime_error("cannot watch " + dir.string() + ": " + std::strerror(errno));
    }
    directories[wd] = dir;
    std::error_code ec;
    for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
      std::error_code type_ec;
      if (it->is_directory(type_ec) && !it->is_symlink(type_ec)) add(it->path(), false);
    }
  }

  void read() {
    fd.async_read_some(
        asio::buffer(buffer),
        [self = shared_from_this()](const boost::system::error_code& ec, std::size_t n) {
          if (ec || !self->changed) return;  // closed (the watch is over) or failed
          std::size_t at = 0;
          while (at + sizeof(inotify_event) <= n) {
            const auto* event = reinterpret_cast<const inotify_event*>(self->buffer.data() + at);
            at += sizeof(inotify_event) + event->len;
            if (event->mask & IN_IGNORED) continue;  // a watch ended (its directory went away)
            fs::path where;
            if (auto it = self->directories.find(event->wd); it != self->directories.end()) {
              where = it->second;
            }
            if (event->len) where /= event->name;
            auto changed = std::move(self->changed);
            self->changed = nullptr;
            changed(where.string() + ": " + describe(event->mask));
            return;
          }
          self->read();
        });
  }
};

DirectoryWatch::DirectoryWatch(asio::io_context& io, const std::vector<std::string>& directories,
                               std::function<void(std::string)> changed) {
  const int raw = ::inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
  if (raw < 0) throw std::runtime_error(std::string("inotify: ") + std::strerror(errno));
  impl_ = std::make_shared<Impl>(io, raw, std::move(changed));
  for (const auto& dir : directories)
    impl_->add(dir, true);
  impl_->read();
}

DirectoryWatch::~DirectoryWatch() {
  impl_->changed = nullptr;
  boost::system::error_code ignored;
  impl_->fd.close(ignored);  // the pending read ends with operation_aborted
}

}  // namespace junction::node
