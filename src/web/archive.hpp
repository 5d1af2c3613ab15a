// web/archive: Crossbar's "archive" path service — files served from a ZIP or tar archive (any
// format and compression Debian's libarchive reads).
//
// The archive is read once, when the service is made (at config time, so `junction check`
// reports a missing, corrupt or unverified archive). With `download` and no file at `archive`,
// the service is made pending instead and `junction start` calls download() before any
// listener serves (as Crossbar downloads while it creates the web service, before the transport
// listens): the file comes from `origin` (web/archive_download) into a temporary file next to
// `archive`, its SHA-256 is checked against `hashes` and its members are read, and only then is
// it renamed to `archive` — a failed or mismatching download leaves nothing behind and refuses
// to start. `junction check` never downloads. Its regular files are held in memory, each
// with its ETag (a hash of the content), Last-Modified (the member's mtime) and, for compressible
// types, its gzip form. Requests are answered from that table with web/entity (conditional
// requests, ranges, gzip) without touching the disk, so a request never blocks an I/O thread,
// and no request path can reach anything but a member of the archive: lookups are exact names
// in the table, and members whose names are absolute or contain ".." are left out when loading.
//
// A request for the mount path or a path ending in '/' looks up `default_object` below it;
// `object_prefix` is put before every name ("autobahn-js-browser-master/" + "autobahn.min.js");
// a name not found falls back to `default_file` (single-page applications), else 404.
#pragma once

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "transport/http_service.hpp"
#include "web/archive_download.hpp"
#include "web/entity.hpp"

namespace junction::web {

struct ArchiveOptions {
  std::filesystem::path archive;                  // absolute
  std::string default_object;                     // for "" and ".../"
  std::string object_prefix;                      // put before every looked-up name
  std::map<std::string, std::string> mime_types;  // ".ext" -> type overrides
  std::vector<std::string> hashes;                // SHA-256 (hex): the file must match one
  std::string default_file;                       // served when a name is not found
  std::string origin;     // http(s) URL the archive is downloaded from ("" for none)
  bool download = false;  // a missing archive is downloaded from origin at start-up
};

// Refusals while loading (missing file, not an archive, hash mismatch, too large).
class ArchiveError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class ArchiveService : public transport::HttpService {
 public:
  // Reads the archive, or with `download`, an `origin` and no file at `archive`, leaves it
  // pending. Throws ArchiveError.
  explicit ArchiveService(ArchiveOptions options);
  ~ArchiveService() override;
  std::string_view type() const override { return "archive"; }
  void handle(transport::HttpExchange exchange) override;

  // True until a pending archive is downloaded; requests are answered 503 meanwhile (never seen
  // by a client from `junction start`, which downloads before its listeners open).
  bool pending() const { return pending_.load(std::memory_order_acquire); }
  // Downloads a pending archive (see the file comment), verifies and loads it; nothing when
  // it is not pending. Blocks the calling thread: call it before the listeners serve. Throws
  // ArchiveError naming the archive, the origin and the reason.
  void download(const DownloadLimits& limits = {});

  // The members held (for tests and logs).
  std::size_t member_count() const { return members_.size(); }
  bool has_member(const std::string& name) const { return members_.contains(name); }

  // Largest total of member sizes Junction holds in memory for one archive.
  static constexpr std::uint64_t kMaxTotalSize = 256ull * 1024 * 1024;

 private:
  const Entity* find(const std::string& name) const;
  // Checks `file` against the hashes and reads its members; `shown` names it in errors.
  void load(const std::filesystem::path& file, const std::string& shown);

  ArchiveOptions options_;
  std::atomic<bool> pending_{false};
  EntityOptions entity_options_;
  std::unordered_map<std::string, Entity> members_;  // immutable after construction
};

// "./a/b" -> "a/b"; empty when the name is absolute, has "..", "." or empty segments, or a NUL.
std::string archive_member_name(std::string_view raw);
// The SHA-256 of a file, lowercase hex. Throws ArchiveError when it cannot be read.
std::string sha256_file(const std::filesystem::path& file);

}  // namespace junction::web
