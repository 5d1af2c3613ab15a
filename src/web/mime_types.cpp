// web/mime_types: see the header.
#include "web/mime_types.hpp"

#include <algorithm>
#include <fstream>
#include <mutex>
#include <sstream>

#include "web/common.hpp"

namespace junction::web {
namespace {

// /etc/mime.types, read once per process.
const std::map<std::string, std::string, std::less<>>& system_types() {
  static const auto types = [] {
    std::map<std::string, std::string, std::less<>> out;
    std::ifstream in("/etc/mime.types");
    std::string line;
    while (std::getline(in, line)) {
      if (line.empty() || line[0] == '#') continue;
      std::istringstream words(line);
      std::string type, ext;
      if (!(words >> type)) continue;
      while (words >> ext)
        out.emplace(ascii_lower(ext), type);
    }
    return out;
  }();
  return types;
}

}  // namespace

MimeTypes::MimeTypes(const std::map<std::string, std::string>& overrides) {
  types_ = system_types();
  // What browsers need exactly (and what older mime.types files get wrong or lack).
  const std::pair<const char*, const char*> builtin[] = {
      {"html", "text/html"},
      {"htm", "text/html"},
      {"css", "text/css"},
      {"js", "text/javascript"},
      {"mjs", "text/javascript"},
      {"jgz", "text/javascript"},  // Crossbar's extra
      {"json", "application/json"},
      {"map", "application/json"},
      {"txt", "text/plain"},
      {"xml", "application/xml"},
      {"svg", "image/svg+xml"},  // Crossbar's extra
      {"png", "image/png"},
      {"jpg", "image/jpeg"},
      {"jpeg", "image/jpeg"},
      {"gif", "image/gif"},
      {"ico", "image/vnd.microsoft.icon"},
      {"webp", "image/webp"},
      {"wasm", "application/wasm"},
      {"woff", "font/woff"},
      {"woff2", "font/woff2"},
      {"ttf", "font/ttf"},
      {"pdf", "application/pdf"},
      {"zip", "application/zip"},
      {"mp4", "video/mp4"},
      {"webm", "video/webm"},
      {"mp3", "audio/mpeg"},
  };
  for (const auto& [ext, type] : builtin)
    types_[ext] = type;
  for (const auto& [ext, type] : overrides) {
    std::string key = ascii_lower(ext);
    if (!key.empty() && key[0] == '.') key.erase(0, 1);
    types_[key] = type;
  }
}

std::string_view MimeTypes::lookup(std::string_view file_name, std::string_view fallback) const {
  const auto slash = file_name.rfind('/');
  if (slash != std::string_view::npos) file_name.remove_prefix(slash + 1);
  const auto dot = file_name.rfind('.');
  if (dot == std::string_view::npos || dot + 1 == file_name.size()) return fallback;
  char ext[16];
  const auto n = file_name.size() - dot - 1;
  if (n >= sizeof ext) return fallback;
  for (std::size_t i = 0; i < n; ++i)
    ext[i] = static_cast<char>(std::tolower(static_cast<unsigned char>(file_name[dot + 1 + i])));
  const auto it = types_.find(std::string_view(ext, n));
  return it == types_.end() ? fallback : std::string_view(it->second);
}

bool compressible_type(std::string_view type) {
  type = type.substr(0, type.find(';'));
  if (type.starts_with("text/")) return true;
  for (const std::string_view t : {"application/javascript", "application/json", "application/xml",
                                   "image/svg+xml", "application/wasm", "application/xhtml+xml"}) {
    if (type == t) return true;
  }
  return type.ends_with("+json") || type.ends_with("+xml");
}

}  // namespace junction::web
