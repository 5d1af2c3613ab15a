// wamp/ubjson_codec: the "wamp.2.ubjson" serializer (UBJSON Draft 12, big-endian) — its token
// reader and writer; everything else (values, the WAMP envelope, raw payload spans) is shared
// (binary_codec.hpp).
//
// UBJSON has no binary type. Like py-ubjson (Autobahn|Python's backend), a strongly-typed uint8
// array `[$U#<n>` is binary both ways; a plain array of small integers stays a list.
//
// Input: every marker; N (no-op) is skipped wherever a value or a container end may come;
// optimized containers ($ type and # count), except typed containers of Z/T/F/N, whose elements
// take no bytes (a small input could announce billions of them). H (high-precision number) must
// be a JSON number: an integer that fits 64 bits, or a finite float64; anything else is refused.
// C (char) is a one-character string. BJData (UBJSON's little-endian superset, written by
// Autobahn|Python >= 26.6) is not read: its integers are byte-swapped under the same markers, so
// the two cannot be told apart.
//
// Output: what py-ubjson writes — the smallest integer marker, H for integers above INT64_MAX,
// D for floats, S for strings, unsized containers ([ ... ], { ... }), binary as [$U#<n>.
#include "wamp/binary_codec.hpp"

#include <charconv>
#include <cmath>

namespace junction::wamp {
namespace {

class UbjsonReader : public ByteCursor {
 public:
  explicit UbjsonReader(std::string_view in) : ByteCursor(in, "UBJSON") {}

  bool read_head(Head& h, const Frame* parent) {
    using K = Head::Kind;
    std::uint8_t marker = 0;
    if (parent != nullptr && parent->type != 0) {
      marker = static_cast<std::uint8_t>(parent->type);
    } else {
      do {
        if (!byte(marker)) return false;
      } while (marker == 'N');
    }
    switch (marker) {
      case 'Z':
        h.kind = K::null;
        return true;
      case 'T':
      case 'F':
        h.kind = K::boolean;
        h.boolean = marker == 'T';
        return true;
      case 'i':
      case 'U':
      case 'I':
      case 'l':
      case 'L':
        h.kind = K::int64;
        return integer(marker, h.i);
      case 'd': {
        std::uint32_t bits = 0;
        if (!big_endian(bits)) return false;
        h.kind = K::float64;
        h.d = float_from_bits(bits);
        return true;
      }
      case 'D': {
        std::uint64_t bits = 0;
        if (!big_endian(bits)) return false;
        h.kind = K::float64;
        h.d = double_from_bits(bits);
        return true;
      }
      case 'H':
        return high_precision(h);
      case 'C': {
        const char* at = pos();
        std::uint8_t c = 0;
        if (!byte(c)) return false;
        if (c >= 0x80) {
          seek(at);
          return fail("char (C) must be ASCII");
        }
        h.kind = K::string;
        h.bytes = std::string_view(at, 1);
        return true;
      }
      case 'S': {
        std::uint64_t n = 0;
        h.kind = K::string;
        return length(n) && take(n, h.bytes);
      }
      case '[':
      case '{':
        return container(h, marker == '[');
      default:
        seek(pos() - 1);
        return fail("unknown type marker");
    }
  }

  bool end_of_indefinite(const Frame& f, bool& done) {
    std::uint8_t b = 0;
    while (peek_byte(b) && b == 'N')
      seek(pos() + 1);
    if (!peek_byte(b)) return truncated();
    done = b == static_cast<std::uint8_t>(f.end);
    if (done) seek(pos() + 1);
    return true;
  }

  // Keys carry no S marker: a length, then the bytes.
  bool read_key(std::string_view& key, const Frame&) {
    std::uint64_t n = 0;
    return length(n) && take(n, key);
  }

 private:
  bool integer(std::uint8_t marker, std::int64_t& out) {
    switch (marker) {
      case 'i':
        return big_endian_signed<std::int8_t>(out);
      case 'U': {
        std::uint8_t v = 0;
        if (!byte(v)) return false;
        out = v;
        return true;
      }
      case 'I':
        return big_endian_signed<std::int16_t>(out);
      case 'l':
        return big_endian_signed<std::int32_t>(out);
      default:
        return big_endian_signed<std::int64_t>(out);
    }
  }

  // A length or count: an integer with its own marker, not negative.
  bool length(std::uint64_t& n) {
    const char* at = pos();
    std::uint8_t marker = 0;
    if (!byte(marker)) return false;
    if (marker != 'i' && marker != 'U' && marker != 'I' && marker != 'l' && marker != 'L') {
      seek(at);
      return fail("length must be an integer");
    }
    std::int64_t v = 0;
    if (!integer(marker, v)) return false;
    if (v < 0) {
      seek(at);
      return fail("negative length");
    }
    n = static_cast<std::uint64_t>(v);
    return true;
  }

