// web/archive: see the header.
#include "web/archive.hpp"

#include <archive.h>
#include <archive_entry.h>
#include <openssl/evp.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>

#include "base/log.hpp"
#include "web/common.hpp"
#include "web/mime_types.hpp"

namespace junction::web {

namespace {

std::string hex(const unsigned char* data, std::size_t n) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(n * 2);
  for (std::size_t i = 0; i < n; ++i) {
    out += kDigits[data[i] >> 4];
    out += kDigits[data[i] & 0xf];
  }
  return out;
}

// FNV-1a, 64 bits: an ETag only has to change when the content does.
std::uint64_t content_hash(const std::string& data) {
  std::uint64_t h = 14695981039346656037ull;
  for (const char c : data) {
    h ^= static_cast<unsigned char>(c);
    h *= 1099511628211ull;
  }
  return h;
}

struct ArchiveReader {
  struct archive* a = archive_read_new();
  ~ArchiveReader() { archive_read_free(a); }
};

}  // namespace

std::string archive_member_name(std::string_view raw) {
  while (raw.starts_with("./"))
    raw.remove_prefix(2);
  if (raw.empty() || raw.front() == '/' || raw.find('\0') != std::string_view::npos) return {};
  std::size_t start = 0;
  while (start <= raw.size()) {
    const std::size_t end = std::min(raw.find('/', start), raw.size());
    const auto segment = raw.substr(start, end - start);
    if (segment.empty() || segment == "." || segment == "..") return {};
    start = end + 1;
  }
  return std::string(raw);
}

std::string sha256_file(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw ArchiveError("cannot read " + file.string());
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  EVP_DigestInit_ex(ctx.get(), EVP_sha256(), nullptr);
  std::vector<char> buffer(1 << 16);
  while (in) {
    in.read(buffer.data(), static_cast<std::streamsize>(buffer.size()));
    EVP_DigestUpdate(ctx.get(), buffer.data(), static_cast<std::size_t>(in.gcount()));
  }
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_DigestFinal_ex(ctx.get(), digest, &length);
  return hex(digest, length);
}

ArchiveService::ArchiveService(ArchiveOptions options) : options_(std::move(options)) {
  // Crossbar's archive answers carry neither caching nor cross-origin headers.
  entity_options_.cache_timeout.reset();
  entity_options_.allow_cross_origin = false;
  const std::string path = options_.archive.string();
  std::error_code ec;
  const bool exists = std::filesystem::exists(options_.archive, ec);
  if (!exists && options_.download) {
    if (options_.origin.empty()) {
      throw ArchiveError(path + " does not exist and 'download' has no 'origin' to fetch it from");
    }
    pending_.store(true, std::memory_order_release);
    return;
  }
  if (!std::filesystem::is_regular_file(options_.archive, ec)) {
    throw ArchiveError(exists ? path + " is not a file" : path + ": No such file or directory");
  }
  load(options_.archive, path);
}

void ArchiveService::download(const DownloadLimits& limits) {
  if (!pending()) return;
  const auto& target = options_.archive;
  const std::string path = target.string();
  std::error_code ec;
  if (std::filesystem::exists(target, ec)) {
    // Another path of the config with the same archive downloaded it already.
    if (!std::filesystem::is_regular_file(target, ec)) throw ArchiveError(path + " is not a file");
    load(target, path);
    pending_.store(false, std::memory_order_release);
    return;
  }
  // Next to the target, so that the rename stays on one file system (atomic); hidden, and named
  // by the process so that two nodes sharing a directory do not write into one file.
  const auto temporary = target.parent_path() / ("." + target.filename().string() + ".download-" +
                                                 std::to_string(static_cast<long>(::getpid())));
  JLOG(info, "web") << "archive " << path << ": downloading from " << options_.origin;
  try {
    const auto result = download_to_file(options_.origin, temporary, limits);
    load(temporary, "the downloaded file");
    std::filesystem::rename(temporary, target);
    JLOG(info, "web") << "archive " << path << ": downloaded from " << result.final_url << " ("
                      << result.bytes << " bytes"
                      << (options_.hashes.empty() ? ", unverified: no 'hashes'"
                                                  : ", SHA-256 verified")
                      << "), " << members_.size() << " files";
  } catch (const std::exception& e) {
    std::filesystem::remove(temporary, ec);
    members_.clear();
    throw ArchiveError("archive " + path + ": download from " + options_.origin +
                       " failed: " + e.what());
  }
  pending_.store(false, std::memory_order_release);
}

