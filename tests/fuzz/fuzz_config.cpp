// Fuzz target for node configuration files: parse_config over JSON and YAML text (the first byte
// picks the format), the whole validation included. Properties: nothing crashes; an invalid
// config fails with ConfigError only (never another exception, which the CLI would not report
// with the file and path); a valid config names a source and has at least one listener or realm
// only as the text said (checked loosely: listeners have names and a port or a socket path).
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>
#include <string_view>

#include "base/log.hpp"
#include "node/config.hpp"

namespace {

[[noreturn]] void fail(const char* what, std::string_view input) {
  std::fprintf(stderr, "fuzz property broken: %s\ninput (hex): ", what);
  for (unsigned char c : input)
    std::fprintf(stderr, "%02x", c);
  std::fprintf(stderr, "\n");
  std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  if (input.empty()) return 0;
  static const bool quiet = [] {
    junction::log::set_level(junction::log::Level::off);
    return true;
  }();
  (void)quiet;
  const auto format = (static_cast<unsigned char>(input[0]) & 1)
                          ? junction::node::ConfigFormat::yaml
                          : junction::node::ConfigFormat::json;
  try {
    const auto config = junction::node::parse_config(input.substr(1), format, "fuzz");
    if (config.source.empty()) fail("valid config without a source", input);
    for (const auto& listener : config.listeners) {
      if (listener.name.empty()) fail("listener without a name", input);
      if (listener.unix_path.empty() && listener.interface.empty()) {
        fail("TCP listener without an interface", input);
      }
    }
  } catch (const junction::node::ConfigError& e) {
    if (std::string_view(e.what()).empty()) fail("ConfigError without a message", input);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "unexpected exception: %s\n", e.what());
    fail("an exception other than ConfigError", input);
  }
  return 0;
}
