// web/file_cache: the static service's memory of small files it has served — their bytes, gzip
// form and response header values — keyed by the request's relative path and bounded in bytes
// and entries (least recently used first out).
//
// An entry is only ever made from a file opened beneath the web root (openat2 RESOLVE_BENEATH,
// web/static_files), and it is only ever used while a stat() of the same path names the very
// same file unchanged: same device and inode, same size, same mtime and same ctime (ctime moves
// on every write, chmod, rename, link or unlink of the inode, so a file moved out of the tree
// or re-linked differs). The bytes served from a hit are therefore bytes of an inode that this
// path led to beneath the root, and that has not changed since: staleness is bounded by the
// file system's timestamp granularity, exactly as it was with a fresh open per request, while
// a hit costs one fstatat() instead of openat2 + fstat + close. A path that now resolves
// somewhere else (a symlink swapped in, a file replaced) names another inode: a miss, and the
// request goes the full way through openat2 again.
#pragma once

#include <sys/stat.h>

#include <cstdint>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include "web/entity.hpp"

namespace junction::web {

// What identifies one version of one file.
struct FileIdentity {
  std::uint64_t device = 0, inode = 0, size = 0;
  std::int64_t mtime_ns = 0, ctime_ns = 0;

  static FileIdentity of(const struct stat& st);
  bool operator==(const FileIdentity&) const = default;
};

class FileCache {
 public:
  FileCache(std::size_t max_bytes, std::size_t max_entries);

  // The entity cached for `path` if it was made from the file `now` describes; else null (a
  // stale entry is dropped). Thread-safe.
  std::shared_ptr<const Entity> find(const std::string& path, const FileIdentity& now);
  // Remembers `entity` (made from the file `identity` describes) for `path`, replacing what was
  // there, and evicts the least recently used entries beyond the bounds. An entity larger than
  // the byte bound is not kept. Thread-safe.
  void insert(const std::string& path, const FileIdentity& identity,
              std::shared_ptr<const Entity> entity);

  std::size_t entries() const;
  std::size_t bytes() const;

 private:
  struct Slot {
    std::string path;
    FileIdentity identity;
    std::shared_ptr<const Entity> entity;
    std::size_t bytes = 0;
  };
  using List = std::list<Slot>;  // most recently used first
  void erase(List::iterator it);

  const std::size_t max_bytes_;
  const std::size_t max_entries_;
  mutable std::mutex mutex_;
  List lru_;
  std::unordered_map<std::string, List::iterator> index_;
  std::size_t bytes_ = 0;
};

}  // namespace junction::web
