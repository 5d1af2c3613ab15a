// router/in_process_session: requests become Messages handed to the session's Connection (the
// same path a transport uses); the router's answers come back through LocalDelivery and are
// matched to their request, subscription or registration.
#include "router/in_process_session.hpp"

#include <exception>

#include "base/log.hpp"

namespace junction::router {
namespace {

using wamp::Message;
using wamp::MessageType;

// The payload's args and kwargs as values (the router keeps them encoded as they arrived).
void decode_payload(const wamp::PayloadPtr& payload, wamp::Array& args, wamp::Object& kwargs) {
  if (!payload) return;
  const wamp::Codec* codec = wamp::codec_for(payload->format);
  if (!codec) return;
  if (!payload->args.empty()) {
    auto decoded = codec->decode_value(payload->args);
    if (auto* value = std::get_if<wamp::Value>(&decoded); value && value->as_array()) {
      args = std::move(*value->as_array());
    }
  }
  if (!payload->kwargs.empty()) {
    auto decoded = codec->decode_value(payload->kwargs);
    if (auto* value = std::get_if<wamp::Value>(&decoded); value && value->as_object()) {
      kwargs = std::move(*value->as_object());
    }
  }
}

wamp::PayloadPtr encode_payload(const wamp::Array& args, const wamp::Object& kwargs) {
  if (args.empty() && kwargs.empty()) return nullptr;
  return wamp::make_payload(args, kwargs);
}

// A handler that throws must not unwind through the router: the error is logged.
template <typename F>
void guarded(const char* what, F&& f) {
  try {
    f();
  } catch (const std::exception& e) {
    JLOG(error, "router") << "in-process session: " << what << " threw: " << e.what();
  } catch (...) {
    JLOG(error, "router") << "in-process session: " << what << " threw";
  }
}

}  // namespace

InProcessSession::InProcessSession(Router& router, std::string_view realm, std::string authid,
                                   std::string authrole)
    : router_(router),
      delivery_(router.local_delivery()),
      authid_(std::move(authid)),
      authrole_(std::move(authrole)),
      self_(std::make_shared<InProcessSession*>(this)) {
  connection_ = router_.connect(*this);
  connection_->establish_in_process(realm, authid_, authrole_);
  id_ = connection_->session_id();
}

InProcessSession::~InProcessSession() {
  *self_ = nullptr;
  delivery_.forget(*this);
  connection_.reset();  // leaves the realm
  delivery_.forget(*this);
}

void InProcessSession::leave() {
  if (!joined()) return;
  id_ = 0;  // the router's GOODBYE answer then needs no answer of ours
  pending_.clear();
  subscriptions_.clear();
  procedures_.clear();
  to_router(wamp::make_goodbye("wamp.close.close_realm"));
}

void InProcessSession::send(wamp::OutboundPtr message) {
  delivery_.post(*this, std::move(message));
}

void InProcessSession::to_router(Message&& message) {
  DispatchScope scope(delivery_);
  connection_->receive(std::move(message));
}

wamp::Id InProcessSession::submit(Message&& message, Request request) {
  if (!joined()) {
    if (request.done) {
      Answer answer;
      answer.error = "wamp.error.not_joined";  // not a spec URI: the session is gone
      guarded("callback", [&] { request.done(std::move(answer)); });
    }
    return 0;
  }
  const wamp::Id id = ++last_request_;
  message.request = id;
  pending_.emplace(id, std::move(request));
  to_router(std::move(message));
  return id;
}

void InProcessSession::register_procedure(std::string procedure, Procedure handler,
                                          wamp::Object options, Callback done) {
  Message m;
  m.type = MessageType::reg;
  m.uri = std::move(procedure);
  m.options = std::move(options);
  submit(std::move(m), Request{Pending::reg, std::move(done), {}, std::move(handler)});
}

void InProcessSession::unregister(wamp::Id registration, Callback done) {
  Message m;
  m.type = MessageType::unregister;
  m.id = registration;
  submit(std::move(m), Request{Pending::unregister, std::move(done), {}, {}, registration});
}

void InProcessSession::subscribe(std::string topic, EventHandler handler, wamp::Object options,
                                 Callback done) {
  Message m;
  m.type = MessageType::subscribe;
  m.uri = std::move(topic);
  m.options = std::move(options);
  submit(std::move(m), Request{Pending::subscribe, std::move(done), std::move(handler)});
}

void InProcessSession::unsubscribe(wamp::Id subscription, Callback done) {
  Message m;
  m.type = MessageType::unsubscribe;
  m.id = subscription;
  submit(std::move(m), Request{Pending::unsubscribe, std::move(done), {}, {}, subscription});
}

void InProcessSession::publish(std::string topic, wamp::Array args, wamp::Object kwargs,
                               wamp::Object options, Callback done) {
  publish_payload(std::move(topic), encode_payload(args, kwargs), std::move(options),
                  std::move(done));
}

void InProcessSession::publish_payload(std::string topic, wamp::PayloadPtr payload,
                                       wamp::Object options, Callback done) {
  Message m;
  m.type = MessageType::publish;
  m.uri = std::move(topic);
  m.options = std::move(options);
  m.payload = std::move(payload);
  if (done) {
    m.options["acknowledge"] = true;
    submit(std::move(m), Request{Pending::publish, std::move(done)});
    return;
  }
  if (!joined()) return;
  m.options.erase("acknowledge");  // nobody to tell: the router answers nothing
  m.request = ++last_request_;
  to_router(std::move(m));
}

void InProcessSession::call(std::string procedure, wamp::Array args, wamp::Object kwargs,
                            wamp::Object options, Callback done) {
  call_payload(std::move(procedure), encode_payload(args, kwargs), std::move(options),
               std::move(done));
}

void InProcessSession::call_payload(std::string procedure, wamp::PayloadPtr payload,
                                    wamp::Object options, Callback done) {
  Message m;
  m.type = MessageType::call;
  m.uri = std::move(procedure);
  m.options = std::move(options);
  m.payload = std::move(payload);
  submit(std::move(m), Request{Pending::call, std::move(done)});
}

void InProcessSession::ended() {
  if (!joined()) return;
  id_ = 0;
  pending_.clear();
  subscriptions_.clear();
  procedures_.clear();
  if (on_close_) guarded("on_close", [&] { on_close_(); });
}

void InProcessSession::deliver(const wamp::OutboundPtr& outbound) {
  const Message& m = outbound->message();
  switch (m.type) {
    case MessageType::welcome:
      return;  // id_ is known since establish_in_process()
    case MessageType::goodbye:
      // The router ends the session (kill, shutdown): answer, as the protocol asks.
      if (joined()) to_router(wamp::make_goodbye(std::string(wamp::errors::goodbye_and_out)));
      return ended();
    case MessageType::abort:
      return ended();
    case MessageType::event: {
      const auto it = subscriptions_.find(m.id);
      if (it == subscriptions_.end()) return;
      Event event;
      event.subscription = m.id;
      event.publication = m.id2;
      event.details = m.options;
      event.payload = m.payload;
      decode_payload(m.payload, event.args, event.kwargs);
      const EventHandler handler = it->second;  // the handler may unsubscribe
      guarded("event handler", [&] { handler(event); });
      return;
    }
    case MessageType::invocation: {
      const auto it = procedures_.find(m.id);
      Responder responder;
      responder.session_ = self_;
      responder.request_ = m.request;
      if (it == procedures_.end()) {
        responder.error(std::string(wamp::errors::no_such_registration));
        return;
      }
      Invocation invocation;
      invocation.registration = m.id;
      invocation.details = m.options;
      decode_payload(m.payload, invocation.args, invocation.kwargs);
      const Procedure procedure = it->second;
      guarded("procedure", [&] { procedure(invocation, responder); });
      return;
    }
    case MessageType::interrupt:
      return;  // call_canceling is not announced: the router never sends it
    case MessageType::unsubscribed:
    case MessageType::unregistered:
      if (m.request == 0) {
        // Revocation (the router removed us): forget the handler.
        if (const auto id = wamp::get_uint(m.options, "subscription")) subscriptions_.erase(*id);
        if (const auto id = wamp::get_uint(m.options, "registration")) procedures_.erase(*id);
        return;
      }
      break;
    default:
      break;
  }
  // An answer to one of our requests.
  const auto it = pending_.find(m.request);
  if (it == pending_.end()) return;
  const bool progress =
      m.type == MessageType::result && wamp::get_bool(m.options, "progress").value_or(false);
  Request request = progress ? it->second : std::move(it->second);
  if (!progress) pending_.erase(it);
  Answer answer;
  switch (m.type) {
    case MessageType::subscribed:
      answer.id = m.id;
      subscriptions_[m.id] = std::move(request.event_handler);
      break;
    case MessageType::registered:
      answer.id = m.id;
      procedures_[m.id] = std::move(request.procedure);
      break;
    case MessageType::unsubscribed:
      subscriptions_.erase(request.target);
      break;
    case MessageType::unregistered:
      procedures_.erase(request.target);
      break;
    case MessageType::published:
      answer.id = m.id;
      break;
    case MessageType::result:
      answer.details = m.options;
      decode_payload(m.payload, answer.args, answer.kwargs);
      break;
    case MessageType::error:
      answer.error = m.uri;
      answer.details = m.options;
      decode_payload(m.payload, answer.args, answer.kwargs);
      break;
    default:
      return;
  }
  if (request.done) guarded("callback", [&] { request.done(std::move(answer)); });
}

void InProcessSession::Responder::send(Message&& message, bool final) {
  const auto session = session_.lock();
  if (answered_ || !session || !*session || !(*session)->joined()) return;
  if (final) answered_ = true;
  message.request = request_;
  (*session)->to_router(std::move(message));
}

void InProcessSession::Responder::yield(wamp::Array args, wamp::Object kwargs) {
  Message m;
  m.type = MessageType::yield;
  m.payload = encode_payload(args, kwargs);
  send(std::move(m), true);
}

void InProcessSession::Responder::progress(wamp::Array args, wamp::Object kwargs) {
  Message m;
  m.type = MessageType::yield;
  m.options["progress"] = true;
  m.payload = encode_payload(args, kwargs);
  send(std::move(m), false);
}

void InProcessSession::Responder::error(std::string uri, wamp::Array args, wamp::Object kwargs) {
  Message m;
  m.type = MessageType::error;
  m.error_type = MessageType::invocation;
  m.uri = std::move(uri);
  m.payload = encode_payload(args, kwargs);
  send(std::move(m), true);
}

}  // namespace junction::router
