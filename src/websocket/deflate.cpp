// websocket/deflate: permessage-deflate negotiation (RFC 7692 §5, §7.1) and the per-direction
// zlib streams (raw deflate, sync-flushed, 0x00 0x00 0xff 0xff tail stripped/appended, §7.2).
#include "websocket/deflate.hpp"

#include <algorithm>
#include <climits>
#include <cstdint>
#include <cstring>
#include <stdexcept>
#include <vector>

#include <zlib.h>

namespace junction::websocket {

namespace {

constexpr unsigned char kTail[4] = {0x00, 0x00, 0xff, 0xff};

char ascii_lower(char c) {
  return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return ascii_lower(x) == ascii_lower(y);
         });
}

// RFC 7230 tchar.
bool is_tchar(char c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
  return std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

struct Param {
  std::string_view name;
  bool has_value = false;
  std::string value;  // unquoted
};

struct Extension {
  std::string_view name;
  std::vector<Param> params;
  bool malformed = false;
};

// Sec-WebSocket-Extensions (RFC 6455 §9.1): a comma-separated list of `name *(; param[=value])`,
// values a token or a quoted-string. A malformed element is kept (marked) so that only that offer
// is declined; parsing resumes at the next comma outside quotes.
std::vector<Extension> parse_extensions(std::string_view s) {
  std::vector<Extension> out;
  std::size_t i = 0;
  auto ows = [&] {
    while (i < s.size() && (s[i] == ' ' || s[i] == '\t'))
      ++i;
  };
  auto token = [&] {
    const std::size_t begin = i;
    while (i < s.size() && is_tchar(s[i]))
      ++i;
    return s.substr(begin, i - begin);
  };
  auto skip_to_comma = [&] {
    bool quoted = false;
    for (; i < s.size(); ++i) {
      const char c = s[i];
      if (quoted) {
        if (c == '\\') {
          ++i;
        } else if (c == '"') {
          quoted = false;
        }
      } else if (c == '"') {
        quoted = true;
      } else if (c == ',') {
        break;
      }
    }
  };
  while (true) {
    ows();
    if (i >= s.size()) break;
    if (s[i] == ',') {  // empty list element, allowed by the HTTP list rule
      ++i;
      continue;
    }
    Extension ext;
    ext.name = token();
    bool ok = !ext.name.empty();
    while (ok) {
      ows();
      if (i == s.size() || s[i] == ',') break;
      if (s[i] != ';') {
        ok = false;
        break;
      }
      ++i;
      ows();
      Param param;
      param.name = token();
      if (param.name.empty()) {
        ok = false;
        break;
      }
      ows();
      if (i < s.size() && s[i] == '=') {
        ++i;
        ows();
        param.has_value = true;
        if (i < s.size() && s[i] == '"') {
          ++i;
          bool closed = false;
          while (i < s.size()) {
            const char c = s[i++];
            if (c == '"') {
              closed = true;
              break;
            }
            if (c == '\\') {
              if (i == s.size()) break;
              param.value.push_back(s[i++]);
            } else {
              param.value.push_back(c);
            }
          }
          if (!closed) ok = false;
        } else {
          const std::string_view value = token();
          if (value.empty()) ok = false;
          param.value = value;
        }
      }
      if (ok) ext.params.push_back(std::move(param));
    }
    if (!ok) {
      ext.malformed = true;
      skip_to_comma();
    }
    out.push_back(std::move(ext));
    if (i < s.size()) ++i;  // the comma
  }
  return out;
}

// A window-bits value: decimal 8..15 without leading zeros (RFC 7692 §7.1.2.1).
std::optional<int> parse_window_bits(const std::string& value) {
  if (value.empty() || value.size() > 2 || value[0] == '0') return std::nullopt;
  int bits = 0;
  for (char c : value) {
    if (c < '0' || c > '9') return std::nullopt;
    bits = bits * 10 + (c - '0');
  }
  if (bits < 8 || bits > 15) return std::nullopt;
  return bits;
}

std::optional<DeflateNegotiation> accept_offer(const Extension& offer,
                                               const DeflateConfig& config) {
  if (offer.malformed) return std::nullopt;
  bool server_nct = false, client_nct = false;
  bool has_server_bits = false, has_client_bits = false;
  int server_bits = 15;
  for (const Param& p : offer.params) {
    if (iequals(p.name, "server_no_context_takeover")) {
      if (server_nct || p.has_value) return std::nullopt;
      server_nct = true;
    } else if (iequals(p.name, "client_no_context_takeover")) {
      if (client_nct || p.has_value) return std::nullopt;
      client_nct = true;
    } else if (iequals(p.name, "server_max_window_bits")) {
      if (has_server_bits || !p.has_value) return std::nullopt;
      const auto bits = parse_window_bits(p.value);
      if (!bits) return std::nullopt;
      has_server_bits = true;
      server_bits = *bits;
    } else if (iequals(p.name, "client_max_window_bits")) {
      if (has_client_bits) return std::nullopt;
      has_client_bits = true;
      if (p.has_value && !parse_window_bits(p.value)) return std::nullopt;
    } else {
      return std::nullopt;  // RFC 7692 §7.1: unknown parameter -> decline this offer
    }
  }
  // zlib cannot produce raw deflate with a 256-byte window, and answering 9 to a request for 8
  // would break the agreement (the reply must be "the same or smaller", §7.1.2.1). Declining lets
  // the client's next offer (typically one without the limit) win.
  if (has_server_bits && server_bits < 9) return std::nullopt;

  const int our_bits = std::clamp(config.max_window_bits, 9, 15);
  DeflateNegotiation result;
  DeflateAgreement& a = result.agreement;
  a.server_no_context_takeover = server_nct || config.no_context_takeover;
  a.client_no_context_takeover = client_nct;
  a.server_max_window_bits = std::min(server_bits, our_bits);
  // client_max_window_bits is never answered (§7.1.2.2 makes that optional). Without an answer
  // the client may use a window of up to 15 bits whatever it offered, so that is what we agree to
  // inflate with; it also covers zlib-based clients whose "8" really is 9.
  a.client_max_window_bits = 15;

  result.response = "permessage-deflate";
  if (a.server_no_context_takeover) result.response += "; server_no_context_takeover";
  if (a.client_no_context_takeover) result.response += "; client_no_context_takeover";
  if (has_server_bits || our_bits < 15) {
    result.response += "; server_max_window_bits=" + std::to_string(a.server_max_window_bits);
  }
  return result;
}

uInt clamp_uint(std::size_t n) {
  return static_cast<uInt>(std::min<std::size_t>(n, UINT_MAX));
}

// Feeds a message to a z_stream in pieces of at most UINT_MAX bytes (avail_in is an uInt).
class Input {
 public:
  explicit Input(std::string_view data) : rest_(data) {}
  void refill(z_stream& strm) {
    if (strm.avail_in != 0 || rest_.empty()) return;
    const uInt n = clamp_uint(rest_.size());
    strm.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(rest_.data()));
    strm.avail_in = n;
    rest_.remove_prefix(n);
  }
  // Whether the last piece has been handed over (it may not be consumed yet).
  bool last_piece() const { return rest_.empty(); }
  bool done(const z_stream& strm) const { return rest_.empty() && strm.avail_in == 0; }

 private:
  std::string_view rest_;
};