  bool high_precision(Head& h) {
    const char* at = pos() - 1;
    std::uint64_t n = 0;
    std::string_view text;
    if (!length(n) || !take(n, text)) return false;
    const char* first = text.data();
    const char* last = first + text.size();
    // JSON number grammar (from_chars alone would also take "inf", "nan" and hex digits).
    const bool json_number = !text.empty() &&
                             (text[0] == '-' || (text[0] >= '0' && text[0] <= '9')) &&
                             text.find_first_not_of("0123456789+-.eE") == std::string_view::npos;
    if (json_number) {
      if (auto r = std::from_chars(first, last, h.i); r.ec == std::errc{} && r.ptr == last) {
        h.kind = Head::Kind::int64;
        return true;
      }
      if (auto r = std::from_chars(first, last, h.u); r.ec == std::errc{} && r.ptr == last) {
        h.kind = Head::Kind::uint64;
        return true;
      }
      // An integer beyond 64 bits is refused rather than rounded, as in JSON.
      const bool integral = text.find_first_of(".eE") == std::string_view::npos;
      if (auto r = std::from_chars(first, last, h.d);
          !integral && r.ec == std::errc{} && r.ptr == last && std::isfinite(h.d)) {
        h.kind = Head::Kind::float64;
        return true;
      }
    }
    seek(at);
    return fail("high-precision number (H) is not a number Junction can represent");
  }

  bool container(Head& h, bool list) {
    h.kind = list ? Head::Kind::list : Head::Kind::dict;
    Frame f;
    f.end = list ? ']' : '}';
    std::uint8_t b = 0;
    if (peek_byte(b) && b == '$') {
      seek(pos() + 1);
      std::uint8_t type = 0;
      if (!byte(type)) return false;
      if (type == 'Z' || type == 'T' || type == 'F' || type == 'N') {
        seek(pos() - 1);
        return fail("typed containers of Z, T, F or N are not supported");
      }
      f.type = static_cast<char>(type);
      if (!peek_byte(b) || b != '#') return fail("'$' type must be followed by a '#' count");
    }
    if (peek_byte(b) && b == '#') {
      seek(pos() + 1);
      if (!length(f.remaining) || !check_count(f.remaining)) return false;
    } else {
      f.indefinite = true;
    }
    if (list && f.type == 'U') {  // the binary convention (see the top of the file)
      h.kind = Head::Kind::binary;
      return take(f.remaining, h.bytes);
    }
    h.frame = f;
    return true;
  }
};

class UbjsonWriter {
 public:
  explicit UbjsonWriter(std::string& out) : out_(out) {}

  void null() { out_ += 'Z'; }
  void boolean(bool b) { out_ += b ? 'T' : 'F'; }
  void int64(std::int64_t i) {
    if (i >= 0 && i <= 0xFF) {
      put('U', static_cast<std::uint64_t>(i), 1);
    } else if (i >= INT8_MIN && i <= INT8_MAX) {
      put('i', static_cast<std::uint64_t>(i), 1);
    } else if (i >= INT16_MIN && i <= INT16_MAX) {
      put('I', static_cast<std::uint64_t>(i), 2);
    } else if (i >= INT32_MIN && i <= INT32_MAX) {
      put('l', static_cast<std::uint64_t>(i), 4);
    } else {
      put('L', static_cast<std::uint64_t>(i), 8);
    }
  }
  void uint64(std::uint64_t u) {
    if (u <= static_cast<std::uint64_t>(INT64_MAX)) return int64(static_cast<std::int64_t>(u));
    char digits[24];
    const auto r = std::to_chars(digits, digits + sizeof digits, u);
    out_ += 'H';
    counted(std::string_view(digits, static_cast<std::size_t>(r.ptr - digits)));
  }
  void float64(double d) { put('D', bits_of(d), 8); }
  void string(std::string_view s) {
    out_ += 'S';
    counted(s);
  }
  void binary(std::string_view s) {
    out_ += "[$U#";
    counted(s);
  }
  void list_begin(std::size_t) { out_ += '['; }
  void list_end() { out_ += ']'; }
  void dict_begin(std::size_t) { out_ += '{'; }
  void key(std::string_view k) { counted(k); }
  void dict_end() { out_ += '}'; }

 private:
  void put(char marker, std::uint64_t value, int bytes) {
    out_ += marker;
    append_big_endian(value, bytes, out_);
  }
  void counted(std::string_view s) {
    int64(static_cast<std::int64_t>(s.size()));
    out_ += s;
  }

  std::string& out_;
};

struct Ubjson {
  static constexpr Serializer kSerializer = Serializer::ubjson;
  static constexpr std::string_view kSubprotocol = "wamp.2.ubjson";
  using Reader = UbjsonReader;
  using Writer = UbjsonWriter;
};

}  // namespace

const Codec& ubjson_codec() {
  static const BinaryCodec<Ubjson> codec;
  return codec;
}

}  // namespace junction::wamp
