// transport/node_info: the HTML welcome page of the "nodeinfo" path service — which Junction
// this is, that it runs, and how to reach its WebSocket endpoints.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace junction::transport {

struct NodeInfoEndpoint {
  std::string path;          // "/ws"
  std::string subprotocols;  // "wamp.2.json"
};

// The page for a request that named `host` in its Host header (untrusted: escaped here).
std::string render_node_info(std::string_view host, const std::vector<NodeInfoEndpoint>& endpoints);

}  // namespace junction::transport
