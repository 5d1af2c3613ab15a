// wamp/codec: turning bytes into Messages and back, one Codec per serializer. Decoding reads the
// envelope into Message fields and keeps Arguments/ArgumentsKw as raw bytes; encoding splices raw
// payload bytes back in unchanged when the formats match and transcodes them only when not.
#pragma once

#include <array>
#include <memory>
#include <string>
#include <string_view>
#include <variant>

#include "wamp/message.hpp"

namespace junction::wamp {

// Why a frame could not be decoded; becomes the ABORT message for the peer.
struct DecodeError {
  std::string reason;
};

using DecodeResult = std::variant<Message, DecodeError>;

class Codec {
 public:
  virtual ~Codec() = default;
  virtual Serializer serializer() const = 0;
  virtual std::string_view subprotocol() const = 0;  // "wamp.2.json"
  virtual bool binary_frames() const = 0;            // WebSocket binary (true) or text frames

  // Decodes one whole message. Never throws; malformed input yields a DecodeError.
  virtual DecodeResult decode(std::string_view bytes) const = 0;
  // Appends the encoding of `message` to `out`.
  virtual void encode(const Message& message, std::string& out) const = 0;

  // Single values, for transcoding payloads between serializers.
  virtual std::variant<Value, DecodeError> decode_value(std::string_view bytes) const = 0;
  virtual void encode_value(const Value& value, std::string& out) const = 0;
};

// The codec for a serializer, or null when Junction does not speak it (yet).
const Codec* codec_for(Serializer serializer);
// The codec for a WebSocket subprotocol name such as "wamp.2.json", or null.
const Codec* codec_for_subprotocol(std::string_view name);

// Raw args/kwargs of `payload` in the format `target` speaks: the same bytes when the formats
// match, transcoded otherwise. Returns false (and leaves out empty) if the payload is corrupt.
bool payload_in_format(const Payload& payload, const Codec& target, std::string& args_out,
                       std::string& kwargs_out);

// A message on its way out, shared by every recipient: encoded at most once per serializer.
// Not thread-safe: it lives on the thread that owns the routing state.
class Outbound {
 public:
  explicit Outbound(Message&& message) : message_(std::move(message)) {}
  explicit Outbound(const Message& message) : message_(message) {}
  const Message& message() const { return message_; }
  // The encoding for `codec`, made on first use and then shared.
  const std::shared_ptr<const std::string>& encoded(const Codec& codec) const;

 private:
  Message message_;
  mutable std::array<std::shared_ptr<const std::string>, kSerializerCount> cache_;
};
using OutboundPtr = std::shared_ptr<const Outbound>;

inline OutboundPtr make_outbound(Message&& message) {
  return std::make_shared<const Outbound>(std::move(message));
}
inline OutboundPtr make_outbound(const Message& message) {
  return std::make_shared<const Outbound>(message);
}

}  // namespace junction::wamp
