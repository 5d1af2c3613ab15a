// web/upload_store: the file side of the "upload" path service — chunks of files being uploaded
// kept in a temporary directory, assembled into the upload directory when the last one arrives.
// Synchronous and single-threaded (the service runs it on a thread of its own, off the I/O
// threads); no HTTP and no WAMP here, so it is tested on its own.
//
// An upload is known by its file name (as Crossbar's). Safe by construction:
//  - file names are checked, not rewritten: no '/', '\', NUL or control characters, no leading
//    '.', at most 255 bytes, valid UTF-8 — anything else is refused (400), so no name can reach
//    outside the two directories or hide a file;
//  - the file's declared total size is checked against max_file_size (413) before anything is
//    written, every chunk against it, and the chunks together may never exceed it;
//  - chunks are written to "<temp>/<name>/.chunk_<n>.partial", then renamed to "chunk_<n>", the
//    assembled file to "<temp>/<name>/.assembled.partial", then renamed into the upload directory
//    (copied first when the two are on different file systems): a file in the upload directory
//    is always complete; files are opened with O_NOFOLLOW;
//  - chunks may come in any order and more than once (a retry replaces the chunk);
//  - temporary files go away when the upload completes or fails, uploads idle for a day are
//    removed, and at start the temporary directory is scanned: complete chunks of earlier
//    uploads are kept for resuming them (resumable.js asks first with a GET), partial files are
//    removed; nothing else in the temporary directory is touched.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace junction::web {

struct UploadLimits {
  std::filesystem::path directory;       // complete files
  std::filesystem::path temp_directory;  // uploads in progress
  std::uint64_t max_file_size = 10 * 1024 * 1024;
  std::vector<std::string> file_types;       // allowed extensions with the dot (".txt"); empty: any
  std::optional<unsigned> file_permissions;  // chmod of complete files; else 0644
  std::chrono::seconds stale_after{24 * 3600};
};

struct ChunkRequest {
  std::string file_name;
  std::uint64_t total_size = 0;
  std::uint64_t total_chunks = 0;
  std::uint64_t chunk_number = 0;  // 1-based
  std::string_view content;
};

struct ChunkOutcome {
  unsigned status = 200;  // HTTP status: 200, or 400/409/413/415/500 with `message`
  std::string message;
  bool started = false;        // this chunk began the upload
  bool finished = false;       // the file is complete, in the upload directory
  std::uint64_t received = 0;  // bytes of the file stored so far (all of it when finished)
};

class UploadStore {
 public:
  explicit UploadStore(UploadLimits limits);

  // Checks the upload directory exists, creates the temporary directory if needed and scans it
  // for uploads to resume. Throws std::runtime_error when a directory is unusable.
  void open();

  // Stores one chunk (and assembles the file when it was the last one missing).
  ChunkOutcome put(const ChunkRequest& chunk);

  // True when chunk `number` of the upload `file_name` is stored (resumable.js's test GET).
  bool has_chunk(std::string_view file_name, std::uint64_t number) const;

  // Uploads in progress (for tests and logs).
  std::size_t pending() const { return uploads_.size(); }

  const UploadLimits& limits() const { return limits_; }

  // The file name rule above; on false, `why` says what is wrong.
  static bool valid_file_name(std::string_view name, std::string& why);

 private:
  struct Upload {
    std::uint64_t total_size = 0;  // 0 with total_chunks 0: adopted from disk, not known yet
    std::uint64_t total_chunks = 0;
    std::map<std::uint64_t, std::uint64_t> chunks;  // number -> size
    std::uint64_t received = 0;
    std::chrono::steady_clock::time_point touched;
  };

  ChunkOutcome fail(unsigned status, std::string message) const;
  void discard(const std::string& name);
  void remove_stale();
  // Writes `content` to `path` through a ".partial" sibling; false (errno set) on failure.
  static bool write_file(const std::filesystem::path& partial, const std::filesystem::path& path,
                         std::string_view content, unsigned mode);
  ChunkOutcome assemble(const std::string& name, Upload& upload);

  UploadLimits limits_;
  std::map<std::string, Upload, std::less<>> uploads_;
};

}  // namespace junction::web
