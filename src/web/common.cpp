// web/common: see the header.
#include "web/common.hpp"

#include <algorithm>
#include <cctype>

#include <boost/beast/http/field.hpp>
#include <boost/beast/http/verb.hpp>

namespace junction::web {

namespace http = boost::beast::http;

std::string_view trim_ows(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
    s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t'))
    s.remove_suffix(1);
  return s;
}

std::string ascii_lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

std::size_t find_ignoring_case(std::string_view text, std::string_view needle) {
  auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; };
  if (needle.size() > text.size()) return std::string_view::npos;
  for (std::size_t at = 0; at + needle.size() <= text.size(); ++at) {
    std::size_t i = 0;
    while (i < needle.size() && lower(text[at + i]) == needle[i])
      ++i;
    if (i == needle.size()) return at;
  }
  return std::string_view::npos;
}

void respond_not_found(transport::HttpExchange& exchange) {
  exchange.respond(transport::HttpResponse::text(
      http::status::not_found,
      "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>404 Not Found</title></head>"
      "<body><h1>404 Not Found</h1><p>There is nothing at " +
          transport::escape_html(exchange.path()) + ".</p></body></html>\n",
      "text/html; charset=utf-8"));
}

bool allow_get_head(transport::HttpExchange& exchange) {
  const auto method = exchange.request().method();
  if (method == http::verb::get || method == http::verb::head) return true;
  auto response =
      transport::HttpResponse::text(http::status::method_not_allowed, "Method not allowed.\n");
  response.headers.set(http::field::allow, "GET, HEAD");
  exchange.respond(std::move(response));
  return false;
}

std::string request_host(const transport::HttpExchange& exchange) {
  const auto host = exchange.request()[http::field::host];
  if (!host.empty()) return std::string(host);
  const auto port = exchange.connection().local_port;  // 0: a Unix socket
  return port == 0 ? std::string("localhost") : "localhost:" + std::to_string(port);
}

void set_cross_origin_headers(const transport::HttpExchange& exchange,
                              transport::HttpResponse& response) {
  const auto& request = exchange.request();
  auto origin = request[http::field::origin];
  if (origin.empty() || origin == "null") origin = "*";
  response.headers.set(http::field::access_control_allow_origin, origin);
  response.headers.set(http::field::access_control_allow_credentials, "true");
  if (const auto it = request.find(http::field::access_control_request_headers);
      it != request.end()) {
    response.headers.set(http::field::access_control_allow_headers, it->value());
  }
}

void append_header_line(std::string& lines, std::string_view name, std::string_view value) {
  lines.append(name);
  lines += ": ";
  lines.append(value);
  lines += "\r\n";
}

void append_cross_origin_lines(const transport::HttpExchange& exchange, std::string& lines) {
  const auto& request = exchange.request();
  std::string_view origin = request[http::field::origin];
  if (origin.empty() || origin == "null") origin = "*";
  append_header_line(lines, "Access-Control-Allow-Origin", origin);
  lines += "Access-Control-Allow-Credentials: true\r\n";
  if (const auto it = request.find(http::field::access_control_request_headers);
      it != request.end()) {
    append_header_line(lines, "Access-Control-Allow-Headers", it->value());
  }
}

std::map<std::string, std::string, std::less<>> query_fields(std::string_view query) {
  std::map<std::string, std::string, std::less<>> out;
  auto decode = [](std::string_view s) {
    std::string plus(s);
    for (char& c : plus) {
      if (c == '+') c = ' ';
    }
    std::string text;
    if (!transport::percent_decode(plus, text)) return plus;
    return text;
  };
  while (!query.empty()) {
    const auto amp = query.find('&');
    const auto item = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    const auto eq = item.find('=');
    std::string name = decode(item.substr(0, eq));
    std::string value = eq == std::string_view::npos ? std::string() : decode(item.substr(eq + 1));
    out.emplace(std::move(name), std::move(value));
  }
  return out;
}

}  // namespace junction::web
