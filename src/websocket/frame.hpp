// websocket: RFC 6455 framing and handshake pieces shared by the router's WebSocket sessions
// (src/transport) and the client library (src/client): frame headers, masking, close payloads,
// incremental UTF-8 validation of text messages, the Sec-WebSocket-Accept key. Pure functions
// and small value types: no sockets, no allocation on the per-frame path.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace junction::websocket {

enum class Opcode : std::uint8_t {
  continuation = 0x0,
  text = 0x1,
  binary = 0x2,
  close = 0x8,
  ping = 0x9,
  pong = 0xA,
};

inline constexpr bool is_control(Opcode op) {
  return static_cast<std::uint8_t>(op) >= 0x8;
}

// Close status codes we send (RFC 6455 §7.4.1).
namespace close_code {
inline constexpr std::uint16_t normal = 1000;
inline constexpr std::uint16_t going_away = 1001;
inline constexpr std::uint16_t protocol_error = 1002;
inline constexpr std::uint16_t unsupported_data = 1003;
inline constexpr std::uint16_t no_status = 1005;  // never sent: "the close frame had no code"
inline constexpr std::uint16_t invalid_payload = 1007;
inline constexpr std::uint16_t policy_violation = 1008;
inline constexpr std::uint16_t too_big = 1009;
inline constexpr std::uint16_t internal_error = 1011;
}  // namespace close_code

// Largest header: 2 bytes + 8 bytes extended length + 4 bytes masking key.
inline constexpr std::size_t kMaxHeaderSize = 14;
// Largest control frame payload.
inline constexpr std::size_t kMaxControlPayload = 125;

struct FrameHeader {
  bool fin = true;
  bool rsv1 = false;  // permessage-deflate: "this message is compressed" (first frame only)
  Opcode opcode = Opcode::text;
  bool masked = false;
  std::uint32_t mask_key = 0;  // as the 4 bytes appear on the wire (memcpy order)
  std::uint64_t payload_length = 0;
  std::size_t header_size = 0;  // bytes the header takes on the wire (2..14)
};

enum class ParseStatus {
  complete,   // `header` is filled in
  need_more,  // not enough bytes yet for the whole header
  error,      // a protocol error; `error` says which (close with 1002)
};

struct HeaderParse {
  ParseStatus status = ParseStatus::need_more;
  FrameHeader header;
  std::string_view error;  // static text, for ParseStatus::error
};

// Parses the frame header at the start of `data`. Checks what can be checked from the header
// alone: reserved bits (rsv1 allowed only when `allow_rsv1`, i.e. permessage-deflate was agreed,
// and never on control or continuation frames), unknown opcodes, control frames that are
// fragmented or longer than 125 bytes, non-minimal or >2^63 extended lengths. Masking rules
// (clients must mask, servers must not) and fragmentation sequencing are the caller's.
HeaderParse parse_frame_header(std::string_view data, bool allow_rsv1);

// Writes a frame header into `out` and returns its size. `mask_key` present: masked frame
// (client side); the payload must then be masked with apply_mask.
std::size_t write_frame_header(std::array<std::uint8_t, kMaxHeaderSize>& out, Opcode opcode,
                               std::uint64_t payload_length, bool fin = true, bool rsv1 = false,
                               std::optional<std::uint32_t> mask_key = std::nullopt);

// XORs `size` bytes at `data` with `mask_key` (wire order), starting at key byte
// `offset % 4` — so a payload can be unmasked in pieces. Word-at-a-time.
void apply_mask(char* data, std::size_t size, std::uint32_t mask_key, std::size_t offset = 0);

// A close frame's payload: the code (1005 when the payload is empty) and the reason.
struct ClosePayload {
  std::uint16_t code = close_code::no_status;
  std::string_view reason;
};

// nullopt when the payload is not a valid close body: 1 byte long, a code that must not appear
// on the wire (RFC 6455 §7.4: <1000, 1004-1006, 1015, 1016-2999 unassigned), or a reason that is
// not UTF-8.
std::optional<ClosePayload> parse_close_payload(std::string_view payload);

// A close frame's payload for `code` and `reason` (reason cut to fit 125 bytes in all, at a
// UTF-8 character boundary).
std::string make_close_payload(std::uint16_t code, std::string_view reason = {});

// UTF-8 validation fed piece by piece (text messages arrive in fragments, and a character may be
// split between two). Invalid as soon as a byte cannot continue a well-formed sequence.
class Utf8Validator {
 public:
  // false once the bytes so far cannot be the start of valid UTF-8.
  bool feed(std::string_view bytes);
  // true when everything fed is valid and no character is left incomplete.
  bool complete() const { return valid_ && pending_ == 0; }
  void reset() { *this = Utf8Validator{}; }

 private:
  bool valid_ = true;
  std::uint32_t pending_ = 0;  // continuation bytes still expected
  std::uint32_t codepoint_ = 0;
  std::uint32_t min_ = 0;  // smallest code point the current sequence may encode (no overlongs)
};

// Sec-WebSocket-Accept for a client's Sec-WebSocket-Key (base64 of SHA-1 of key + GUID).
std::string accept_key(std::string_view client_key);

// Whether a comma-separated header value (Connection, Upgrade) contains `token`,
// case-insensitively.
bool header_has_token(std::string_view value, std::string_view token);

}  // namespace junction::websocket
