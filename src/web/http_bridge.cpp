// web/http_bridge: see the header.
#include "web/http_bridge.hpp"

#include <arpa/inet.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <algorithm>
#include <bit>
#include <charconv>
#include <chrono>
#include <cstring>
#include <ctime>

#include <boost/asio/post.hpp>
#include <boost/beast/http/field.hpp>
#include <boost/beast/http/verb.hpp>
#include <nlohmann/json.hpp>

#include "base/log.hpp"
#include "router/in_process_session.hpp"
#include "wamp/base64.hpp"
#include "wamp/json_codec.hpp"
#include "wamp/nlohmann_value.hpp"
#include "wamp/utf8.hpp"
#include "web/bridge_body.hpp"
#include "web/common.hpp"

namespace junction::web {

namespace http = boost::beast::http;
using nlohmann::json;

namespace {

// Junction's cap on a bridge request body when post_body_limit is not set.
constexpr std::uint64_t kDefaultBodyCap = 16 * 1024 * 1024;

// {"error": ..., "args": [...], "kwargs": {...}} with `status`.
transport::HttpResponse error_response(http::status status, std::string_view error,
                                       const wamp::Array& args = {},
                                       const wamp::Object& kwargs = {}) {
  std::string body = "{\"error\":";
  wamp::json_encode_value(wamp::Value(error), body);
  body += ",\"args\":";
  wamp::json_encode_array(args, body);
  body += ",\"kwargs\":";
  wamp::json_encode_object(kwargs, body);
  body += "}";
  return transport::HttpResponse::text(status, std::move(body), "application/json; charset=UTF-8");
}

// Crossbar's common headers on every bridge answer, preformatted (after the response's own
// fields, as they were when they were fields too).
void common_headers(const transport::HttpExchange& exchange, transport::HttpResponse& response) {
  response.head_lines.reserve(response.head_lines.size() + 160);  // one allocation for all
  append_cross_origin_lines(exchange, response.head_lines);
  response.head_lines += "Cache-Control: no-store,no-cache,must-revalidate,max-age=0\r\n";
}

// A 200 with a JSON body, its Content-Type preformatted (no field map per answer).
transport::HttpResponse json_ok(std::string body) {
  transport::HttpResponse response;
  response.head_lines.reserve(224);  // with common_headers' lines: one allocation for all
  response.head_lines = "Content-Type: application/json; charset=UTF-8\r\n";
  response.body = std::move(body);
  return response;
}

void answer(transport::HttpExchange& exchange, transport::HttpResponse response) {
  common_headers(exchange, response);
  exchange.respond(std::move(response));
}

void deny(transport::HttpExchange& exchange, http::status status, std::string_view why) {
  JLOG(debug, "web") << exchange.connection().peer << ": bridge " << exchange.path() << ": "
                     << static_cast<unsigned>(status) << " " << why;
  answer(exchange, error_response(status, why));
}

// "2026-11-24T04:35:00.123Z" (1 to 6 fraction digits) -> seconds since the epoch, or nullopt.
std::optional<double> parse_timestamp(std::string_view s) {
  if (s.size() < 22 || s.size() > 27 || s[4] != '-' || s[7] != '-' || s[10] != 'T' ||
      s[13] != ':' || s[16] != ':' || s[19] != '.' || s.back() != 'Z') {
    return std::nullopt;
  }
  auto num = [&](std::size_t at, std::size_t n, int& out) {
    out = 0;
    for (std::size_t i = at; i < at + n; ++i) {
      if (s[i] < '0' || s[i] > '9') return false;
      out = out * 10 + (s[i] - '0');
    }
    return true;
  };
  int year, month, day, hour, minute, second;
  if (!num(0, 4, year) || !num(5, 2, month) || !num(8, 2, day) || !num(11, 2, hour) ||
      !num(14, 2, minute) || !num(17, 2, second)) {
    return std::nullopt;
  }
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 59) {
    return std::nullopt;
  }
  const auto fraction = s.substr(20, s.size() - 21);
  double frac = 0, scale = 0.1;
  for (const char c : fraction) {
    if (c < '0' || c > '9') return std::nullopt;
    frac += (c - '0') * scale;
    scale /= 10;
  }
  std::tm tm{};
  tm.tm_year = year - 1900;
  tm.tm_mon = month - 1;
  tm.tm_mday = day;
  tm.tm_hour = hour;
  tm.tm_min = minute;
  tm.tm_sec = second;
  return static_cast<double>(timegm(&tm)) + frac;
}

bool is_integer_text(std::string_view s) {
  if (!s.empty() && (s.front() == '-' || s.front() == '+')) s.remove_prefix(1);
  return !s.empty() && s.size() <= 19 &&
         std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

bool constant_equal(std::string_view a, std::string_view b) {
  return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

std::string header_map_json(const transport::HttpRequest& request) {
  // {"name": ["value", ...]} with the names as the client sent them.
  std::map<std::string, std::vector<std::string>> headers;
  for (const auto& field : request) {
    headers[std::string(field.name_string())].emplace_back(field.value());
  }
  json out = json::object();
  for (auto& [name, values] : headers)
    out[name] = values;
  return out.dump();
}

}  // namespace

bool IpNetwork::parse(std::string_view text, IpNetwork& out) {
  const auto slash = text.find('/');
  const std::string address(text.substr(0, slash));
  IpNetwork n;
  if (inet_pton(AF_INET, address.c_str(), n.address.data()) == 1) {
    n.v6 = false;
    n.prefix = 32;
  } else if (inet_pton(AF_INET6, address.c_str(), n.address.data()) == 1) {
    n.v6 = true;
    n.prefix = 128;
  } else {
    return false;
  }
  if (slash != std::string_view::npos) {
    const auto bits = text.substr(slash + 1);
    // Crossbar (netaddr) also takes an IPv4 netmask: "192.168.1.0/255.255.255.0".
    std::array<std::uint8_t, 4> mask{};
    if (!n.v6 && inet_pton(AF_INET, std::string(bits).c_str(), mask.data()) == 1) {
      const std::uint32_t m = (std::uint32_t{mask[0]} << 24) | (std::uint32_t{mask[1]} << 16) |
                              (std::uint32_t{mask[2]} << 8) | mask[3];
      const unsigned ones = static_cast<unsigned>(std::popcount(m));
      if (m != (ones == 0 ? 0u : ~std::uint32_t{0} << (32 - ones))) return false;  // not contiguous
      n.prefix = ones;
      out = n;
      return true;
    }
    if (bits.empty() || bits.size() > 3 ||
        !std::all_of(bits.begin(), bits.end(), [](char c) { return c >= '0' && c <= '9'; })) {
      return false;
    }
    const unsigned p = static_cast<unsigned>(std::stoul(std::string(bits)));
    if (p > n.prefix) return false;
    n.prefix = p;
  }
  out = n;
  return true;
}

bool IpNetwork::contains(std::string_view ip_text) const {
  std::array<std::uint8_t, 16> ip{};
  const std::string text(ip_text);
  bool v6_address = false;
  if (inet_pton(AF_INET, text.c_str(), ip.data()) != 1) {
    if (inet_pton(AF_INET6, text.c_str(), ip.data()) != 1) return false;
    v6_address = true;
    // An IPv4-mapped IPv6 address (::ffff:a.b.c.d) is that IPv4 address.
    static constexpr std::uint8_t kMapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    if (!v6 && std::memcmp(ip.data(), kMapped, 12) == 0) {
      std::memmove(ip.data(), ip.data() + 12, 4);
      v6_address = false;
    }
  }
  if (v6_address != v6) return false;
  const unsigned full = prefix / 8, rest = prefix % 8;
  if (std::memcmp(ip.data(), address.data(), full) != 0) return false;
  if (rest == 0) return true;
  const std::uint8_t mask = static_cast<std::uint8_t>(0xff << (8 - rest));
  return (ip[full] & mask) == (address[full] & mask);
}

HttpBridgeService::HttpBridgeService(Kind kind, BridgeOptions options)
    : kind_(kind), options_(std::move(options)) {}

HttpBridgeService::~HttpBridgeService() = default;

std::string_view HttpBridgeService::type() const {
  switch (kind_) {
    case Kind::publisher:
      return "publisher";
    case Kind::caller:
      return "caller";
    case Kind::webhook:
      return "webhook";
  }
  return "publisher";
}

std::uint64_t HttpBridgeService::body_limit() const {
  return options_.post_body_limit ? options_.post_body_limit : kDefaultBodyCap;
}

void HttpBridgeService::start(router::Router& router, boost::asio::io_context& routing_io) {
  routing_io_ = &routing_io;
  try {
    session_ = std::make_unique<router::InProcessSession>(router, options_.realm, options_.authid,
                                                          options_.authrole);
  } catch (const std::exception& e) {
    throw std::runtime_error(std::string(type()) + " bridge cannot join realm '" + options_.realm +
                             "': " + e.what());
  }
  JLOG(debug, "web") << type() << " bridge joined realm '" << options_.realm << "' as authid '"
                     << options_.authid << "', role '" << options_.authrole << "'";
}

void HttpBridgeService::stop() {
  if (session_) session_->leave();
  session_.reset();
}

std::string HttpBridgeService::signature(std::string_view secret, std::string_view key,
                                         std::string_view timestamp, std::string_view seq,
                                         std::string_view nonce, std::string_view body) {
  std::string data;
  data.reserve(key.size() + timestamp.size() + seq.size() + nonce.size() + body.size());
  data.append(key).append(timestamp).append(seq).append(nonce).append(body);
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
       reinterpret_cast<const unsigned char*>(data.data()), data.size(), digest, &length);
  std::string out = wamp::base64_encode(
      std::string_view(reinterpret_cast<const char*>(digest), static_cast<std::size_t>(length)));
  for (char& c : out) {
    if (c == '+') c = '-';
    if (c == '/') c = '_';
  }
  return out;
}

void HttpBridgeService::handle(transport::HttpExchange exchange) {
  const auto& request = exchange.request();
  const auto method = request.method();
  if (method == http::verb::options) {
    transport::HttpResponse response;
    response.headers.set(http::field::allow, "POST,PUT,OPTIONS");
    response.headers.set(http::field::access_control_allow_methods, "POST,PUT,OPTIONS");
    return answer(exchange, std::move(response));
  }
  if (method != http::verb::post && method != http::verb::put) {
    auto response = error_response(http::status::method_not_allowed,
                                   "HTTP method not allowed (use POST or PUT)");
    response.headers.set(http::field::allow, "POST,PUT,OPTIONS");
    return answer(exchange, std::move(response));
  }

  // Content type: JSON for publisher and caller (none given is let through to the parser);
  // the charset, if named, must be UTF-8. Compared in place, without case (no lower-case copies
  // per request).
  const auto content_type = request[http::field::content_type];
  if (!content_type.empty()) {
    const std::string_view rest(content_type.data(), content_type.size());
    const std::string_view media = trim_ows(rest.substr(0, rest.find(';')));
    if (kind_ != Kind::webhook && !boost::beast::iequals(media, "application/json")) {
      return deny(
          exchange, http::status::bad_request,
          "bad or missing content type ('" + ascii_lower(media) + "'): must be application/json");
    }
    if (const auto cs = find_ignoring_case(rest, "charset="); cs != std::string_view::npos) {
      auto charset = rest.substr(cs + 8);
      charset = charset.substr(0, charset.find(';'));
      while (!charset.empty() && (charset.back() == ' ' || charset.back() == '"'))
        charset.remove_suffix(1);
      while (!charset.empty() && charset.front() == '"')
        charset.remove_prefix(1);
      if (!boost::beast::iequals(charset, "utf-8") && !boost::beast::iequals(charset, "utf8")) {
        return deny(exchange, http::status::bad_request, "charset must be UTF-8");
      }
    }
  }
  const std::string& body = request.body();

  // Signature, timestamp, sequence number and nonce.
  const auto fields = query_fields(exchange.query());
  auto field = [&](std::string_view name) -> const std::string* {
    const auto it = fields.find(name);
    return it == fields.end() ? nullptr : &it->second;
  };
  const bool signed_required = !options_.secret.empty();
  const std::string* key = field("key");
  const std::string* timestamp = field("timestamp");
  const std::string* seq = field("seq");
  const std::string* nonce = field("nonce");
  const std::string* sig = field("signature");
  if (signed_required) {
    for (const auto& [name, value] :
         {std::pair{"key", key}, std::pair{"timestamp", timestamp}, std::pair{"seq", seq},
          std::pair{"nonce", nonce}, std::pair{"signature", sig}}) {
      if (value == nullptr) {
        return deny(
            exchange, http::status::bad_request,
            "signed request required, but mandatory '" + std::string(name) + "' field missing");
      }
    }
  }
  if (timestamp != nullptr) {
    const auto when = parse_timestamp(*timestamp);
    if (!when) {
      return deny(exchange, http::status::bad_request,
                  "invalid timestamp '" + *timestamp +
                      "' (must be UTC/ISO-8601, e.g. '2011-10-14T16:59:51.123Z')");
    }
    const double now =
        std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
    if (options_.timestamp_delta_limit > 0 &&
        std::abs(now - *when) > static_cast<double>(options_.timestamp_delta_limit)) {
      return deny(exchange, http::status::bad_request,
                  "request expired (timestamp '" + *timestamp + "' is more than " +
                      std::to_string(options_.timestamp_delta_limit) + " s off)");
    }
  }
  if (seq != nullptr && !is_integer_text(*seq)) {
    return deny(exchange, http::status::bad_request,
                "invalid sequence number '" + *seq + "' (must be an integer)");
  }
  if (nonce != nullptr && !is_integer_text(*nonce)) {
    return deny(exchange, http::status::bad_request,
                "invalid nonce '" + *nonce + "' (must be an integer)");
  }
  if (signed_required) {
    if (!constant_equal(*key, options_.key)) {
      return deny(exchange, http::status::unauthorized,
                  "unknown key '" + *key + "' in signed request");
    }
    const std::string expected = signature(options_.secret, *key, *timestamp, *seq, *nonce, body);
    if (!constant_equal(*sig, expected)) {
      return deny(exchange, http::status::unauthorized, "invalid request signature");
    }
  }

  if (!options_.require_ip.empty()) {
    const auto& ip = exchange.connection().peer_ip;
    const bool allowed = std::any_of(options_.require_ip.begin(), options_.require_ip.end(),
                                     [&ip](const IpNetwork& n) { return n.contains(ip); });
    if (!allowed) {
      return deny(exchange, http::status::bad_request,
                  "request denied based on IP address " +
                      (ip.empty() ? std::string("(none: a Unix socket client)") : ip));
    }
  }
  if (options_.require_tls && !exchange.connection().tls) {
    return deny(exchange, http::status::bad_request, "request denied because not using TLS");
  }
  if (!wamp::valid_utf8(body)) {
    return deny(exchange, http::status::bad_request, "request body is not valid UTF-8");
  }

  if (routing_io_ == nullptr) {
    return answer(exchange,
                  error_response(http::status::service_unavailable, "wamp.error.runtime_error"));
  }
  if (kind_ == Kind::webhook) {
    auto shared = std::make_shared<transport::HttpExchange>(std::move(exchange));
    std::string headers = header_map_json(shared->request());
    boost::asio::post(*routing_io_, [self = shared_from_this(), shared = std::move(shared),
                                     headers = std::move(headers)]() mutable {
      self->dispatch_webhook(std::move(shared), std::move(headers));
    });
    return;
  }
  // The body is read here, on the I/O thread: the routing thread only routes.
  auto read = read_bridge_body(
      body, kind_ == Kind::publisher ? BridgeBodyKind::publisher : BridgeBodyKind::caller);
  if (auto* why = std::get_if<std::string>(&read)) {
    return deny(exchange, http::status::bad_request, *why);
  }
  auto shared = std::make_shared<transport::HttpExchange>(std::move(exchange));
  boost::asio::post(*routing_io_, [self = shared_from_this(), shared = std::move(shared),
                                   call = std::move(std::get<BridgeRequest>(read))]() mutable {
    self->dispatch(std::move(shared), std::move(call));
  });
}

void HttpBridgeService::dispatch_webhook(std::shared_ptr<transport::HttpExchange> exchange,
                                         std::string headers) {
  if (!session_ || !session_->joined()) {
    return answer(*exchange,
                  error_response(http::status::internal_server_error, "wamp.error.runtime_error",
                                 {wamp::Value("the bridge's session is not joined")}));
  }
  // One argument: {"headers": {name: [values]}, "body": "<raw body>"}.
  wamp::Object message;
  message.emplace("headers", wamp::from_nlohmann(json::parse(headers)));
  message.emplace("body", wamp::Value(exchange->request().body()));
  session_->publish(
      options_.topic, wamp::Array{wamp::Value(std::move(message))}, {},
      wamp::Object{{"acknowledge", wamp::Value(true)}},
      [this, exchange](router::InProcessSession::Answer a) {
        if (a.ok()) {
          return answer(*exchange, transport::HttpResponse::text(http::status::accepted,
                                                                 options_.success_response));
        }
        JLOG(warn, "web") << "webhook: cannot publish to '" << options_.topic << "': " << a.error;
        answer(*exchange, transport::HttpResponse::text(http::status::internal_server_error,
                                                        options_.error_response));
      });
}

void HttpBridgeService::dispatch(std::shared_ptr<transport::HttpExchange> exchange,
                                 BridgeRequest call) {
  if (!session_ || !session_->joined()) {
    return answer(*exchange,
                  error_response(http::status::internal_server_error, "wamp.error.runtime_error",
                                 {wamp::Value("the bridge's session is not joined")}));
  }
  if (kind_ == Kind::publisher) {
    // With a callback the publication is acknowledged (publish_payload sets "acknowledge").
    session_->publish_payload(
        std::move(call.target), std::move(call.payload), std::move(call.options),
        [exchange](router::InProcessSession::Answer a) {
          // A WAMP error is the application's answer: 200, as Crossbar does.
          if (!a.ok()) {
            return answer(*exchange, error_response(http::status::ok, a.error, a.args, a.kwargs));
          }
          char body[32] = "{\"id\":";
          char* end = std::to_chars(body + 6, body + sizeof body - 1, a.id).ptr;
          *end++ = '}';
          answer(*exchange, json_ok(std::string(body, end)));
        });
    return;
  }
  session_->call_payload(
      std::move(call.target), std::move(call.payload), {},
      [exchange](router::InProcessSession::Answer a) {
        if (!a.ok()) {
          return answer(*exchange, error_response(http::status::ok, a.error, a.args, a.kwargs));
        }
        std::string body = "{";
        if (!a.args.empty()) {
          body += "\"args\":";
          wamp::json_encode_array(a.args, body);
        }
        if (!a.kwargs.empty()) {
          if (body.size() > 1) body += ",";
          body += "\"kwargs\":";
          wamp::json_encode_object(a.kwargs, body);
        }
        body += "}";
        answer(*exchange, json_ok(std::move(body)));
      });
}

}  // namespace junction::web
