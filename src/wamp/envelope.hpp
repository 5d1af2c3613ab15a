// wamp/envelope: the schema walker every codec shares. It turns the top-level WAMP list into
// Message fields (and back) by walking message_schema(); a codec only supplies a small reader or
// writer for its format's values. Arguments/ArgumentsKw are validated and kept as raw byte spans
// on the way in and spliced (or transcoded once) on the way out. Internal to the wamp module.
//
// Reader (decode_envelope) — every bool method returns false only after recording an error:
//   static constexpr Serializer kFormat;
//   bool open_list();                       top-level list header; "message must be a list"
//   bool next_element(bool& more);          whether another element follows (consumes the end)
//   template <bool kAcceptFloat> bool read_integer(std::optional<Value>&);  nullopt (nothing
//                                           consumed) if not an integer (nor, with kAcceptFloat, a
//                                           float)
//   bool read_text(std::optional<std::string>&);  nullopt if not a (non-binary) string
//   bool read_dict(Object&, bool& is_dict);
//   bool read_raw(bool list, std::optional<std::string_view>&);  a validated list/dict's bytes
//   bool finish();                          nothing may follow the list
//   bool fail_schema(std::string);          a well-formed message that breaks the WAMP rules
//   const std::string& error() const;
//
// Writer (encode_envelope):
//   begin_list(n), next() before each element, uint(u), string(s), object(o), raw(bytes),
//   empty_list(), end_list().
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "wamp/codec.hpp"

namespace junction::wamp {

template <class Reader>
class EnvelopeDecoder {
 public:
  explicit EnvelopeDecoder(Reader& reader) : r_(reader) {}

  DecodeResult run() {
    if (!decode()) return DecodeError{r_.error()};
    if (payload_) message_.payload = std::move(payload_);
    return std::move(message_);
  }

 private:
  bool decode() {
    if (!r_.open_list()) return false;
    bool more = false;
    if (!r_.next_element(more)) return false;
    if (!more) return r_.fail_schema("message must not be an empty list");
    if (!decode_type()) return false;
    const auto schema = message_schema(message_.type);
    const std::size_t required = required_fields(message_.type);
    std::size_t n = 0;
    while (true) {
      if (!r_.next_element(more)) return false;
      if (!more) break;
      if (n >= schema.size()) {
        return r_.fail_schema(std::string(message_name(message_.type)) +
                              ": too many elements (at most " + std::to_string(schema.size() + 1) +
                              ")");
      }
      if (!decode_field(schema[n], n)) return false;
      ++n;
    }
    if (n < required) {
      return r_.fail_schema(std::string(message_name(message_.type)) + ": too few elements (" +
                            std::to_string(n + 1) + ", at least " + std::to_string(required + 1) +
                            ")");
    }
    return r_.finish();
  }

