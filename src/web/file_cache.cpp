// web/file_cache: see the header.
#include "web/file_cache.hpp"

namespace junction::web {

FileIdentity FileIdentity::of(const struct stat& st) {
  FileIdentity id;
  id.device = static_cast<std::uint64_t>(st.st_dev);
  id.inode = static_cast<std::uint64_t>(st.st_ino);
  id.size = static_cast<std::uint64_t>(st.st_size);
  id.mtime_ns = static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1000000000LL + st.st_mtim.tv_nsec;
  id.ctime_ns = static_cast<std::int64_t>(st.st_ctim.tv_sec) * 1000000000LL + st.st_ctim.tv_nsec;
  return id;
}

FileCache::FileCache(std::size_t max_bytes, std::size_t max_entries)
    : max_bytes_(max_bytes), max_entries_(max_entries) {}

std::shared_ptr<const Entity> FileCache::find(const std::string& path, const FileIdentity& now) {
  std::lock_guard lock(mutex_);
  const auto it = index_.find(path);
  if (it == index_.end()) return nullptr;
  if (!(it->second->identity == now)) {
    erase(it->second);
    return nullptr;
  }
  lru_.splice(lru_.begin(), lru_, it->second);
  return it->second->entity;
}

void FileCache::insert(const std::string& path, const FileIdentity& identity,
                       std::shared_ptr<const Entity> entity) {
  const std::size_t bytes = (entity->content ? entity->content->size() : 0) +
                            (entity->gzipped ? entity->gzipped->size() : 0) + path.size();
  std::lock_guard lock(mutex_);
  if (const auto it = index_.find(path); it != index_.end()) erase(it->second);
  if (bytes > max_bytes_ || max_entries_ == 0) return;
  lru_.push_front(Slot{path, identity, std::move(entity), bytes});
  index_.emplace(path, lru_.begin());
  bytes_ += bytes;
  while (bytes_ > max_bytes_ || lru_.size() > max_entries_)
    erase(std::prev(lru_.end()));
}

void FileCache::erase(List::iterator it) {
  bytes_ -= it->bytes;
  index_.erase(it->path);
  lru_.erase(it);
}

std::size_t FileCache::entries() const {
  std::lock_guard lock(mutex_);
  return lru_.size();
}

std::size_t FileCache::bytes() const {
  std::lock_guard lock(mutex_);
  return bytes_;
}

}  // namespace junction::web