// Resizes `out` to `size`, allocating exactly `size` when it must grow. std::string's own growth
// at least doubles the capacity, which would let a message near max_size allocate twice that.
void grow_exactly(std::string& out, std::size_t size) {
  if (size > out.capacity()) {
    std::string bigger;
    bigger.reserve(size);
    bigger.append(out);
    out.swap(bigger);
  }
  out.resize(size);
}

[[noreturn]] void zlib_failure(const char* what, const z_stream& strm, int code) {
  throw std::runtime_error(std::string(what) + ": " +
                           (strm.msg != nullptr ? strm.msg : zError(code)));
}

}  // namespace

std::optional<DeflateNegotiation> negotiate_deflate(std::string_view offers,
                                                    const DeflateConfig& config) {
  for (const Extension& ext : parse_extensions(offers)) {
    if (!iequals(ext.name, "permessage-deflate")) continue;
    if (auto accepted = accept_offer(ext, config)) return accepted;
  }
  return std::nullopt;
}

struct Deflater::State {
  z_stream strm{};
};

Deflater::Deflater(int window_bits, int memory_level, int level, bool no_context_takeover)
    : state_(std::make_unique<State>()), no_context_takeover_(no_context_takeover) {
  // zlib refuses raw deflate with an 8-bit window. A Huffman-only stream has no back-references
  // at all, so it honours any window; that is how a window of 8 is kept honest.
  int strategy = Z_DEFAULT_STRATEGY;
  if (window_bits == 8) {
    window_bits = 9;
    strategy = Z_HUFFMAN_ONLY;
  }
  const int rc =
      deflateInit2(&state_->strm, level, Z_DEFLATED, -window_bits, memory_level, strategy);
  if (rc != Z_OK) zlib_failure("deflateInit2", state_->strm, rc);
}