void ArchiveService::load(const std::filesystem::path& file, const std::string& path) {
  if (!options_.hashes.empty()) {
    const std::string digest = sha256_file(file);
    bool match = false;
    for (const auto& h : options_.hashes) {
      std::string lower = h;
      for (char& c : lower)
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      match = match || lower == digest;
    }
    if (!match) {
      throw ArchiveError(path + " (SHA-256 " + digest +
                         ") matches none of the configured 'hashes'");
    }
  }
  const MimeTypes mime(options_.mime_types);
  ArchiveReader reader;
  archive_read_support_filter_all(reader.a);
  archive_read_support_format_all(reader.a);
  if (archive_read_open_filename(reader.a, file.c_str(), 64 * 1024) != ARCHIVE_OK) {
    throw ArchiveError(path + ": " + archive_error_string(reader.a));
  }
  std::uint64_t total = 0;
  std::size_t skipped = 0;
  struct archive_entry* entry = nullptr;
  int r = ARCHIVE_OK;
  while ((r = archive_read_next_header(reader.a, &entry)) == ARCHIVE_OK || r == ARCHIVE_WARN) {
    if (archive_entry_filetype(entry) != AE_IFREG) continue;
    const char* raw = archive_entry_pathname_utf8(entry);
    if (raw == nullptr) raw = archive_entry_pathname(entry);
    const std::string name = raw == nullptr ? std::string() : archive_member_name(raw);
    if (name.empty()) {
      ++skipped;
      continue;
    }
    std::string data;
    if (archive_entry_size_is_set(entry) != 0 && archive_entry_size(entry) > 0) {
      data.reserve(
          static_cast<std::size_t>(std::min<la_int64_t>(archive_entry_size(entry), kMaxTotalSize)));
    }
    char buffer[64 * 1024];
    for (;;) {
      const la_ssize_t n = archive_read_data(reader.a, buffer, sizeof buffer);
      if (n < 0) throw ArchiveError(path + ": " + name + ": " + archive_error_string(reader.a));
      if (n == 0) break;
      total += static_cast<std::uint64_t>(n);
      if (total > kMaxTotalSize) {
        throw ArchiveError(path + ": its files add up to more than " +
                           std::to_string(kMaxTotalSize >> 20) +
                           " MiB, more than Junction holds in memory for an archive");
      }
      data.append(buffer, static_cast<std::size_t>(n));
    }
    Entity entity;
    entity.content_type = std::string(mime.lookup(name));
    entity.size = data.size();
    entity.mtime = archive_entry_mtime_is_set(entry) != 0 ? archive_entry_mtime(entry) : 0;
    if (entity.mtime > 0) entity.last_modified = transport::http_date(entity.mtime);
    char etag[40];
    std::snprintf(etag, sizeof etag, "\"%016llx-%llx\"",
                  static_cast<unsigned long long>(content_hash(data)),
                  static_cast<unsigned long long>(data.size()));
    entity.etag = etag;
    auto content = std::make_shared<const std::string>(std::move(data));
    if (compressible_type(entity.content_type) && content->size() >= 256) {
      entity.gzipped = make_gzip(*content);
    }
    entity.content = std::move(content);
    members_.insert_or_assign(name, std::move(entity));
  }
  if (r != ARCHIVE_EOF) throw ArchiveError(path + ": " + archive_error_string(reader.a));
  if (skipped > 0) {
    JLOG(warn, "web") << path << ": " << skipped
                      << " member(s) with absolute or '..' names left out";
  }
  JLOG(debug, "web") << path << ": " << members_.size() << " files, " << total << " bytes";
}

ArchiveService::~ArchiveService() = default;

const Entity* ArchiveService::find(const std::string& name) const {
  std::string key = options_.object_prefix;
  if (!key.empty() && key.back() != '/') key += '/';
  key += name;
  const auto it = members_.find(key);
  return it == members_.end() ? nullptr : &it->second;
}

void ArchiveService::handle(transport::HttpExchange exchange) {
  if (!allow_get_head(exchange)) return;
  if (pending()) {
    return exchange.respond(boost::beast::http::status::service_unavailable,
                            "The archive is being downloaded.\n");
  }
  std::string name;
  if (!transport::percent_decode(exchange.rest(), name)) return respond_not_found(exchange);
  if ((name.empty() || name.back() == '/') && !options_.default_object.empty()) {
    name += options_.default_object;
  }
  const Entity* entity = find(name);
  if (entity == nullptr && !options_.default_file.empty()) entity = find(options_.default_file);
  if (entity == nullptr) return respond_not_found(exchange);
  serve_entity(exchange, *entity, entity_options_);
}

}  // namespace junction::web
