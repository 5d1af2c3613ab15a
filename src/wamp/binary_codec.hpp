// wamp/binary_codec: what the binary serializers (MessagePack, CBOR, UBJSON) have in common. A
// format supplies a token reader (the head of the next item: its kind, scalar value, string
// bytes or container size) and a token writer; this file turns those into whole-value decoding
// (validate-only or building a Value), value encoding, the envelope reader/writer for the shared
// schema walker (envelope.hpp), and the Codec itself. Internal to the wamp module.
//
// Limits, the same in every format: containers nest at most kMaxNesting deep, counted within
// each element of the message (Details, Arguments, ...: the envelope list itself does not count,
// as in JSON, so an element nests exactly as deep as it could as a value of its own); a container
// may not announce more elements than there are bytes left (so a hostile count cannot make us loop
// or allocate); dict keys must be strings and unique; strings must be UTF-8. Decoding never throws.
//
// `undefined` (CBOR's simple value 23, msgpackr's fixext d4 00 00) has no WAMP value. Kept as the
// bytes received in raw Arguments/ArgumentsKw; wherever a Value is built (Options/Details,
// transcoding) it is what JSON.stringify makes of it: a dict key holding it is absent, a list
// element holding it is null. So wampy.js's `{match: undefined}` reads as no `match` at all.
#pragma once

#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "wamp/codec.hpp"
#include "wamp/dict_keys.hpp"
#include "wamp/envelope.hpp"
#include "wamp/utf8.hpp"

namespace junction::wamp {

const Codec& msgpack_codec();
const Codec& cbor_codec();
const Codec& ubjson_codec();

inline constexpr int kMaxNesting = 128;

// A container being read: definite (remaining elements, or pairs for a dict) or indefinite
// (ended by a marker). `type` is UBJSON's strongly-typed element marker and `end` the marker
// that closes an indefinite UBJSON container; both 0 in the other formats.
struct Frame {
  bool indefinite = false;
  std::uint64_t remaining = 0;
  char type = 0;
  char end = 0;
};

// The head of one item.
struct Head {
  enum class Kind : std::uint8_t {
    null,
    boolean,
    int64,
    uint64,
    float64,
    undefined,
    string,
    binary,
    list,
    dict
  };
  Kind kind = Kind::null;
  bool boolean = false;
  std::int64_t i = 0;
  std::uint64_t u = 0;  // only for integers above INT64_MAX
  double d = 0;
  std::string_view bytes;  // string/binary contents (may point into the reader's scratch)
  Frame frame;             // list/dict
};

// Bounds-checked big-endian reading and error reporting for the format readers.
class ByteCursor {
 public:
  ByteCursor(std::string_view in, std::string_view format_name)
      : begin_(in.data()), p_(in.data()), end_(in.data() + in.size()), name_(format_name) {}

  const std::string& error() const { return error_; }
  const char* pos() const { return p_; }
  void seek(const char* p) { p_ = p; }
  bool at_end() const { return p_ == end_; }
  std::size_t left() const { return static_cast<std::size_t>(end_ - p_); }

  // Malformed input at the current position. Always returns false.
  bool fail(std::string_view what) {
    if (error_.empty()) {
      error_ = "invalid " + std::string(name_) + " at offset " + std::to_string(p_ - begin_) + ": ";
      error_ += what;
    }
    return false;
  }
  bool fail_schema(std::string what) {
    if (error_.empty()) error_ = std::move(what);
    return false;
  }
  bool truncated() { return fail("unexpected end of input"); }

