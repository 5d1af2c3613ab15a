// web/http_bridge: Crossbar's HTTP bridge path services — "publisher" (an HTTP POST becomes a
// WAMP publication), "caller" (an HTTP POST becomes a WAMP call, its result the HTTP answer) and
// "webhook" (any HTTP POST is published as an event carrying its headers and raw body).
//
// Each service joins its realm as an in-process session of the router (router/in_process_session)
// with the configured authid/authrole, so what it may do is decided by the realm's authorizer
// like for any client. Requests arrive on I/O threads; the checks that need no router
// (method, content type, signature, timestamp, IP, TLS, body) run there, then the WAMP action
// is posted to the routing thread and its answer comes back through HttpExchange::respond.
//
// Signed requests (options key + secret): the query carries key, timestamp
// ("2026-11-24T04:35:00.123Z", UTC), seq, nonce and signature = base64url (with '=' padding) of
// HMAC-SHA256(secret, key || timestamp || seq || nonce || body). Answers as Crossbar's: JSON
// {"error", "args", "kwargs"} with 400 (bad request, stale timestamp), 401 (bad key or
// signature), 405 (not POST/PUT), 413 (over post_body_limit); a WAMP error with 200.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "transport/http_service.hpp"
#include "web/bridge_body.hpp"

namespace junction::router {
class InProcessSession;
}

namespace junction::web {

// An IPv4 or IPv6 network ("10.0.0.0/8", "::1/128", a plain address: /32 or /128).
struct IpNetwork {
  bool v6 = false;
  std::array<std::uint8_t, 16> address{};
  unsigned prefix = 0;
  // Parses `text`; false when it is not an address or network.
  static bool parse(std::string_view text, IpNetwork& out);
  bool contains(std::string_view ip) const;
};

struct BridgeOptions {
  std::string realm;
  std::string authrole;
  std::string authid;
  std::string key;                           // with secret: requests must be signed
  std::string secret;                        // empty: unsigned requests are accepted
  std::uint64_t post_body_limit = 0;         // 0: Junction's 16 MiB cap only
  std::int64_t timestamp_delta_limit = 300;  // seconds; 0: no limit
  std::vector<IpNetwork> require_ip;         // empty: any client
  bool require_tls = false;
  // webhook only
  std::string topic;
  std::string success_response = "OK";
  std::string error_response = "NOT OK";
};

class HttpBridgeService : public transport::HttpService,
                          public std::enable_shared_from_this<HttpBridgeService> {
 public:
  enum class Kind { publisher, caller, webhook };
  HttpBridgeService(Kind kind, BridgeOptions options);
  ~HttpBridgeService() override;

  std::string_view type() const override;
  std::uint64_t body_limit() const override;
  void start(router::Router& router, boost::asio::io_context& routing_io) override;
  void stop() override;
  void handle(transport::HttpExchange exchange) override;

  // The signature a signed request must carry (exposed for tests).
  static std::string signature(std::string_view secret, std::string_view key,
                               std::string_view timestamp, std::string_view seq,
                               std::string_view nonce, std::string_view body);

 private:
  // On the routing thread.
  void dispatch(std::shared_ptr<transport::HttpExchange> exchange, BridgeRequest call);
  void dispatch_webhook(std::shared_ptr<transport::HttpExchange> exchange, std::string headers);

  Kind kind_;
  BridgeOptions options_;
  boost::asio::io_context* routing_io_ = nullptr;
  std::unique_ptr<router::InProcessSession> session_;  // routing thread only
};

}  // namespace junction::web
