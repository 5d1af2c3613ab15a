// metrics/health_service: see the header.
#include "metrics/health_service.hpp"

#include <boost/beast/http/field.hpp>

#include "metrics/registry.hpp"
#include "web/common.hpp"

namespace junction::metrics {

void HealthService::handle(transport::HttpExchange exchange) {
  if (!exchange.rest().empty()) return web::respond_not_found(exchange);
  if (!web::allow_get_head(exchange)) return;
  transport::HttpResponse response;
  switch (node_state()) {
    case NodeState::running:
      response = transport::HttpResponse::text(transport::HttpStatus::ok, "ok\n");
      break;
    case NodeState::starting:
      response =
          transport::HttpResponse::text(transport::HttpStatus::service_unavailable, "starting\n");
      break;
    case NodeState::stopping:
      response = transport::HttpResponse::text(transport::HttpStatus::service_unavailable,
                                               "shutting down\n");
      break;
  }
  response.headers.set(boost::beast::http::field::cache_control, "no-store");
  exchange.respond(std::move(response));
}

}  // namespace junction::metrics
