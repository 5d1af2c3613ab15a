// wamp/json_codec: the "wamp.2.json" serializer: a strict RFC 8259 parser and a compact encoder,
// plugged into the schema walker every codec shares (envelope.hpp).
//
// Why hand-written: no JSON library exposes the byte spans of top-level array elements, and we
// need them to keep Arguments/ArgumentsKw as raw bytes (validated, never turned into Values) so
// the router can splice them unchanged into outgoing messages (architecture.md, principle 1).
//
// The parser never throws and never recurses deeper than kJsonMaxDepth, so hostile input cannot
// crash it; every failure carries a reason that ends up in the ABORT sent to the peer.
#include "wamp/json_codec.hpp"

#include <bit>
#include <charconv>
#include <cmath>
#include <cstring>
#include <system_error>

#include "wamp/base64.hpp"
#include "wamp/dict_keys.hpp"
#include "wamp/envelope.hpp"
#include "wamp/utf8.hpp"

namespace junction::wamp {
namespace {

bool is_ws(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}
bool is_digit(char c) {
  return c >= '0' && c <= '9';
}
// Whether c can open a JSON value; anything else is a syntax error, not a wrong type.
bool starts_value(char c) {
  return c == '"' || c == '[' || c == '{' || c == 't' || c == 'f' || c == 'n' || c == '-' ||
         is_digit(c);
}

void append_utf8(std::uint32_t cp, std::string& out) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | cp >> 6);
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | cp >> 12);
    out += static_cast<char>(0x80 | (cp >> 6 & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | cp >> 18);
    out += static_cast<char>(0x80 | (cp >> 12 & 0x3F));
    out += static_cast<char>(0x80 | (cp >> 6 & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

// The end of the run of bytes at p that a JSON string can hold as they are: everything but '"',
// '\\', control characters (< 0x20) and non-ASCII bytes (which need UTF-8 validation). Eight
// bytes at a time: the bit tricks flag every such byte; a flag can be spurious only above a real
// one, and the lowest is taken, so the result is exact.
inline const char* skip_plain(const char* p, const char* end) {
  if constexpr (std::endian::native == std::endian::little) {
    constexpr std::uint64_t kOnes = 0x0101010101010101ULL;
    constexpr std::uint64_t kHigh = 0x8080808080808080ULL;
    while (end - p >= 8) {
      std::uint64_t w = 0;
      std::memcpy(&w, p, 8);
      const std::uint64_t quote = w ^ (kOnes * '"');
      const std::uint64_t backslash = w ^ (kOnes * '\\');
      const std::uint64_t hits = ((quote - kOnes) & ~quote) | ((backslash - kOnes) & ~backslash) |
                                 ((w - kOnes * 0x20) & ~w) | w;
      const std::uint64_t mask = hits & kHigh;
      if (mask != 0) return p + (std::countr_zero(mask) >> 3);
      p += 8;
    }
  }
  while (p != end) {
    const auto c = static_cast<unsigned char>(*p);
    if (c == '"' || c == '\\' || c < 0x20 || c >= 0x80) break;
    ++p;
  }
  return p;
}

class Parser {
 public:
  explicit Parser(std::string_view in)
      : begin_(in.data()), p_(in.data()), end_(in.data() + in.size()) {}

  const std::string& error() const { return error_; }
  const char* pos() const { return p_; }
  bool at_end() const { return p_ == end_; }
  // The next byte, or '\0' at the end (never a valid token start, so callers need no check).
  char peek() const { return p_ == end_ ? '\0' : *p_; }
  bool consume(char c) {
    if (p_ != end_ && *p_ == c) {
      ++p_;
      return true;
    }
    return false;
  }
  void skip_ws() {
    while (p_ != end_ && is_ws(*p_))
      ++p_;
  }

  // A syntax error at the current position. Always returns false.
  bool fail(std::string_view what) {
    if (error_.empty()) {
      error_ = "invalid JSON at offset " + std::to_string(p_ - begin_) + ": ";
      error_ += what;
    }
    return false;
  }
  // The cursor is where a value should start but none does.
  bool syntax_error_here() {
    return fail(at_end() ? "unexpected end of input" : "unexpected character");
  }
  // A well-formed message that breaks the WAMP rules. Always returns false.
  bool fail_schema(std::string what) {
    if (error_.empty()) error_ = std::move(what);
    return false;
  }

  // Any value; its containers nest one below `depth`. out == nullptr: validate only.
  bool parse_value(Value* out, int depth) {
    switch (peek()) {
      case '"':
        return parse_string_value(out);
      case '[':
        return parse_array(out, depth + 1);
      case '{': {
        if (out == nullptr) return parse_object(nullptr, depth + 1);
        Object object;
        if (!parse_object(&object, depth + 1)) return false;
        *out = Value(std::move(object));
        return true;
      }
      case 't':
        return parse_literal("true", out, Value(true));
      case 'f':
        return parse_literal("false", out, Value(false));
      case 'n':
        return parse_literal("null", out, Value(nullptr));
      default:
        if (peek() == '-' || is_digit(peek())) return parse_number(out);
        return syntax_error_here();
    }
  }

  // An array at nesting level `depth` (the cursor is on '[').
  bool parse_array(Value* out, int depth) {
    if (depth > kJsonMaxDepth) return fail("nesting deeper than 128 levels");
    ++p_;
    Array array;
    skip_ws();
    if (!consume(']')) {
      while (true) {
        skip_ws();
        if (out != nullptr) {
          array.emplace_back();
          if (!parse_value(&array.back(), depth)) return false;
        } else if (!parse_value(nullptr, depth)) {
          return false;
        }
        skip_ws();
        if (consume(',')) continue;
        if (consume(']')) break;
        return fail(at_end() ? "unterminated array" : "expected ',' or ']' in array");
      }
    }
    if (out != nullptr) *out = Value(std::move(array));
    return true;
  }

  // An object at nesting level `depth` (the cursor is on '{'). out == nullptr: validate only.
  bool parse_object(Object* out, int depth) {
    if (depth > kJsonMaxDepth) return fail("nesting deeper than 128 levels");
    ++p_;
    skip_ws();
    if (consume('}')) return true;
    std::string key;
    KeyTracker seen;  // validate-only mode (see dict_keys.hpp)
    while (true) {
      skip_ws();
      if (peek() != '"') return fail(at_end() ? "unterminated object" : "expected string key");
      Value* slot = nullptr;
      const char* key_start = p_;
      key.clear();
      if (!parse_string(&key)) return false;
      if (out != nullptr) {
        auto [it, inserted] = out->try_emplace(std::move(key));
        if (!inserted) {
          p_ = key_start;
          return fail("duplicate key in object");
        }
        slot = &it->second;
      } else {
        seen.add(key, key_start);
      }
      skip_ws();
      if (!consume(':')) return fail("expected ':' after object key");
      skip_ws();
      if (!parse_value(slot, depth)) return false;
      skip_ws();
      if (consume(',')) continue;
      if (consume('}')) {
        if (const char* at = seen.duplicate()) {
          p_ = at;
          return fail("duplicate key in object");
        }
        return true;
      }
      return fail(at_end() ? "unterminated object" : "expected ',' or '}' in object");
    }
  }

  // Whether the string at the cursor opens with the escape \u0000: only such a string can be
  // binary (a raw NUL byte is not allowed in a JSON string).
  bool maybe_binary() const { return end_ - p_ >= 7 && std::memcmp(p_, "\"\\u0000", 7) == 0; }

  // A string value, applying the WAMP binary convention: "\u0000" + base64 is Binary.
  bool parse_string_value(Value* out) {
    const char* start = p_;
    if (out == nullptr && !maybe_binary()) return parse_string(nullptr);
    std::string text;
    if (!parse_string(&text)) return false;
    if (!text.empty() && text[0] == '\0') {
      Binary binary;
      if (!base64_decode(std::string_view(text).substr(1), binary.bytes)) {
        p_ = start;
        return fail("invalid base64 in binary string");
      }
      if (out != nullptr) *out = Value(std::move(binary));
      return true;
    }
    if (out != nullptr) *out = Value(std::move(text));
    return true;
  }

  // A string token (the cursor is on '"'), decoded into *out unless out is null.
  bool parse_string(std::string* out) {
    ++p_;
    while (true) {
      const char* run = p_;
      p_ = skip_plain(p_, end_);
      if (out != nullptr) out->append(run, p_);
      if (p_ == end_) return fail("unterminated string");
      const auto c = static_cast<unsigned char>(*p_);
      if (c == '"') {
        ++p_;
        return true;
      }
      if (c < 0x20) return fail("unescaped control character in string");
      if (c >= 0x80) {
        const std::size_t n = utf8_sequence(p_, end_);
        if (n == 0) return fail("invalid UTF-8 in string");
        if (out != nullptr) out->append(p_, n);
        p_ += n;
        continue;
      }
      if (!parse_escape(out)) return false;
    }
  }

  // The usual envelope integer (a type code or an id): up to 18 digits, no sign, fraction or
  // exponent. Anything else is left untouched for parse_number (returns false).
  bool read_small_uint(std::optional<Value>& out) {
    const char* p = p_;
    std::int64_t value = 0;
    if (p != end_ && *p == '0') {
      ++p;
    } else {
      while (p != end_ && is_digit(*p) && p - p_ < 18) {
        value = value * 10 + (*p - '0');
        ++p;
      }
    }
    if (p == p_) return false;
    if (p != end_ && (is_digit(*p) || *p == '.' || *p == 'e' || *p == 'E')) return false;
    p_ = p;
    out.emplace(value);
    return true;
  }

  bool parse_number(Value* out) {
    const char* start = p_;
    const bool negative = consume('-');
    if (!is_digit(peek())) return fail("invalid number");
    if (!consume('0')) {
      while (is_digit(peek()))
        ++p_;
    }
    bool integral = true;
    if (consume('.')) {
      integral = false;
      if (!is_digit(peek())) return fail("invalid number: digit expected after '.'");
      while (is_digit(peek()))
        ++p_;
    }
    if (peek() == 'e' || peek() == 'E') {
      integral = false;
      ++p_;
      if (peek() == '+' || peek() == '-') ++p_;
      if (!is_digit(peek())) return fail("invalid number: digit expected in exponent");
      while (is_digit(peek()))
        ++p_;
    }
    if (integral && !negative && p_ - start <= 18) {
      // At most 18 digits always fit int64: no range check needed (ids, type codes).
      std::int64_t i = 0;
      for (const char* d = start; d != p_; ++d)
        i = i * 10 + (*d - '0');
      if (out != nullptr) *out = Value(i);
      return true;
    }
    if (integral) {
      std::int64_t i = 0;
      if (std::from_chars(start, p_, i).ec == std::errc{}) {
        if (out != nullptr) *out = Value(i);
        return true;
      }
      std::uint64_t u = 0;
      if (!negative && std::from_chars(start, p_, u).ec == std::errc{}) {
        if (out != nullptr) *out = Value(u);
        return true;
      }
      p_ = start;
      return fail("integer out of range");
    }
    double d = 0;
    const auto result = std::from_chars(start, p_, d);
    if (result.ec != std::errc{} || result.ptr != p_ || !std::isfinite(d)) {
      p_ = start;
      return fail("number out of range");
    }
    if (out != nullptr) *out = Value(d);
    return true;
  }

 private:
  bool parse_literal(std::string_view word, Value* out, Value value) {
    if (static_cast<std::size_t>(end_ - p_) < word.size() ||
        std::memcmp(p_, word.data(), word.size()) != 0) {
      return fail("invalid literal");
    }
    p_ += word.size();
    if (out != nullptr) *out = std::move(value);
    return true;
  }

  bool read_hex4(std::uint32_t& value) {
    if (end_ - p_ < 4) return false;
    value = 0;
    for (int i = 0; i < 4; ++i) {
      const char c = p_[i];
      std::uint32_t digit = 0;
      if (c >= '0' && c <= '9') {
        digit = static_cast<std::uint32_t>(c - '0');
      } else if (c >= 'a' && c <= 'f') {
        digit = static_cast<std::uint32_t>(c - 'a' + 10);
      } else if (c >= 'A' && c <= 'F') {
        digit = static_cast<std::uint32_t>(c - 'A' + 10);
      } else {
        return false;
      }
      value = value << 4 | digit;
    }
    p_ += 4;
    return true;
  }

  // The cursor is on the backslash.
  bool parse_escape(std::string* out) {
    ++p_;
    if (p_ == end_) return fail("unterminated string");
    char c = *p_++;
    switch (c) {
      case '"':
      case '\\':
      case '/':
        break;
      case 'b':
        c = '\b';
        break;
      case 'f':
        c = '\f';
        break;
      case 'n':
        c = '\n';
        break;
      case 'r':
        c = '\r';
        break;
      case 't':
        c = '\t';
        break;
      case 'u': {
        std::uint32_t cp = 0;
        if (!read_hex4(cp)) return fail("invalid \\u escape");
        if (cp >= 0xDC00 && cp <= 0xDFFF) return fail("lone surrogate in \\u escape");
        if (cp >= 0xD800 && cp <= 0xDBFF) {
          std::uint32_t low = 0;
          if (end_ - p_ < 2 || p_[0] != '\\' || p_[1] != 'u') {
            return fail("lone surrogate in \\u escape");
          }
          p_ += 2;
          if (!read_hex4(low)) return fail("invalid \\u escape");
          if (low < 0xDC00 || low > 0xDFFF) return fail("lone surrogate in \\u escape");
          cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
        }
        if (out != nullptr) append_utf8(cp, *out);
        return true;
      }
      default:
        --p_;
        return fail("invalid escape in string");
    }
    if (out != nullptr) *out += c;
    return true;
  }

  const char* begin_;
  const char* p_;
  const char* end_;
  std::string error_;
};

// The envelope reader (envelope.hpp) for JSON: the shared schema walker drives the parser.
class JsonEnvelopeReader {
 public:
  static constexpr Serializer kFormat = Serializer::json;
  explicit JsonEnvelopeReader(std::string_view bytes) : ps_(bytes) {}

  const std::string& error() const { return ps_.error(); }
  bool fail_schema(std::string what) { return ps_.fail_schema(std::move(what)); }

  bool open_list() {
    ps_.skip_ws();
    if (ps_.consume('[')) return true;
    if (!starts_value(ps_.peek())) return ps_.syntax_error_here();
    return ps_.fail_schema("message must be a list");
  }
  bool next_element(bool& more) {
    ps_.skip_ws();
    more = !ps_.consume(']');
    if (!more) return true;
    if (!first_ && !ps_.consume(',')) {
      return ps_.fail(ps_.at_end() ? "unterminated array" : "expected ',' or ']' in array");
    }
    first_ = false;
    ps_.skip_ws();
    return starts_value(ps_.peek()) || ps_.syntax_error_here();
  }
  template <bool kAcceptFloat>
  bool read_integer(std::optional<Value>& out) {
    if (ps_.peek() != '-' && !is_digit(ps_.peek())) return true;
    if (ps_.read_small_uint(out)) return true;
    Value v;
    if (!ps_.parse_number(&v)) return false;
    if (kAcceptFloat || v.is_integer()) out = std::move(v);
    return true;
  }
  bool read_text(std::optional<std::string>& out) {
    if (ps_.peek() != '"') return true;
    if (!ps_.maybe_binary()) {
      // The usual case: a plain string, decoded straight into its place.
      out.emplace();
      if (ps_.parse_string(&*out)) return true;
      out.reset();
      return false;
    }
    Value v;
    if (!ps_.parse_string_value(&v)) return false;
    if (auto* text = std::get_if<std::string>(&v.v)) out = std::move(*text);
    return true;
  }
  bool read_dict(Object& out, bool& is_dict) {
    is_dict = ps_.peek() == '{';
    return !is_dict || ps_.parse_object(&out, 1);
  }
  bool read_raw(bool list, std::optional<std::string_view>& out) {
    if (ps_.peek() != (list ? '[' : '{')) return true;
    const char* start = ps_.pos();
    if (!ps_.parse_value(nullptr, 0)) return false;
    out = std::string_view(start, static_cast<std::size_t>(ps_.pos() - start));
    return true;
  }
  bool finish() {
    ps_.skip_ws();
    return ps_.at_end() || ps_.fail("trailing data after message");
  }

 private:
  Parser ps_;
  bool first_ = true;
};

void write_string(std::string_view s, std::string& out) {
  static constexpr char kHex[] = "0123456789abcdef";
  out += '"';
  std::size_t run = 0;
  std::size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0x20 && c != '"' && c != '\\' && c < 0x80) {
      ++i;
      continue;
    }
    if (c >= 0x80) {
      const std::size_t n = utf8_sequence(s.data() + i, s.data() + s.size());
      if (n != 0) {
        i += n;
        continue;
      }
    }
    out.append(s.data() + run, i - run);
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (c < 0x20) {
          out += "\\u00";
          out += kHex[c >> 4];
          out += kHex[c & 15];
        } else {
          // Not UTF-8 (a router-made string gone wrong): emit U+FFFD so the JSON stays valid.
          out += "\xEF\xBF\xBD";
        }
    }
    ++i;
    run = i;
  }
  out.append(s.data() + run, s.size() - run);
  out += '"';
}

