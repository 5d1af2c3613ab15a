// wamp/message: the WAMP message model. One struct serves every message type; a per-type schema
// (message.cpp) says which fields a type carries and in what order, so every codec shares one
// table instead of 24 hand-written layouts.
//
//   type          fields on the wire (after the type code)        Message members used
//   HELLO         Realm, Details                                   uri, options
//   WELCOME       Session, Details                                 id, options
//   ABORT         Details, Reason                                  options, uri
//   CHALLENGE     AuthMethod, Extra                                uri, options
//   AUTHENTICATE  Signature, Extra                                 uri, options
//   GOODBYE       Details, Reason                                  options, uri
//   ERROR         REQUEST.Type, REQUEST.Request, Details, Error, [Args, [Kwargs]]
//                                                                  error_type, request, options,
//                                                                  uri
//   PUBLISH       Request, Options, Topic, [Args, [Kwargs]]        request, options, uri
//   PUBLISHED     Request, Publication                             request, id
//   SUBSCRIBE     Request, Options, Topic                          request, options, uri
//   SUBSCRIBED    Request, Subscription                            request, id
//   UNSUBSCRIBE   Request, Subscription                            request, id
//   UNSUBSCRIBED  Request, [Details]                               request, options
//   EVENT         Subscription, Publication, Details, [Args, [Kwargs]]  id, id2, options
//   CALL          Request, Options, Procedure, [Args, [Kwargs]]    request, options, uri
//   CANCEL        Request, Options                                 request, options
//   RESULT        Request, Details, [Args, [Kwargs]]               request, options
//   REGISTER      Request, Options, Procedure                      request, options, uri
//   REGISTERED    Request, Registration                            request, id
//   UNREGISTER    Request, Registration                            request, id
//   UNREGISTERED  Request, [Details]                               request, options
//   INVOCATION    Request, Registration, Details, [Args, [Kwargs]] request, id, options
//   INTERRUPT     Request, Options                                 request, options
//   YIELD         Request, Options, [Args, [Kwargs]]               request, options
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "wamp/value.hpp"

namespace junction::wamp {

using Id = std::uint64_t;
// Ids (session, subscription, registration, publication, request) lie in [1, 2^53].
inline constexpr Id kMaxId = Id{1} << 53;

enum class MessageType : std::uint8_t {
  hello = 1,
  welcome = 2,
  abort = 3,
  challenge = 4,
  authenticate = 5,
  goodbye = 6,
  error = 8,
  publish = 16,
  published = 17,
  subscribe = 32,
  subscribed = 33,
  unsubscribe = 34,
  unsubscribed = 35,
  event = 36,
  call = 48,
  cancel = 49,
  result = 50,
  reg = 64,  // REGISTER ("register" is a C++ keyword)
  registered = 65,
  unregister = 66,
  unregistered = 67,
  invocation = 68,
  interrupt = 69,
  yield = 70,
};

std::string_view message_name(MessageType type);  // "CALL"
bool is_known_message_type(std::uint64_t code);

// The serializers a peer can speak; the order is the index into per-serializer caches.
enum class Serializer : std::uint8_t { json = 0, msgpack = 1, cbor = 2, ubjson = 3 };
inline constexpr std::size_t kSerializerCount = 4;

// Arguments|list and ArgumentsKw|dict exactly as they arrived: encoded bytes in `format`.
// The router forwards them untouched; a codec of another format transcodes on the way out.
struct Payload {
  Serializer format = Serializer::json;
  std::string args;    // an encoded list, or empty when absent
  std::string kwargs;  // an encoded dict, or empty when absent
};
using PayloadPtr = std::shared_ptr<const Payload>;

// Builds a payload from decoded values (router-made messages: errors, meta events).
PayloadPtr make_payload(const Array& args, const Object& kwargs = {});

struct Message {
  MessageType type = MessageType::hello;
  Id request = 0;  // Request|id, or the request an answer refers to
  Id id = 0;       // Session / Subscription / Registration / Publication
  Id id2 = 0;      // EVENT's Publication
  MessageType error_type = MessageType::hello;  // ERROR's REQUEST.Type
  std::string uri;     // realm, topic, procedure, reason, error, authmethod
  Object options;      // Options / Details / Extra
  PayloadPtr payload;  // null when the message carries no Arguments
};

// What each message type carries: the codec walks this list.
enum class Field : std::uint8_t { request, id, id2, error_type, uri, options, args, kwargs };
std::span<const Field> message_schema(MessageType type);
// Fields from this index on may be omitted (Args/Kwargs, the Details of UNSUBSCRIBED/UNREGISTERED).
std::size_t required_fields(MessageType type);
// The spec's name of the field at `index` of message_schema(type), e.g. "Procedure" (for errors).
std::string_view field_name(MessageType type, std::size_t index);

// Convenience constructors for the messages the router sends.
Message make_abort(std::string reason, std::string message = {});
Message make_goodbye(std::string reason);
Message make_error(MessageType request_type, Id request, std::string error,
                   PayloadPtr payload = nullptr, Object details = {});

}  // namespace junction::wamp
