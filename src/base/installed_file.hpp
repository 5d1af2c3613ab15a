// base/installed_file: finding a file shipped with junction (a launcher script): next to the
// running junction binary (a build tree), else in ../share/junction/ (an installed junction).
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

namespace junction::base {

// nullopt (and `searched` lists where it looked) when the file is in neither place.
std::optional<std::filesystem::path> find_installed_file(std::string_view name,
                                                         std::string* searched = nullptr);

}  // namespace junction::base