  bool peek_byte(std::uint8_t& b) const {
    if (p_ == end_) return false;
    b = static_cast<std::uint8_t>(*p_);
    return true;
  }
  bool byte(std::uint8_t& b) {
    if (p_ == end_) return truncated();
    b = static_cast<std::uint8_t>(*p_++);
    return true;
  }
  template <typename T>
  bool big_endian(T& value) {
    if (left() < sizeof(T)) return truncated();
    std::uint64_t v = 0;
    for (std::size_t i = 0; i < sizeof(T); ++i)
      v = v << 8 | static_cast<std::uint8_t>(p_[i]);
    p_ += sizeof(T);
    value = static_cast<T>(v);
    return true;
  }
  // A two's complement integer of sizeof(S) bytes.
  template <typename S>
  bool big_endian_signed(std::int64_t& value) {
    std::make_unsigned_t<S> u = 0;
    if (!big_endian(u)) return false;
    value = static_cast<S>(u);
    return true;
  }
  bool take(std::uint64_t n, std::string_view& out) {
    if (n > left()) return truncated();
    out = std::string_view(p_, static_cast<std::size_t>(n));
    p_ += n;
    return true;
  }
  // A container that announces more elements than bytes remain cannot be valid (every element
  // takes at least one byte); refusing it early bounds the work hostile input can cause.
  bool check_count(std::uint64_t count) {
    return count <= left() || fail("container announces more elements than the input holds");
  }