// The eight decimal digits of v < 10^8 (with leading zeros) as ASCII, the first digit in the
// lowest byte: both halves of 4 digits, then their 2-digit halves, then single digits, split in
// parallel in the lanes of one 64-bit word (each multiply-and-shift is an exact division there).
inline std::uint64_t eight_digits(std::uint32_t v) {
  const std::uint64_t merged = (v / 10000) | (static_cast<std::uint64_t>(v % 10000) << 32);
  const std::uint64_t top = ((merged * 10486) >> 20) & ((0x7FULL << 32) | 0x7F);  // /100
  const std::uint64_t bottom = merged - 100 * top;                                // %100
  const std::uint64_t hundreds = (bottom << 16) + top;  // 16-bit lanes of 2 digits each
  std::uint64_t tens = (hundreds * 103) >> 10;          // /10
  tens &= (0xFULL << 48) | (0xFULL << 32) | (0xFULL << 16) | 0xF;
  tens += (hundreds - 10 * tens) << 8;  // %10 into the upper byte of each lane
  return tens + 0x3030303030303030ULL;
}

void write_unsigned(std::uint64_t value, std::string& out) {
  if (value < 10) {  // type codes, small request ids
    out += static_cast<char>('0' + value);
    return;
  }
  if (value < 100) {
    const char digits[2] = {static_cast<char>('0' + value / 10),
                            static_cast<char>('0' + value % 10)};
    out.append(digits, 2);
    return;
  }
  char buffer[24];  // up to 20 digits, written 8 at a time from the right
  if constexpr (std::endian::native == std::endian::little) {
    char* p = buffer + sizeof buffer;
    while (value >= 100'000'000) {
      const std::uint64_t digits = eight_digits(static_cast<std::uint32_t>(value % 100'000'000));
      value /= 100'000'000;
      p -= 8;
      std::memcpy(p, &digits, 8);
    }
    // The leading 1 to 8 digits: written as 8, the leading zeros skipped.
    const std::uint64_t digits = eight_digits(static_cast<std::uint32_t>(value));
    std::memcpy(p - 8, &digits, 8);
    const int count = value < 10'000 ? (value < 100 ? (value < 10 ? 1 : 2) : (value < 1000 ? 3 : 4))
                                     : (value < 1'000'000 ? (value < 100'000 ? 5 : 6)
                                                          : (value < 10'000'000 ? 7 : 8));
    p -= count;
    out.append(p, static_cast<std::size_t>(buffer + sizeof buffer - p));
  } else {
    const auto result = std::to_chars(buffer, buffer + sizeof buffer, value);
    out.append(buffer, result.ptr);
  }
}

void write_integer(std::uint64_t value, std::string& out) {
  write_unsigned(value, out);
}

void write_integer(std::int64_t value, std::string& out) {
  if (value < 0) {
    out += '-';
    write_unsigned(0 - static_cast<std::uint64_t>(value), out);
    return;
  }
  write_unsigned(static_cast<std::uint64_t>(value), out);
}

void write_double(double d, std::string& out) {
  if (!std::isfinite(d)) {
    out += "null";  // JSON has no NaN or infinity
    return;
  }
  char buffer[40];
  const auto result = std::to_chars(buffer, buffer + sizeof buffer, d);
  std::string_view text(buffer, static_cast<std::size_t>(result.ptr - buffer));
  out += text;
  // Keep it a float on the way back in: "1" would decode as an integer.
  if (text.find_first_of(".e") == std::string_view::npos) out += ".0";
}

}  // namespace

