// web/longpoll: see the header.
#include "web/longpoll.hpp"

#include <openssl/rand.h>

#include <deque>
#include <exception>
#include <utility>

#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/http/field.hpp>
#include <boost/beast/http/verb.hpp>
#include <nlohmann/json.hpp>

#include "base/log.hpp"
#include "base/version.hpp"
#include "router/router.hpp"
#include "web/common.hpp"

namespace junction::web {

namespace http = boost::beast::http;
using nlohmann::json;

namespace {

constexpr char kJsonBatchEnd = '\x18';  // Autobahn's JSON batch delimiter (octal 030)

struct KnownProtocol {
  std::string_view name;
  wamp::Serializer serializer;
  bool batched;
  std::string_view mime_type;
};
constexpr KnownProtocol kProtocols[] = {
    {"wamp.2.json", wamp::Serializer::json, false, "application/json"},
    {"wamp.2.json.batched", wamp::Serializer::json, true, "application/json"},
    {"wamp.2.msgpack", wamp::Serializer::msgpack, false, "application/x-msgpack"},
    {"wamp.2.msgpack.batched", wamp::Serializer::msgpack, true, "application/x-msgpack"},
};

// Crossbar's headers on every long-poll answer: cross-origin access and no caching.
void standard_headers(const transport::HttpExchange& exchange, transport::HttpResponse& response) {
  set_cross_origin_headers(exchange, response);
  response.headers.set(http::field::cache_control,
                       "no-store, no-cache, must-revalidate, max-age=0");
}

void answer(transport::HttpExchange& exchange, http::status status, std::string body = {},
            std::string_view content_type = "text/plain; charset=utf-8") {
  transport::HttpResponse response;
  response.status = status;
  if (status != http::status::no_content) {
    response.headers.set(http::field::content_type, content_type);
    response.body = std::move(body);
  }
  standard_headers(exchange, response);
  exchange.respond(std::move(response));
}

void fail(transport::HttpExchange& exchange, http::status status, std::string why) {
  JLOG(debug, "web") << exchange.connection().peer << ": longpoll " << exchange.path() << ": "
                     << static_cast<unsigned>(status) << " " << why;
  answer(exchange, status, std::move(why) + "\n");
}

}  // namespace

std::optional<LongPollProtocol> choose_longpoll_protocol(const std::vector<std::string>& offered) {
  for (const auto& name : offered) {
    for (const auto& known : kProtocols) {
      if (name != known.name) continue;
      const wamp::Codec* codec = wamp::codec_for(known.serializer);
      if (codec == nullptr) continue;
      return LongPollProtocol{name, codec, known.batched, known.mime_type};
    }
  }
  return std::nullopt;
}

std::string longpoll_protocols() {
  std::string out;
  for (const auto& known : kProtocols) {
    if (!out.empty()) out += ", ";
    out += known.name;
  }
  return out;
}

bool split_longpoll_batch(const LongPollProtocol& protocol, std::string_view body,
                          std::vector<std::string_view>& out, std::string& error) {
  out.clear();
  if (!protocol.batched) {
    out.push_back(body);
    return true;
  }
  if (protocol.codec->serializer() == wamp::Serializer::json) {
    // Every message ends with the delimiter; nothing may follow the last one.
    while (!body.empty()) {
      const auto end = body.find(kJsonBatchEnd);
      if (end == std::string_view::npos) {
        error = "batch format error: JSON message without its 0x18 delimiter";
        return false;
      }
      out.push_back(body.substr(0, end));
      body.remove_prefix(end + 1);
    }
    return true;
  }
  while (!body.empty()) {
    if (body.size() < 4) {
      error = "batch format error: truncated length prefix";
      return false;
    }
    const auto* p = reinterpret_cast<const unsigned char*>(body.data());
    const std::size_t length = (std::size_t{p[0]} << 24) | (std::size_t{p[1]} << 16) |
                               (std::size_t{p[2]} << 8) | std::size_t{p[3]};
    if (length > body.size() - 4) {
      error = "batch format error: a message is shorter than its length prefix says";
      return false;
    }
    out.push_back(body.substr(4, length));
    body.remove_prefix(4 + length);
  }
  return true;
}

void append_longpoll_frame(const LongPollProtocol& protocol, std::string_view message,
                           std::string& out) {
  if (!protocol.batched) {
    out.append(message);
  } else if (protocol.codec->serializer() == wamp::Serializer::json) {
    out.append(message);
    out += kJsonBatchEnd;
  } else {
    const auto n = static_cast<std::uint32_t>(message.size());
    out += static_cast<char>((n >> 24) & 0xff);
    out += static_cast<char>((n >> 16) & 0xff);
    out += static_cast<char>((n >> 8) & 0xff);
    out += static_cast<char>(n & 0xff);
    out.append(message);
  }
}

// One long-poll transport: a router session whose "socket" is the next /receive. Routing thread
// only. The router calls send()/close() in the middle of its dispatch: they only queue and post.
class LongPollService::Transport : public router::Peer,
                                   public std::enable_shared_from_this<Transport> {
 public:
  Transport(LongPollService& service, std::string id, LongPollProtocol protocol, std::string peer,
            bool tls)
      : service_(service),
        id_(std::move(id)),
        protocol_(std::move(protocol)),
        description_("longpoll " + peer + " (transport " + id_ + ")"),
        tls_(tls),
        session_timer_(*service.routing_io_),
        request_timer_(*service.routing_io_) {}

  ~Transport() override {
    // A parked /receive is answered (an exchange never waits for nothing).
    if (receive_) answer(*receive_, http::status::no_content);
  }

  void join(router::Router& router) {
    connection_ = router.connect(*this);
    arm_session_timer();
  }

  // router::Peer
  void send(wamp::OutboundPtr message) override {
    if (!message || ending_) return;
    std::shared_ptr<const std::string> bytes;
    try {
      bytes = message->encoded(*protocol_.codec);
    } catch (const std::exception& e) {
      JLOG(error, "web") << description_ << ": cannot encode "
                         << wamp::message_name(message->message().type) << ": " << e.what()
                         << "; closing";
      return end_later("encoding failed");
    }
    queued_bytes_ += bytes->size();
    queue_.push_back(std::move(bytes));
    const auto& o = service_.options_;
    if ((o.queue_limit_messages != 0 && queue_.size() > o.queue_limit_messages) ||
        (o.queue_limit_bytes != 0 && queued_bytes_ > o.queue_limit_bytes)) {
      JLOG(warn, "web") << description_ << ": " << queue_.size() << " messages (" << queued_bytes_
                        << " bytes) wait for the client (queue_limit_messages "
                        << o.queue_limit_messages << ", queue_limit_bytes " << o.queue_limit_bytes
                        << "); closing";
      return end_later("queue limit");
    }
    flush_later();
  }
  void close() override {
    // What is queued (the GOODBYE or ABORT) still goes out with the next /receive; then the
    // transport ends. A client that never comes back is ended by session_timeout.
    closing_ = true;
    if (queue_.empty()) return end_later("closed by the router");
    flush_later();
  }
  std::string describe() const override { return description_; }
  router::TransportInfo transport_info() const override {
    router::TransportInfo info;
    info.tls = tls_;
    return info;
  }

  // HTTP operations (routing thread, never inside the router's dispatch).
  void on_send(transport::HttpExchange& exchange) {
    alive_ = true;
    std::vector<std::string_view> messages;
    std::string error;
    const std::string& body = exchange.request().body();
    if (!split_longpoll_batch(protocol_, body, messages, error)) {
      return fail(exchange, http::status::bad_request,
                  "could not unserialize WAMP message: " + error);
    }
    for (const auto bytes : messages) {
      if (!connection_) break;
      auto decoded = protocol_.codec->decode(bytes);
      try {
        if (auto* message = std::get_if<wamp::Message>(&decoded)) {
          connection_->receive(std::move(*message));
        } else {
          const std::string reason = std::get<wamp::DecodeError>(decoded).reason;
          connection_->receive_malformed(reason);
          return fail(exchange, http::status::bad_request,
                      "could not unserialize WAMP message: " + reason);
        }
      } catch (const std::exception& e) {
        JLOG(error, "web") << description_ << ": error while routing a message: " << e.what();
        answer(exchange, http::status::internal_server_error, "Internal server error.\n");
        return service_.end(id_, "routing failed");
      }
    }
    answer(exchange, http::status::no_content);
  }

  void on_receive(std::shared_ptr<transport::HttpExchange> exchange) {
    alive_ = true;
    if (receive_) answer(*receive_, http::status::no_content);  // superseded
    receive_ = std::move(exchange);
    ++receive_generation_;
    if (!queue_.empty()) return flush();
    // A client that closes its connection while this /receive waits: the /receive is dropped
    // (as Crossbar does), so what the router sends meanwhile waits in the queue for the next
    // /receive instead of going to a dead socket; a client that does not come back is ended by
    // session_timeout like any silent one.
    receive_->on_client_gone(
        [weak = weak_from_this(), io = service_.routing_io_, generation = receive_generation_] {
          boost::asio::post(*io, [weak, generation] {
            auto self = weak.lock();
            if (!self || self->receive_generation_ != generation || !self->receive_) return;
            JLOG(info, "web") << self->description_
                              << ": the client closed the connection of its waiting /receive; "
                                 "messages wait for its next /receive";
            answer(*self->receive_, http::status::no_content);  // to nobody: the session is closed
            self->receive_.reset();
            self->request_timer_.cancel();
          });
        });
    if (service_.options_.request_timeout.count() > 0) {
      request_timer_.expires_after(service_.options_.request_timeout);
      request_timer_.async_wait([weak = weak_from_this(), generation = receive_generation_](
                                    const boost::system::error_code& ec) {
        auto self = weak.lock();
        if (ec || !self || self->receive_generation_ != generation || !self->receive_) return;
        answer(*self->receive_, http::status::no_content);
        self->receive_.reset();
      });
    }
  }

  // Ends the session in the router (the transport is gone). Idempotent.
  void release() {
    ending_ = true;
    session_timer_.cancel();
    request_timer_.cancel();
    if (auto connection = std::move(connection_)) {
      try {
        connection->closed();
      } catch (const std::exception& e) {
        JLOG(error, "web") << description_ << ": error while closing the session: " << e.what();
      }
    }
  }

  const std::string& description() const { return description_; }

 private:
  // Answers the parked /receive with what is queued: all of it when batched, else one message.
  void flush() {
    if (!receive_ || queue_.empty()) return;
    std::string body;
    do {
      append_longpoll_frame(protocol_, *queue_.front(), body);
      queued_bytes_ -= queue_.front()->size();
      queue_.pop_front();
    } while (protocol_.batched && !queue_.empty());
    answer(*receive_, http::status::ok, std::move(body), protocol_.mime_type);
    receive_.reset();
    request_timer_.cancel();
    if (closing_ && queue_.empty()) end_later("closed by the router");
  }

  void flush_later() {
    if (flush_posted_ || !receive_) return;
    flush_posted_ = true;
    boost::asio::post(*service_.routing_io_, [weak = weak_from_this()] {
      if (auto self = weak.lock()) {
        self->flush_posted_ = false;
        self->flush();
      }
    });
  }

  void end_later(std::string_view why) {
    if (ending_) return;
    ending_ = true;
    boost::asio::post(*service_.routing_io_, [service = service_.shared_from_this(), id = id_,
                                              weak = weak_from_this(), why = std::string(why)] {
      // The id may name a newer transport by now (debug_transport_id): end this one only.
      auto self = weak.lock();
      if (!self) return;
      const auto it = service->transports_.find(id);
      if (it != service->transports_.end() && it->second == self) {
        service->end(id, why);
      } else {
        self->release();
      }
    });
  }

  void arm_session_timer() {
    if (service_.options_.session_timeout.count() <= 0) return;
    session_timer_.expires_after(service_.options_.session_timeout);
    session_timer_.async_wait([weak = weak_from_this()](const boost::system::error_code& ec) {
      auto self = weak.lock();
      if (ec || !self || self->ending_) return;
      // A parked /receive is a client that is still there.
      if (!self->alive_ && !self->receive_) {
        JLOG(info, "web") << self->description_ << ": no request for "
                          << self->service_.options_.session_timeout.count()
                          << " ms (session_timeout); closing";
        return self->service_.end(self->id_, "session inactive");
      }
      self->alive_ = false;
      self->arm_session_timer();
    });
  }

  LongPollService& service_;
  const std::string id_;
  const LongPollProtocol protocol_;
  const std::string description_;
  const bool tls_;
  std::unique_ptr<router::Connection> connection_;
  std::deque<std::shared_ptr<const std::string>> queue_;  // encoded, for the client
  std::size_t queued_bytes_ = 0;
  std::shared_ptr<transport::HttpExchange> receive_;  // the parked /receive
  std::uint64_t receive_generation_ = 0;
  boost::asio::steady_timer session_timer_;
  boost::asio::steady_timer request_timer_;
  bool alive_ = true;     // a request came since the last session_timeout check
  bool closing_ = false;  // the router closed the session: end once the queue is delivered
  bool ending_ = false;
  bool flush_posted_ = false;
};

LongPollService::LongPollService(LongPollOptions options) : options_(std::move(options)) {}

LongPollService::~LongPollService() = default;

void LongPollService::start(router::Router& router, boost::asio::io_context& routing_io) {
  router_ = &router;
  routing_io_ = &routing_io;
  stopped_ = false;
}

void LongPollService::stop() {
  stopped_ = true;
  auto transports = std::move(transports_);
  transports_.clear();
  for (auto& [id, transport] : transports)
    transport->release();
}

void LongPollService::handle(transport::HttpExchange exchange) {
  const auto method = exchange.request().method();
  const std::string_view rest = exchange.rest();
  if (rest.empty() && (method == http::verb::get || method == http::verb::head)) {
    const std::string page =
        "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>WAMP-over-Long-Poll</title>"
        "</head><body><h1>Junction " +
        std::string(kVersion) +
        "</h1><p>This is not a web page but a <b>WAMP-over-Long-Poll</b> transport endpoint. "
        "Open a transport with <code>POST " +
        transport::escape_html(exchange.path()) + (exchange.trailing_slash() ? "" : "/") +
        "open</code>.</p></body></html>\n";
    return answer(exchange, http::status::ok, page, "text/html; charset=utf-8");
  }
  if (method == http::verb::options) {
    // A cross-origin client's preflight.
    transport::HttpResponse response;
    response.status = http::status::no_content;
    standard_headers(exchange, response);
    response.headers.set(http::field::access_control_allow_methods, "POST, OPTIONS");
    return exchange.respond(std::move(response));
  }
  if (method != http::verb::post) {
    transport::HttpResponse response =
        transport::HttpResponse::text(http::status::method_not_allowed, "Method not allowed.\n");
    response.headers.set(http::field::allow, rest.empty() ? "GET, HEAD" : "POST");
    standard_headers(exchange, response);
    return exchange.respond(std::move(response));
  }
  if (routing_io_ == nullptr) {
    return answer(exchange, http::status::service_unavailable, "Not started.\n");
  }
  auto shared = std::make_shared<transport::HttpExchange>(std::move(exchange));
  boost::asio::post(*routing_io_, [self = shared_from_this(), shared = std::move(shared)] {
    try {
      self->dispatch(shared);
    } catch (const std::exception& e) {
      JLOG(error, "web") << "longpoll " << shared->path() << ": " << e.what();
      answer(*shared, http::status::internal_server_error, "Internal server error.\n");
    }
  });
}

void LongPollService::dispatch(std::shared_ptr<transport::HttpExchange> exchange) {
  if (stopped_) {
    return answer(*exchange, http::status::service_unavailable, "This node is shutting down.\n");
  }
  const std::string_view rest = exchange->rest();
  if (rest == "open") return open(*exchange);
  const auto slash = rest.find('/');
  const std::string id(rest.substr(0, slash));
  const std::string_view operation =
      slash == std::string_view::npos ? std::string_view() : rest.substr(slash + 1);
  const auto it = transports_.find(id);
  if (it == transports_.end()) {
    return fail(*exchange, http::status::not_found,
                "no WAMP transport '" + std::string(id.substr(0, 64)) + "'");
  }
  auto transport = it->second;  // may leave the table meanwhile
  if (operation == "send") return transport->on_send(*exchange);
  if (operation == "receive") return transport->on_receive(std::move(exchange));
  if (operation == "close") {
    end(id, "closed by the client");
    return answer(*exchange, http::status::no_content);
  }
  fail(*exchange, http::status::not_found,
       "invalid WAMP transport operation '" + std::string(operation.substr(0, 64)) +
           "' (expected send, receive or close)");
}

void LongPollService::open(transport::HttpExchange& exchange) {
  const json options = json::parse(exchange.request().body(), nullptr, false);
  if (options.is_discarded()) {
    return fail(exchange, http::status::bad_request,
                "could not parse WAMP session open request body (expected JSON)");
  }
  if (!options.is_object()) {
    return fail(exchange, http::status::bad_request,
                "invalid type for WAMP session open request (expected an object)");
  }
  const auto protocols = options.find("protocols");
  if (protocols == options.end() || !protocols->is_array()) {
    return fail(exchange, http::status::bad_request,
                "missing attribute 'protocols' (a list) in WAMP session open request");
  }
  std::vector<std::string> offered;
  for (const auto& item : *protocols) {
    if (item.is_string()) offered.push_back(item.get<std::string>());
  }
  auto protocol = choose_longpoll_protocol(offered);
  if (!protocol) {
    return fail(exchange, http::status::bad_request,
                "no common protocol to speak (I speak: " + longpoll_protocols() + ")");
  }
  const std::string id = new_transport_id();
  if (transports_.contains(id)) end(id, "replaced (debug_transport_id)");
  auto transport = std::make_shared<Transport>(*this, id, *protocol, exchange.connection().peer,
                                               exchange.connection().tls);
  try {
    transport->join(*router_);
  } catch (const std::exception& e) {
    JLOG(warn, "web") << transport->description()
                      << ": the router refused the session: " << e.what();
    return fail(exchange, http::status::service_unavailable, "the router refused the session");
  }
  transports_.emplace(id, transport);
  JLOG(debug, "web") << transport->description() << ": opened (" << protocol->name << ")";
  json result = {{"transport", id}, {"protocol", protocol->name}};
  answer(exchange, http::status::ok, result.dump(), "application/json; charset=utf-8");
}

std::string LongPollService::new_transport_id() const {
  if (!options_.debug_transport_id.empty()) return options_.debug_transport_id;
  static constexpr std::string_view kAlphabet =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  std::string id;
  while (id.size() < 16) {
    unsigned char bytes[32];
    if (RAND_bytes(bytes, sizeof bytes) != 1) throw std::runtime_error("RAND_bytes failed");
    for (const unsigned char b : bytes) {
      // 248 = 4 * 62: bytes above it would bias the choice.
      if (b < 248 && id.size() < 16) id += kAlphabet[b % kAlphabet.size()];
    }
  }
  return id;
}

void LongPollService::end(const std::string& id, std::string_view why) {
  const auto it = transports_.find(id);
  if (it == transports_.end()) return;
  auto transport = std::move(it->second);
  transports_.erase(it);
  JLOG(debug, "web") << transport->description() << ": ended (" << why << ")";
  transport->release();
}

}  // namespace junction::web
