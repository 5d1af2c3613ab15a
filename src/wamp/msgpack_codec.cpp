// wamp/msgpack_codec: the "wamp.2.msgpack" serializer — MessagePack's token reader and writer;
// everything else (values, the WAMP envelope, raw payload spans) is shared (binary_codec.hpp).
//
// Input: every type of the MessagePack spec except extensions (fixext/ext 8/16/32, including
// the timestamp extension): WAMP has no value they could map to, so they are refused with a
// reason naming the extension type. The one exception is `d4 00 00` (fixext 1, type 0, data 0):
// how msgpackr (wampy.js's MessagePack library) writes JavaScript's `undefined`, e.g. in every
// msgpack SUBSCRIBE wampy sends; it is read as `undefined` (see binary_codec.hpp: an absent key
// in Options/Details). str must be UTF-8; bin is wamp::Binary; float32 is widened to float64.
// Output: the smallest encoding of every integer, length and container; floats as float64
// (what msgpack-python and msgpack5 with forceFloat64 write); binary as bin 8/16/32.
#include "wamp/binary_codec.hpp"

namespace junction::wamp {
namespace {

class MsgpackReader : public ByteCursor {
 public:
  explicit MsgpackReader(std::string_view in) : ByteCursor(in, "MessagePack") {}

  bool read_head(Head& h, const Frame* /*parent*/) {
    using K = Head::Kind;
    std::uint8_t b = 0;
    if (!byte(b)) return false;
    if (b <= 0x7F) return integer(h, b);
    if (b >= 0xE0) return signed_integer(h, static_cast<std::int8_t>(b));
    if (b <= 0x8F) return container(h, K::dict, b & 0x0Fu);
    if (b <= 0x9F) return container(h, K::list, b & 0x0Fu);
    if (b <= 0xBF) return bytes(h, K::string, b & 0x1Fu);
    switch (b) {
      case 0xC0:
        h.kind = K::null;
        return true;
      case 0xC2:
      case 0xC3:
        h.kind = K::boolean;
        h.boolean = b == 0xC3;
        return true;
      case 0xC4:
        return sized<std::uint8_t>(h, K::binary);
      case 0xC5:
        return sized<std::uint16_t>(h, K::binary);
      case 0xC6:
        return sized<std::uint32_t>(h, K::binary);
      case 0xCA: {
        std::uint32_t bits = 0;
        if (!big_endian(bits)) return false;
        h.kind = K::float64;
        h.d = float_from_bits(bits);
        return true;
      }
      case 0xCB: {
        std::uint64_t bits = 0;
        if (!big_endian(bits)) return false;
        h.kind = K::float64;
        h.d = double_from_bits(bits);
        return true;
      }
      case 0xCC:
        return unsigned_of<std::uint8_t>(h);
      case 0xCD:
        return unsigned_of<std::uint16_t>(h);
      case 0xCE:
        return unsigned_of<std::uint32_t>(h);
      case 0xCF:
        return unsigned_of<std::uint64_t>(h);
      case 0xD0:
        return signed_of<std::int8_t>(h);
      case 0xD1:
        return signed_of<std::int16_t>(h);
      case 0xD2:
        return signed_of<std::int32_t>(h);
      case 0xD3:
        return signed_of<std::int64_t>(h);
      case 0xD9:
        return sized<std::uint8_t>(h, K::string);
      case 0xDA:
        return sized<std::uint16_t>(h, K::string);
      case 0xDB:
        return sized<std::uint32_t>(h, K::string);
      case 0xDC:
        return sized_container<std::uint16_t>(h, K::list);
      case 0xDD:
        return sized_container<std::uint32_t>(h, K::list);
      case 0xDE:
        return sized_container<std::uint16_t>(h, K::dict);
      case 0xDF:
        return sized_container<std::uint32_t>(h, K::dict);
      case 0xC1:
        seek(pos() - 1);
        return fail("byte 0xc1 is never used");
      default:  // 0xC7..0xC9 ext 8/16/32, 0xD4..0xD8 fixext 1/2/4/8/16
        return extension(h, b);
    }
  }

  // MessagePack containers always carry their count.
  bool end_of_indefinite(const Frame&, bool& done) {
    done = true;
    return true;
  }

  bool read_key(std::string_view& key, const Frame& dict) {
    const char* start = pos();
    Head h;
    if (!read_head(h, &dict)) return false;
    if (h.kind != Head::Kind::string) {
      seek(start);
      return fail("dict keys must be strings");
    }
    key = h.bytes;
    return true;
  }

