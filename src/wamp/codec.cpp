// wamp/codec: the serializer registry, payload transcoding between serializers, and the
// encode-once cache of Outbound messages.
#include "wamp/codec.hpp"

#include "wamp/binary_codec.hpp"
#include "wamp/json_codec.hpp"

namespace junction::wamp {
namespace {

// Indexed by Serializer.
const std::array<const Codec*, kSerializerCount>& codec_table() {
  static const std::array<const Codec*, kSerializerCount> table = {
      &json_codec(),     // Serializer::json
      &msgpack_codec(),  // Serializer::msgpack
      &cbor_codec(),     // Serializer::cbor
      &ubjson_codec(),   // Serializer::ubjson
  };
  return table;
}

}  // namespace

const Codec* codec_for(Serializer serializer) {
  const auto index = static_cast<std::size_t>(serializer);
  const auto& table = codec_table();
  return index < table.size() ? table[index] : nullptr;
}

const Codec* codec_for_subprotocol(std::string_view name) {
  for (const Codec* codec : codec_table()) {
    if (codec != nullptr && codec->subprotocol() == name) return codec;
  }
  return nullptr;
}

bool payload_in_format(const Payload& payload, const Codec& target, std::string& args_out,
                       std::string& kwargs_out) {
  args_out.clear();
  kwargs_out.clear();
  if (payload.format == target.serializer()) {
    args_out = payload.args;
    kwargs_out = payload.kwargs;
    return true;
  }
  const Codec* source = codec_for(payload.format);
  if (source == nullptr) return false;
  auto transcode = [&](const std::string& bytes, bool want_array, std::string& out) {
    if (bytes.empty()) return true;
    auto decoded = source->decode_value(bytes);
    const Value* value = std::get_if<Value>(&decoded);
    if (value == nullptr || (want_array ? !value->is_array() : !value->is_object())) return false;
    target.encode_value(*value, out);
    return true;
  };
  if (!transcode(payload.args, true, args_out) || !transcode(payload.kwargs, false, kwargs_out)) {
    args_out.clear();
    kwargs_out.clear();
    return false;
  }
  return true;
}

namespace {
// Bytes an encoded message takes besides its URI and payload: type, ids, options, brackets.
constexpr std::size_t kEnvelopeReserve = 96;
}  // namespace

const std::shared_ptr<const std::string>& Outbound::encoded(const Codec& codec) const {
  auto& slot = cache_[static_cast<std::size_t>(codec.serializer())];
  if (!slot) {
    auto bytes = std::make_shared<std::string>();
    // Room for the usual case at once: growing from the small-string buffer doubling by doubling
    // cost several allocations and copies per message (seen with callgrind on the RPC path).
    bytes->reserve(
        kEnvelopeReserve + message_.uri.size() +
        (message_.payload ? message_.payload->args.size() + message_.payload->kwargs.size() : 0));
    codec.encode(message_, *bytes);
    slot = std::move(bytes);
  }
  return slot;
}

}  // namespace junction::wamp
