// websocket/frame: RFC 6455 frame headers, masking, close payloads, UTF-8 validation and the
// handshake helpers (accept key, header tokens).
#include "websocket/frame.hpp"

#include <algorithm>
#include <cstring>

#include <boost/beast/core/detail/base64.hpp>
#include <boost/beast/core/detail/sha1.hpp>

namespace junction::websocket {

namespace {

constexpr std::uint64_t kHighBits = 0x8080808080808080ULL;

bool known_opcode(unsigned op) {
  return op <= 0x2 || (op >= 0x8 && op <= 0xA);
}

HeaderParse parse_error(std::string_view why) {
  HeaderParse result;
  result.status = ParseStatus::error;
  result.error = why;
  return result;
}

char ascii_lower(char c) {
  return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

}  // namespace

HeaderParse parse_frame_header(std::string_view data, bool allow_rsv1) {
  HeaderParse result;
  const auto* p = reinterpret_cast<const unsigned char*>(data.data());
  const std::size_t avail = data.size();
  if (avail < 1) return result;

  // Everything byte 0 can tell is checked before waiting for more: a peer sending garbage is
  // failed at its first byte, not after we have buffered the rest of a bogus header.
  FrameHeader& h = result.header;
  h.fin = (p[0] & 0x80) != 0;
  h.rsv1 = (p[0] & 0x40) != 0;
  const unsigned op = p[0] & 0x0F;
  if ((p[0] & 0x30) != 0) return parse_error("reserved bits set");
  if (!known_opcode(op)) return parse_error("unknown opcode");
  h.opcode = static_cast<Opcode>(op);
  const bool control = is_control(h.opcode);
  if (h.rsv1 && (!allow_rsv1 || control || h.opcode == Opcode::continuation)) {
    return parse_error(allow_rsv1 ? "rsv1 set on a control or continuation frame"
                                  : "reserved bits set");
  }
  if (control && !h.fin) return parse_error("fragmented control frame");
  if (avail < 2) return result;

  h.masked = (p[1] & 0x80) != 0;
  const unsigned len7 = p[1] & 0x7F;
  if (control && len7 > kMaxControlPayload) return parse_error("control frame too long");
  std::size_t size = 2;
  if (len7 == 126) {
    if (avail < 4) return result;
    h.payload_length = (std::uint64_t{p[2]} << 8) | p[3];
    if (h.payload_length < 126) return parse_error("non-minimal payload length");
    size = 4;
  } else if (len7 == 127) {
    if (avail < 10) return result;
    if ((p[2] & 0x80) != 0) return parse_error("payload length over 2^63");
    std::uint64_t len = 0;
    for (int i = 0; i < 8; ++i)
      len = (len << 8) | p[2 + i];
    if (len <= 0xFFFF) return parse_error("non-minimal payload length");
    h.payload_length = len;
    size = 10;
  } else {
    h.payload_length = len7;
  }
  if (h.masked) {
    if (avail < size + 4) return result;
    std::memcpy(&h.mask_key, p + size, 4);
    size += 4;
  }
  h.header_size = size;
  result.status = ParseStatus::complete;
  return result;
}

std::size_t write_frame_header(std::array<std::uint8_t, kMaxHeaderSize>& out, Opcode opcode,
                               std::uint64_t payload_length, bool fin, bool rsv1,
                               std::optional<std::uint32_t> mask_key) {
  std::size_t n = 0;
  out[n++] = static_cast<std::uint8_t>((fin ? 0x80 : 0) | (rsv1 ? 0x40 : 0) |
                                       static_cast<std::uint8_t>(opcode));
  const std::uint8_t mask_bit = mask_key ? 0x80 : 0;
  if (payload_length < 126) {
    out[n++] = static_cast<std::uint8_t>(mask_bit | payload_length);
  } else if (payload_length <= 0xFFFF) {
    out[n++] = mask_bit | 126;
    out[n++] = static_cast<std::uint8_t>(payload_length >> 8);
    out[n++] = static_cast<std::uint8_t>(payload_length);
  } else {
    out[n++] = mask_bit | 127;
    for (int i = 7; i >= 0; --i)
      out[n++] = static_cast<std::uint8_t>(payload_length >> (8 * i));
  }
  if (mask_key) {
    std::memcpy(out.data() + n, &*mask_key, 4);
    n += 4;
  }
  return n;
}

void apply_mask(char* data, std::size_t size, std::uint32_t mask_key, std::size_t offset) {
  // Rotate the key so that its byte `offset % 4` lines up with data[0]; building the 8-byte key
  // byte by byte keeps this independent of the host's byte order.
  unsigned char key[4];
  std::memcpy(key, &mask_key, 4);
  unsigned char key8_bytes[8];
  for (std::size_t i = 0; i < 8; ++i)
    key8_bytes[i] = key[(offset + i) % 4];
  std::uint64_t key8;
  std::memcpy(&key8, key8_bytes, 8);

  std::size_t i = 0;
  // Two words per iteration: the compiler turns this into vector XORs, and memcpy keeps the
  // unaligned loads well-defined.
  for (; i + 16 <= size; i += 16) {
    std::uint64_t a, b;
    std::memcpy(&a, data + i, 8);
    std::memcpy(&b, data + i + 8, 8);
    a ^= key8;
    b ^= key8;
    std::memcpy(data + i, &a, 8);
    std::memcpy(data + i + 8, &b, 8);
  }
  for (; i + 8 <= size; i += 8) {
    std::uint64_t a;
    std::memcpy(&a, data + i, 8);
    a ^= key8;
    std::memcpy(data + i, &a, 8);
  }
  for (; i < size; ++i)
    data[i] = static_cast<char>(data[i] ^ key8_bytes[i % 8]);
}

namespace {

// RFC 6455 §7.4: the codes a peer may put on the wire. 1012-1014 are IANA-registered (service
// restart, try again later, bad gateway); 1004, 1005, 1006 and 1015 are reserved or local-only.
bool valid_wire_close_code(std::uint16_t code) {
  return (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1014) ||
         (code >= 3000 && code <= 4999);
}

bool is_utf8(std::string_view text) {
  Utf8Validator v;
  return v.feed(text) && v.complete();
}

// The longest prefix of `text` of at most `limit` bytes that is whole, valid UTF-8 characters.
std::string_view utf8_prefix(std::string_view text, std::size_t limit) {
  Utf8Validator v;
  std::size_t good = 0;
  for (std::size_t i = 0; i < text.size() && i < limit; ++i) {
    if (!v.feed(text.substr(i, 1))) break;
    if (v.complete()) good = i + 1;
  }
  return text.substr(0, good);
}

}  // namespace

std::optional<ClosePayload> parse_close_payload(std::string_view payload) {
  if (payload.empty()) return ClosePayload{};
  if (payload.size() == 1) return std::nullopt;
  const auto code = static_cast<std::uint16_t>((static_cast<unsigned char>(payload[0]) << 8) |
                                               static_cast<unsigned char>(payload[1]));
  if (!valid_wire_close_code(code)) return std::nullopt;
  const std::string_view reason = payload.substr(2);
  if (!is_utf8(reason)) return std::nullopt;
  return ClosePayload{code, reason};
}

std::string make_close_payload(std::uint16_t code, std::string_view reason) {
  // 1005 means "no code": RFC 6455 forbids sending it, so its close frame has an empty body.
  if (code == close_code::no_status) return {};
  std::string out;
  out.push_back(static_cast<char>(code >> 8));
  out.push_back(static_cast<char>(code & 0xFF));
  // Cut at a character boundary (and drop anything invalid) so the peer's UTF-8 check passes.
  out.append(utf8_prefix(reason, kMaxControlPayload - 2));
  return out;
}

bool Utf8Validator::feed(std::string_view bytes) {
  if (!valid_) return false;
  const auto* p = reinterpret_cast<const unsigned char*>(bytes.data());
  const std::size_t n = bytes.size();
  std::size_t i = 0;
  while (i < n) {
    if (pending_ == 0) {
      // ASCII fast path: whole words with no high bit set.
      while (i + 8 <= n) {
        std::uint64_t word;
        std::memcpy(&word, p + i, 8);
        if ((word & kHighBits) != 0) break;
        i += 8;
      }
      while (i < n && p[i] < 0x80)
        ++i;
      if (i == n) break;
      const unsigned char b = p[i++];
      if (b >= 0xC0 && b <= 0xDF) {
        pending_ = 1;
        codepoint_ = b & 0x1F;
        min_ = 0x80;
      } else if (b >= 0xE0 && b <= 0xEF) {
        pending_ = 2;
        codepoint_ = b & 0x0F;
        min_ = 0x800;
      } else if (b >= 0xF0 && b <= 0xF7) {
        pending_ = 3;
        codepoint_ = b & 0x07;
        min_ = 0x10000;
      } else {  // a stray continuation byte, or 0xF8..0xFF
        valid_ = false;
        return false;
      }
    } else {
      const unsigned char b = p[i++];
      if ((b & 0xC0) != 0x80) {
        valid_ = false;
        return false;
      }
      codepoint_ = (codepoint_ << 6) | (b & 0x3F);
      --pending_;
    }
    // The code points this sequence can still end as: [lo, hi]. Rejecting as soon as that range
    // holds nothing valid fails overlongs (C0, E0 80), surrogates (ED A0) and > U+10FFFF (F4 90,
    // F5) at the first byte that proves it, not at the end of the character.
    const unsigned shift = 6 * pending_;
    const std::uint32_t lo = codepoint_ << shift;
    const std::uint32_t hi = lo | ((1u << shift) - 1);
    if (hi < min_ || lo > 0x10FFFF || (lo >= 0xD800 && hi <= 0xDFFF)) {
      valid_ = false;
      return false;
    }
  }
  return true;
}

std::string accept_key(std::string_view client_key) {
  namespace detail = boost::beast::detail;
  static constexpr std::string_view kGuid = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
  detail::sha1_context ctx;
  detail::init(ctx);
  // Beast's sha1 update memcpy()s even zero bytes, and an empty string_view's data() may be null
  // (undefined behaviour that UBSan reports): skip the empty key's update, the digest is the same.
  if (!client_key.empty()) detail::update(ctx, client_key.data(), client_key.size());
  detail::update(ctx, kGuid.data(), kGuid.size());
  unsigned char digest[detail::sha1_context::digest_size];
  detail::finish(ctx, digest);
  std::string out(detail::base64::encoded_size(sizeof digest), '\0');
  out.resize(detail::base64::encode(out.data(), digest, sizeof digest));
  return out;
}

bool header_has_token(std::string_view value, std::string_view token) {
  std::size_t pos = 0;
  while (pos <= value.size()) {
    std::size_t end = value.find(',', pos);
    if (end == std::string_view::npos) end = value.size();
    std::string_view item = value.substr(pos, end - pos);
    while (!item.empty() && (item.front() == ' ' || item.front() == '\t'))
      item.remove_prefix(1);
    while (!item.empty() && (item.back() == ' ' || item.back() == '\t'))
      item.remove_suffix(1);
    if (item.size() == token.size() &&
        std::equal(item.begin(), item.end(), token.begin(),
                   [](char a, char b) { return ascii_lower(a) == ascii_lower(b); })) {
      return true;
    }
    pos = end + 1;
  }
  return false;
}

}  // namespace junction::websocket
