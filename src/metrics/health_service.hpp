// metrics/health_service: the "health" web path service (Junction's own; Crossbar has no path
// type of that name), for load balancers and orchestrators: GET answers 200 "ok" while the node
// runs and accepts connections, 503 while it starts or shuts down (metrics/registry's
// node state), never cached.
#pragma once

#include "transport/http_service.hpp"

namespace junction::metrics {

class HealthService : public transport::HttpService {
 public:
  std::string_view type() const override { return "health"; }
  void handle(transport::HttpExchange exchange) override;
};

}  // namespace junction::metrics
