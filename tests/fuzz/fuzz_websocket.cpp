// Fuzz target for src/websocket: the frame parser, unmasking, close payloads, UTF-8 validation,
// permessage-deflate negotiation and the inflater. Input: one flags byte, then a byte stream read
// as WebSocket frames (and, whole, as a compressed message and as an extension offer).
// Properties: nothing crashes; a parsed header re-encodes to itself; masking in pieces equals
// masking at once; a valid close payload survives make/parse; the UTF-8 validator's answer does
// not depend on how the text is split; inflated output never exceeds max_size and re-compresses
// to itself; our own negotiation answer is an offer we accept with the same agreement.
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "websocket/deflate.hpp"
#include "websocket/frame.hpp"

namespace {

using namespace junction::websocket;

[[noreturn]] void fail(const char* what, std::string_view input) {
  std::fprintf(stderr, "fuzz property broken: %s\ninput (hex): ", what);
  for (unsigned char c : input)
    std::fprintf(stderr, "%02x", c);
  std::fprintf(stderr, "\n");
  std::abort();
}

bool utf8_at_once(std::string_view s) {
  Utf8Validator v;
  return v.feed(s) && v.complete();
}

bool utf8_split(std::string_view s, std::size_t cut) {
  Utf8Validator v;
  cut = s.empty() ? 0 : cut % (s.size() + 1);
  bool ok = v.feed(s.substr(0, cut));
  ok = v.feed(s.substr(cut)) && ok;
  return ok && v.complete();
}

void check_inflate(std::string_view message, std::size_t max_size, bool no_context_takeover,
                   std::string_view input) {
  Inflater inflater(15, no_context_takeover);
  std::string out, error;
  bool too_big = false;
  const bool ok = inflater.decompress(message, out, max_size, error, too_big);
  if (out.size() > max_size) fail("inflated beyond max_size", input);
  if (!ok && error.empty()) fail("inflate failed without an error", input);
  if (ok && too_big) fail("too_big on success", input);
  if (!ok) return;
  // Whatever inflated must compress and inflate back to itself.
  Deflater deflater(15, 8, 6, no_context_takeover);
  std::string compressed, again;
  deflater.compress(out, compressed);
  Inflater fresh(15, no_context_takeover);
  if (!fresh.decompress(compressed, again, max_size, error, too_big) || again != out) {
    fail("deflate round trip of inflated data", input);
  }
  // The same inflater goes on to a next message (context takeover state must be sane).
  std::string next;
  deflater.compress("next", compressed);
  (void)inflater.decompress(compressed, next, max_size, error, too_big);
}

void check_frames(std::string_view data, bool allow_rsv1, std::size_t cut, std::size_t max_size,
                  bool no_context_takeover, std::string_view input) {
  std::string compressed_message;
  bool in_compressed_message = false;
  while (!data.empty()) {
    const HeaderParse parsed = parse_frame_header(data, allow_rsv1);
    if (parsed.status == ParseStatus::error) {
      if (parsed.error.empty()) fail("error without a reason", input);
      return;
    }
    if (parsed.status == ParseStatus::need_more) return;
    const FrameHeader& h = parsed.header;
    if (h.header_size < 2 || h.header_size > kMaxHeaderSize || h.header_size > data.size()) {
      fail("header size out of range", input);
    }
    std::array<std::uint8_t, kMaxHeaderSize> written{};
    const std::size_t n =
        write_frame_header(written, h.opcode, h.payload_length, h.fin, h.rsv1,
                           h.masked ? std::optional<std::uint32_t>(h.mask_key) : std::nullopt);
    if (std::string_view(reinterpret_cast<const char*>(written.data()), n) !=
        data.substr(0, h.header_size)) {
      fail("header does not re-encode to itself", input);
    }
    data.remove_prefix(h.header_size);
    const std::size_t size =
        static_cast<std::size_t>(std::min<std::uint64_t>(h.payload_length, data.size()));
    std::string payload(data.substr(0, size));
    data.remove_prefix(size);
    if (h.masked) {
      std::string pieces = payload;
      apply_mask(payload.data(), payload.size(), h.mask_key);
      const std::size_t at = payload.empty() ? 0 : cut % (payload.size() + 1);
      apply_mask(pieces.data(), at, h.mask_key, 0);
      apply_mask(pieces.data() + at, pieces.size() - at, h.mask_key, at);
      if (pieces != payload) fail("masking in pieces differs", input);
    }
    switch (h.opcode) {
      case Opcode::close:
        if (auto close = parse_close_payload(payload)) {
          const std::string again = make_close_payload(close->code, close->reason);
          auto reparsed = parse_close_payload(again);
          if (!reparsed || reparsed->code != close->code || reparsed->reason != close->reason) {
            fail("close payload does not survive make/parse", input);
          }
        }
        break;
      case Opcode::text:
      case Opcode::continuation:
        if (utf8_at_once(payload) != utf8_split(payload, cut)) {
          fail("UTF-8 answer depends on the split", input);
        }
        [[fallthrough]];
      case Opcode::binary:
        if (h.rsv1) {
          in_compressed_message = true;
          compressed_message.clear();
        }
        if (in_compressed_message) compressed_message += payload;
        if (h.fin && in_compressed_message) {
          check_inflate(compressed_message, max_size, no_context_takeover, input);
          in_compressed_message = false;
        }
        break;
      default:
        break;
    }
  }
}

void check_negotiation(std::string_view offers, std::string_view input) {
  DeflateConfig config;
  const auto accepted = negotiate_deflate(offers, config);
  if (!accepted) return;
  const auto again = negotiate_deflate(accepted->response, config);
  if (!again) fail("our own answer is not an acceptable offer", input);
  const DeflateAgreement &a = accepted->agreement, &b = again->agreement;
  if (a.server_max_window_bits < 9 || a.server_max_window_bits > 15 ||
      a.server_max_window_bits != b.server_max_window_bits ||
      a.server_no_context_takeover != b.server_no_context_takeover ||
      a.client_no_context_takeover != b.client_no_context_takeover) {
    fail("answer re-negotiates to a different agreement", input);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* bytes, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(bytes), size);
  if (input.empty()) return 0;
  const auto flags = static_cast<unsigned char>(input[0]);
  const std::string_view data = input.substr(1);
  const bool allow_rsv1 = flags & 0x01;
  static constexpr std::size_t kMaxSizes[] = {16, 1024, 65536, 1 << 20};
  const std::size_t max_size = kMaxSizes[(flags >> 1) & 0x3];
  const bool no_context_takeover = flags & 0x08;
  const std::size_t cut = flags >> 4;

  check_frames(data, allow_rsv1, cut, max_size, no_context_takeover, input);
  check_inflate(data, max_size, no_context_takeover, input);
  check_negotiation(data, input);
  if (utf8_at_once(data) != utf8_split(data, cut * 7 + data.size() / 2)) {
    fail("UTF-8 answer depends on the split", input);
  }
  return 0;
}
