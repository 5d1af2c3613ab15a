// web/nodeinfo: Crossbar's "nodeinfo" path service — a small HTML page about the node: which
// Junction this is, that it runs, and the WebSocket endpoints of its listener with the URL a
// client must use (the request's Host, or the endpoint's external_port).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "transport/http_service.hpp"

namespace junction::web {

struct NodeInfoWebSocket {
  std::string path;          // "/ws"
  std::string subprotocols;  // "wamp.2.cbor, wamp.2.json"
  std::optional<std::uint16_t> external_port;
};

class NodeInfoService : public transport::HttpService {
 public:
  // `tls`: the listener speaks TLS (the page shows wss:// URLs).
  NodeInfoService(std::vector<NodeInfoWebSocket> websockets, bool tls);
  std::string_view type() const override { return "nodeinfo"; }
  void handle(transport::HttpExchange exchange) override;

 private:
  std::vector<NodeInfoWebSocket> websockets_;
  bool tls_;
};

}  // namespace junction::web
