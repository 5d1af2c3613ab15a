// web/archive_download: see the header.
#include "web/archive_download.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <memory>
#include <vector>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/buffer_body.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>

#include "base/url_authority.hpp"
#include "client/tls.hpp"

namespace junction::web {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

namespace {

constexpr auto kAwait = asio::as_tuple(asio::use_awaitable);

bool ascii_iequal(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

// RFC 3986 section 5.2.4.
std::string remove_dot_segments(std::string_view in) {
  std::vector<std::string_view> out;
  const bool absolute = in.starts_with('/');
  std::size_t start = absolute ? 1 : 0;
  bool trailing_slash = false;
  while (start <= in.size()) {
    const std::size_t end = std::min(in.find('/', start), in.size());
    const auto segment = in.substr(start, end - start);
    trailing_slash = false;
    if (segment == "..") {
      if (!out.empty()) out.pop_back();
      trailing_slash = true;
    } else if (segment == ".") {
      trailing_slash = true;
    } else {
      out.push_back(segment);
    }
    start = end + 1;
  }
  std::string result = absolute ? "/" : "";
  for (std::size_t i = 0; i < out.size(); ++i) {
    if (i > 0) result += '/';
    result += out[i];
  }
  if (trailing_slash && !result.ends_with('/')) result += '/';
  return result;
}

std::string host_for_header(const HttpUrl& url) {
  std::string host = url.host.find(':') != std::string::npos ? "[" + url.host + "]" : url.host;
  if (url.port != (url.tls ? 443 : 80)) host += ":" + std::to_string(url.port);
  return host;
}

std::string seconds(std::chrono::milliseconds d) {
  if (d.count() % 1000 == 0) return std::to_string(d.count() / 1000) + " s";
  return std::to_string(d.count()) + " ms";
}

// One download: the file, the limits and the overall deadline.
struct Fetch {
  asio::io_context& io;
  const DownloadLimits& limits;
  int fd;
  std::chrono::steady_clock::time_point deadline;
  std::uint64_t written = 0;

  // The step's timeout, cut to what is left of the whole download.
  std::chrono::steady_clock::duration step(std::chrono::milliseconds timeout) const {
    const auto left = deadline - std::chrono::steady_clock::now();
    return std::max<std::chrono::steady_clock::duration>(
        std::min<std::chrono::steady_clock::duration>(timeout, left), std::chrono::milliseconds(1));
  }
  bool past_deadline() const { return std::chrono::steady_clock::now() >= deadline; }
};

// What one request came back with (the body, for a 200, is in the file).
struct Answer {
  unsigned status = 0;
  std::string reason;
  std::string location;
};

[[noreturn]] void fail(std::string what) {
  throw DownloadError(std::move(what));
}

template <class Stream>
beast::tcp_stream& tcp_of(Stream& stream) {
  return beast::get_lowest_layer(stream);
}

// Words a failed step: a timeout says which limit, else the system's reason.
[[noreturn]] void fail_step(const Fetch& fetch, const beast::error_code& ec,
                            const std::string& what, std::chrono::milliseconds timeout) {
  if (ec == beast::error::timeout) {
    if (fetch.past_deadline()) {
      fail(what + ": the download took longer than " + seconds(fetch.limits.total_timeout));
    }
    fail(what + ": nothing within " + seconds(timeout));
  }
  fail(what + ": " + ec.message());
}

[[noreturn]] void fail_too_large(const HttpUrl& url, const DownloadLimits& limits) {
  const auto n = limits.max_bytes;
  fail("the archive at " + url.text() + " is larger than " +
       (n % (1024 * 1024) == 0 ? std::to_string(n >> 20) + " MiB" : std::to_string(n) + " bytes"));
}

template <class Stream>
asio::awaitable<Answer> request(Stream& stream, const HttpUrl& url, Fetch& fetch) {
  const std::string where = url.host + ":" + std::to_string(url.port);
  const auto& limits = fetch.limits;

  tcp::resolver resolver(fetch.io);
  // The resolver has no timeout of its own: a timer cancels it.
  asio::steady_timer resolve_timer(fetch.io, fetch.step(limits.connect_timeout));
  resolve_timer.async_wait([&resolver](beast::error_code ec) {
    if (!ec) resolver.cancel();
  });
  auto [resolve_ec, endpoints] =
      co_await resolver.async_resolve(url.host, std::to_string(url.port), kAwait);
  resolve_timer.cancel();
  if (resolve_ec == asio::error::operation_aborted) {
    fail("resolving " + url.host + ": nothing within " + seconds(limits.connect_timeout));
  }
  if (resolve_ec) fail("resolving " + url.host + ": " + resolve_ec.message());

  tcp_of(stream).expires_after(fetch.step(limits.connect_timeout));
  auto [connect_ec, endpoint] = co_await tcp_of(stream).async_connect(endpoints, kAwait);
  (void)endpoint;
  if (connect_ec) fail_step(fetch, connect_ec, "connecting to " + where, limits.connect_timeout);

  if constexpr (!std::is_same_v<Stream, beast::tcp_stream>) {
    client::prepare_tls(stream.native_handle(), url.host);
    stream.set_verify_mode(asio::ssl::verify_peer);
    stream.set_verify_callback(client::HostNameCheck(url.host));
    auto [ec] = co_await stream.async_handshake(asio::ssl::stream_base::client, kAwait);
    if (ec) {
      if (ec == beast::error::timeout) {
        fail_step(fetch, ec, "TLS handshake with " + where, limits.connect_timeout);
      }
      std::string why = client::describe_tls_failure(ec, stream.native_handle(), where, true);
      fail(why.empty() ? "TLS handshake with " + where + " failed: " + ec.message() : why);
    }
  }

  http::request<http::empty_body> req(http::verb::get, url.target, 11);
  req.set(http::field::host, host_for_header(url));
  req.set(http::field::user_agent, "Junction (archive download)");
  req.set(http::field::accept, "*/*");
  req.set(http::field::connection, "close");
  auto [write_ec, sent] = co_await http::async_write(stream, req, kAwait);
  (void)sent;
  if (write_ec)
    fail_step(fetch, write_ec, "sending the request to " + where, limits.connect_timeout);

  beast::flat_buffer buffer;
  http::response_parser<http::buffer_body> parser;
  parser.header_limit(64 * 1024);
  parser.body_limit(limits.max_bytes);
  auto [head_ec, head_bytes] = co_await http::async_read_header(stream, buffer, parser, kAwait);
  (void)head_bytes;
  if (head_ec == http::error::body_limit) fail_too_large(url, limits);  // Content-Length
  if (head_ec) {
    fail_step(fetch, head_ec, "reading the answer from " + where, limits.connect_timeout);
  }
  Answer answer;
  answer.status = parser.get().result_int();
  answer.reason = std::string(parser.get().reason());
  if (auto it = parser.get().find(http::field::location); it != parser.get().end()) {
    answer.location = std::string(it->value());
  }
  if (answer.status != 200) co_return answer;  // the body (of a redirect, an error) is not read

  std::vector<char> chunk(64 * 1024);
  while (!parser.is_done()) {
    parser.get().body().data = chunk.data();
    parser.get().body().size = chunk.size();
    tcp_of(stream).expires_after(fetch.step(limits.idle_timeout));
    auto [ec, n] = co_await http::async_read_some(stream, buffer, parser, kAwait);
    (void)n;
    if (ec == http::error::need_buffer) ec = {};
    if (ec == http::error::body_limit) fail_too_large(url, limits);
    if (ec) fail_step(fetch, ec, "reading the archive from " + where, limits.idle_timeout);
    const std::size_t got = chunk.size() - parser.get().body().size;
    for (std::size_t done = 0; done < got;) {
      const ssize_t w = ::write(fetch.fd, chunk.data() + done, got - done);
      if (w < 0) {
        if (errno == EINTR) continue;
        fail(std::string("writing the archive: ") + std::strerror(errno));
      }
      done += static_cast<std::size_t>(w);
    }
    fetch.written += got;
  }
  beast::error_code ignored;
  tcp_of(stream).socket().shutdown(tcp::socket::shutdown_both, ignored);
  co_return answer;
}

asio::awaitable<DownloadResult> fetch_all(HttpUrl url, Fetch& fetch) {
  DownloadResult result;
  for (;;) {
    Answer answer;
    if (url.tls) {
      // Built once and shared (client/tls): loading the system trust store is the costly part.
      auto context = client::tls_context(client::TlsOptions{});
      beast::ssl_stream<beast::tcp_stream> stream(fetch.io, *context);
      answer = co_await request(stream, url, fetch);
    } else {
      beast::tcp_stream stream(fetch.io);
      answer = co_await request(stream, url, fetch);
    }
    if (answer.status == 200) {
      result.bytes = fetch.written;
      result.final_url = url.text();
      co_return result;
    }
    const bool redirect = answer.status == 301 || answer.status == 302 || answer.status == 303 ||
                          answer.status == 307 || answer.status == 308;
    if (!redirect || answer.location.empty()) {
      fail("HTTP " + std::to_string(answer.status) + " " + answer.reason + " from " + url.text());
    }
    if (++result.redirects > fetch.limits.max_redirects) {
      fail("more than " + std::to_string(fetch.limits.max_redirects) + " redirects (the last to " +
           answer.location + ")");
    }
    auto next = redirect_target(url, answer.location);
    if (!next) {
      fail(url.text() + " redirects to \"" + answer.location + "\", which is no http(s) URL");
    }
    if (url.tls && !next->tls) {
      fail(url.text() + " redirects to " + next->text() + ": from https:// to http:// refused");
    }
    url = std::move(*next);
  }
}

}  // namespace

std::string HttpUrl::text() const {
  return (tls ? "https://" : "http://") + host_for_header(*this) + target;
}

std::optional<HttpUrl> parse_http_url(std::string_view url) {
  HttpUrl out;
  const auto scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos) return std::nullopt;
  const auto scheme = url.substr(0, scheme_end);
  if (ascii_iequal(scheme, "https")) {
    out.tls = true;
    out.port = 443;
  } else if (!ascii_iequal(scheme, "http")) {
    return std::nullopt;
  }
  url.remove_prefix(scheme_end + 3);
  if (const auto hash = url.find('#'); hash != std::string_view::npos) url = url.substr(0, hash);
  const auto authority_end = url.find_first_of("/?");
  auto authority = url.substr(0, authority_end);
  std::string_view rest = authority_end == std::string_view::npos ? "" : url.substr(authority_end);
  if (authority.find('@') != std::string_view::npos) return std::nullopt;
  auto split = base::split_authority(authority);
  if (!split) return std::nullopt;
  out.host = std::move(split->host);
  const std::string_view port = split->port;
  for (const char c : out.host) {
    if (static_cast<unsigned char>(c) <= ' ' || c == '/' || c == '\\' || c == 0x7f) {
      return std::nullopt;
    }
  }
  if (!port.empty()) {
    unsigned value = 0;
    const auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
    if (ec != std::errc() || end != port.data() + port.size() || value == 0 || value > 65535) {
      return std::nullopt;
    }
    out.port = static_cast<std::uint16_t>(value);
  }
  for (const char c : rest) {
    if (static_cast<unsigned char>(c) <= ' ' || c == 0x7f) return std::nullopt;
  }
  out.target = rest.empty()            ? "/"
               : rest.starts_with('?') ? "/" + std::string(rest)
                                       : std::string(rest);
  return out;
}

std::optional<HttpUrl> redirect_target(const HttpUrl& base, std::string_view location) {
  if (const auto hash = location.find('#'); hash != std::string_view::npos) {
    location = location.substr(0, hash);
  }
  const auto colon = location.find(':');
  const auto slash = location.find('/');
  if (colon != std::string_view::npos && (slash == std::string_view::npos || colon < slash)) {
    return parse_http_url(location);  // it has a scheme
  }
  if (location.starts_with("//")) {
    return parse_http_url(std::string(base.tls ? "https:" : "http:") + std::string(location));
  }
  HttpUrl out = base;
  const std::string_view base_path =
      std::string_view(base.target).substr(0, std::min(base.target.find('?'), base.target.size()));
  const auto query = location.find('?');
  const std::string_view path = location.substr(0, query);
  const std::string_view tail = query == std::string_view::npos ? "" : location.substr(query);
  std::string merged;
  if (path.empty()) {
    merged = std::string(base_path);
    out.target = merged + (tail.empty() ? base.target.substr(base_path.size()) : std::string(tail));
    return out;
  }
  if (path.starts_with('/')) {
    merged = std::string(path);
  } else {
    merged = std::string(base_path.substr(0, base_path.rfind('/') + 1)) + std::string(path);
  }
  out.target = remove_dot_segments(merged) + std::string(tail);
  if (out.target.empty() || out.target.front() != '/') out.target.insert(0, 1, '/');
  for (const char c : out.target) {
    if (static_cast<unsigned char>(c) <= ' ' || c == 0x7f) return std::nullopt;
  }
  return out;
}

DownloadResult download_to_file(std::string_view url_text, const std::filesystem::path& file,
                                const DownloadLimits& limits) {
  const auto url = parse_http_url(url_text);
  if (!url) fail("\"" + std::string(url_text) + "\" is no http:// or https:// URL");
  const int fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) fail(file.string() + ": cannot create: " + std::strerror(errno));
  struct CloseFd {
    int fd;
    ~CloseFd() {
      if (fd >= 0) ::close(fd);
    }
  } close_fd{fd};

  asio::io_context io(1);
  Fetch fetch{io, limits, fd, std::chrono::steady_clock::now() + limits.total_timeout};
  std::optional<DownloadResult> result;
  std::exception_ptr error;
  asio::co_spawn(io, fetch_all(*url, fetch), [&](std::exception_ptr e, DownloadResult r) {
    if (e) {
      error = e;
    } else {
      result = std::move(r);
    }
  });
  io.run();
  if (error) std::rethrow_exception(error);
  if (!result) fail("the download did not finish");
  // Atomic for the reader after the caller's rename, also across a crash: data on disk first.
  if (::fsync(fd) != 0) fail(file.string() + ": fsync: " + std::strerror(errno));
  close_fd.fd = -1;
  if (::close(fd) != 0) fail(file.string() + ": close: " + std::strerror(errno));
  return *result;
}

}  // namespace junction::web
