// wamp/json_codec: the "wamp.2.json" serializer: a strict RFC 8259 parser that decodes a WAMP
// message envelope, and a compact encoder.
//
// Why hand-written: no JSON library exposes the byte spans of top-level array elements, and we
// need them to keep Arguments/ArgumentsKw as raw bytes (validated, never turned into Values) so
// the router can splice them unchanged into outgoing messages (architecture.md, principle 1).
//
// The parser never throws and never recurses deeper than kJsonMaxDepth, so hostile input cannot
// crash it; every failure carries a reason that ends up in the ABORT sent to the peer.
#include "wamp/json_codec.hpp"

#include <charconv>
#include <cmath>
#include <cstring>
#include <system_error>

#include "wamp/base64.hpp"
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
    while (true) {
      skip_ws();
      if (peek() != '"') return fail(at_end() ? "unterminated object" : "expected string key");
      Value* slot = nullptr;
      if (out != nullptr) {
        const char* key_start = p_;
        key.clear();
        if (!parse_string(&key)) return false;
        auto [it, inserted] = out->try_emplace(std::move(key));
        if (!inserted) {
          p_ = key_start;
          return fail("duplicate key in object");
        }
        slot = &it->second;
      } else if (!parse_string(nullptr)) {
        return false;
      }
      skip_ws();
      if (!consume(':')) return fail("expected ':' after object key");
      skip_ws();
      if (!parse_value(slot, depth)) return false;
      skip_ws();
      if (consume(',')) continue;
      if (consume('}')) return true;
      return fail(at_end() ? "unterminated object" : "expected ',' or '}' in object");
    }
  }

  // A string value, applying the WAMP binary convention: "\u0000" + base64 is Binary.
  bool parse_string_value(Value* out) {
    const char* start = p_;
    // In validate-only mode, only a string opening with the escape \u0000 can be binary.
    const bool maybe_binary = end_ - p_ >= 7 && std::memcmp(p_, "\"\\u0000", 7) == 0;
    if (out == nullptr && !maybe_binary) return parse_string(nullptr);
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
      while (p_ != end_) {
        const auto c = static_cast<unsigned char>(*p_);
        if (c == '"' || c == '\\' || c < 0x20 || c >= 0x80) break;
        ++p_;
      }
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

// Decodes one WAMP message, walking message_schema(type).
class MessageDecoder {
 public:
  explicit MessageDecoder(std::string_view bytes) : ps_(bytes) {}

  DecodeResult run() {
    if (!decode()) return DecodeError{ps_.error()};
    if (payload_) message_.payload = std::move(payload_);
    return std::move(message_);
  }

 private:
  bool decode() {
    ps_.skip_ws();
    if (ps_.peek() != '[') {
      if (!starts_value(ps_.peek())) return ps_.syntax_error_here();
      return ps_.fail_schema("message must be a list");
    }
    ps_.consume('[');
    ps_.skip_ws();
    if (ps_.peek() == ']') return ps_.fail_schema("message must not be an empty list");
    if (!starts_value(ps_.peek())) return ps_.syntax_error_here();
    if (!decode_type()) return false;
    const auto schema = message_schema(message_.type);
    const std::size_t required = required_fields(message_.type);
    std::size_t n = 0;
    while (true) {
      ps_.skip_ws();
      if (ps_.consume(']')) break;
      if (!ps_.consume(',')) {
        return ps_.fail(ps_.at_end() ? "unterminated array" : "expected ',' or ']' in array");
      }
      ps_.skip_ws();
      if (n >= schema.size()) {
        return ps_.fail_schema(std::string(message_name(message_.type)) +
                               ": too many elements (at most " + std::to_string(schema.size() + 1) +
                               ")");
      }
      if (!starts_value(ps_.peek())) return ps_.syntax_error_here();
      if (!decode_field(schema[n], n)) return false;
      ++n;
    }
    if (n < required) {
      return ps_.fail_schema(std::string(message_name(message_.type)) + ": too few elements (" +
                             std::to_string(n + 1) + ", at least " + std::to_string(required + 1) +
                             ")");
    }
    ps_.skip_ws();
    if (!ps_.at_end()) return ps_.fail("trailing data after message");
    return true;
  }

  bool decode_type() {
    if (ps_.peek() != '-' && !is_digit(ps_.peek())) {
      return ps_.fail_schema("element 0 (message type) must be an integer");
    }
    Value code;
    if (!ps_.parse_number(&code)) return false;
    if (!code.is_integer()) return ps_.fail_schema("element 0 (message type) must be an integer");
    const auto known = code.as_uint();
    if (!known || !is_known_message_type(*known)) {
      return ps_.fail_schema("unknown message type " + to_debug_string(code));
    }
    message_.type = static_cast<MessageType>(*known);
    return true;
  }

  bool type_error(std::size_t index, std::string_view expected) {
    std::string e(message_name(message_.type));
    e += ": element " + std::to_string(index + 1) + " (";
    e += field_name(message_.type, index);
    e += ") must be ";
    e += expected;
    return ps_.fail_schema(std::move(e));
  }

  // An integer token; nullopt (with no error set) when the token is not an integer.
  std::optional<Value> integer_token(bool& syntax_error) {
    syntax_error = false;
    if (ps_.peek() != '-' && !is_digit(ps_.peek())) return std::nullopt;
    Value v;
    if (!ps_.parse_number(&v)) {
      syntax_error = true;
      return std::nullopt;
    }
    if (!v.is_integer()) return std::nullopt;
    return v;
  }

  bool decode_field(Field field, std::size_t index) {
    switch (field) {
      case Field::request:
      case Field::id:
      case Field::id2: {
        static constexpr std::string_view kIdRule = "an integer in [0, 2^53]";
        bool syntax_error = false;
        const auto v = integer_token(syntax_error);
        if (syntax_error) return false;
        const auto id = v ? v->as_uint() : std::nullopt;
        if (!id || *id > kMaxId) return type_error(index, kIdRule);
        (field == Field::request ? message_.request
         : field == Field::id    ? message_.id
                                 : message_.id2) = *id;
        return true;
      }
      case Field::error_type: {
        bool syntax_error = false;
        const auto v = integer_token(syntax_error);
        if (syntax_error) return false;
        const auto code = v ? v->as_uint() : std::nullopt;
        if (!code || !is_known_message_type(*code)) {
          return type_error(index, "a known message type");
        }
        message_.error_type = static_cast<MessageType>(*code);
        return true;
      }
      case Field::uri: {
        if (ps_.peek() != '"') return type_error(index, "a string");
        Value v;
        if (!ps_.parse_string_value(&v)) return false;
        auto* text = std::get_if<std::string>(&v.v);
        if (text == nullptr) return type_error(index, "a string");
        message_.uri = std::move(*text);
        return true;
      }
      case Field::options:
        if (ps_.peek() != '{') return type_error(index, "a dict");
        return ps_.parse_object(&message_.options, 2);
      case Field::args:
      case Field::kwargs: {
        const bool args = field == Field::args;
        if (ps_.peek() != (args ? '[' : '{')) return type_error(index, args ? "a list" : "a dict");
        const char* start = ps_.pos();
        // Validated in full (so transcoding later cannot fail) but kept as the bytes received.
        if (!ps_.parse_value(nullptr, 1)) return false;
        if (!payload_) payload_ = std::make_shared<Payload>();
        (args ? payload_->args : payload_->kwargs)
            .assign(start, static_cast<std::size_t>(ps_.pos() - start));
        return true;
      }
    }
    return false;
  }

  Parser ps_;
  Message message_;
  std::shared_ptr<Payload> payload_;
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

template <typename T>
void write_integer(T value, std::string& out) {
  char buffer[24];
  const auto result = std::to_chars(buffer, buffer + sizeof buffer, value);
  out.append(buffer, result.ptr);
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

class JsonCodec final : public Codec {
 public:
  Serializer serializer() const override { return Serializer::json; }
  std::string_view subprotocol() const override { return "wamp.2.json"; }
  bool binary_frames() const override { return false; }

  DecodeResult decode(std::string_view bytes) const override { return MessageDecoder(bytes).run(); }

  void encode(const Message& message, std::string& out) const override {
    out += '[';
    write_integer(static_cast<unsigned>(message.type), out);
    const auto schema = message_schema(message.type);
    const std::size_t required = required_fields(message.type);
    for (std::size_t i = 0; i < schema.size(); ++i) {
      const Field field = schema[i];
      if (field == Field::args) {
        encode_payload(message.payload.get(), out);
        break;  // kwargs is written with args
      }
      // The optional Details of UNSUBSCRIBED/UNREGISTERED go out only when there is something.
      if (field == Field::options && i >= required && message.options.empty()) break;
      out += ',';
      switch (field) {
        case Field::request:
          write_integer(message.request, out);
          break;
        case Field::id:
          write_integer(message.id, out);
          break;
        case Field::id2:
          write_integer(message.id2, out);
          break;
        case Field::error_type:
          write_integer(static_cast<unsigned>(message.error_type), out);
          break;
        case Field::uri:
          write_string(message.uri, out);
          break;
        case Field::options:
          json_encode_object(message.options, out);
          break;
        case Field::args:
        case Field::kwargs:
          break;
      }
    }
    out += ']';
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

 private:
  void encode_payload(const Payload* payload, std::string& out) const {
    if (payload == nullptr) return;
    std::string_view args = payload->args;
    std::string_view kwargs = payload->kwargs;
    std::string args_json;
    std::string kwargs_json;
    if (payload->format != Serializer::json) {
      // Decoders validate payloads, so this only fails for a corrupt router-made payload; the
      // message then goes out without Arguments rather than as broken JSON.
      if (!payload_in_format(*payload, *this, args_json, kwargs_json)) return;
      args = args_json;
      kwargs = kwargs_json;
    }
    if (args.empty() && kwargs.empty()) return;
    out += ',';
    // Kwargs sit after Args on the wire, so an empty list stands in when only kwargs exist.
    if (args.empty()) {
      out += "[]";
    } else {
      out += args;
    }
    if (!kwargs.empty()) {
      out += ',';
      out += kwargs;
    }
  }
};

}  // namespace

const Codec& json_codec() {
  static const JsonCodec codec;
  return codec;
}

}  // namespace junction::wamp
