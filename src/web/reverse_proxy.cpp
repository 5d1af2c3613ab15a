// web/reverse_proxy: see the header. One Exchange per forwarded request:
//   resolve -> connect -> write the request -> read the answer -> respond (or 502/504).
#include "web/reverse_proxy.hpp"

#include <algorithm>
#include <array>
#include <utility>
#include <vector>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/post.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/core/tcp_stream.hpp>
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
  Exchange(const ReverseProxyOptions& options, asio::io_context& io,
           transport::HttpExchange exchange)
      : options_(options),
        exchange_(std::move(exchange)),
        resolver_(io),
        stream_(io),
        deadline_(std::chrono::steady_clock::now() + options.timeout) {}

  void run() {
    build_request();
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
    forwarded_for += connection.peer_ip;
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
    parser_.body_limit(options_.max_response_size);
    parser_.header_limit(64 * 1024);
    if (head_) parser_.skip(true);
    stream_.expires_at(deadline_);
    http::async_read(stream_, buffer_, parser_,
                     [self = this->shared_from_this()](beast::error_code read_ec, std::size_t) {
                       self->on_read(read_ec);
                     });
  }

  void on_read(beast::error_code ec) {
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
    response.body = std::move(answer.body());
    beast::error_code ignored;
    stream_.socket().shutdown(Protocol::socket::shutdown_both, ignored);
    exchange_.respond(std::move(response));
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

  const ReverseProxyOptions& options_;
  transport::HttpExchange exchange_;
  tcp::resolver resolver_;  // unused for Unix sockets
  beast::basic_stream<Protocol> stream_;
  beast::flat_buffer buffer_;
  http::request<http::string_body> request_;
  http::response_parser<http::string_body> parser_;
  std::chrono::steady_clock::time_point deadline_;
  bool head_ = false;
};

}  // namespace

void forward_http(asio::io_context& io, const ReverseProxyOptions& options,
                  transport::HttpExchange exchange) {
  if (options.unix_socket.empty()) {
    std::make_shared<Exchange<tcp>>(options, io, std::move(exchange))->run();
  } else {
    std::make_shared<Exchange<local>>(options, io, std::move(exchange))->run();
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
        forward_http(io, options_, std::move(*forwarded));
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
