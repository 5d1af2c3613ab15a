#include "node/component_launcher.hpp"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <system_error>

#include <unistd.h>

#include "base/installed_file.hpp"

namespace junction::node {

namespace fs = std::filesystem;

std::optional<fs::path> find_component_launcher(std::string* searched) {
  return base::find_installed_file("junction-components.py", searched);
}

PrivateSocketDir::PrivateSocketDir() {
  const char* runtime = std::getenv("XDG_RUNTIME_DIR");
  std::string pattern =
      (runtime && *runtime ? std::string(runtime) : std::string("/tmp")) + "/junction-XXXXXX";
  if (!::mkdtemp(pattern.data())) {
    throw std::runtime_error("cannot create a private directory for the component socket (" +
                             pattern + "): " + std::strerror(errno));
  }
  dir_ = pattern;  // mkdtemp makes it 0700
}

PrivateSocketDir::~PrivateSocketDir() {
  std::error_code ec;
  fs::remove_all(dir_, ec);
}

transport::ListenerConfig component_listener(const std::string& socket_path) {
  transport::ListenerConfig l;
  l.name = "private component socket";
  l.unix_path = socket_path;
  transport::RawSocketOptions rs;
  rs.serializers = {wamp::Serializer::msgpack, wamp::Serializer::json, wamp::Serializer::cbor};
  rs.trusted = true;
  l.rawsocket = rs;
  return l;
}

}  // namespace junction::node
