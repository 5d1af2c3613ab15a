// websocket/deflate: permessage-deflate (RFC 7692) — negotiating it from a client's offers, and
// compressing/decompressing whole messages with zlib (raw deflate, the 0x00 0x00 0xff 0xff tail
// removed/added as the RFC says). Context takeover is kept per direction unless agreed otherwise.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace junction::websocket {

// What the server is willing to do (Crossbar's "compression": {"deflate": {...}}).
struct DeflateConfig {
  int max_window_bits = 15;          // largest server_max_window_bits we use, 9..15
  int memory_level = 8;              // zlib memLevel 1..9
  bool no_context_takeover = false;  // we reset our compressor after every message
  int level = 6;                     // zlib compression level
};

// What was agreed for one connection (server's point of view: "server_*" is what we send).
struct DeflateAgreement {
  bool server_no_context_takeover = false;
  bool client_no_context_takeover = false;
  int server_max_window_bits = 15;  // 9..15 (offers demanding 8 are declined: zlib cannot do 8)
  int client_max_window_bits = 15;  // 15: never restricted (inflating with 15 is always safe)
};

struct DeflateNegotiation {
  DeflateAgreement agreement;
  std::string response;  // the Sec-WebSocket-Extensions value to answer with
};

// Server side: the first acceptable permessage-deflate offer among `offers` (every
// Sec-WebSocket-Extensions value of the request, comma-joined), or nullopt when there is none
// (unknown extensions are ignored; an offer with unknown or malformed parameters is declined, as
// RFC 7692 §5 says).
std::optional<DeflateNegotiation> negotiate_deflate(std::string_view offers,
                                                    const DeflateConfig& config);

// Compresses whole messages for one connection direction.
class Deflater {
 public:
  Deflater(int window_bits, int memory_level, int level, bool no_context_takeover);
  ~Deflater();
  Deflater(const Deflater&) = delete;
  Deflater& operator=(const Deflater&) = delete;
  // Replaces `out` with the compressed form of `message` (without the 4-byte tail). Throws
  // std::runtime_error only on a zlib failure (out of memory).
  void compress(std::string_view message, std::string& out);

 private:
  struct State;
  std::unique_ptr<State> state_;
  bool no_context_takeover_;
};

// What one message may inflate to. Decompression stops at the first byte past `max_size`, and
// as soon as the output passes `ratio_free_bytes` while being more than `max_ratio` times the
// compressed input consumed so far (a compression bomb: deflate reaches about 1030:1, honest
// WAMP traffic rarely 50:1). Both are checked as the output grows, never after the fact, so a
// bomb costs at most about ratio_free_bytes of inflation whatever it would expand to.
struct InflateLimits {
  std::size_t max_size = SIZE_MAX;
  std::size_t max_ratio = 0;  // 0: no ratio bound
  std::size_t ratio_free_bytes = 64 * 1024;
};

// Decompresses whole messages for one connection direction.
class Inflater {
 public:
  Inflater(int window_bits, bool no_context_takeover);
  ~Inflater();
  Inflater(const Inflater&) = delete;
  Inflater& operator=(const Inflater&) = delete;
  // Replaces `out` with the decompressed `message` (a whole message: its frames' payloads
  // concatenated). Returns false with `error` set when the data is not valid deflate or would
  // decompress to more than `max_size` bytes (`too_big` then true: close 1009, else 1007).
  bool decompress(std::string_view message, std::string& out, std::size_t max_size,
                  std::string& error, bool& too_big);

  // The same in steps, so that a big message does not hold its thread for long: begin(), then
  // step() until it returns something else than `more`. `message` and `out` must stay alive and
  // untouched until then. `too_big` covers both max_size and the ratio bound (close 1009);
  // `invalid` is data that is not deflate (1007). After too_big/invalid the stream is reset.
  enum class Status { done, more, too_big, invalid };
  void begin(std::string_view message, std::string& out, const InflateLimits& limits);
  // Inflates up to about `output_budget` more bytes (at least one zlib call).
  Status step(std::size_t output_budget, std::string& error);

 private:
  struct State;
  std::unique_ptr<State> state_;
  bool no_context_takeover_;
};

}  // namespace junction::websocket