 private:
  const char* begin_;
  const char* p_;
  const char* end_;
  std::string_view name_;
  std::string error_;
};

inline double float_from_bits(std::uint32_t bits) {
  float f = 0;
  std::memcpy(&f, &bits, sizeof f);
  return f;
}
inline double double_from_bits(std::uint64_t bits) {
  double d = 0;
  std::memcpy(&d, &bits, sizeof d);
  return d;
}
inline std::uint64_t bits_of(double d) {
  std::uint64_t bits = 0;
  std::memcpy(&bits, &d, sizeof bits);
  return bits;
}
// One append rather than a push_back per byte (53-bit ids take eight).
inline void append_big_endian(std::uint64_t v, int bytes, std::string& out) {
  char buf[8];
  for (int i = 0; i < bytes; ++i)
    buf[i] = static_cast<char>(v >> ((bytes - 1 - i) * 8) & 0xFF);
  out.append(buf, static_cast<std::size_t>(bytes));
}

// Whole-value decoding over a format reader R, which provides (besides ByteCursor):
//   bool read_head(Head&, const Frame* parent);
//   bool end_of_indefinite(const Frame&, bool& done);   consumes the end marker when done
//   bool read_key(std::string_view& key, const Frame& dict);
template <class R>
bool parse_value(R& r, Value* out, int level, const Frame* parent);

// Whether the container has another element; counts it down when it has.
template <class R>
bool container_next(R& r, Frame& f, bool& more) {
  if (f.indefinite) {
    bool done = false;
    if (!r.end_of_indefinite(f, done)) return false;
    more = !done;
    return true;
  }
  more = f.remaining > 0;
  if (more) --f.remaining;
  return true;
}

template <class R>
bool parse_dict(R& r, Frame f, Object* out, int level) {
  if (level > kMaxNesting) return r.fail("nesting deeper than 128 levels");
  KeyTracker seen;                               // validate-only mode (see dict_keys.hpp)
  std::vector<Object::iterator> undefined_keys;  // building mode; allocates only when used
  while (true) {
    bool more = false;
    if (!container_next(r, f, more)) return false;
    if (!more) {
      if (const char* at = seen.duplicate()) {
        r.seek(at);
        return r.fail("duplicate key in dict");
      }
      for (auto it : undefined_keys)
        out->erase(it);
      return true;
    }
    const char* key_start = r.pos();
    std::string_view key;
    if (!r.read_key(key, f)) return false;
    if (!valid_utf8(key)) {
      r.seek(key_start);
      return r.fail("invalid UTF-8 in dict key");
    }
    if (out == nullptr) {
      seen.add(key, key_start);
      if (!parse_value(r, nullptr, level + 1, &f)) return false;
      continue;
    }
    auto [it, inserted] = out->try_emplace(std::string(key));
    if (!inserted) {
      r.seek(key_start);
      return r.fail("duplicate key in dict");
    }
    Head h;
    if (!r.read_head(h, &f)) return false;
    if (h.kind == Head::Kind::undefined) [[unlikely]] {
      // Absent (see the top of the file); erased at the end so a repeated key is still caught.
      undefined_keys.push_back(it);
      continue;
    }
    if (!parse_from_head(r, h, &it->second, level + 1)) return false;
  }
}

// The rest of the item whose head was just read.
template <class R>
bool parse_from_head(R& r, const Head& h, Value* out, int level) {
  using K = Head::Kind;
  switch (h.kind) {
    case K::null:
    case K::undefined:  // a list element (or a whole value): null, as JSON.stringify makes it
      if (out != nullptr) *out = Value(nullptr);
      return true;
    case K::boolean:
      if (out != nullptr) *out = Value(h.boolean);
      return true;
    case K::int64:
      if (out != nullptr) *out = Value(h.i);
      return true;
    case K::uint64:
      if (out != nullptr) *out = Value(h.u);
      return true;
    case K::float64:
      if (out != nullptr) *out = Value(h.d);
      return true;
    case K::string:
      if (!valid_utf8(h.bytes)) return r.fail("invalid UTF-8 in string");
      if (out != nullptr) *out = Value(h.bytes);
      return true;
    case K::binary:
      if (out != nullptr) *out = Value(Binary{std::string(h.bytes)});
      return true;
    case K::list: {
      if (level > kMaxNesting) return r.fail("nesting deeper than 128 levels");
      Frame f = h.frame;
      Array array;
      while (true) {
        bool more = false;
        if (!container_next(r, f, more)) return false;
        if (!more) break;
        Value* slot = nullptr;
        if (out != nullptr) slot = &array.emplace_back();
        if (!parse_value(r, slot, level + 1, &f)) return false;
      }
      if (out != nullptr) *out = Value(std::move(array));
      return true;
    }
    case K::dict: {
      if (out == nullptr) return parse_dict(r, h.frame, nullptr, level);
      Object object;
      if (!parse_dict(r, h.frame, &object, level)) return false;
      *out = Value(std::move(object));
      return true;
    }
  }
  return false;
}

template <class R>
bool parse_value(R& r, Value* out, int level, const Frame* parent) {
  Head h;
  if (!r.read_head(h, parent)) return false;
  return parse_from_head(r, h, out, level);
}

// Whole-value encoding over a format writer W: null(), boolean(b), int64(i), uint64(u),
// float64(d), string(s), binary(s), list_begin(n), list_end(), dict_begin(n), key(k), dict_end().
template <class W>
void write_value(W& w, const Value& value);

template <class W>
void write_dict(W& w, const Object& object) {
  w.dict_begin(object.size());
  for (const auto& [key, item] : object) {
    w.key(key);
    write_value(w, item);
  }
  w.dict_end();
}

template <class W>
void write_value(W& w, const Value& value) {
  struct Visitor {
    W& w;
    void operator()(std::nullptr_t) const { w.null(); }
    void operator()(bool b) const { w.boolean(b); }
    void operator()(std::int64_t i) const { w.int64(i); }
    void operator()(std::uint64_t u) const { w.uint64(u); }
    void operator()(double d) const { w.float64(d); }
    void operator()(const std::string& s) const { w.string(s); }
    void operator()(const Binary& b) const { w.binary(b.bytes); }
    void operator()(const Array& a) const {
      w.list_begin(a.size());
      for (const Value& item : a)
        write_value(w, item);
      w.list_end();
    }
    void operator()(const Object& o) const { write_dict(w, o); }
  };
  std::visit(Visitor{w}, value.v);
}

// The envelope reader (see envelope.hpp) for a binary format reader R.
template <class R, Serializer S>
class BinaryEnvelopeReader {
 public:
  static constexpr Serializer kFormat = S;
  explicit BinaryEnvelopeReader(std::string_view bytes) : r_(bytes) {}

  const std::string& error() const { return r_.error(); }
  bool fail_schema(std::string what) { return r_.fail_schema(std::move(what)); }

  bool open_list() {
    Head h;
    if (!r_.read_head(h, nullptr)) return false;
    if (h.kind != Head::Kind::list) return r_.fail_schema("message must be a list");
    // A strongly-typed message list (UBJSON) cannot hold a WAMP message's mixed elements.
    if (h.frame.type != 0) return r_.fail_schema("message must be a list of mixed types");
    list_ = h.frame;
    return true;
  }
  bool next_element(bool& more) { return container_next(r_, list_, more); }

