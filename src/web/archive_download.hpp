// web/archive_download: fetching an "archive" path's file from its `origin` (Crossbar's
// `download: true`) — one HTTP/1.1 GET over http:// or https://, redirects followed, the body
// written to a file. Used once per missing archive at start-up, before any listener serves
// (web/archive, node/cli), so it runs its own io_context on the calling thread and blocks it.
//
// TLS verifies the origin's certificate and host name against the system's trust store
// (OpenSSL's default verify paths, which honour $SSL_CERT_FILE / $SSL_CERT_DIR), reusing the
// WAMP client's context (client/tls). Every phase is bounded: resolving, connecting, the TLS
// handshake and the answer's head (connect_timeout), silence in the body (idle_timeout), the
// whole download (total_timeout) and its size (max_bytes). Only a 200 answer is a download;
// any other status is an error naming it.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

namespace junction::web {

// An http:// or https:// URL, split for a request.
struct HttpUrl {
  bool tls = false;
  std::string host;          // as in the URL, without the brackets of an IPv6 address
  std::uint16_t port = 80;   // the scheme's default when the URL has none
  std::string target = "/";  // path and query ("/a/b.zip?x=1"); the fragment is dropped
  // "https://host:port/target" (the port only when it is not the scheme's default).
  std::string text() const;
};

// nullopt unless `url` is http(s)://host[:port][/path][?query][#fragment] with a non-empty host,
// no user info ("user:pw@host" would put credentials in logs) and a port in 1..65535.
std::optional<HttpUrl> parse_http_url(std::string_view url);

// Where a redirect's Location points, resolved against the URL that answered: absolute
// ("https://b/x"), scheme-relative ("//b/x"), absolute-path ("/x") and relative ("x", "../x":
// RFC 3986 section 5.2 merge and dot-segment removal). nullopt when it is no http(s) URL.
std::optional<HttpUrl> redirect_target(const HttpUrl& base, std::string_view location);

struct DownloadLimits {
  // Resolving, connecting, the TLS handshake and the answer's head, per request.
  std::chrono::milliseconds connect_timeout{30000};
  // Longest silence while the body comes.
  std::chrono::milliseconds idle_timeout{30000};
  // The whole download, redirects included.
  std::chrono::milliseconds total_timeout{600000};
  // Largest body accepted (ArchiveService::kMaxTotalSize: what the archive may hold anyway).
  std::uint64_t max_bytes = 256ull * 1024 * 1024;
  // Redirects followed (Twisted's RedirectAgent, which Crossbar's treq uses, stops at 20).
  int max_redirects = 20;
};

class DownloadError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct DownloadResult {
  std::uint64_t bytes = 0;
  std::string final_url;  // after redirects
  int redirects = 0;
};

// GETs `url`, following redirects (301, 302, 303, 307, 308) but never from https:// to http://,
// and writes the 200 answer's body to `file` (created or truncated, mode 0644, fsync'ed before
// returning). Throws DownloadError with the reason: "connecting to 127.0.0.1:9: Connection
// refused", "HTTP 404 Not Found from https://...", "TLS handshake with host:443 failed:
// certificate verify failed ...", "more than N bytes", "no answer within 30 s". On an error,
// `file` may hold part of a body: the caller writes to a temporary file and removes it.
DownloadResult download_to_file(std::string_view url, const std::filesystem::path& file,
                                const DownloadLimits& limits = {});

}  // namespace junction::web
