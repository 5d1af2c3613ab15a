// web/longpoll: WAMP over HTTP long-poll (the WAMP spec's advanced "Long-Poll Transport", as
// Crossbar and AutobahnJS speak it), for clients without WebSocket.
//
// The HTTP protocol, below the service's mount path:
//   POST /open                   {"protocols": ["wamp.2.json", ...]} -> 200
//                                {"transport": "<id>", "protocol": "wamp.2.json"}
//   POST /<id>/send              one message (or a batch, for ".batched" protocols) -> 204
//   POST /<id>/receive           answered when the router has something for the client: one
//                                message (a batch for ".batched"), or 204 after request_timeout
//   POST /<id>/close             ends the session -> 204
//   GET  /                       a notice page
// An unknown transport id is 404. Protocols: wamp.2.json, wamp.2.json.batched, wamp.2.msgpack,
// wamp.2.msgpack.batched (Crossbar's set); the client's order of preference picks. Batches as
// Autobahn frames them: JSON messages each followed by 0x18; MessagePack messages each preceded
// by their length (4 bytes, big-endian).
//
// Each transport is a session of the router exactly like a WebSocket session on the routing
// thread: a router::Peer joined with Router::connect(), fed decoded messages, whose send()
// queues encoded messages for the next /receive. All transport state lives on the routing
// thread; HTTP requests arrive on any I/O thread and are posted there. A transport nobody polls
// or sends on for session_timeout is closed (the session leaves its realm, as when a socket
// drops); one whose queue passes queue_limit_messages or queue_limit_bytes is closed too.
//
// Transport ids are 16 random characters from OpenSSL's CSPRNG: knowing one is what lets a
// client act as that session, so it must not be guessable (debug_transport_id, for debugging
// only, fixes it).
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "transport/http_service.hpp"
#include "wamp/codec.hpp"

namespace junction::web {

struct LongPollOptions {
  std::chrono::milliseconds request_timeout{10000};  // a /receive with nothing to say: 204; 0: none
  std::chrono::milliseconds session_timeout{30000};  // inactivity that ends a transport; 0: never
  std::size_t queue_limit_bytes = 128 * 1024;        // 0: no limit
  std::size_t queue_limit_messages = 100;            // 0: no limit
  std::string debug_transport_id;                    // empty: random ids
};

// A long-poll protocol: "wamp.2.json", "wamp.2.msgpack.batched", ...
struct LongPollProtocol {
  std::string name;
  const wamp::Codec* codec = nullptr;
  bool batched = false;
  std::string_view mime_type;  // of /receive answers
};

// The first protocol of `offered` that the long-poll service speaks, or nullopt.
std::optional<LongPollProtocol> choose_longpoll_protocol(const std::vector<std::string>& offered);
// The protocols the service speaks, for error messages: "wamp.2.json, ...".
std::string longpoll_protocols();
// Splits a /send body into its messages (the body itself when not batched). False with `error`
// set for a malformed batch.
bool split_longpoll_batch(const LongPollProtocol& protocol, std::string_view body,
                          std::vector<std::string_view>& out, std::string& error);
// Appends one encoded message to a /receive body, framed for the protocol.
void append_longpoll_frame(const LongPollProtocol& protocol, std::string_view message,
                           std::string& out);

class LongPollService : public transport::HttpService,
                        public std::enable_shared_from_this<LongPollService> {
 public:
  explicit LongPollService(LongPollOptions options);
  ~LongPollService() override;

  std::string_view type() const override { return "longpoll"; }
  // A /send body: Junction's WAMP message size cap.
  std::uint64_t body_limit() const override { return 16 * 1024 * 1024; }
  void start(router::Router& router, boost::asio::io_context& routing_io) override;
  void stop() override;
  void handle(transport::HttpExchange exchange) override;

  const LongPollOptions& options() const { return options_; }

 private:
  class Transport;
  friend class Transport;

  // On the routing thread.
  void dispatch(std::shared_ptr<transport::HttpExchange> exchange);
  void open(transport::HttpExchange& exchange);
  std::string new_transport_id() const;
  // Ends a transport: it leaves the router and the table (a parked /receive answers 204).
  void end(const std::string& id, std::string_view why);

  LongPollOptions options_;
  router::Router* router_ = nullptr;
  boost::asio::io_context* routing_io_ = nullptr;
  bool stopped_ = false;                                          // routing thread
  std::map<std::string, std::shared_ptr<Transport>> transports_;  // routing thread
};

}  // namespace junction::web
