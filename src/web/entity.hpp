// web/entity: answering GET/HEAD for one stored representation (a file, an archive member) the
// way HTTP caches and browsers expect: ETag and Last-Modified with conditional requests
// (If-None-Match, If-Modified-Since -> 304), byte ranges (Range, If-Range -> 206, 416), gzip for
// clients that accept it (compressible types; the gzip form is made once and cached with the
// entity), Cache-Control/Expires from cache_timeout, and Crossbar's cross-origin headers.
// Shared by the static and archive services.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "transport/http_service.hpp"

namespace junction::web {

struct Entity {
  std::string content_type;
  std::string etag;           // with its quotes: "\"5f3a-400\""
  std::int64_t mtime = 0;     // seconds since the epoch (Last-Modified); 0: none
  std::string last_modified;  // http_date(mtime) formatted once, or empty (formatted per answer)
  std::uint64_t size = 0;
  // The bytes: in memory, or an open file (large files are not held in memory).
  std::shared_ptr<const std::string> content;
  std::shared_ptr<const transport::OpenFile> file;
  // The gzip form (content only), when it is worth having; made by make_gzip().
  std::shared_ptr<const std::string> gzipped;
};

struct EntityOptions {
  std::optional<std::int64_t> cache_timeout;  // seconds; none: no caching headers
  bool allow_cross_origin = true;
  bool gzip = true;
};

// Compresses `content` (gzip format, level 6). Returns null when it does not get smaller.
std::shared_ptr<const std::string> make_gzip(const std::string& content);

// Answers the exchange (GET or HEAD) with the entity.
void serve_entity(transport::HttpExchange& exchange, const Entity& entity,
                  const EntityOptions& options);

// A byte range of a representation of `size` bytes, from a Range header value.
struct ByteRange {
  std::uint64_t first = 0;
  std::uint64_t length = 0;
};
enum class RangeResult { none, single, unsatisfiable };
// "bytes=0-99", "bytes=100-", "bytes=-100". Several ranges, or anything malformed, give `none`
// (the whole representation is served, as RFC 9110 allows).
RangeResult parse_range(std::string_view header, std::uint64_t size, ByteRange& out);

// Whether an Accept-Encoding value accepts gzip (q=0 refuses it).
bool accepts_gzip(std::string_view accept_encoding);

}  // namespace junction::web
