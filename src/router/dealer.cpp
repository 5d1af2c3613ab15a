// router/dealer: CALL → INVOCATION → YIELD/ERROR → RESULT/ERROR. Payloads are passed along by
// shared pointer without being decoded. Every call ends with exactly one final RESULT or ERROR
// for its caller, whatever the callee does (answers, errors, leaves, or the call is canceled).
#include "router/dealer.hpp"

#include "base/log.hpp"
#include "router/realm.hpp"

namespace junction::router {
namespace {

using wamp::Message;
using wamp::MessageType;

}  // namespace

void Dealer::register_procedure(Session& session, const Message& message) {
  const std::string* match = wamp::get_string(message.options, "match");
  if (match && *match != "exact") {
    reply_error(session, message, wamp::errors::invalid_argument,
                "registration match policy '" + *match + "' is not supported yet");
    return;
  }
  const std::string* invoke = wamp::get_string(message.options, "invoke");
  if (invoke && *invoke != "single") {
    reply_error(session, message, wamp::errors::invalid_argument,
                "invocation policy '" + *invoke + "' is not supported yet");
    return;
  }
  if (!admit(realm_, session, message, Action::register_)) return;
  auto [it, created] = by_procedure_.try_emplace(message.uri);
  if (!created) {
    reply_error(session, message, wamp::errors::procedure_already_exists,
                "procedure '" + message.uri + "' is already registered");
    return;
  }
  Registration& registration = it->second;
  registration.procedure = message.uri;
  registration.callee = &session;
  registration.id = realm_.ids().next_unique([this](wamp::Id id) { return by_id_.contains(id); });
  by_id_[registration.id] = &registration;
  session.registrations.insert(registration.id);

  Message reply;
  reply.type = MessageType::registered;
  reply.request = message.request;
  reply.id = registration.id;
  session.send(std::move(reply));
}

void Dealer::unregister(Session& session, const Message& message) {
  const auto it = by_id_.find(message.id);
  if (it == by_id_.end() || it->second->callee != &session) {
    reply_error(session, message, wamp::errors::no_such_registration,
                "no registration with id " + std::to_string(message.id) + " for this session");
    return;
  }
  // Calls already on their way to the callee still complete: only new calls are refused.
  drop_registration(*it->second);
  Message reply;
  reply.type = MessageType::unregistered;
  reply.request = message.request;
  session.send(std::move(reply));
}

void Dealer::drop_registration(Registration& registration) {
  registration.callee->registrations.erase(registration.id);
  by_id_.erase(registration.id);
  by_procedure_.erase(registration.procedure);  // destroys `registration`
}

void Dealer::call(Session& session, const Message& message) {
  const auto auth = admit(realm_, session, message, Action::call);
  if (!auth) return;
  const auto reg = by_procedure_.find(message.uri);
  if (reg == by_procedure_.end()) {
    reply_error(session, message, wamp::errors::no_such_procedure,
                "no callee registered for procedure '" + message.uri + "'");
    return;
  }
  const auto call_key = std::make_pair(session.id, message.request);
  if (calls_.contains(call_key)) {
    reply_error(session, message, wamp::errors::invalid_argument,
                "request id " + std::to_string(message.request) + " is already in use by a call");
    return;
  }
  Registration& registration = reg->second;
  Session& callee = *registration.callee;
  const wamp::Id invocation_request = ++next_invocation_request_[callee.id];

  Message invocation;
  invocation.type = MessageType::invocation;
  invocation.request = invocation_request;
  invocation.id = registration.id;
  invocation.payload = message.payload;
  if (auth->disclose || wamp::get_bool(message.options, "disclose_me").value_or(false)) {
    invocation.options["caller"] = wamp::Value(session.id);
    invocation.options["caller_authid"] = session.authid;
    invocation.options["caller_authrole"] = session.authrole;
  }
  const bool progress = wamp::get_bool(message.options, "receive_progress").value_or(false);
  if (progress) invocation.options["receive_progress"] = true;

  const InvocationKey key{callee.id, invocation_request};
  invocations_[key] = PendingCall{session.id, message.request, registration.id, progress};
  calls_[call_key] = key;
  callee.send(std::move(invocation));
}

void Dealer::yield(Session& callee, const Message& message) {
  const auto it = invocations_.find({callee.id, message.request});
  if (it == invocations_.end()) {
    // A late answer to a call that was canceled or whose caller left: nothing to do.
    JLOG(debug, "dealer") << "session " << callee.id << ": YIELD for unknown invocation "
                          << message.request << " ignored";
    return;
  }
  const PendingCall call = it->second;
  const bool progressive = wamp::get_bool(message.options, "progress").value_or(false);
  if (progressive && !call.receive_progress) return;  // the caller did not ask for progress
  const auto caller = realm_.sessions().find(call.caller_session);
  if (!progressive) {
    calls_.erase({call.caller_session, call.call_request});
    invocations_.erase(it);
  }
  if (caller == realm_.sessions().end()) return;
  Message result;
  result.type = MessageType::result;
  result.request = call.call_request;
  result.payload = message.payload;
  if (progressive) result.options["progress"] = true;
  caller->second->send(std::move(result));
}

void Dealer::invocation_error(Session& callee, const Message& message) {
  const auto it = invocations_.find({callee.id, message.request});
  if (it == invocations_.end()) {
    JLOG(debug, "dealer") << "session " << callee.id << ": ERROR for unknown invocation "
                          << message.request << " ignored";
    return;
  }
  const PendingCall call = it->second;
  calls_.erase({call.caller_session, call.call_request});
  invocations_.erase(it);
  const auto caller = realm_.sessions().find(call.caller_session);
  if (caller == realm_.sessions().end()) return;
  // The callee's error reaches the caller unchanged: URI, args and kwargs.
  caller->second->send(
      wamp::make_error(MessageType::call, call.call_request, message.uri, message.payload));
}

void Dealer::cancel(Session& caller, const Message& message) {
  const auto it = calls_.find({caller.id, message.request});
  if (it == calls_.end()) return;  // already answered: the caller has its final message
  const InvocationKey key = it->second;
  const PendingCall call = invocations_.at(key);
  const std::string* mode_option = wamp::get_string(message.options, "mode");
  const std::string mode = mode_option ? *mode_option : "killnowait";
  if (mode != "skip" && mode != "kill" && mode != "killnowait") {
    reply_error(caller, message, wamp::errors::invalid_argument,
                "cancel mode '" + mode + "' is not one of skip, kill, killnowait");
    return;
  }
  const auto callee = realm_.sessions().find(key.first);
  const bool callee_can_cancel =
      callee != realm_.sessions().end() && callee->second->features.callee_call_canceling;
  if (mode != "skip" && callee_can_cancel) {
    Message interrupt;
    interrupt.type = MessageType::interrupt;
    interrupt.request = key.second;
    interrupt.options["mode"] = mode;
    callee->second->send(std::move(interrupt));
    // kill: the callee's answer (normally an ERROR) is the caller's final message.
    if (mode == "kill") return;
  }
  calls_.erase(it);
  invocations_.erase(key);
  fail_call(call, wamp::errors::canceled, "call canceled by the caller");
}

void Dealer::fail_call(const PendingCall& call, std::string_view error, std::string_view why) {
  const auto caller = realm_.sessions().find(call.caller_session);
  if (caller == realm_.sessions().end()) return;
  caller->second->send(wamp::make_error(MessageType::call, call.call_request, std::string(error),
                                        wamp::make_payload({wamp::Value(std::string(why))})));
}

void Dealer::remove_session(Session& session) {
  const auto registrations = session.registrations;  // drop_registration() edits the set
  for (wamp::Id id : registrations) {
    if (auto it = by_id_.find(id); it != by_id_.end()) drop_registration(*it->second);
  }
  // Calls this session serves as callee: each caller gets its error now; nothing hangs.
  for (auto it = invocations_.lower_bound({session.id, 0});
       it != invocations_.end() && it->first.first == session.id;) {
    const PendingCall call = it->second;
    calls_.erase({call.caller_session, call.call_request});
    it = invocations_.erase(it);
    fail_call(call, wamp::errors::canceled, "callee disconnected from in-flight request");
  }
  // Calls this session made: forget them; a callee that can cancel is told to stop.
  for (auto it = calls_.lower_bound({session.id, 0});
       it != calls_.end() && it->first.first == session.id;) {
    const InvocationKey key = it->second;
    invocations_.erase(key);
    it = calls_.erase(it);
    const auto callee = realm_.sessions().find(key.first);
    if (callee != realm_.sessions().end() && callee->second->features.callee_call_canceling) {
      Message interrupt;
      interrupt.type = MessageType::interrupt;
      interrupt.request = key.second;
      interrupt.options["mode"] = "killnowait";
      callee->second->send(std::move(interrupt));
    }
  }
  next_invocation_request_.erase(session.id);
}

}  // namespace junction::router
