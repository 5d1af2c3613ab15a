#include "base/installed_file.hpp"

#include <system_error>

namespace junction::base {

namespace fs = std::filesystem;

std::optional<fs::path> find_installed_file(std::string_view name, std::string* searched) {
  std::error_code ec;
  const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (ec) {
    if (searched) *searched = "/proc/self/exe: " + ec.message();
    return std::nullopt;
  }
  const fs::path candidates[] = {
      exe.parent_path() / name,
      exe.parent_path().parent_path() / "share" / "junction" / name,
  };
  for (const auto& c : candidates) {
    if (fs::is_regular_file(c, ec)) return c;
  }
  if (searched) *searched = candidates[0].string() + ", " + candidates[1].string();
  return std::nullopt;
}

}  // namespace junction::base
