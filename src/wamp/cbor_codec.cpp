// wamp/cbor_codec: the "wamp.2.cbor" serializer (RFC 8949) — CBOR's token reader and writer;
// everything else (values, the WAMP envelope, raw payload spans) is shared (binary_codec.hpp).
//
// Input: definite and indefinite lengths (indefinite strings are joined from their chunks);
// half, single and double floats (widened to float64); negative integers down to INT64_MIN
// (below that: refused); false/true/null, and `undefined` (binary_codec.hpp: an absent key in
// Options/Details and in dicts built for transcoding, null elsewhere). Tags are accepted and
// ignored — the tagged item is taken as it is (a cbor2 datetime arrives as its string or number):
// WAMP has no types to map them to, and refusing them would drop a whole message over an
// annotation. Other simple values are refused with a reason.
// Output: definite lengths, the shortest head for every integer and length, floats as float64
// (what cbor2 and node-cbor write by default), binary as a byte string (major type 2).
#include "wamp/binary_codec.hpp"

#include <cmath>

namespace junction::wamp {
namespace {

enum Major : std::uint8_t { kUint, kNegative, kBytes, kText, kArray, kMap, kTag, kSimple };
constexpr std::uint8_t kBreak = 0xFF;
constexpr std::uint8_t kIndefinite = 31;

double half_to_double(std::uint16_t half) {
  const int exponent = half >> 10 & 0x1F;
  const int mantissa = half & 0x3FF;
  double value = 0;
  if (exponent == 0) {
    value = std::ldexp(mantissa, -24);
  } else if (exponent != 31) {
    value = std::ldexp(mantissa + 1024, exponent - 25);
  } else {
    value = mantissa == 0 ? INFINITY : NAN;
  }
  return half & 0x8000 ? -value : value;
}

class CborReader : public ByteCursor {
 public:
  explicit CborReader(std::string_view in) : ByteCursor(in, "CBOR") {}

  bool read_head(Head& h, const Frame* /*parent*/) {
    using K = Head::Kind;
    std::uint8_t ib = 0;
    std::uint64_t arg = 0;
    // Tags are skipped (see the top of the file); each takes at least one byte, so this ends.
    do {
      if (!byte(ib)) return false;
      if (!argument(ib, arg)) return false;
    } while (ib >> 5 == kTag);
    const bool indefinite = (ib & 0x1F) == kIndefinite;
    switch (ib >> 5) {
      case kUint:
        if (arg > static_cast<std::uint64_t>(INT64_MAX)) {
          h.kind = K::uint64;
          h.u = arg;
        } else {
          h.kind = K::int64;
          h.i = static_cast<std::int64_t>(arg);
        }
        return true;
      case kNegative:
        if (arg > static_cast<std::uint64_t>(INT64_MAX)) {
          return fail_at_head("negative integer below -2^63");
        }
        h.kind = K::int64;
        h.i = -1 - static_cast<std::int64_t>(arg);
        return true;
      case kBytes:
      case kText:
        h.kind = ib >> 5 == kBytes ? K::binary : K::string;
        if (indefinite) return chunks(ib >> 5, h.bytes);
        return take(arg, h.bytes);
      case kArray:
      case kMap:
        h.kind = ib >> 5 == kArray ? K::list : K::dict;
        h.frame = Frame{indefinite, indefinite ? 0 : arg, 0};
        return indefinite || check_count(arg);
      default:
        return simple(ib, arg, h);
    }
  }

  bool end_of_indefinite(const Frame&, bool& done) {
    std::uint8_t b = 0;
    if (!peek_byte(b)) return truncated();
    done = b == kBreak;
    if (done) seek(pos() + 1);
    return true;
  }

  bool read_key(std::string_view& key, const Frame& dict) {
    const char* start = pos();
    Head h;
    if (!read_head(h, &dict)) return false;
    if (h.kind != Head::Kind::string) {
      seek(start);
      return fail("dict keys must be text strings");
    }
    key = h.bytes;
    return true;
  }

 private:
  bool fail_at_head(std::string_view what) {
    seek(head_);
    return fail(what);
  }

