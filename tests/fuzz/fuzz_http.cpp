// Fuzz target for the HTTP side of a listener: Beast's request parser with the limits
// HttpSession sets (kHttpHeaderLimit, kHttpBodyLimit), the input split into two reads at a point
// the first byte picks, then, for a parsed request, the pure steps of the WebSocket upgrade that
// HttpSession takes in this order: the Origin check, subprotocol parsing and choice, the key's
// accept value, and permessage-deflate negotiation.
// Properties: nothing crashes; the parser never accepts a header past its limit; a chosen codec
// is one the client offered; a deflate answer is itself an offer we accept with the same
// agreement. (The session's own state machine runs in the e2e suites; this covers what parses
// untrusted bytes.)
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include <boost/beast/http.hpp>
#include <boost/beast/websocket/rfc6455.hpp>

#include "transport/net.hpp"
#include "transport/origin.hpp"
#include "transport/server.hpp"
#include "transport/subprotocol.hpp"
#include "websocket/deflate.hpp"
#include "websocket/frame.hpp"

namespace {

namespace http = boost::beast::http;
using namespace junction;

[[noreturn]] void fail(const char* what, std::string_view input) {
  std::fprintf(stderr, "fuzz property broken: %s\ninput (hex): ", what);
  for (unsigned char c : input)
    std::fprintf(stderr, "%02x", c);
  std::fprintf(stderr, "\n");
  std::abort();
}

void upgrade_steps(const http::request<http::string_body>& request, std::string_view input) {
  transport::WebSocketOptions options;
  options.allowed_origins = {"https://*.example.com", "null"};
  if (request.count(http::field::origin) > 0) {
    (void)transport::origin_allowed(request[http::field::origin], options.allowed_origins);
    (void)transport::parse_origin(request[http::field::origin]);
  }
  std::vector<std::string> offered;
  const auto [first, last] = request.equal_range(http::field::sec_websocket_protocol);
  for (auto it = first; it != last; ++it)
    transport::parse_subprotocols(it->value(), offered);
  if (const wamp::Codec* codec = transport::choose_codec(offered, options)) {
    bool found = false;
    for (const auto& o : offered)
      found = found || o == codec->subprotocol();
    if (!found) fail("chose a subprotocol the client did not offer", input);
  }
  (void)websocket::accept_key(request[http::field::sec_websocket_key]);
  std::string offers;
  const auto [first_offer, last_offer] = request.equal_range(http::field::sec_websocket_extensions);
  for (auto it = first_offer; it != last_offer; ++it) {
    if (!offers.empty()) offers += ", ";
    offers += it->value();
  }
  const websocket::DeflateConfig config;
  if (auto negotiated = websocket::negotiate_deflate(offers, config)) {
    auto again = websocket::negotiate_deflate(negotiated->response, config);
    if (!again) fail("our deflate answer is not an acceptable offer", input);
    if (again->agreement.server_no_context_takeover !=
            negotiated->agreement.server_no_context_takeover ||
        again->agreement.server_max_window_bits != negotiated->agreement.server_max_window_bits) {
      fail("our deflate answer negotiates differently", input);
    }
  }
  (void)boost::beast::websocket::is_upgrade(request);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  if (input.empty()) return 0;
  const std::size_t cut = static_cast<unsigned char>(input[0]) % (input.size());
  const std::string_view stream = input.substr(1);
  http::request_parser<http::string_body> parser;
  parser.header_limit(transport::kHttpHeaderLimit);
  parser.body_limit(transport::kHttpBodyLimit);
  parser.eager(true);
  boost::beast::error_code ec;
  std::size_t used = 0;
  for (const std::string_view piece : {stream.substr(0, std::min(cut, stream.size())),
                                       stream.substr(std::min(cut, stream.size()))}) {
    std::string_view rest(stream.data() + used,
                          piece.data() + piece.size() - (stream.data() + used));
    while (!rest.empty() && !parser.is_done()) {
      const std::size_t n = parser.put(boost::asio::buffer(rest.data(), rest.size()), ec);
      if (ec == http::error::need_more) {
        ec = {};
        break;
      }
      if (ec) return 0;  // HttpSession answers 400/431/413 or closes
      used += n;
      rest.remove_prefix(n);
      if (n == 0) break;
    }
    if (parser.is_done()) break;
  }
  if (parser.is_header_done() && used > transport::kHttpHeaderLimit + transport::kHttpBodyLimit) {
    fail("parser went past its limits", input);
  }
  if (parser.is_done()) upgrade_steps(parser.get(), input);
  return 0;
}
