// web/multipart: see the header.
#include "web/multipart.hpp"

#include <algorithm>
#include <cctype>

#include "web/common.hpp"

namespace junction::web {

namespace {

// The parameters of a header value after its first item: `form-data; name="a"; filename=b`.
// Quoted strings may escape with a backslash. Names are lower-cased.
std::vector<std::pair<std::string, std::string>> header_params(std::string_view value) {
  std::vector<std::pair<std::string, std::string>> out;
  std::size_t i = value.find(';');
  while (i != std::string_view::npos && i < value.size()) {
    ++i;  // past ';'
    while (i < value.size() && (value[i] == ' ' || value[i] == '\t'))
      ++i;
    const std::size_t eq = value.find('=', i);
    const std::size_t semi = value.find(';', i);
    if (eq == std::string_view::npos || (semi != std::string_view::npos && semi < eq)) {
      i = semi;
      continue;
    }
    std::string name = ascii_lower(trim_ows(value.substr(i, eq - i)));
    std::size_t j = eq + 1;
    while (j < value.size() && (value[j] == ' ' || value[j] == '\t'))
      ++j;
    std::string text;
    if (j < value.size() && value[j] == '"') {
      ++j;
      while (j < value.size() && value[j] != '"') {
        if (value[j] == '\\' && j + 1 < value.size()) ++j;
        text += value[j++];
      }
      i = value.find(';', j);
    } else {
      const std::size_t end = value.find(';', j);
      text = std::string(trim_ows(value.substr(j, end == std::string_view::npos ? end : end - j)));
      i = end;
    }
    out.emplace_back(std::move(name), std::move(text));
  }
  return out;
}

}  // namespace

std::optional<std::string> multipart_boundary(std::string_view content_type) {
  const std::string_view media = trim_ows(content_type.substr(0, content_type.find(';')));
  if (ascii_lower(media) != "multipart/form-data") return std::nullopt;
  for (auto& [name, value] : header_params(content_type)) {
    if (name != "boundary") continue;
    if (value.empty() || value.size() > 70) return std::nullopt;
    return value;
  }
  return std::nullopt;
}

std::optional<std::vector<FormPart>> parse_multipart(std::string_view body,
                                                     std::string_view boundary,
                                                     std::size_t max_parts) {
  if (boundary.empty()) return std::nullopt;
  const std::string delimiter = "\r\n--" + std::string(boundary);
  std::vector<FormPart> parts;
  // The first delimiter may open the body (no CRLF before it) or follow a preamble.
  std::size_t at;
  if (body.substr(0, delimiter.size() - 2) == std::string_view(delimiter).substr(2)) {
    at = delimiter.size() - 2;
  } else {
    const std::size_t first = body.find(delimiter);
    if (first == std::string_view::npos) return std::nullopt;
    at = first + delimiter.size();
  }
  while (true) {
    // After a delimiter: "--" closes the body; else optional white space and CRLF.
    if (body.substr(at, 2) == "--") return parts;
    while (at < body.size() && (body[at] == ' ' || body[at] == '\t'))
      ++at;
    if (body.substr(at, 2) != "\r\n") return std::nullopt;
    at += 2;
    const std::size_t headers_end = body.find("\r\n\r\n", at - 2);
    if (headers_end == std::string_view::npos) return std::nullopt;
    FormPart part;
    bool form_data = false;
    std::string_view headers = body.substr(at, headers_end >= at ? headers_end - at : 0);
    while (!headers.empty()) {
      const std::size_t eol = headers.find("\r\n");
      const std::string_view line = headers.substr(0, eol);
      headers = eol == std::string_view::npos ? std::string_view() : headers.substr(eol + 2);
      const std::size_t colon = line.find(':');
      if (colon == std::string_view::npos) return std::nullopt;
      const std::string name = ascii_lower(trim_ows(line.substr(0, colon)));
      const std::string_view value = trim_ows(line.substr(colon + 1));
      if (name == "content-disposition") {
        if (ascii_lower(trim_ows(value.substr(0, value.find(';')))) != "form-data")
          return std::nullopt;
        form_data = true;
        for (auto& [param, text] : header_params(value)) {
          if (param == "name") part.name = std::move(text);
          if (param == "filename") part.filename = std::move(text);
        }
      } else if (name == "content-type") {
        part.content_type = std::string(value);
      }
    }
    if (!form_data || part.name.empty()) return std::nullopt;
    const std::size_t content = headers_end + 4;
    const std::size_t end = body.find(delimiter, content);
    if (end == std::string_view::npos) return std::nullopt;
    part.value = body.substr(content, end - content);
    if (parts.size() == max_parts) return std::nullopt;
    parts.push_back(std::move(part));
    at = end + delimiter.size();
  }
}

}  // namespace junction::web
