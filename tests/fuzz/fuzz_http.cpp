// Fuzz target for the HTTP side of a listener: Beast's request parser with the limits
// HttpSession sets (kHttpHeaderLimit, kHttpBodyLimit), fed exactly as HttpSession's
// http::async_read_header + http::async_read feed it (Beast's read_some: one flat buffer, the
// parser given everything not yet consumed, `consume` of what it used even on need_more), the
// input split into two reads at a point the first byte picks; then, for a parsed request, the
// pure steps of the WebSocket upgrade that HttpSession takes in this order: the Origin check,
// subprotocol parsing and choice, the key's accept value, and permessage-deflate negotiation.
// Properties: nothing crashes (Beast's Debug assertions included); the parser never uses more
// than it is given, never stalls (no progress, no need_more), never accepts a request past its
// limits; put_eof never passes an unfinished message; a chosen codec
// is one the client offered; a deflate answer is itself an offer we accept with the same
// agreement. (The session's own state machine runs in the e2e suites; this covers what parses
// untrusted bytes.)
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

#include <boost/beast/core/flat_buffer.hpp>
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

// The socket's side of reading: each element of `pieces` is what one read returns, in order.
// They go into one flat buffer, as HttpSession's buffer_.
struct Reads {
  std::vector<std::string_view> pieces;
  std::size_t next = 0;
  boost::beast::flat_buffer buffer;
  std::size_t consumed = 0;  // bytes the parser used, in all

  // One read: false at the end of the stream.
  bool read_more() {
    while (next < pieces.size() && pieces[next].empty())
      ++next;  // a read returns at least one byte
    if (next == pieces.size()) return false;
    const std::string_view piece = pieces[next++];
    const auto room = buffer.prepare(piece.size());
    std::memcpy(room.data(), piece.data(), piece.size());
    buffer.commit(piece.size());
    return true;
  }
};

// Beast's http::read_some (boost/beast/http/impl/read.hpp): the parser is given everything
// buffered and what it used is consumed, whether it answered need_more or not (eager parsing
// may use a header and whole chunks and still ask for more); on need_more (or with nothing
// buffered) one more read, and the parser again. At the end of the stream: put_eof if the parser
// got some, else end_of_stream. Bytes a put() used are never given to it again.
template <class Satisfied>
boost::beast::error_code read_some(Reads& reads, http::request_parser<http::string_body>& parser,
                                   const Satisfied& satisfied, std::string_view input) {
  boost::beast::error_code ec;
  bool parse = reads.buffer.size() != 0;
  for (;;) {
    if (parse) {
      const std::size_t before = reads.buffer.size();
      const std::size_t used = parser.put(reads.buffer.data(), ec);
      if (used > before) fail("parser used more than it was given", input);
      reads.consumed += used;
      reads.buffer.consume(used);
      if (ec != http::error::need_more) {
        // Neither progress nor a request for more: Beast's read loop would spin.
        if (!ec && used == 0 && !satisfied()) {
          fail("parser neither progressed nor asked for more", input);
        }
        return ec;
      }
    }
    parse = true;
    ec = {};
    if (!reads.read_more()) {
      if (!parser.got_some()) return http::error::end_of_stream;
      parser.put_eof(ec);
      if (!ec && !parser.is_done()) fail("put_eof succeeded on an unfinished message", input);
      return ec;
    }
  }
}

// Beast's http::read_header (`header_only`) and http::read: eager parsing off for the header,
// on for the body, and read_some until the header, or the whole message, is done. True when
// the read failed (the session answers or closes).
bool read(Reads& reads, http::request_parser<http::string_body>& parser, bool header_only,
          std::string_view input) {
  parser.eager(!header_only);
  auto satisfied = [&] { return header_only ? parser.is_header_done() : parser.is_done(); };
  boost::beast::error_code ec;
  while (!ec && !satisfied())
    ec = read_some(reads, parser, satisfied, input);
  return static_cast<bool>(ec);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  if (input.empty()) return 0;
  const std::string_view stream = input.substr(1);
  const std::size_t cut =
      std::min<std::size_t>(static_cast<unsigned char>(input[0]) % input.size(), stream.size());
  Reads reads;
  reads.pieces = {stream.substr(0, cut), stream.substr(cut)};
  // As HttpSession::do_read: the header first (no body limit yet: the route picks it), then the
  // body with the routed service's limit (kHttpBodyLimit for a WebSocket path).
  http::request_parser<http::string_body> parser;
  parser.header_limit(transport::kHttpHeaderLimit);
  parser.body_limit(std::numeric_limits<std::uint64_t>::max());
  if (read(reads, parser, /*header_only=*/true, input)) return 0;  // 400/431, or closed
  parser.body_limit(transport::kHttpBodyLimit);
  if (const auto length = parser.content_length(); length && *length > transport::kHttpBodyLimit) {
    return 0;  // 413
  }
  if (read(reads, parser, /*header_only=*/false, input)) return 0;  // 400/413, or closed
  if (reads.consumed > transport::kHttpHeaderLimit + transport::kHttpBodyLimit) {
    fail("parser went past its limits", input);
  }
  upgrade_steps(parser.get(), input);
  return 0;
}
