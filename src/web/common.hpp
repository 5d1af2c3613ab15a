// web/common: small helpers the path services share — trimming and lower-casing header text,
// the 404 answer, the GET/HEAD-only check, the Host a request named, query fields, and Crossbar's
// cross-origin headers.
#pragma once

#include <functional>
#include <map>
#include <string>
#include <string_view>

#include "transport/http_service.hpp"

namespace junction::web {

// Spaces and tabs (HTTP's optional whitespace) trimmed from both ends.
std::string_view trim_ows(std::string_view s);

// ASCII lower case (header and parameter names, media types, file extensions).
std::string ascii_lower(std::string_view s);

// Where `needle` (ASCII lower case) first occurs in `text` ignoring ASCII case, or npos: a
// search in a header value without a lower-case copy of it.
std::size_t find_ignoring_case(std::string_view text, std::string_view needle);

// 404 with a short HTML page.
void respond_not_found(transport::HttpExchange& exchange);

// True for GET and HEAD; anything else is answered 405 (Allow: GET, HEAD) here.
bool allow_get_head(transport::HttpExchange& exchange);

// The Host header, else "localhost:<local port>".
std::string request_host(const transport::HttpExchange& exchange);

// Crossbar's set_cross_origin_headers: Access-Control-Allow-Origin is the request's Origin (or
// "*" without one), credentials allowed, and the requested headers allowed.
void set_cross_origin_headers(const transport::HttpExchange& exchange,
                              transport::HttpResponse& response);
// The same fields appended to `lines` as "Name: value\r\n" (HttpResponse::head_lines).
void append_cross_origin_lines(const transport::HttpExchange& exchange, std::string& lines);
// Appends "Name: value\r\n".
void append_header_line(std::string& lines, std::string_view name, std::string_view value);

// A query string's (or an application/x-www-form-urlencoded body's) fields, form-decoded ('+' is
// a space); the first of each name wins.
std::map<std::string, std::string, std::less<>> query_fields(std::string_view query);

}  // namespace junction::web