Deflater::~Deflater() {
  deflateEnd(&state_->strm);
}

void Deflater::compress(std::string_view message, std::string& out) {
  z_stream& strm = state_->strm;
  // Sync flush appends an empty stored block (6 bytes at most with its header); the bound plus a
  // little covers a whole message in one deflate() call in practice.
  out.resize(deflateBound(&strm, static_cast<uLong>(message.size())) + 16);
  Input input(message);
  strm.avail_in = 0;
  std::size_t produced = 0;
  while (true) {
    input.refill(strm);
    strm.next_out = reinterpret_cast<Bytef*>(out.data() + produced);
    strm.avail_out = clamp_uint(out.size() - produced);
    const int rc = deflate(&strm, input.last_piece() ? Z_SYNC_FLUSH : Z_NO_FLUSH);
    if (rc != Z_OK && rc != Z_BUF_ERROR) zlib_failure("deflate", strm, rc);
    produced = static_cast<std::size_t>(reinterpret_cast<char*>(strm.next_out) - out.data());
    // Done once all input is taken and deflate() had output space left over (zlib's rule for
    // knowing a flush is complete).
    if (input.done(strm) && strm.avail_out != 0) break;
    if (produced == out.size()) out.resize(out.size() * 2);
  }
  out.resize(produced);
  // A sync flush always ends with the empty stored block's 00 00 ff ff; RFC 7692 §7.2.1 drops it.
  if (out.size() >= 4 && std::memcmp(out.data() + out.size() - 4, kTail, 4) == 0) {
    out.resize(out.size() - 4);
  }
  if (no_context_takeover_) deflateReset(&strm);
}

struct Inflater::State {
  z_stream strm{};
  // The message being inflated (begin() .. step() returning anything but `more`).
  std::string_view rest;  // input not yet handed to zlib
  std::string* out = nullptr;
  InflateLimits limits;
  std::size_t limit = 0;     // max_size + 1: zlib filling that byte tells us it is too big
  std::size_t produced = 0;  // bytes of *out written
  uLong total_in_at_begin = 0;
  bool tail_fed = false;
  bool empty_message = false;
};

Inflater::Inflater(int window_bits, bool no_context_takeover)
    : state_(std::make_unique<State>()), no_context_takeover_(no_context_takeover) {
  const int rc = inflateInit2(&state_->strm, -window_bits);
  if (rc != Z_OK) zlib_failure("inflateInit2", state_->strm, rc);
}

Inflater::~Inflater() {
  inflateEnd(&state_->strm);
}

bool Inflater::decompress(std::string_view message, std::string& out, std::size_t max_size,
                          std::string& error, bool& too_big) {
  InflateLimits limits;
  limits.max_size = max_size;
  begin(message, out, limits);
  Status status;
  do {
    status = step(SIZE_MAX, error);
  } while (status == Status::more);
  too_big = status == Status::too_big;
  return status == Status::done;
}

void Inflater::begin(std::string_view message, std::string& out, const InflateLimits& limits) {
  State& st = *state_;
  out.clear();
  st.out = &out;
  st.rest = message;
  st.limits = limits;
  // One byte of room past max_size: zlib filling it is how we learn the message is too big,
  // without ever holding more than max_size + 1 bytes of output.
  st.limit = limits.max_size == SIZE_MAX ? limits.max_size : limits.max_size + 1;
  st.produced = 0;
  st.tail_fed = false;
  st.empty_message = message.empty();
  st.strm.avail_in = 0;  // a message that ended in a final block may have left input unread
  st.total_in_at_begin = st.strm.total_in;
}

