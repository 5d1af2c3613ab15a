// transport/http_service: see the header.
#include "transport/http_service.hpp"

#include <unistd.h>

#include <array>
#include <cstdio>
#include <ctime>

#include <boost/beast/http/field.hpp>

#include "base/log.hpp"

namespace junction::transport {

OpenFile::~OpenFile() {
  if (fd_ >= 0) ::close(fd_);
}

HttpResponse HttpResponse::text(HttpStatus status, std::string body,
                                std::string_view content_type) {
  HttpResponse response;
  response.status = status;
  response.headers.set(boost::beast::http::field::content_type, content_type);
  response.body = std::move(body);
  return response;
}

HttpExchange::HttpExchange(std::shared_ptr<HttpResponder> responder, std::uint64_t id,
                           HttpRequest request,
                           std::shared_ptr<const HttpConnectionInfo> connection, std::string mount,
                           std::size_t rest_offset)
    : responder_(std::move(responder)),
      id_(id),
      request_(std::make_unique<HttpRequest>(std::move(request))),
      connection_(std::move(connection)),
      mount_(std::move(mount)) {
  std::string_view target(request_->target().data(), request_->target().size());
  // Absolute-form ("http://host/x") is reduced to its path, as for routing.
  if (const auto scheme = target.find("://");
      scheme != std::string_view::npos && !target.empty() && target[0] != '/') {
    const auto slash = target.find('/', scheme + 3);
    target = slash == std::string_view::npos ? std::string_view("/") : target.substr(slash);
  }
  const auto q = target.find_first_of("?#");
  path_ = target.substr(0, q);
  if (q != std::string_view::npos && target[q] == '?') {
    query_ = target.substr(q + 1);
    query_ = query_.substr(0, query_.find('#'));
  }
  rest_ = rest_offset < path_.size() ? path_.substr(rest_offset) : std::string_view();
  while (!rest_.empty() && rest_.front() == '/')
    rest_.remove_prefix(1);
}

HttpExchange::~HttpExchange() {
  if (responder_ != nullptr) {
    JLOG(error, "web") << connection_->peer << ": " << request_->method_string() << " " << path_
                       << ": the path service gave no answer; 500";
    respond(HttpStatus::internal_server_error, "Internal server error.\n");
  }
}

void HttpExchange::respond(HttpResponse response) {
  if (responder_ == nullptr) return;
  auto responder = std::move(responder_);
  responder_ = nullptr;
  responder->deliver(id_, std::move(response));
}

void HttpExchange::on_client_gone(std::function<void()> gone) {
  if (responder_ != nullptr) responder_->on_client_gone(id_, std::move(gone));
}

void HttpExchange::respond(HttpStatus status, std::string body) {
  respond(HttpResponse::text(status, std::move(body)));
}

namespace {
constexpr std::array<const char*, 7> kDays{"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
constexpr std::array<const char*, 12> kMonths{"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                              "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
}  // namespace

std::string http_date(std::int64_t unix_seconds) {
  const std::time_t t = static_cast<std::time_t>(unix_seconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char out[40];
  std::snprintf(out, sizeof out, "%s, %02d %s %04d %02d:%02d:%02d GMT", kDays[tm.tm_wday % 7],
                tm.tm_mday, kMonths[tm.tm_mon % 12], tm.tm_year + 1900, tm.tm_hour, tm.tm_min,
                tm.tm_sec);
  return out;
}

std::int64_t parse_http_date(std::string_view s) {
  // "Sun, 06 Nov 1994 08:49:37 GMT": exactly 29 characters.
  if (s.size() != 29 || s[3] != ',' || s[4] != ' ' || s.substr(25) != " GMT") return -1;
  auto num = [&](std::size_t at, std::size_t n, int& out) {
    out = 0;
    for (std::size_t i = at; i < at + n; ++i) {
      if (s[i] < '0' || s[i] > '9') return false;
      out = out * 10 + (s[i] - '0');
    }
    return true;
  };
  std::tm tm{};
  int month = -1;
  for (int i = 0; i < 12; ++i) {
    if (s.substr(8, 3) == kMonths[static_cast<std::size_t>(i)]) month = i;
  }
  int day = 0, year = 0, hour = 0, minute = 0, second = 0;
  if (month < 0 || !num(5, 2, day) || !num(12, 4, year) || !num(17, 2, hour) ||
      !num(20, 2, minute) || !num(23, 2, second) || s[7] != ' ' || s[11] != ' ' || s[16] != ' ' ||
      s[19] != ':' || s[22] != ':') {
    return -1;
  }
  if (day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60) return -1;
  tm.tm_year = year - 1900;
  tm.tm_mon = month;
  tm.tm_mday = day;
  tm.tm_hour = hour;
  tm.tm_min = minute;
  tm.tm_sec = second;
  return static_cast<std::int64_t>(timegm(&tm));
}

bool percent_decode(std::string_view in, std::string& out) {
  out.clear();
  out.reserve(in.size());
  auto hex = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  for (std::size_t i = 0; i < in.size(); ++i) {
    if (in[i] != '%') {
      out += in[i];
      continue;
    }
    if (i + 2 >= in.size()) return false;
    const int hi = hex(in[i + 1]);
    const int lo = hex(in[i + 2]);
    if (hi < 0 || lo < 0) return false;
    out += static_cast<char>(hi * 16 + lo);
    i += 2;
  }
  return true;
}

std::string escape_html(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

}  // namespace junction::transport
