// transport/subprotocol: see the header. Subprotocol tokens are compared exactly (RFC 6455
// treats them as case-sensitive).
#include "transport/subprotocol.hpp"

#include <algorithm>

namespace junction::transport {

void parse_subprotocols(std::string_view value, std::vector<std::string>& out) {
  while (!value.empty()) {
    const auto comma = value.find(',');
    std::string_view token = value.substr(0, comma);
    value = comma == std::string_view::npos ? std::string_view{} : value.substr(comma + 1);
    const auto first = token.find_first_not_of(" \t");
    if (first == std::string_view::npos) continue;
    const auto last = token.find_last_not_of(" \t");
    out.emplace_back(token.substr(first, last - first + 1));
  }
}

const wamp::Codec* choose_codec(const std::vector<std::string>& offered,
                                const WebSocketOptions& options) {
  // The client's order decides, as in Crossbar (Autobahn takes the first offered subprotocol it
  // speaks): AutobahnJS offers JSON first because its MessagePack cannot carry `undefined`.
  for (const auto& token : offered) {
    for (const auto serializer : options.serializers) {
      const wamp::Codec* codec = wamp::codec_for(serializer);
      if (codec != nullptr && codec->subprotocol() == token) return codec;
    }
  }
  return nullptr;
}

std::string spoken_subprotocols(const WebSocketOptions& options) {
  std::string out;
  for (const auto serializer : options.serializers) {
    const wamp::Codec* codec = wamp::codec_for(serializer);
    if (codec == nullptr) continue;
    if (!out.empty()) out += ", ";
    out += codec->subprotocol();
  }
  return out;
}

}  // namespace junction::transport