Inflater::Status Inflater::step(std::size_t output_budget, std::string& error) {
  State& st = *state_;
  z_stream& strm = st.strm;
  std::string& out = *st.out;
  // An empty payload carries no deflate data at all (not even the flush block); appending the
  // tail to it would leave the stream in the middle of a stored block. It is an empty message.
  if (st.empty_message) return Status::done;
  constexpr std::size_t kChunk = 16 * 1024;
  // Output is handed to zlib in pieces of at most this much, so the limits are checked often.
  constexpr std::size_t kCheckEvery = 64 * 1024;
  const std::size_t stop_at =
      output_budget >= SIZE_MAX - st.produced ? SIZE_MAX : st.produced + output_budget;

  auto fail = [&](Status status, std::string why) {
    // The stream is mid-message and useless for the next one; the connection is closed anyway,
    // but leave the object in a sane state.
    inflateReset(&strm);
    out.clear();
    error = std::move(why);
    return status;
  };
  auto too_big = [&] {
    return fail(Status::too_big, "decompressed message larger than " +
                                     std::to_string(st.limits.max_size) + " bytes");
  };

  while (true) {
    if (strm.avail_in == 0 && !st.rest.empty()) {
      const uInt n = clamp_uint(st.rest.size());
      strm.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(st.rest.data()));
      strm.avail_in = n;
      st.rest.remove_prefix(n);
    }
    if (st.rest.empty() && strm.avail_in == 0 && !st.tail_fed) {
      strm.next_in = const_cast<Bytef*>(kTail);
      strm.avail_in = sizeof kTail;
      st.tail_fed = true;
    }
    if (st.produced == out.size()) {
      if (out.size() >= st.limit) return too_big();
      const std::size_t first = std::max(kChunk, (st.rest.size() + strm.avail_in) * 4);
      grow_exactly(
          out, std::min(st.limit, out.empty() ? first : out.size() + std::max(kChunk, out.size())));
    }
    strm.next_out = reinterpret_cast<Bytef*>(out.data() + st.produced);
    std::size_t room = std::min(out.size() - st.produced, kCheckEvery);
    if (st.limits.max_ratio != 0) {
      // Never more output than the ratio bound allows for the input consumed so far (plus one
      // byte, to learn that it was passed): a bomb stops right at the bound.
      const std::size_t consumed = static_cast<std::size_t>(strm.total_in - st.total_in_at_begin);
      const std::size_t allowed =
          std::max(st.limits.ratio_free_bytes, consumed * st.limits.max_ratio) + 1;
      if (allowed > st.produced)
        room = std::min(room, std::max<std::size_t>(allowed - st.produced, 4096));
    }
    strm.avail_out = clamp_uint(room);
    const int rc = inflate(&strm, Z_SYNC_FLUSH);
    st.produced = static_cast<std::size_t>(reinterpret_cast<char*>(strm.next_out) - out.data());
    if (st.produced > st.limits.max_size) return too_big();
    if (st.limits.max_ratio != 0 && st.produced > st.limits.ratio_free_bytes) {
      const std::size_t consumed = static_cast<std::size_t>(strm.total_in - st.total_in_at_begin);
      if (st.produced / st.limits.max_ratio > consumed) {
        return fail(Status::too_big,
                    "compression ratio above " + std::to_string(st.limits.max_ratio) + ":1 (" +
                        std::to_string(consumed) + " bytes inflated to more than " +
                        std::to_string(st.produced) + ")");
      }
    }
    if (rc == Z_STREAM_END) {
      // The peer ended its deflate stream (a BFINAL block, RFC 7692 §7.2.3.5); whatever follows
      // it, including our tail, is not deflate data. Start a new stream for the next message,
      // keeping the window when context takeover is on.
      if (no_context_takeover_) {
        inflateReset(&strm);
      } else {
        std::vector<Bytef> window(32 * 1024);
        uInt size = 0;
        inflateGetDictionary(&strm, window.data(), &size);
        inflateReset(&strm);
        if (size > 0) inflateSetDictionary(&strm, window.data(), size);
      }
      break;
    }
    if (rc != Z_OK && rc != Z_BUF_ERROR) {
      return fail(Status::invalid, std::string("invalid compressed data: ") +
                                       (strm.msg != nullptr ? strm.msg : zError(rc)));
    }
    if (st.tail_fed && strm.avail_in == 0 && strm.avail_out != 0) {
      // All input consumed and all output flushed. A well-formed message ends exactly at a block
      // boundary once the tail is added (the tail completes the sender's empty stored block);
      // anything else means the data was cut or is not what the sender flushed.
      if ((strm.data_type & 128) == 0) {
        return fail(Status::invalid,
                    "invalid compressed data: message does not end at a block boundary");
      }
      if (no_context_takeover_) inflateReset(&strm);
      break;
    }
    if (rc == Z_BUF_ERROR && strm.avail_out != 0 && strm.avail_in != 0) {
      return fail(Status::invalid, "invalid compressed data: inflate made no progress");
    }
    if (st.produced >= stop_at) return Status::more;
  }
  out.resize(st.produced);
  return Status::done;
}

}  // namespace junction::websocket
