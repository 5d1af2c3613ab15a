// web/multipart: a parser for multipart/form-data request bodies (RFC 7578), as browsers send
// them from a FormData (resumable.js, HTML forms). The whole body is in memory (the HTTP front
// door reads it, bounded by the service's body_limit); the parts are views into it.
//
// Written by hand because what the upload service needs is small (names, file names, bytes) and
// Beast has no multipart parser; Debian's alternatives (libmimetic, GMime) are MIME mail
// libraries that copy every part.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace junction::web {

struct FormPart {
  std::string name;                     // Content-Disposition name="..."
  std::optional<std::string> filename;  // filename="..." when the part is a file
  std::string content_type;             // the part's Content-Type, if any
  std::string_view value;               // the part's bytes (a view into the body)
};

// The boundary named by a Content-Type such as `multipart/form-data; boundary=----x`, or nullopt
// when the media type is not multipart/form-data or names no usable boundary (1-70 characters).
std::optional<std::string> multipart_boundary(std::string_view content_type);

// Splits `body` into its parts. Returns nullopt for a body that is not well-formed multipart
// with this boundary (no closing delimiter, a part without headers end or without a
// form-data Content-Disposition with a name). At most `max_parts` parts are accepted.
std::optional<std::vector<FormPart>> parse_multipart(std::string_view body,
                                                     std::string_view boundary,
                                                     std::size_t max_parts = 256);

}  // namespace junction::web
