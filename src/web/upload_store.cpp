// web/upload_store: see the header.
#include "web/upload_store.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <system_error>

#include "base/log.hpp"
#include "wamp/utf8.hpp"

namespace junction::web {

namespace fs = std::filesystem;

namespace {

constexpr std::uint64_t kMaxChunks = 100000;
constexpr std::string_view kChunkPrefix = "chunk_";

std::string chunk_name(std::uint64_t number) {
  return std::string(kChunkPrefix) + std::to_string(number);
}

// "chunk_12" -> 12; nullopt for anything else.
std::optional<std::uint64_t> chunk_number_of(std::string_view file) {
  if (file.substr(0, kChunkPrefix.size()) != kChunkPrefix) return std::nullopt;
  file.remove_prefix(kChunkPrefix.size());
  if (file.empty() || file.size() > 6 || file.front() == '0') return std::nullopt;
  std::uint64_t n = 0;
  for (const char c : file) {
    if (c < '0' || c > '9') return std::nullopt;
    n = n * 10 + static_cast<std::uint64_t>(c - '0');
  }
  return n;
}

bool write_all(int fd, std::string_view data) {
  while (!data.empty()) {
    const ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    data.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

// Appends the file at `from` to `fd`; false (errno set) on failure.
bool append_file(int fd, const fs::path& from) {
  const int in = ::open(from.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  if (in < 0) return false;
  char buffer[256 * 1024];
  bool ok = true;
  while (true) {
    const ssize_t n = ::read(in, buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) ok = false;
    if (n <= 0) break;
    if (!write_all(fd, std::string_view(buffer, static_cast<std::size_t>(n)))) {
      ok = false;
      break;
    }
  }
  const int saved = errno;
  ::close(in);
  errno = saved;
  return ok;
}

}  // namespace

UploadStore::UploadStore(UploadLimits limits) : limits_(std::move(limits)) {}

bool UploadStore::valid_file_name(std::string_view name, std::string& why) {
  if (name.empty()) {
    why = "the file name is empty";
  } else if (name.size() > 255) {
    why = "the file name is longer than 255 bytes";
  } else if (name.front() == '.') {
    why = "the file name may not start with '.'";
  } else if (name.find_first_of(std::string_view("/\\\0", 3)) != std::string_view::npos) {
    why = "the file name may not contain '/', '\\' or NUL";
  } else if (std::any_of(name.begin(), name.end(), [](char c) {
               const auto u = static_cast<unsigned char>(c);
               return u < 0x20 || u == 0x7f;
             })) {
    why = "the file name may not contain control characters";
  } else if (!wamp::valid_utf8(name)) {
    why = "the file name is not valid UTF-8";
  } else {
    return true;
  }
  return false;
}

void UploadStore::open() {
  std::error_code ec;
  if (!fs::is_directory(limits_.directory, ec)) {
    throw std::runtime_error("upload directory '" + limits_.directory.string() +
                             "' does not exist (or is not a directory)");
  }
  fs::create_directories(limits_.temp_directory, ec);
  if (!fs::is_directory(limits_.temp_directory, ec)) {
    throw std::runtime_error("upload temp_directory '" + limits_.temp_directory.string() +
                             "' cannot be created: " + ec.message());
  }
  // Uploads to resume: directories whose names are valid file names, holding chunk_<n> files.
  uploads_.clear();
  const auto now = std::chrono::steady_clock::now();
  for (const auto& entry : fs::directory_iterator(limits_.temp_directory, ec)) {
    const std::string name = entry.path().filename().string();
    std::string why;
    if (!entry.is_directory(ec) || entry.is_symlink(ec) || !valid_file_name(name, why)) continue;
    Upload upload;
    upload.touched = now;
    for (const auto& file : fs::directory_iterator(entry.path(), ec)) {
      const std::string leaf = file.path().filename().string();
      if (leaf.size() > 8 && leaf.front() == '.' && leaf.ends_with(".partial")) {
        fs::remove(file.path(), ec);  // an interrupted write
        continue;
      }
      const auto number = chunk_number_of(leaf);
      if (!number || !file.is_regular_file(ec) || file.is_symlink(ec)) continue;
      const auto size = file.file_size(ec);
      if (ec) continue;
      upload.chunks[*number] = size;
      upload.received += size;
    }
    if (upload.chunks.empty()) {
      fs::remove(entry.path(), ec);  // only if empty: never deletes what is not ours
      continue;
    }
    JLOG(info, "web") << "upload: resumable upload of '" << name << "' found ("
                      << upload.chunks.size() << " chunks)";
    uploads_.emplace(name, std::move(upload));
  }
}

ChunkOutcome UploadStore::fail(unsigned status, std::string message) const {
  ChunkOutcome out;
  out.status = status;
  out.message = std::move(message);
  return out;
}

void UploadStore::discard(const std::string& name) {
  std::error_code ec;
  const fs::path dir = limits_.temp_directory / name;
  if (const auto it = uploads_.find(name); it != uploads_.end()) {
    for (const auto& [number, size] : it->second.chunks)
      fs::remove(dir / chunk_name(number), ec);
    uploads_.erase(it);
  }
  fs::remove(dir / ".assembled.partial", ec);
  fs::remove(dir, ec);  // only if empty
}

void UploadStore::remove_stale() {
  const auto now = std::chrono::steady_clock::now();
  std::vector<std::string> stale;
  for (const auto& [name, upload] : uploads_) {
    if (now - upload.touched > limits_.stale_after) stale.push_back(name);
  }
  for (const auto& name : stale) {
    JLOG(info, "web") << "upload: removing the stale upload of '" << name << "'";
    discard(name);
  }
}

bool UploadStore::write_file(const fs::path& partial, const fs::path& path,
                             std::string_view content, unsigned mode) {
  const int fd = ::open(partial.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC,
                        static_cast<mode_t>(mode));
  if (fd < 0) return false;
  const bool ok = write_all(fd, content);
  int saved = errno;
  if (::close(fd) != 0 && ok) saved = errno;
  if (!ok || ::rename(partial.c_str(), path.c_str()) != 0) {
    if (ok) saved = errno;
    ::unlink(partial.c_str());
    errno = saved;
    return false;
  }
  return true;
}

ChunkOutcome UploadStore::put(const ChunkRequest& chunk) {
  std::string why;
  if (!valid_file_name(chunk.file_name, why)) return fail(400, "invalid file name: " + why);
  if (!limits_.file_types.empty()) {
    const auto dot = chunk.file_name.rfind('.');
    const std::string extension = dot == std::string::npos ? "" : chunk.file_name.substr(dot);
    if (std::find(limits_.file_types.begin(), limits_.file_types.end(), extension) ==
        limits_.file_types.end()) {
      return fail(415, "file type '" + extension + "' is not allowed");
    }
  }
  if (chunk.total_size > limits_.max_file_size) {
    return fail(413, "file size " + std::to_string(chunk.total_size) + " exceeds the maximum " +
                         std::to_string(limits_.max_file_size));
  }
  if (chunk.total_chunks == 0 || chunk.total_chunks > kMaxChunks ||
      chunk.total_chunks > std::max<std::uint64_t>(chunk.total_size, 1)) {
    return fail(400, "invalid number of chunks " + std::to_string(chunk.total_chunks) +
                         " for a file of " + std::to_string(chunk.total_size) + " bytes");
  }
  if (chunk.chunk_number == 0 || chunk.chunk_number > chunk.total_chunks) {
    return fail(400, "chunk number " + std::to_string(chunk.chunk_number) + " is not in 1.." +
                         std::to_string(chunk.total_chunks));
  }
  if (chunk.content.size() > chunk.total_size) {
    return fail(
        413, "chunk of " + std::to_string(chunk.content.size()) + " bytes is larger than the file");
  }

  ChunkOutcome out;
  auto it = uploads_.find(chunk.file_name);
  if (it == uploads_.end()) {
    remove_stale();
    it = uploads_.emplace(chunk.file_name, Upload{}).first;
    it->second.total_size = chunk.total_size;
    it->second.total_chunks = chunk.total_chunks;
    out.started = true;
  }
  Upload& upload = it->second;
  if (upload.total_chunks == 0) {  // resumed after a restart: adopt, then check what is on disk
    upload.total_size = chunk.total_size;
    upload.total_chunks = chunk.total_chunks;
    if (upload.received > upload.total_size || upload.chunks.rbegin()->first > chunk.total_chunks) {
      discard(chunk.file_name);
      return fail(409, "the stored chunks of '" + chunk.file_name +
                           "' do not match this upload; it was discarded, start again");
    }
  } else if (upload.total_size != chunk.total_size || upload.total_chunks != chunk.total_chunks) {
    return fail(409, "file '" + chunk.file_name + "' is being uploaded with another size (" +
                         std::to_string(upload.total_size) + " bytes in " +
                         std::to_string(upload.total_chunks) + " chunks)");
  }
  upload.touched = std::chrono::steady_clock::now();
  const auto previous = upload.chunks.find(chunk.chunk_number);
  const std::uint64_t replaced = previous == upload.chunks.end() ? 0 : previous->second;
  if (upload.received - replaced + chunk.content.size() > upload.total_size) {
    const bool was_new = out.started;
    if (was_new) discard(chunk.file_name);
    return fail(413, "the chunks of '" + chunk.file_name + "' exceed its size of " +
                         std::to_string(upload.total_size) + " bytes");
  }

  const fs::path dir = limits_.temp_directory / chunk.file_name;
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) {
    if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) {
      const std::string error = std::strerror(errno);
      if (upload.chunks.empty()) discard(chunk.file_name);
      return fail(500,
                  "cannot create the temporary directory for '" + chunk.file_name + "': " + error);
    }
  }
  const std::string leaf = chunk_name(chunk.chunk_number);
  if (!write_file(dir / ("." + leaf + ".partial"), dir / leaf, chunk.content, 0600)) {
    const std::string error = std::strerror(errno);
    JLOG(warn, "web") << "upload: cannot store chunk " << chunk.chunk_number << " of '"
                      << chunk.file_name << "': " << error;
    if (upload.chunks.empty()) discard(chunk.file_name);
    return fail(500, "cannot store the chunk: " + error);
  }
  upload.chunks[chunk.chunk_number] = chunk.content.size();
  upload.received = upload.received - replaced + chunk.content.size();
  out.received = upload.received;
  if (upload.chunks.size() < upload.total_chunks) return out;

  ChunkOutcome done = assemble(chunk.file_name, upload);
  done.started = out.started;
  return done;
}

ChunkOutcome UploadStore::assemble(const std::string& name, Upload& upload) {
  if (upload.received != upload.total_size) {
    const std::string message = "the chunks of '" + name + "' add up to " +
                                std::to_string(upload.received) + " bytes, not " +
                                std::to_string(upload.total_size) + "; the upload was discarded";
    discard(name);
    return fail(400, message);
  }
  const fs::path dir = limits_.temp_directory / name;
  const fs::path assembled = dir / ".assembled.partial";
  const unsigned mode = limits_.file_permissions.value_or(0644);
  auto io_error = [&](std::string_view what) {
    const std::string message =
        "cannot " + std::string(what) + " '" + name + "': " + std::strerror(errno);
    JLOG(warn, "web") << "upload: " << message;
    ::unlink(assembled.c_str());
    discard(name);
    return fail(500, message);
  };
  const int fd =
      ::open(assembled.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0) return io_error("assemble");
  for (const auto& [number, size] : upload.chunks) {
    if (!append_file(fd, dir / chunk_name(number))) {
      const int saved = errno;
      ::close(fd);
      errno = saved;
      return io_error("assemble");
    }
  }
  // fchmod: the mode is exact, whatever the umask.
  if (::fchmod(fd, static_cast<mode_t>(mode)) != 0) {
    const int saved = errno;
    ::close(fd);
    errno = saved;
    return io_error("set the permissions of");
  }
  if (::close(fd) != 0) return io_error("write");
  const fs::path target = limits_.directory / name;
  if (::rename(assembled.c_str(), target.c_str()) != 0) {
    if (errno != EXDEV) return io_error("move into the upload directory");
    // Another file system: copy next to the target, then rename there (still atomic).
    const fs::path near = limits_.directory / ("." + name + ".partial");
    const int out =
        ::open(near.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (out < 0) return io_error("copy into the upload directory");
    bool ok = append_file(out, assembled) && ::fchmod(out, static_cast<mode_t>(mode)) == 0;
    int saved = errno;
    ::close(out);
    if (ok && ::rename(near.c_str(), target.c_str()) != 0) {
      ok = false;
      saved = errno;
    }
    if (!ok) {
      ::unlink(near.c_str());
      errno = saved;
      return io_error("copy into the upload directory");
    }
    ::unlink(assembled.c_str());
  }
  ChunkOutcome out;
  out.finished = true;
  out.received = upload.total_size;
  JLOG(info, "web") << "upload: '" << name << "' complete (" << upload.total_size << " bytes)";
  discard(name);
  return out;
}

bool UploadStore::has_chunk(std::string_view file_name, std::uint64_t number) const {
  const auto it = uploads_.find(file_name);
  return it != uploads_.end() && it->second.chunks.contains(number);
}

}  // namespace junction::web
