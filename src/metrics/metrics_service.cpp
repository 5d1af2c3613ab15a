// metrics/metrics_service: see the header.
#include "metrics/metrics_service.hpp"

#include <array>
#include <string_view>

#include <boost/asio/post.hpp>
#include <boost/beast/http/field.hpp>

#include "base/version.hpp"
#include "metrics/exposition.hpp"
#include "metrics/registry.hpp"
#include "router/counters.hpp"
#include "router/router.hpp"
#include "transport/outbound_budget.hpp"
#include "transport/traffic_counters.hpp"
#include "web/common.hpp"

namespace junction::metrics {

namespace {

namespace http = boost::beast::http;
using wamp::MessageType;

constexpr std::array kMessageTypes{
    MessageType::hello,        MessageType::welcome,      MessageType::abort,
    MessageType::challenge,    MessageType::authenticate, MessageType::goodbye,
    MessageType::error,        MessageType::publish,      MessageType::published,
    MessageType::subscribe,    MessageType::subscribed,   MessageType::unsubscribe,
    MessageType::unsubscribed, MessageType::event,        MessageType::call,
    MessageType::cancel,       MessageType::result,       MessageType::reg,
    MessageType::registered,   MessageType::unregister,   MessageType::unregistered,
    MessageType::invocation,   MessageType::interrupt,    MessageType::yield,
};

std::uint64_t read(const std::atomic<std::uint64_t>& counter) {
  return counter.load(std::memory_order_relaxed);
}

void messages(Exposition& out, std::string_view name, std::string_view help,
              const std::array<std::atomic<std::uint64_t>, router::RouterCounters::kSlots>& by) {
  out.family(name, "counter", help);
  for (const MessageType type : kMessageTypes) {
    out.sample(name, {{"type", wamp::message_name(type)}},
               read(by[static_cast<std::size_t>(type)]));
  }
}

}  // namespace

std::string collect(const router::Router& router) {
  Exposition out;
  out.family("junction_info", "gauge", "Junction's version (the value is always 1)");
  out.sample("junction_info", {{"version", kVersion}}, 1);

  out.family("junction_sessions", "gauge",
             "WAMP sessions joined to a realm (the router's own in-process sessions not counted)");
  for (const auto& realm : router.realm_stats())
    out.sample("junction_sessions", {{"realm", realm.name}}, realm.client_sessions);

  const auto& counters = router::router_counters;
  messages(out, "junction_messages_received_total",
           "WAMP messages the router received, by message type", counters.received);
  messages(out, "junction_messages_sent_total",
           "WAMP messages the router sent (one per recipient), by message type", counters.sent);

  const auto traffic = transport::traffic_totals();
  out.family("junction_received_bytes_total", "counter",
             "bytes read from WebSocket and RawSocket connections (after TLS)");
  out.sample("junction_received_bytes_total", traffic.bytes_received);
  out.family("junction_sent_bytes_total", "counter",
             "bytes written to WebSocket and RawSocket connections (before TLS)");
  out.sample("junction_sent_bytes_total", traffic.bytes_sent);

  const auto& budget = transport::OutboundBudget::global();
  out.family("junction_outbound_waiting_bytes", "gauge",
             "bytes of the node-wide outbound budget held by write queues whose socket is full "
             "(reserved in 256 KiB chunks; 0 while every peer keeps up)");
  out.sample("junction_outbound_waiting_bytes", budget.used());
  out.family("junction_outbound_budget_bytes", "gauge",
             "the node-wide outbound budget (worker option max_outbound_bytes)");
  out.sample("junction_outbound_budget_bytes", budget.total());

  const auto& transport = transport::TransportCounters::get();
  out.family("junction_slow_consumer_closes_total", "counter",
             "connections closed because their peer did not read fast enough");
  out.sample("junction_slow_consumer_closes_total", read(transport.slow_consumers_closed));
  out.family("junction_compressed_messages_refused_total", "counter",
             "compressed messages refused (inflated past max_message_size or the ratio bound)");
  out.sample("junction_compressed_messages_refused_total",
             read(transport.compressed_messages_refused));
  out.family("junction_phase_timeouts_total", "counter",
             "connections closed by a hello, auth or frame timeout");
  out.sample("junction_phase_timeouts_total", read(transport.phase_timeouts));
  out.family("junction_connections_refused_total", "counter",
             "connections refused right after accept by max_connections or "
             "max_connections_per_ip");
  out.sample("junction_connections_refused_total", read(transport.connections_refused));
  out.family("junction_authentication_failures_total", "counter",
             "sessions refused while joining: ABORT authentication_failed, no_auth_method, "
             "no_such_role or not_authorized");
  out.sample("junction_authentication_failures_total", read(counters.authentication_failures));

  run_collectors(out);
  return out.take();
}

void MetricsService::start(router::Router& router, boost::asio::io_context& routing_io) {
  router_ = &router;
  routing_io_ = &routing_io;
}

void MetricsService::stop() {
  router_ = nullptr;
}

void MetricsService::handle(transport::HttpExchange exchange) {
  if (!exchange.rest().empty()) return web::respond_not_found(exchange);
  if (!web::allow_get_head(exchange)) return;
  if (routing_io_ == nullptr) {
    return exchange.respond(transport::HttpStatus::service_unavailable, "not started\n");
  }
  auto shared = std::make_shared<transport::HttpExchange>(std::move(exchange));
  boost::asio::post(*routing_io_, [self = shared_from_this(), shared = std::move(shared)] {
    if (self->router_ == nullptr) {
      return shared->respond(transport::HttpStatus::service_unavailable, "shutting down\n");
    }
    transport::HttpResponse response;
    response.headers.set(http::field::content_type, Exposition::kContentType);
    response.headers.set(http::field::cache_control, "no-store");
    response.body = collect(*self->router_);
    shared->respond(std::move(response));
  });
}

}  // namespace junction::metrics
