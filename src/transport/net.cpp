// transport/net: helpers shared by listeners and sessions.
#include "transport/net.hpp"

namespace junction::transport {

std::string format_endpoint(const tcp::endpoint& endpoint) {
  const auto address = endpoint.address();
  std::string out = address.is_v6() ? "[" + address.to_string() + "]" : address.to_string();
  out += ':';
  out += std::to_string(endpoint.port());
  return out;
}

}  // namespace junction::transport