void json_encode_array(const Array& array, std::string& out) {
  out += '[';
  bool first = true;
  for (const Value& item : array) {
    if (!first) out += ',';
    first = false;
    json_encode_value(item, out);
  }
  out += ']';
}

void json_encode_object(const Object& object, std::string& out) {
  out += '{';
  bool first = true;
  for (const auto& [key, item] : object) {
    if (!first) out += ',';
    first = false;
    write_string(key, out);
    out += ':';
    json_encode_value(item, out);
  }
  out += '}';
}

void json_encode_value(const Value& value, std::string& out) {
  struct Visitor {
    std::string& out;
    void operator()(std::nullptr_t) const { out += "null"; }
    void operator()(bool b) const { out += b ? "true" : "false"; }
    void operator()(std::int64_t i) const { write_integer(i, out); }
    void operator()(std::uint64_t u) const { write_integer(u, out); }
    void operator()(double d) const { write_double(d, out); }
    void operator()(const std::string& s) const { write_string(s, out); }
    void operator()(const Binary& b) const {
      out += "\"\\u0000";
      base64_encode(b.bytes, out);
      out += '"';
    }
    void operator()(const Array& a) const { json_encode_array(a, out); }
    void operator()(const Object& o) const { json_encode_object(o, out); }
  };
  std::visit(Visitor{out}, value.v);
}

