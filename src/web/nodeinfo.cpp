// web/nodeinfo: see the header. The page itself is rendered by transport/node_info (which also
// renders the WebSocket status page the transport serves on WebSocket paths).
#include "web/nodeinfo.hpp"

#include <utility>

#include <boost/beast/http/field.hpp>
#include <boost/beast/http/verb.hpp>

#include "transport/node_info.hpp"
#include "transport/websocket_options.hpp"
#include "web/common.hpp"

namespace junction::web {

namespace http = boost::beast::http;

NodeInfoService::NodeInfoService(std::vector<NodeInfoWebSocket> websockets, bool tls)
    : websockets_(std::move(websockets)), tls_(tls) {}

void NodeInfoService::handle(transport::HttpExchange exchange) {
  if (!exchange.rest().empty()) return respond_not_found(exchange);
  if (!allow_get_head(exchange)) return;
  const std::string host = request_host(exchange);
  std::vector<transport::NodeInfoEndpoint> endpoints;
  endpoints.reserve(websockets_.size());
  for (const auto& ws : websockets_) {
    transport::NodeInfoEndpoint endpoint{ws.path, ws.subprotocols};
    endpoint.url = transport::websocket_url(host, ws.path, ws.external_port, tls_);
    endpoints.push_back(std::move(endpoint));
  }
  auto response = transport::HttpResponse::text(
      http::status::ok, transport::render_node_info(host, endpoints), "text/html; charset=utf-8");
  response.headers.set(http::field::cache_control, "no-cache");
  exchange.respond(std::move(response));
}

}  // namespace junction::web
