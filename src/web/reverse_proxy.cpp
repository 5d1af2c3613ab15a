// web/reverse_proxy: see the header. One Exchange per forwarded request:
//   resolve -> connect -> write the request -> read the answer -> respond (or 502/504).
#include "web/reverse_proxy.hpp"

#include <algorithm>
#include <array>
#include <optional>
#include <string_view>
#include <utility>
#include <vector>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/buffer_body.hpp>
#include <boost/beast/http/field.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>

#include "base/log.hpp"

namespace junction::web {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using local = asio::local::stream_protocol;

namespace {

// RFC 9110 §7.6.1: fields meaningful for one connection only, never forwarded. (Expect: the
// front door has already answered "100 Continue" to the client.)
bool hop_by_hop(std::string_view name) {
  static constexpr std::array<std::string_view, 10> kNames{
      "connection",        "keep-alive", "proxy-connection",   "te",     "trailer",
      "transfer-encoding", "upgrade",    "proxy-authenticate", "expect", "proxy-authorization"};
  return std::any_of(kNames.begin(), kNames.end(),
                     [&](std::string_view n) { return beast::iequals(n, name); });
}

// The names a Connection header lists are hop-by-hop too.
bool listed_in_connection(std::string_view name, const std::vector<std::string>& listed) {
  return std::any_of(listed.begin(), listed.end(),
                     [&](const std::string& n) { return beast::iequals(n, name); });
}

std::vector<std::string> connection_tokens(const http::fields& fields) {
  std::vector<std::string> out;
  const auto [first, last] = fields.equal_range(http::field::connection);
  for (auto it = first; it != last; ++it) {
    std::string_view value(it->value().data(), it->value().size());
    while (!value.empty()) {
      const auto comma = value.find(',');
      auto token = value.substr(0, comma);
      while (!token.empty() && (token.front() == ' ' || token.front() == '\t'))
        token.remove_prefix(1);
      while (!token.empty() && (token.back() == ' ' || token.back() == '\t'))
        token.remove_suffix(1);
      if (!token.empty()) out.emplace_back(token);
      value = comma == std::string_view::npos ? std::string_view() : value.substr(comma + 1);
    }
  }
  return out;
}

// Over TCP (Protocol = tcp: resolve, then connect) or a Unix socket (local: connect).
template <class Protocol>
class Exchange : public std::enable_shared_from_this<Exchange<Protocol>> {
 public:
  Exchange(const ReverseProxyOptions& options, ServiceThread& thread, asio::io_context& io,
           transport::HttpExchange exchange)
      : options_(options),
        thread_(thread),
        exchange_(std::move(exchange)),
        resolver_(io),
        stream_(io),
        pause_(io),
        deadline_(std::chrono::steady_clock::now() + options.timeout) {}

  // Destroyed with its answer unfinished (the service stopped): the client's connection is
  // reset rather than left waiting for the rest.
  ~Exchange() {
    if (body_) body_->fail("the service stopped");
  }

  void run() {
    build_request();
    // A client that goes before the backend answers: the backend connection goes too.
    exchange_.on_client_gone(on_thread([](Exchange& self) { self.client_gone(); }));
    if constexpr (std::is_same_v<Protocol, local>) {
      stream_.expires_at(deadline_);
      stream_.async_connect(
          local::endpoint(options_.unix_socket),
          [self = this->shared_from_this()](beast::error_code ec) { self->on_connect(ec); });
    } else {
      resolver_.async_resolve(options_.host, std::to_string(options_.port),
                              [self = this->shared_from_this()](
                                  beast::error_code ec, tcp::resolver::results_type results) {
                                self->on_resolve(ec, std::move(results));
                              });
    }
  }

 private:
  // A callback for another thread that runs `f` on the service's thread, if this exchange
  // and the thread are still there.
  template <class F>
  std::function<void()> on_thread(F f) {
    return [weak = this->weak_from_this(), thread = &thread_, f] {
      thread->post([weak, f](asio::io_context&) {
        if (auto self = weak.lock()) f(*self);
      });
    };
  }