  bool decode_type() {
    std::optional<Value> code;
    if (!r_.template read_integer<false>(code)) return false;
    if (!code) return r_.fail_schema("element 0 (message type) must be an integer");
    const auto known = code->as_uint();
    if (!known || !is_known_message_type(*known)) {
      return r_.fail_schema("unknown message type " + to_debug_string(*code));
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
    return r_.fail_schema(std::move(e));
  }

  bool decode_field(Field field, std::size_t index) {
    switch (field) {
      case Field::request:
      case Field::id:
      case Field::id2: {
        std::optional<Value> v;
        // A whole float counts (as_uint checks it is exact): JavaScript encoders (wampy.js's
        // cbor-x and msgpackr) write integers above 2^32 as float64, ids included.
        if (!r_.template read_integer<true>(v)) return false;
        const auto id = v ? v->as_uint() : std::nullopt;
        if (!id || *id > kMaxId) return type_error(index, "an integer in [0, 2^53]");
        (field == Field::request ? message_.request
         : field == Field::id    ? message_.id
                                 : message_.id2) = *id;
        return true;
      }
      case Field::error_type: {
        std::optional<Value> v;
        if (!r_.template read_integer<false>(v)) return false;
        const auto code = v ? v->as_uint() : std::nullopt;
        if (!code || !is_known_message_type(*code)) {
          return type_error(index, "a known message type");
        }
        message_.error_type = static_cast<MessageType>(*code);
        return true;
      }
      case Field::uri: {
        std::optional<std::string> text;
        if (!r_.read_text(text)) return false;
        if (!text) return type_error(index, "a string");
        message_.uri = std::move(*text);
        return true;
      }
      case Field::options: {
        bool is_dict = false;
        if (!r_.read_dict(message_.options, is_dict)) return false;
        return is_dict || type_error(index, "a dict");
      }
      case Field::args:
      case Field::kwargs: {
        const bool args = field == Field::args;
        std::optional<std::string_view> span;
        // Validated in full (so transcoding later cannot fail) but kept as the bytes received.
        if (!r_.read_raw(args, span)) return false;
        if (!span) return type_error(index, args ? "a list" : "a dict");
        if (!payload_) {
          payload_ = std::make_shared<Payload>();
          payload_->format = Reader::kFormat;
        }
        (args ? payload_->args : payload_->kwargs).assign(span->data(), span->size());
        return true;
      }
    }
    return false;
  }

  Reader& r_;
  Message message_;
  std::shared_ptr<Payload> payload_;
};

template <class Reader>
DecodeResult decode_envelope(Reader& reader) {
  return EnvelopeDecoder<Reader>(reader).run();
}

template <class Writer>
void encode_envelope(const Message& message, const Codec& codec, Writer& w) {
  const auto schema = message_schema(message.type);
  const std::size_t required = required_fields(message.type);
  // The schema fields that go out before the payload. The optional Details of
  // UNSUBSCRIBED/UNREGISTERED go out only when there is something in them.
  std::size_t fields = 0;
  for (; fields < schema.size(); ++fields) {
    const Field f = schema[fields];
    if (f == Field::args) break;
    if (f == Field::options && fields >= required && message.options.empty()) break;
  }
  std::string_view args;
  std::string_view kwargs;
  std::string args_other;
  std::string kwargs_other;
  if (message.payload && fields < schema.size() && schema[fields] == Field::args) {
    const Payload& p = *message.payload;
    if (p.format == codec.serializer()) {
      args = p.args;
      kwargs = p.kwargs;
    } else if (payload_in_format(p, codec, args_other, kwargs_other)) {
      args = args_other;
      kwargs = kwargs_other;
    }
    // else: decoders validate payloads, so this only fails for a corrupt router-made payload;
    // the message then goes out without Arguments rather than as broken bytes.
  }
  const std::size_t payload_elements = !kwargs.empty() ? 2 : !args.empty() ? 1 : 0;
  w.begin_list(1 + fields + payload_elements);
  w.next();
  w.uint(static_cast<unsigned>(message.type));
  for (std::size_t i = 0; i < fields; ++i) {
    w.next();
    switch (schema[i]) {
      case Field::request:
        w.uint(message.request);
        break;
      case Field::id:
        w.uint(message.id);
        break;
      case Field::id2:
        w.uint(message.id2);
        break;
      case Field::error_type:
        w.uint(static_cast<unsigned>(message.error_type));
        break;
      case Field::uri:
        w.string(message.uri);
        break;
      case Field::options:
        w.object(message.options);
        break;
      case Field::args:
      case Field::kwargs:
        break;
    }
  }
  if (payload_elements > 0) {
    w.next();
    // Kwargs sit after Args on the wire, so an empty list stands in when only kwargs exist.
    if (args.empty()) {
      w.empty_list();
    } else {
      w.raw(args);
    }
    if (!kwargs.empty()) {
      w.next();
      w.raw(kwargs);
    }
  }
  w.end_list();
}

}  // namespace junction::wamp