namespace {

// The envelope writer (envelope.hpp) for JSON.
struct JsonEnvelopeWriter {
  std::string& out;
  bool first = true;
  void begin_list(std::size_t) { out += '['; }
  void next() {
    if (!first) out += ',';
    first = false;
  }
  void uint(std::uint64_t u) { write_integer(u, out); }
  void string(std::string_view s) { write_string(s, out); }
  void object(const Object& o) { json_encode_object(o, out); }
  void raw(std::string_view bytes) { out += bytes; }
  void empty_list() { out += "[]"; }
  void end_list() { out += ']'; }
};

class JsonCodec final : public Codec {
 public:
  Serializer serializer() const override { return Serializer::json; }
  std::string_view subprotocol() const override { return "wamp.2.json"; }
  bool binary_frames() const override { return false; }

  DecodeResult decode(std::string_view bytes) const override {
    JsonEnvelopeReader reader(bytes);
    return decode_envelope(reader);
  }

  void encode(const Message& message, std::string& out) const override {
    JsonEnvelopeWriter writer{out};
    encode_envelope(message, *this, writer);
  }

  std::variant<Value, DecodeError> decode_value(std::string_view bytes) const override {
    Parser ps(bytes);
    Value value;
    ps.skip_ws();
    if (!ps.parse_value(&value, 0)) return DecodeError{ps.error()};
    ps.skip_ws();
    if (!ps.at_end()) {
      ps.fail("trailing data after value");
      return DecodeError{ps.error()};
    }
    return value;
  }