  void build_request() {
    transport::HttpRequest& in = exchange_.request();
    head_ = in.method() == http::verb::head;
    request_.method(in.method());
    if (in.method() == http::verb::unknown) request_.method_string(in.method_string());
    request_.target(ReverseProxyService::backend_target(
        options_.path, exchange_.rest(), exchange_.trailing_slash(), exchange_.query()));
    request_.version(11);
    const auto listed = connection_tokens(in.base());
    std::string forwarded_for;
    for (const auto& field : in.base()) {
      const std::string_view name(field.name_string().data(), field.name_string().size());
      if (hop_by_hop(name) || listed_in_connection(name, listed)) continue;
      if (field.name() == http::field::host || field.name() == http::field::content_length) {
        continue;
      }
      if (beast::iequals(name, "x-forwarded-for")) {
        if (!forwarded_for.empty()) forwarded_for += ", ";
        forwarded_for.append(field.value().data(), field.value().size());
        continue;
      }
      if (beast::iequals(name, "x-forwarded-host") || beast::iequals(name, "x-forwarded-proto") ||
          beast::iequals(name, "x-forwarded-prefix")) {
        continue;  // ours replace what the client claimed
      }
      request_.insert(field.name_string(), field.value());
    }
    const auto& connection = exchange_.connection();
    if (!forwarded_for.empty()) forwarded_for += ", ";
    forwarded_for += connection.forwarded_for();
    request_.set("X-Forwarded-For", forwarded_for);
    if (const auto host = in[http::field::host]; !host.empty()) {
      request_.set("X-Forwarded-Host", host);
    }
    request_.set("X-Forwarded-Proto", connection.tls ? "https" : "http");
    request_.set("X-Forwarded-Prefix", exchange_.mount());
    request_.set(http::field::host, options_.port == 80 || !options_.unix_socket.empty()
                                        ? options_.host
                                        : options_.host + ":" + std::to_string(options_.port));
    request_.set(http::field::connection, "close");
    request_.body() = std::move(in.body());
    if (!request_.body().empty() || in.method() == http::verb::post ||
        in.method() == http::verb::put || in.method() == http::verb::patch) {
      request_.prepare_payload();
    }
  }

  void on_resolve(beast::error_code ec, tcp::resolver::results_type results) {
    if (ec) return fail(http::status::bad_gateway, "cannot resolve the backend: " + ec.message());
    stream_.expires_at(deadline_);
    stream_.async_connect(results, [self = this->shared_from_this()](beast::error_code connect_ec,
                                                                     const tcp::endpoint&) {
      self->on_connect(connect_ec);
    });
  }

  void on_connect(beast::error_code ec) {
    if (ec) return fail_io(ec, "cannot connect to the backend");
    stream_.expires_at(deadline_);
    http::async_write(stream_, request_,
                      [self = this->shared_from_this()](beast::error_code write_ec, std::size_t) {
                        self->on_write(write_ec);
                      });
  }

  void on_write(beast::error_code ec) {
    if (ec) return fail_io(ec, "cannot send the request to the backend");
    parser_.header_limit(64 * 1024);
    parser_.body_limit(boost::none);  // streamed on: the client's pace bounds what is held
    if (head_) parser_.skip(true);
    stream_.expires_at(deadline_);
    http::async_read_header(
        stream_, buffer_, parser_,
        [self = this->shared_from_this()](beast::error_code read_ec, std::size_t) {
          self->on_header(read_ec);
        });
  }

