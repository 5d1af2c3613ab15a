// transport/router_link: see the header.
#include "transport/router_link.hpp"

#include <exception>
#include <variant>

#include "base/log.hpp"

namespace junction::transport {

bool route_message(router::Connection& connection, const wamp::Codec& codec, std::string_view bytes,
                   const std::string& description) {
  try {
    auto result = codec.decode(bytes);
    if (auto* message = std::get_if<wamp::Message>(&result)) {
      connection.receive(std::move(*message));
    } else {
      connection.receive_malformed(std::get<wamp::DecodeError>(result).reason);
    }
    return true;
  } catch (const std::exception& e) {
    JLOG(error, "transport") << description << ": error while routing a message: " << e.what();
    return false;
  }
}

void release_connection(std::unique_ptr<router::Connection>& connection,
                        const std::string& description) {
  auto released = std::move(connection);
  if (!released) return;
  try {
    released->closed();
    released.reset();
  } catch (const std::exception& e) {
    JLOG(error, "transport") << description << ": error while closing the session: " << e.what();
  }
}

}  // namespace junction::transport
