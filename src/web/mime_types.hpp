// web/mime_types: file extension -> Content-Type. Built-in types for what web applications
// serve, then the system's /etc/mime.types (as Python's mimetypes, which Crossbar uses, reads
// it), then Crossbar's extras (.svg, .jgz), then a service's own "mime_types" overrides.
#pragma once

#include <map>
#include <string>
#include <string_view>

namespace junction::web {

class MimeTypes {
 public:
  // The defaults plus `overrides` (keys ".ext" or "ext", any case).
  explicit MimeTypes(const std::map<std::string, std::string>& overrides = {});
  // The type for a file name ("app.JS" -> "text/javascript"); `fallback` when unknown.
  std::string_view lookup(std::string_view file_name,
                          std::string_view fallback = "application/octet-stream") const;

 private:
  std::map<std::string, std::string, std::less<>> types_;  // lower-case extension without '.'
};

// Worth compressing: text, JavaScript, JSON, XML, SVG, WebAssembly.
bool compressible_type(std::string_view content_type);

}  // namespace junction::web
