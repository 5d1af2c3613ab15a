// metrics/metrics_service: the "metrics" web path service (Junction's own; Crossbar has no path
// type of that name): GET answers the node's figures in Prometheus' text exposition format.
// The figures are gathered on the routing thread (the router's realms belong to it), then the
// answer goes back to the connection's thread. What each metric means: docs/configuration.md,
// "Metrics and health".
#pragma once

#include <memory>
#include <string>

#include "transport/http_service.hpp"

namespace junction::metrics {

// Every metric of the node as exposition text. Call on the routing thread of `router`.
std::string collect(const router::Router& router);

class MetricsService : public transport::HttpService,
                       public std::enable_shared_from_this<MetricsService> {
 public:
  std::string_view type() const override { return "metrics"; }
  void start(router::Router& router, boost::asio::io_context& routing_io) override;
  void stop() override;
  void handle(transport::HttpExchange exchange) override;

 private:
  // Set on the routing thread by start() before any request can arrive; cleared by stop().
  router::Router* router_ = nullptr;
  boost::asio::io_context* routing_io_ = nullptr;
};

}  // namespace junction::metrics