  void on_header(beast::error_code ec) {
    if (ec) return fail_io(ec, "no valid answer from the backend");
    auto& answer = parser_.get();
    transport::HttpResponse response;
    response.status = static_cast<http::status>(answer.result_int());
    const auto listed = connection_tokens(answer.base());
    for (const auto& field : answer.base()) {
      const std::string_view name(field.name_string().data(), field.name_string().size());
      if (hop_by_hop(name) || listed_in_connection(name, listed)) continue;
      const auto f = field.name();
      if (f == http::field::content_length || f == http::field::date || f == http::field::server) {
        continue;
      }
      response.headers.insert(field.name_string(), field.value());
    }
    // The backend's Content-Length, when it sent one (not for chunked answers).
    std::optional<std::uint64_t> length;
    if (const auto n = parser_.content_length(); n && !parser_.chunked()) length = *n;
    if (parser_.is_done()) {
      // No body follows (HEAD, 204, 304, an empty body): answered whole. A HEAD keeps the
      // length the backend announced.
      if (head_ && length && *length > 0) {
        response.stream =
            transport::HttpBodyReader(std::make_shared<transport::HttpBodyStream>(length));
      }
      close_backend();
      return exchange_.respond(std::move(response));
    }
    body_ = std::make_shared<transport::HttpBodyStream>(length);
    body_->set_producer(on_thread([](Exchange& self) { self.resume(); }),
                        on_thread([](Exchange& self) { self.cancelled(); }));
    response.stream = transport::HttpBodyReader(body_);
    exchange_.respond(std::move(response));
    chunk_.resize(kChunk);
    read_body();
  }

  void read_body() {
    if (reading_ || paused_ || !body_) return;
    reading_ = true;
    auto& body = parser_.get().body();
    body.data = chunk_.data();
    body.size = chunk_.size();
    // Each piece within `timeout`: a backend that stalls mid-answer is cut off.
    stream_.expires_after(options_.timeout);
    http::async_read_some(stream_, buffer_, parser_,
                          [self = this->shared_from_this()](
                              beast::error_code read_ec, std::size_t) { self->on_body(read_ec); });
  }

  void on_body(beast::error_code ec) {
    reading_ = false;
    if (!body_) return;
    if (ec == http::error::need_buffer) ec = {};
    const std::size_t got = chunk_.size() - parser_.get().body().size;
    if (ec) {
      if (body_->cancelled()) return close_backend();
      const std::string why =
          ec == beast::error::timeout
              ? "no data from the backend for " + std::to_string(options_.timeout.count()) + " ms"
              : "the backend's answer broke off: " + ec.message();
      JLOG(warn, "web") << exchange_.connection().peer << ": " << options_.log_name << " "
                        << exchange_.path() << ": " << why;
      std::exchange(body_, nullptr)->fail(why);
      return close_backend();
    }
    const bool more = got == 0 || body_->write(std::string_view(chunk_.data(), got));
    if (parser_.is_done()) {
      std::exchange(body_, nullptr)->finish();
      return close_backend();
    }
    if (body_->cancelled()) return cancelled();
    if (!more) return pause();
    read_body();
  }

  // Until the client has taken what waits (resume). The wait is an operation on the loop, so the
  // exchange lives while it pauses and goes with the loop when the service stops.
  void pause() {
    paused_ = true;
    pause_.expires_at(asio::steady_timer::time_point::max());
    pause_.async_wait([self = this->shared_from_this()](beast::error_code) {
      if (!self->paused_) self->read_body();
    });
  }

  void resume() {
    paused_ = false;
    pause_.cancel();
  }

  // The client went away mid-answer (or the answer is not wanted): the backend connection goes.
  void cancelled() {
    paused_ = true;  // for good
    pause_.cancel();
    JLOG(debug, "web") << exchange_.connection().peer << ": " << options_.log_name << " "
                       << exchange_.path()
                       << ": the client went away; closing the backend connection";
    body_.reset();
    beast::error_code ignored;
    stream_.socket().close(ignored);
  }

  // Before the answer began.
  void client_gone() {
    if (body_ || exchange_.answered()) return;
    JLOG(debug, "web") << exchange_.connection().peer << ": " << options_.log_name << " "
                       << exchange_.path() << ": the client went away before the backend answered";
    client_gone_ = true;
    resolver_.cancel();
    beast::error_code ignored;
    stream_.socket().close(ignored);
  }