  void encode_value(const Value& value, std::string& out) const override {
    json_encode_value(value, out);
  }
};

}  // namespace

std::string json_read_object_members(
    std::string_view text,
    const std::function<bool(std::string_view key, std::string_view raw_value)>& member) {
  Parser ps(text);
  ps.skip_ws();
  if (ps.peek() != '{') {
    if (!starts_value(ps.peek())) ps.syntax_error_here();
    return ps.error().empty() ? std::string("not a JSON object") : ps.error();
  }
  ps.consume('{');
  ps.skip_ws();
  std::string key;
  if (!ps.consume('}')) {
    while (true) {
      ps.skip_ws();
      if (ps.peek() != '"') {
        ps.fail(ps.at_end() ? "unterminated object" : "expected string key");
        return ps.error();
      }
      key.clear();
      if (!ps.parse_string(&key)) return ps.error();
      ps.skip_ws();
      if (!ps.consume(':')) {
        ps.fail("expected ':' after object key");
        return ps.error();
      }
      ps.skip_ws();
      const char* start = ps.pos();
      // The object is level 1: its members' containers nest from level 2, as in decode_value.
      if (!ps.parse_value(nullptr, 1)) return ps.error();
      if (!member(key, std::string_view(start, static_cast<std::size_t>(ps.pos() - start)))) {
        return "stopped";
      }
      ps.skip_ws();
      if (ps.consume(',')) continue;
      if (ps.consume('}')) break;
      ps.fail(ps.at_end() ? "unterminated object" : "expected ',' or '}' in object");
      return ps.error();
    }
  }
  ps.skip_ws();
  if (!ps.at_end()) {
    ps.fail("trailing data after value");
    return ps.error();
  }
  return {};
}

const Codec& json_codec() {
  static const JsonCodec codec;
  return codec;
}

}  // namespace junction::wamp
