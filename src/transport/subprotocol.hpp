// transport/subprotocol: WAMP subprotocol negotiation for a WebSocket upgrade. Pure functions
// over header text and options, so the rules are unit-testable without a socket.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "transport/server.hpp"
#include "wamp/codec.hpp"

namespace junction::transport {

// The tokens of one or more Sec-WebSocket-Protocol header values ("a, b,c" -> {a, b, c}),
// spaces and tabs trimmed, empty tokens dropped.
void parse_subprotocols(std::string_view header_value, std::vector<std::string>& out);

// The codec to use: the first subprotocol in the client's order of preference that this endpoint
// allows (options.serializers) and Junction implements; null when there is none.
const wamp::Codec* choose_codec(const std::vector<std::string>& offered,
                                const WebSocketOptions& options);

// The subprotocol names this endpoint speaks, in preference order ("wamp.2.json, ...").
std::string spoken_subprotocols(const WebSocketOptions& options);

}  // namespace junction::transport
