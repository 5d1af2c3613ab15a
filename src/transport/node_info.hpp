// transport/node_info: the HTML pages a node serves about itself — the welcome page of the
// "nodeinfo" path service (which Junction this is, that it runs, how to reach its WebSocket
// endpoints) and the status page of a WebSocket path fetched without an upgrade
// (Crossbar's `enable_webstatus`).
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace junction::transport {

struct NodeInfoEndpoint {
  std::string path;          // "/ws"
  std::string subprotocols;  // "wamp.2.json"
  std::string url{};         // "ws://example.com/ws"; empty: "ws://" + the request's Host + path
};

// The page for a request that named `host` in its Host header (untrusted: escaped here).
std::string render_node_info(std::string_view host, const std::vector<NodeInfoEndpoint>& endpoints);

// The status page of a WebSocket endpoint: Junction's version, that this URL is a WAMP
// WebSocket endpoint, and the subprotocols it speaks. Everything is HTML-escaped here.
std::string render_websocket_status(const NodeInfoEndpoint& endpoint);

}  // namespace junction::transport