  void close_backend() {
    beast::error_code ignored;
    stream_.socket().shutdown(Protocol::socket::shutdown_both, ignored);
    stream_.socket().close(ignored);
  }

  void fail_io(beast::error_code ec, std::string_view what) {
    if (ec == beast::error::timeout) {
      return fail(http::status::gateway_timeout, std::string(what) + ": no answer within " +
                                                     std::to_string(options_.timeout.count()) +
                                                     " ms");
    }
    fail(http::status::bad_gateway, std::string(what) + ": " + ec.message());
  }

  void fail(http::status status, const std::string& why) {
    if (client_gone_) return exchange_.respond(status, "");  // nobody reads it
    const std::string backend = options_.unix_socket.empty()
                                    ? options_.host + ":" + std::to_string(options_.port)
                                    : options_.unix_socket;
    JLOG(warn, "web") << exchange_.connection().peer << ": " << options_.log_name << " "
                      << exchange_.path() << " -> " << backend << ": " << why << "; "
                      << static_cast<unsigned>(status);
    exchange_.respond(status, status == http::status::gateway_timeout
                                  ? "Gateway timeout: the backend did not answer in time.\n"
                                  : "Bad gateway: the backend could not be reached.\n");
  }

  // Largest piece read from the backend at once.
  static constexpr std::size_t kChunk = 64 * 1024;

  const ReverseProxyOptions& options_;
  ServiceThread& thread_;
  transport::HttpExchange exchange_;
  tcp::resolver resolver_;  // unused for Unix sockets
  beast::basic_stream<Protocol> stream_;
  asio::steady_timer pause_;  // waits while the client has not taken what is queued
  beast::flat_buffer buffer_;
  http::request<http::string_body> request_;
  http::response_parser<http::buffer_body> parser_;
  std::chrono::steady_clock::time_point deadline_;
  bool head_ = false;
  // The streamed answer (after the head): the body, the piece being read, the state.
  std::shared_ptr<transport::HttpBodyStream> body_;
  std::vector<char> chunk_;
  bool reading_ = false;
  bool paused_ = false;
  bool client_gone_ = false;  // before the answer: the backend connection was closed for it
};

}  // namespace

void forward_http(ServiceThread& thread, asio::io_context& io, const ReverseProxyOptions& options,
                  transport::HttpExchange exchange) {
  if (options.unix_socket.empty()) {
    std::make_shared<Exchange<tcp>>(options, thread, io, std::move(exchange))->run();
  } else {
    std::make_shared<Exchange<local>>(options, thread, io, std::move(exchange))->run();
  }
}

ReverseProxyService::ReverseProxyService(ReverseProxyOptions options)
    : options_(std::move(options)),
      thread_(options_.log_name + " " + options_.host + ":" + std::to_string(options_.port)) {}

ReverseProxyService::~ReverseProxyService() {
  stop();
}

void ReverseProxyService::start(router::Router&, asio::io_context&) {
  thread_.start();
}

void ReverseProxyService::stop() {
  thread_.stop();
}

void ReverseProxyService::handle(transport::HttpExchange exchange) {
  auto forwarded = std::make_shared<transport::HttpExchange>(std::move(exchange));
  if (!thread_.post([this, forwarded](asio::io_context& io) {
        forward_http(thread_, io, options_, std::move(*forwarded));
      })) {
    forwarded->respond(http::status::service_unavailable, "Not started.\n");
  }
}

std::string ReverseProxyService::backend_target(std::string_view base, std::string_view rest,
                                                bool trailing_slash, std::string_view query) {
  std::string target(base.empty() ? std::string_view("/") : base);
  if (!rest.empty()) {
    if (target.back() != '/') target += '/';
    target.append(rest);
  } else if (trailing_slash && target.back() != '/') {
    target += '/';
  }
  if (!query.empty()) {
    target += '?';
    target.append(query);
  }
  return target;
}

}  // namespace junction::web