  template <bool kAcceptFloat>
  bool read_integer(std::optional<Value>& out) {
    Head h;
    const char* mark = r_.pos();
    if (!r_.read_head(h, &list_)) return false;
    if (h.kind == Head::Kind::int64) {
      out = Value(h.i);
    } else if (h.kind == Head::Kind::uint64) {
      out = Value(h.u);
    } else if (kAcceptFloat && h.kind == Head::Kind::float64) {
      out = Value(h.d);
    } else {
      r_.seek(mark);
    }
    return true;
  }
  bool read_text(std::optional<std::string>& out) {
    Head h;
    const char* mark = r_.pos();
    if (!r_.read_head(h, &list_)) return false;
    if (h.kind != Head::Kind::string) {
      r_.seek(mark);
      return true;
    }
    if (!valid_utf8(h.bytes)) return r_.fail("invalid UTF-8 in string");
    out.emplace(h.bytes);
    return true;
  }
  bool read_dict(Object& out, bool& is_dict) {
    Head h;
    const char* mark = r_.pos();
    if (!r_.read_head(h, &list_)) return false;
    is_dict = h.kind == Head::Kind::dict;
    if (!is_dict) {
      r_.seek(mark);
      return true;
    }
    return parse_dict(r_, h.frame, &out, 1);
  }
  bool read_raw(bool list, std::optional<std::string_view>& out) {
    Head h;
    const char* mark = r_.pos();
    if (!r_.read_head(h, &list_)) return false;
    if (h.kind != (list ? Head::Kind::list : Head::Kind::dict)) {
      r_.seek(mark);
      return true;
    }
    if (!parse_from_head(r_, h, nullptr, 1)) return false;
    out = std::string_view(mark, static_cast<std::size_t>(r_.pos() - mark));
    return true;
  }
  bool finish() { return r_.at_end() || r_.fail("trailing data after message"); }

 private:
  R r_;
  Frame list_;
};

// The envelope writer (see envelope.hpp) for a binary format writer W.
template <class W>
class BinaryEnvelopeWriter {
 public:
  explicit BinaryEnvelopeWriter(std::string& out) : out_(out), w_(out) {}
  void begin_list(std::size_t n) { w_.list_begin(n); }
  void next() {}
  void uint(std::uint64_t u) { w_.uint64(u); }
  void string(std::string_view s) { w_.string(s); }
  void object(const Object& o) { write_dict(w_, o); }
  void raw(std::string_view bytes) { out_ += bytes; }
  void empty_list() {
    w_.list_begin(0);
    w_.list_end();
  }
  void end_list() { w_.list_end(); }

 private:
  std::string& out_;
  W w_;
};

// Format: kSerializer, kSubprotocol, and the Reader (ctor from string_view) / Writer (ctor from
// std::string&) described above.
template <class Format>
class BinaryCodec final : public Codec {
 public:
  Serializer serializer() const override { return Format::kSerializer; }
  std::string_view subprotocol() const override { return Format::kSubprotocol; }
  bool binary_frames() const override { return true; }

  DecodeResult decode(std::string_view bytes) const override {
    BinaryEnvelopeReader<typename Format::Reader, Format::kSerializer> reader(bytes);
    return decode_envelope(reader);
  }
  void encode(const Message& message, std::string& out) const override {
    BinaryEnvelopeWriter<typename Format::Writer> writer(out);
    encode_envelope(message, *this, writer);
  }

  std::variant<Value, DecodeError> decode_value(std::string_view bytes) const override {
    typename Format::Reader r(bytes);
    Value value;
    if (!parse_value(r, &value, 1, nullptr)) return DecodeError{r.error()};
    if (!r.at_end()) {
      r.fail("trailing data after value");
      return DecodeError{r.error()};
    }
    return value;
  }
  void encode_value(const Value& value, std::string& out) const override {
    typename Format::Writer w(out);
    write_value(w, value);
  }
};

}  // namespace junction::wamp
