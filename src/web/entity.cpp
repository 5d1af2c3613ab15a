// web/entity: see the header.
#include "web/entity.hpp"

#include <zlib.h>

#include <charconv>
#include <chrono>

#include <boost/beast/http/field.hpp>
#include <boost/beast/http/verb.hpp>

#include "web/common.hpp"

namespace junction::web {

namespace http = boost::beast::http;

namespace {

bool parse_u64(std::string_view s, std::uint64_t& out) {
  if (s.empty() || s.size() > 19) return false;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && end == s.data() + s.size();
}

// If-None-Match: "*" or a list of entity tags; weak comparison (W/ ignored), as RFC 9110 asks.
bool etag_matches(std::string_view header, std::string_view etag) {
  header = trim_ows(header);
  if (header == "*") return true;
  while (!header.empty()) {
    const auto comma = header.find(',');
    auto tag = trim_ows(header.substr(0, comma));
    if (tag.starts_with("W/")) tag.remove_prefix(2);
    auto mine = etag;
    if (mine.starts_with("W/")) mine.remove_prefix(2);
    if (tag == mine) return true;
    if (comma == std::string_view::npos) break;
    header.remove_prefix(comma + 1);
  }
  return false;
}

}  // namespace

std::shared_ptr<const std::string> make_gzip(const std::string& content) {
  z_stream z{};
  if (deflateInit2(&z, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) return nullptr;
  auto out = std::make_shared<std::string>();
  out->resize(deflateBound(&z, static_cast<uLong>(content.size())) + 32);
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(content.data()));
  z.avail_in = static_cast<uInt>(content.size());
  z.next_out = reinterpret_cast<Bytef*>(out->data());
  z.avail_out = static_cast<uInt>(out->size());
  const int rc = deflate(&z, Z_FINISH);
  const auto produced = out->size() - z.avail_out;
  deflateEnd(&z);
  if (rc != Z_STREAM_END || produced >= content.size()) return nullptr;
  out->resize(produced);
  return out;
}

RangeResult parse_range(std::string_view header, std::uint64_t size, ByteRange& out) {
  header = trim_ows(header);
  if (!header.starts_with("bytes=")) return RangeResult::none;
  header.remove_prefix(6);
  if (header.find(',') != std::string_view::npos) return RangeResult::none;
  header = trim_ows(header);
  const auto dash = header.find('-');
  if (dash == std::string_view::npos) return RangeResult::none;
  const auto first_text = trim_ows(header.substr(0, dash));
  const auto last_text = trim_ows(header.substr(dash + 1));
  std::uint64_t first = 0, last = 0;
  if (first_text.empty()) {
    // Suffix: the last N bytes.
    if (!parse_u64(last_text, last)) return RangeResult::none;
    if (last == 0 || size == 0) return RangeResult::unsatisfiable;
    const auto n = std::min(last, size);
    out = {size - n, n};
    return RangeResult::single;
  }
  if (!parse_u64(first_text, first)) return RangeResult::none;
  if (last_text.empty()) {
    last = size == 0 ? 0 : size - 1;
  } else if (!parse_u64(last_text, last) || last < first) {
    return RangeResult::none;
  }
  if (first >= size) return RangeResult::unsatisfiable;
  last = std::min(last, size - 1);
  out = {first, last - first + 1};
  return RangeResult::single;
}

bool accepts_gzip(std::string_view header) {
  while (!header.empty()) {
    const auto comma = header.find(',');
    auto item = trim_ows(header.substr(0, comma));
    const auto semi = item.find(';');
    const auto coding = trim_ows(item.substr(0, semi));
    if (coding.size() == 4 && (coding[0] | 0x20) == 'g' && (coding[1] | 0x20) == 'z' &&
        (coding[2] | 0x20) == 'i' && (coding[3] | 0x20) == 'p') {
      if (semi == std::string_view::npos) return true;
      auto param = trim_ows(item.substr(semi + 1));
      if (param.starts_with("q=") || param.starts_with("Q=")) {
        param.remove_prefix(2);
        // q=0, q=0.0, q=0.000: refused.
        return param.find_first_not_of("0.") != std::string_view::npos;
      }
      return true;
    }
    if (comma == std::string_view::npos) break;
    header.remove_prefix(comma + 1);
  }
  return false;
}

namespace {

// "Cache-Control: max-age=N, public\r\nExpires: <now + N>\r\n", formatted once per second
// (and timeout) per thread.
const std::string& caching_lines(std::int64_t timeout) {
  thread_local std::int64_t second = -1;
  thread_local std::int64_t for_timeout = -1;
  thread_local std::string text;
  const auto now = std::chrono::duration_cast<std::chrono::seconds>(
                       std::chrono::system_clock::now().time_since_epoch())
                       .count();
  if (now != second || timeout != for_timeout) {
    second = now;
    for_timeout = timeout;
    text = "Cache-Control: max-age=" + std::to_string(timeout) +
           ", public\r\nExpires: " + transport::http_date(now + timeout) + "\r\n";
  }
  return text;
}

// The entity tag of the gzip form: "\"abc\"" -> "\"abc-gzip\"".
std::string gzip_etag_of(const std::string& etag) {
  std::string out = etag;
  if (!out.empty()) out.insert(out.size() - 1, "-gzip");
  return out;
}

}  // namespace

void serve_entity(transport::HttpExchange& exchange, const Entity& entity,
                  const EntityOptions& options) {
  const auto& request = exchange.request();
  transport::HttpResponse response;
  // The fields go out as preformatted lines (HttpResponse::head_lines): no field map per answer.
  std::string& lines = response.head_lines;
  lines.reserve(320 + entity.content_type.size() + entity.etag.size());
  if (entity.mtime > 0) {
    append_header_line(
        lines, "Last-Modified",
        entity.last_modified.empty() ? transport::http_date(entity.mtime) : entity.last_modified);
  }
  if (options.cache_timeout) lines += caching_lines(*options.cache_timeout);
  if (options.allow_cross_origin) append_cross_origin_lines(exchange, lines);
  const bool gzip_possible = options.gzip && entity.gzipped != nullptr;
  if (gzip_possible) lines += "Vary: Accept-Encoding\r\n";
  auto etag_line = [&](const std::string& etag) {
    if (!etag.empty()) append_header_line(lines, "ETag", etag);
  };

  // Conditional requests (RFC 9110 §13.2.2): If-None-Match wins over If-Modified-Since.
  if (const auto inm = request.find(http::field::if_none_match); inm != request.end()) {
    if (!entity.etag.empty() &&
        (etag_matches(inm->value(), entity.etag) ||
         (gzip_possible && etag_matches(inm->value(), gzip_etag_of(entity.etag))))) {
      etag_line(entity.etag);
      response.status = http::status::not_modified;
      return exchange.respond(std::move(response));
    }
  } else if (const auto ims = request.find(http::field::if_modified_since);
             ims != request.end() && entity.mtime > 0) {
    const auto since = transport::parse_http_date(ims->value());
    if (since >= 0 && entity.mtime <= since) {
      etag_line(entity.etag);
      response.status = http::status::not_modified;
      return exchange.respond(std::move(response));
    }
  }
  lines += "Accept-Ranges: bytes\r\n";

  // Range, honoured only while If-Range (when sent) still names this representation.
  if (const auto range = request.find(http::field::range); range != request.end()) {
    bool current = true;
    if (const auto if_range = request.find(http::field::if_range); if_range != request.end()) {
      const auto value = trim_ows(if_range->value());
      current = value.starts_with("\"") ? value == entity.etag
                                        : transport::parse_http_date(value) == entity.mtime;
    }
    ByteRange byte_range;
    const auto result =
        current ? parse_range(range->value(), entity.size, byte_range) : RangeResult::none;
    if (result == RangeResult::unsatisfiable) {
      etag_line(entity.etag);
      response.status = http::status::range_not_satisfiable;
      append_header_line(lines, "Content-Range", "bytes */" + std::to_string(entity.size));
      lines += "Content-Type: text/plain; charset=utf-8\r\n";
      response.body = "Range not satisfiable.\n";
      return exchange.respond(std::move(response));
    }
    if (result == RangeResult::single) {
      etag_line(entity.etag);
      append_header_line(lines, "Content-Type", entity.content_type);
      response.status = http::status::partial_content;
      append_header_line(lines, "Content-Range",
                         "bytes " + std::to_string(byte_range.first) + "-" +
                             std::to_string(byte_range.first + byte_range.length - 1) + "/" +
                             std::to_string(entity.size));
      response.shared = entity.content;
      response.file = entity.content ? nullptr : entity.file;
      response.offset = byte_range.first;
      response.length = byte_range.length;
      return exchange.respond(std::move(response));
    }
  }
  append_header_line(lines, "Content-Type", entity.content_type);

  if (gzip_possible) {
    const auto accept = request.find(http::field::accept_encoding);
    if (accept != request.end() && accepts_gzip(accept->value())) {
      lines += "Content-Encoding: gzip\r\n";
      // The gzip form is a different representation: its own entity tag.
      etag_line(gzip_etag_of(entity.etag));
      response.shared = entity.gzipped;
      response.length = entity.gzipped->size();
      return exchange.respond(std::move(response));
    }
  }
  etag_line(entity.etag);
  response.shared = entity.content;
  response.file = entity.content ? nullptr : entity.file;
  response.offset = 0;
  response.length = entity.size;
  exchange.respond(std::move(response));
}

}  // namespace junction::web