 private:
  bool integer(Head& h, std::uint64_t u) {
    if (u > static_cast<std::uint64_t>(INT64_MAX)) {
      h.kind = Head::Kind::uint64;
      h.u = u;
    } else {
      h.kind = Head::Kind::int64;
      h.i = static_cast<std::int64_t>(u);
    }
    return true;
  }
  bool signed_integer(Head& h, std::int64_t i) {
    h.kind = Head::Kind::int64;
    h.i = i;
    return true;
  }
  template <typename U>
  bool unsigned_of(Head& h) {
    U u = 0;
    return big_endian(u) && integer(h, u);
  }
  template <typename S>
  bool signed_of(Head& h) {
    h.kind = Head::Kind::int64;
    return big_endian_signed<S>(h.i);
  }
  // An extension whose head byte `b` was just read: msgpackr's `undefined` or a refusal. Out of
  // line: inlined, its error text would cost read_head a larger frame on every item.
  [[gnu::noinline, gnu::cold]] bool extension(Head& h, std::uint8_t b) {
    const char* head = pos() - 1;
    std::uint64_t size = 0;
    if (b >= 0xD4) {
      size = std::uint64_t{1} << (b - 0xD4);  // fixext 1, 2, 4, 8, 16
    } else if (b == 0xC7) {
      std::uint8_t n = 0;
      if (!big_endian(n)) return false;
      size = n;
    } else if (b == 0xC8) {
      std::uint16_t n = 0;
      if (!big_endian(n)) return false;
      size = n;
    } else {
      std::uint32_t n = 0;
      if (!big_endian(n)) return false;
      size = n;
    }
    std::int64_t type = 0;
    std::string_view data;
    if (!big_endian_signed<std::int8_t>(type) || !take(size, data)) return false;
    if (b == 0xD4 && type == 0 && data[0] == '\0') {
      h.kind = Head::Kind::undefined;
      return true;
    }
    seek(head);
    return fail("extension type " + std::to_string(type) + (type == -1 ? " (timestamp)" : "") +
                " is not supported (WAMP has no such value; only msgpackr's undefined, d4 00 00, "
                "is read)");
  }
  bool bytes(Head& h, Head::Kind kind, std::uint64_t n) {
    h.kind = kind;
    return take(n, h.bytes);
  }
  template <typename U>
  bool sized(Head& h, Head::Kind kind) {
    U n = 0;
    return big_endian(n) && bytes(h, kind, n);
  }
  bool container(Head& h, Head::Kind kind, std::uint64_t n) {
    h.kind = kind;
    h.frame = Frame{false, n, 0};
    return check_count(n);
  }
  template <typename U>
  bool sized_container(Head& h, Head::Kind kind) {
    U n = 0;
    return big_endian(n) && container(h, kind, n);
  }
};

class MsgpackWriter {
 public:
  explicit MsgpackWriter(std::string& out) : out_(out) {}

  void null() { out_ += '\xC0'; }
  void boolean(bool b) { out_ += b ? '\xC3' : '\xC2'; }
  void int64(std::int64_t i) {
    if (i >= 0) return uint64(static_cast<std::uint64_t>(i));
    if (i >= -32) {
      out_ += static_cast<char>(i);  // negative fixint
    } else if (i >= INT8_MIN) {
      head(0xD0, static_cast<std::uint8_t>(i), 1);
    } else if (i >= INT16_MIN) {
      head(0xD1, static_cast<std::uint16_t>(i), 2);
    } else if (i >= INT32_MIN) {
      head(0xD2, static_cast<std::uint32_t>(i), 4);
    } else {
      head(0xD3, static_cast<std::uint64_t>(i), 8);
    }
  }
  void uint64(std::uint64_t u) {
    if (u <= 0x7F) {
      out_ += static_cast<char>(u);  // positive fixint
    } else if (u <= 0xFFFFFFFF) {
      sized(u, 0xCC, 0xCD, 0xCE);
    } else {
      head(0xCF, u, 8);
    }
  }
  void float64(double d) { head(0xCB, bits_of(d), 8); }
  void string(std::string_view s) {
    if (s.size() <= 31) {
      out_ += static_cast<char>(0xA0 | s.size());
    } else {
      sized(s.size(), 0xD9, 0xDA, 0xDB);
    }
    out_ += s;
  }
  void binary(std::string_view s) {
    sized(s.size(), 0xC4, 0xC5, 0xC6);
    out_ += s;
  }
  void list_begin(std::size_t n) {
    if (n <= 15) {
      out_ += static_cast<char>(0x90 | n);
    } else {
      sized(n, 0, 0xDC, 0xDD);
    }
  }
  void list_end() {}
  void dict_begin(std::size_t n) {
    if (n <= 15) {
      out_ += static_cast<char>(0x80 | n);
    } else {
      sized(n, 0, 0xDE, 0xDF);
    }
  }
  void key(std::string_view k) { string(k); }
  void dict_end() {}

 private:
  void head(std::uint8_t type, std::uint64_t value, int bytes) {
    out_ += static_cast<char>(type);
    append_big_endian(value, bytes, out_);
  }
  // The smallest of a type's 8/16/32-bit length forms (t8 == 0: the type has no 8-bit form).
  // Lengths above 2^32 - 1 cannot occur: WAMP messages are far smaller.
  void sized(std::uint64_t n, std::uint8_t t8, std::uint8_t t16, std::uint8_t t32) {
    if (t8 != 0 && n <= 0xFF) return head(t8, n, 1);
    if (n <= 0xFFFF) return head(t16, n, 2);
    head(t32, n, 4);
  }

  std::string& out_;
};

struct Msgpack {
  static constexpr Serializer kSerializer = Serializer::msgpack;
  static constexpr std::string_view kSubprotocol = "wamp.2.msgpack";
  using Reader = MsgpackReader;
  using Writer = MsgpackWriter;
};

}  // namespace

const Codec& msgpack_codec() {
  static const BinaryCodec<Msgpack> codec;
  return codec;
}

}  // namespace junction::wamp
