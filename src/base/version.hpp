// base/version: the Junction version, from the CMake project version.
#pragma once

#include <string_view>

namespace junction {
inline constexpr std::string_view kVersion = JUNCTION_VERSION_STRING;
}  // namespace junction