  // The argument of the initial byte `ib` (count, length, value or float bits).
  bool argument(std::uint8_t ib, std::uint64_t& arg) {
    head_ = pos() - 1;
    const std::uint8_t info = ib & 0x1F;
    if (info < 24) {
      arg = info;
      return true;
    }
    switch (info) {
      case 24: {
        std::uint8_t v = 0;
        if (!byte(v)) return false;
        arg = v;
        return true;
      }
      case 25: {
        std::uint16_t v = 0;
        if (!big_endian(v)) return false;
        arg = v;
        return true;
      }
      case 26: {
        std::uint32_t v = 0;
        if (!big_endian(v)) return false;
        arg = v;
        return true;
      }
      case 27:
        return big_endian(arg);
      case kIndefinite: {
        const std::uint8_t major = ib >> 5;
        if (major == kBytes || major == kText || major == kArray || major == kMap) return true;
        return fail_at_head(major == kSimple ? "break outside an indefinite-length item"
                                             : "indefinite length not allowed here");
      }
      default:
        return fail_at_head("reserved additional information (28..30)");
    }
  }

  // An indefinite-length string: definite chunks of the same major type, up to a break.
  bool chunks(std::uint8_t major, std::string_view& out) {
    scratch_.clear();
    while (true) {
      std::uint8_t ib = 0;
      if (!byte(ib)) return false;
      if (ib == kBreak) break;
      std::uint64_t n = 0;
      if (ib >> 5 != major || (ib & 0x1F) == kIndefinite) {
        return fail_at_chunk("string chunk of another type");
      }
      std::string_view chunk;
      if (!argument(ib, n) || !take(n, chunk)) return false;
      scratch_ += chunk;
    }
    out = scratch_;
    return true;
  }
  bool fail_at_chunk(std::string_view what) {
    seek(pos() - 1);
    return fail(what);
  }

  bool simple(std::uint8_t ib, std::uint64_t arg, Head& h) {
    using K = Head::Kind;
    switch (ib & 0x1F) {
      case 20:
      case 21:
        h.kind = K::boolean;
        h.boolean = (ib & 0x1F) == 21;
        return true;
      case 22:
        h.kind = K::null;
        return true;
      case 23:
        h.kind = K::undefined;
        return true;
      case 25:
        h.kind = K::float64;
        h.d = half_to_double(static_cast<std::uint16_t>(arg));
        return true;
      case 26:
        h.kind = K::float64;
        h.d = float_from_bits(static_cast<std::uint32_t>(arg));
        return true;
      case 27:
        h.kind = K::float64;
        h.d = double_from_bits(arg);
        return true;
      default:
        return fail_at_head("unsupported simple value");
    }
  }

  const char* head_ = nullptr;  // where the item being read starts (for error offsets)
  std::string scratch_;         // joined chunks of an indefinite-length string
};

class CborWriter {
 public:
  explicit CborWriter(std::string& out) : out_(out) {}

  void null() { out_ += '\xF6'; }
  void boolean(bool b) { out_ += b ? '\xF5' : '\xF4'; }
  void int64(std::int64_t i) {
    if (i >= 0) {
      head(kUint, static_cast<std::uint64_t>(i));
    } else {
      head(kNegative, ~static_cast<std::uint64_t>(i));  // -1 - i, without overflow
    }
  }
  void uint64(std::uint64_t u) { head(kUint, u); }
  void float64(double d) {
    out_ += '\xFB';
    append_big_endian(bits_of(d), 8, out_);
  }
  void string(std::string_view s) {
    head(kText, s.size());
    out_ += s;
  }
  void binary(std::string_view s) {
    head(kBytes, s.size());
    out_ += s;
  }
  void list_begin(std::size_t n) { head(kArray, n); }
  void list_end() {}
  void dict_begin(std::size_t n) { head(kMap, n); }
  void key(std::string_view k) { string(k); }
  void dict_end() {}

 private:
  void head(std::uint8_t major, std::uint64_t n) {
    const auto type = static_cast<std::uint8_t>(major << 5);
    if (n < 24) {
      out_ += static_cast<char>(type | n);
    } else if (n <= 0xFF) {
      out_ += static_cast<char>(type | 24);
      append_big_endian(n, 1, out_);
    } else if (n <= 0xFFFF) {
      out_ += static_cast<char>(type | 25);
      append_big_endian(n, 2, out_);
    } else if (n <= 0xFFFFFFFF) {
      out_ += static_cast<char>(type | 26);
      append_big_endian(n, 4, out_);
    } else {
      out_ += static_cast<char>(type | 27);
      append_big_endian(n, 8, out_);
    }
  }

  std::string& out_;
};

struct Cbor {
  static constexpr Serializer kSerializer = Serializer::cbor;
  static constexpr std::string_view kSubprotocol = "wamp.2.cbor";
  using Reader = CborReader;
  using Writer = CborWriter;
};

}  // namespace

const Codec& cbor_codec() {
  static const BinaryCodec<Cbor> codec;
  return codec;
}

}  // namespace junction::wamp
