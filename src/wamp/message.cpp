// wamp/message: message names, the per-type wire schema every codec walks, and constructors for
// the messages the router itself sends.
#include "wamp/message.hpp"

#include <array>

#include "wamp/json_codec.hpp"

namespace junction::wamp {
namespace {

struct Schema {
  std::string_view name;
  std::array<Field, 6> fields{};
  std::array<std::string_view, 6> field_names{};
  std::uint8_t count = 0;
  std::uint8_t required = 0;
};

using F = Field;
constexpr std::size_t kMaxCode = 70;

// Indexed by type code; entries with an empty name are not message types.
constexpr std::array<Schema, kMaxCode + 1> make_schemas() {
  std::array<Schema, kMaxCode + 1> t{};
  auto set = [&t](MessageType type, std::string_view name, std::initializer_list<Field> fields,
                  std::initializer_list<std::string_view> names, std::size_t required) {
    Schema& s = t[static_cast<std::size_t>(type)];
    s.name = name;
    std::size_t i = 0;
    for (Field f : fields)
      s.fields[i++] = f;
    s.count = static_cast<std::uint8_t>(i);
    i = 0;
    for (std::string_view n : names)
      s.field_names[i++] = n;
    s.required = static_cast<std::uint8_t>(required);
  };
  using M = MessageType;
  set(M::hello, "HELLO", {F::uri, F::options}, {"Realm", "Details"}, 2);
  set(M::welcome, "WELCOME", {F::id, F::options}, {"Session", "Details"}, 2);
  set(M::abort, "ABORT", {F::options, F::uri}, {"Details", "Reason"}, 2);
  set(M::challenge, "CHALLENGE", {F::uri, F::options}, {"AuthMethod", "Extra"}, 2);
  set(M::authenticate, "AUTHENTICATE", {F::uri, F::options}, {"Signature", "Extra"}, 2);
  set(M::goodbye, "GOODBYE", {F::options, F::uri}, {"Details", "Reason"}, 2);
  set(M::error, "ERROR", {F::error_type, F::request, F::options, F::uri, F::args, F::kwargs},
      {"REQUEST.Type", "REQUEST.Request", "Details", "Error", "Arguments", "ArgumentsKw"}, 4);
  set(M::publish, "PUBLISH", {F::request, F::options, F::uri, F::args, F::kwargs},
      {"Request", "Options", "Topic", "Arguments", "ArgumentsKw"}, 3);
  set(M::published, "PUBLISHED", {F::request, F::id}, {"Request", "Publication"}, 2);
  set(M::subscribe, "SUBSCRIBE", {F::request, F::options, F::uri}, {"Request", "Options", "Topic"},
      3);
  set(M::subscribed, "SUBSCRIBED", {F::request, F::id}, {"Request", "Subscription"}, 2);
  set(M::unsubscribe, "UNSUBSCRIBE", {F::request, F::id}, {"Request", "Subscription"}, 2);
  set(M::unsubscribed, "UNSUBSCRIBED", {F::request, F::options}, {"Request", "Details"}, 1);
  set(M::event, "EVENT", {F::id, F::id2, F::options, F::args, F::kwargs},
      {"Subscription", "Publication", "Details", "Arguments", "ArgumentsKw"}, 3);
  set(M::call, "CALL", {F::request, F::options, F::uri, F::args, F::kwargs},
      {"Request", "Options", "Procedure", "Arguments", "ArgumentsKw"}, 3);
  set(M::cancel, "CANCEL", {F::request, F::options}, {"Request", "Options"}, 2);
  set(M::result, "RESULT", {F::request, F::options, F::args, F::kwargs},
      {"Request", "Details", "Arguments", "ArgumentsKw"}, 2);
  set(M::reg, "REGISTER", {F::request, F::options, F::uri}, {"Request", "Options", "Procedure"}, 3);
  set(M::registered, "REGISTERED", {F::request, F::id}, {"Request", "Registration"}, 2);
  set(M::unregister, "UNREGISTER", {F::request, F::id}, {"Request", "Registration"}, 2);
  set(M::unregistered, "UNREGISTERED", {F::request, F::options}, {"Request", "Details"}, 1);
  set(M::invocation, "INVOCATION", {F::request, F::id, F::options, F::args, F::kwargs},
      {"Request", "Registration", "Details", "Arguments", "ArgumentsKw"}, 3);
  set(M::interrupt, "INTERRUPT", {F::request, F::options}, {"Request", "Options"}, 2);
  set(M::yield, "YIELD", {F::request, F::options, F::args, F::kwargs},
      {"Request", "Options", "Arguments", "ArgumentsKw"}, 2);
  return t;
}

constexpr auto kSchemas = make_schemas();

const Schema* schema_of(MessageType type) {
  auto code = static_cast<std::size_t>(type);
  if (code > kMaxCode || kSchemas[code].name.empty()) return nullptr;
  return &kSchemas[code];
}

}  // namespace

std::string_view message_name(MessageType type) {
  const Schema* s = schema_of(type);
  return s == nullptr ? std::string_view("UNKNOWN") : s->name;
}

bool is_known_message_type(std::uint64_t code) {
  return code <= kMaxCode && !kSchemas[code].name.empty();
}

std::span<const Field> message_schema(MessageType type) {
  const Schema* s = schema_of(type);
  if (s == nullptr) return {};
  return std::span<const Field>(s->fields.data(), s->count);
}

std::size_t required_fields(MessageType type) {
  const Schema* s = schema_of(type);
  return s == nullptr ? 0 : s->required;
}

std::string_view field_name(MessageType type, std::size_t index) {
  const Schema* s = schema_of(type);
  if (s == nullptr || index >= s->count) return "?";
  return s->field_names[index];
}

PayloadPtr make_payload(const Array& args, const Object& kwargs) {
  auto payload = std::make_shared<Payload>();
  payload->format = Serializer::json;
  // Args are emitted whenever kwargs are (the wire position requires them); nothing when both
  // are empty, so the message goes out without Arguments at all.
  if (!args.empty() || !kwargs.empty()) json_encode_array(args, payload->args);
  if (!kwargs.empty()) json_encode_object(kwargs, payload->kwargs);
  return payload;
}

Message make_abort(std::string reason, std::string message) {
  Message m;
  m.type = MessageType::abort;
  m.uri = std::move(reason);
  if (!message.empty()) m.options.emplace("message", Value(std::move(message)));
  return m;
}

Message make_goodbye(std::string reason) {
  Message m;
  m.type = MessageType::goodbye;
  m.uri = std::move(reason);
  return m;
}

Message make_error(MessageType request_type, Id request, std::string error, PayloadPtr payload,
                   Object details) {
  Message m;
  m.type = MessageType::error;
  m.error_type = request_type;
  m.request = request;
  m.uri = std::move(error);
  m.options = std::move(details);
  m.payload = std::move(payload);
  return m;
}

}  // namespace junction::wamp
