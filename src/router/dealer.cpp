// router/dealer: CALL → INVOCATION → YIELD/ERROR → RESULT/ERROR. Payloads are passed along by
// shared pointer without being decoded. Every call ends with exactly one final RESULT or ERROR
// for its caller, whatever the callee does (answers, errors, leaves, or the call is canceled).
#include "router/dealer.hpp"

#include <algorithm>
#include <cmath>

#include "base/log.hpp"
#include "router/passthru.hpp"
#include "router/realm.hpp"

namespace junction::router {
namespace {

using wamp::Message;
using wamp::MessageType;

// CALL.Options.timeout above this counts as this (a year): a deadline further away is no
// deadline, and steady_clock's nanoseconds must not overflow.
constexpr std::uint64_t kMaxCallTimeoutMillis = 365ull * 24 * 3600 * 1000;

// CALL.Options.timeout in whole milliseconds (0: none), or nullopt if it is not a non-negative
// number. The spec says integer; a fraction (Autobahn|Python documents seconds and lets a float
// through) is rounded up rather than refused.
std::optional<std::uint64_t> call_timeout_millis(const wamp::Value& value) {
  if (const auto integer = value.as_uint()) return std::min(*integer, kMaxCallTimeoutMillis);
  if (const double* real = std::get_if<double>(&value.v); real && *real >= 0) {
    return *real >= static_cast<double>(kMaxCallTimeoutMillis)
               ? kMaxCallTimeoutMillis
               : static_cast<std::uint64_t>(std::ceil(*real));
  }
  return std::nullopt;
}

// Slots of calls in flight kept for reuse while calls are in flight; above this, the pool and the
// indexes are freed when the last call ends.
constexpr std::size_t kKeptCallSlots = 4096;

using Link = PendingCall* PendingCall::*;

// Appends `call` to the circular list at `head` (whose prev is its tail).
void link_last(PendingCall*& head, PendingCall& call, Link prev, Link next) {
  if (!head) {
    call.*prev = call.*next = &call;
    head = &call;
    return;
  }
  PendingCall* tail = head->*prev;
  call.*prev = tail;
  call.*next = head;
  tail->*next = &call;
  head->*prev = &call;
}

void unlink(PendingCall*& head, PendingCall& call, Link prev, Link next) {
  if (call.*next == &call) {
    head = nullptr;
    return;
  }
  (call.*prev)->*next = call.*next;
  (call.*next)->*prev = call.*prev;
  if (head == &call) head = call.*next;
}

}  // namespace

std::optional<InvokePolicy> parse_invoke_policy(std::string_view name) {
  if (name == "single") return InvokePolicy::single;
  if (name == "first") return InvokePolicy::first;
  if (name == "last") return InvokePolicy::last;
  if (name == "roundrobin") return InvokePolicy::roundrobin;
  if (name == "random") return InvokePolicy::random;
  return std::nullopt;
}

std::string_view invoke_policy_name(InvokePolicy policy) {
  switch (policy) {
    case InvokePolicy::single:
      return "single";
    case InvokePolicy::first:
      return "first";
    case InvokePolicy::last:
      return "last";
    case InvokePolicy::roundrobin:
      return "roundrobin";
    case InvokePolicy::random:
      return "random";
  }
  return "?";
}

wamp::Object Dealer::features() {
  return wamp::Object{
      {"caller_identification", true},         // call(): disclose_me, role's disclose
      {"call_canceling", true},                // cancel()
      {"call_timeout", true},                  // call(): timeout; time_out()
      {"progressive_call_results", true},      // yield(): progress
      {"progressive_call_invocations", true},  // call(): progress; continue_invocations()
      {"payload_passthru_mode", true},         // call(), yield(), invocation_error(): ppt_*
      {"pattern_based_registration", true},    // register_procedure(): match; call(): best match
      {"shared_registration", true},           // register_procedure(): invoke; pick_callee()
  };
}

void Dealer::register_procedure(Session& session, const Message& message) {
  const auto match = match_option(session, message);
  if (!match) return;
  InvokePolicy invoke = InvokePolicy::single;
  if (const wamp::Value* option = wamp::find(message.options, "invoke")) {
    const std::string* name = option->as_string();
    const auto policy = name ? parse_invoke_policy(*name) : std::nullopt;
    if (!policy) {
      reply_error(session, message, wamp::errors::invalid_argument,
                  "option 'invoke' must be one of \"single\", \"first\", \"last\", "
                  "\"roundrobin\", \"random\"");
      return;
    }
    invoke = *policy;
  }
  if (!admit(realm_, session, message, Action::register_, true, *match)) return;
  Registration* registration = index_.find(message.uri, *match);
  const bool created = registration == nullptr;
  if (registration) {
    // Spec (shared registration): after a 'single' registration every further one fails; after
    // a shared one, those with another policy fail. A callee registers a procedure once.
    const bool same_session = std::find(registration->callees.begin(), registration->callees.end(),
                                        &session) != registration->callees.end();
    if (registration->invoke == InvokePolicy::single || same_session) {
      reply_error(session, message, wamp::errors::procedure_already_exists,
                  "procedure '" + message.uri + "' is already registered" +
                      (*match == MatchPolicy::exact
                           ? std::string()
                           : " with match '" + std::string(wamp::match_policy_name(*match)) + "'") +
                      (same_session ? " by this session" : ""));
      return;
    }
    if (registration->invoke != invoke) {
      reply_error(session, message, wamp::errors::procedure_exists_with_different_invocation_policy,
                  "procedure '" + message.uri + "' is registered with invoke '" +
                      std::string(invoke_policy_name(registration->invoke)) + "', not '" +
                      std::string(invoke_policy_name(invoke)) + "'");
      return;
    }
  }
  // A registration that would only fail anyway was answered above: its own error says more.
  if (const std::size_t limit = realm_.config().max_registrations_per_session;
      limit != 0 && session.registrations.size() >= limit) {
    reply_error(session, message, wamp::errors::limit_exceeded,
                "this session holds its maximum of " + std::to_string(limit) +
                    " registrations (realm options.max_registrations_per_session)");
    return;
  }
  if (!registration) {
    auto created = std::make_unique<Registration>();
    registration = created.get();
    registration->procedure = message.uri;
    registration->match = *match;
    registration->invoke = invoke;
    registration->created = WallClock::now();
    registration->id =
        realm_.ids().next_unique([this](wamp::Id id) { return by_id_.contains(id); });
    index_.insert(registration->procedure, registration->match, registration);
    by_id_.emplace(registration->id, std::move(created));
  }
  registration->callees.push_back(&session);
  session.registrations.insert(registration->id);

  Message reply;
  reply.type = MessageType::registered;
  reply.request = message.request;
  reply.id = registration->id;
  session.send(std::move(reply));
  realm_.notify([&](RealmObserver& o) {
    if (created) o.registration_created(session, *registration);
    o.callee_added(session, *registration);
  });
}

void Dealer::unregister(Session& session, const Message& message) {
  const auto it = by_id_.find(message.id);
  if (it == by_id_.end() || !session.registrations.contains(message.id)) {
    reply_error(session, message, wamp::errors::no_such_registration,
                "no registration with id " + std::to_string(message.id) + " for this session");
    return;
  }
  // Calls already on their way to the callee still complete: only new calls go elsewhere.
  remove_callee(*it->second, session);
  Message reply;
  reply.type = MessageType::unregistered;
  reply.request = message.request;
  session.send(std::move(reply));
}

void Dealer::remove_callee(Registration& registration, Session& callee) {
  callee.registrations.erase(registration.id);
  auto& callees = registration.callees;
  const auto it = std::find(callees.begin(), callees.end(), &callee);
  if (it == callees.end()) return;
  const auto index = static_cast<std::size_t>(it - callees.begin());
  callees.erase(it);
  realm_.notify([&](RealmObserver& o) { o.callee_removed(callee, registration); });
  if (callees.empty()) {
    realm_.notify([&](RealmObserver& o) { o.registration_deleted(callee, registration); });
    index_.erase(registration.procedure, registration.match);
    by_id_.erase(registration.id);  // destroys `registration`
    return;
  }
  // Round robin goes on with the callee that was next (its index moved down by one).
  if (index < registration.next_callee) --registration.next_callee;
  if (registration.next_callee >= callees.size()) registration.next_callee = 0;
}

bool Dealer::revoke_callee(wamp::Id registration_id, Session& callee, const std::string& reason) {
  const auto it = by_id_.find(registration_id);
  if (it == by_id_.end() || !callee.registrations.contains(registration_id)) return false;
  remove_callee(*it->second, callee);
  // Registration revocation (spec, advanced profile): UNREGISTERED with request 0 and details,
  // only to a callee that announced it understands them.
  if (!callee.features.callee_registration_revocation) return true;
  Message notice;
  notice.type = MessageType::unregistered;
  notice.options["registration"] = wamp::Value(registration_id);
  if (!reason.empty()) notice.options["reason"] = reason;
  callee.send(std::move(notice));
  return true;
}

Session& Dealer::pick_callee(Registration& registration) {
  auto& callees = registration.callees;
  switch (registration.invoke) {
    case InvokePolicy::single:
    case InvokePolicy::first:
      return *callees.front();
    case InvokePolicy::last:
      return *callees.back();
    case InvokePolicy::roundrobin: {
      Session& callee = *callees[registration.next_callee];
      registration.next_callee = (registration.next_callee + 1) % callees.size();
      return callee;
    }
    case InvokePolicy::random:
      return *callees[realm_.ids().next() % callees.size()];
  }
  return *callees.front();
}

void Dealer::call(Session& session, const Message& message) {
  // The call's slot, which a new call needs anyway; taken already, the CALL continues a
  // progressive call invocation, or is refused.
  const CallKey key{session.id, message.request};
  const auto [slot, fresh] = by_call_.try_emplace(key, nullptr);
  if (!fresh) {
    if (slot->second->invocations_open) return continue_invocations(*slot->second, message);
    reply_error(session, message, wamp::errors::invalid_argument,
                "request id " + std::to_string(message.request) + " is already in use by a call");
    return;
  }
  // Every return before the call is made gives the slot back.
  struct Unclaimed {
    CallIndex& index;
    const CallKey& key;
    bool claimed = false;
    ~Unclaimed() {
      if (!claimed) index.erase(key);
    }
  } unclaimed{by_call_, key};

  const RealmConfig& limits = realm_.config();
  if (session.calls_made_count >= limits.max_pending_calls_per_session &&
      limits.max_pending_calls_per_session != 0 && !session.in_process) {
    reply_error(session, message, wamp::errors::limit_exceeded,
                "the caller has " + std::to_string(session.calls_made_count) +
                    " calls in flight (realm options.max_pending_calls_per_session)");
    return;
  }
  Registration* const found = index_.best_match(message.uri);
  if (!found) {
    if (!admit(realm_, session, message, Action::call)) return;
    reply_error(session, message, wamp::errors::no_such_procedure,
                "no callee registered for procedure '" + message.uri + "'");
    return;
  }
  Registration& registration = *found;
  Authorization auth;
  if (registration.match != MatchPolicy::exact) {
    // A pattern matched: the URI itself was never checked, and differs from call to call.
    const auto granted = admit(realm_, session, message, Action::call);
    if (!granted) return;
    auth = *granted;
  } else {
    // An exactly registered URI is valid (REGISTER checked it against the same realm rules), so
    // what admit() would answer depends on the caller's role only: kept per registration.
    // (A dynamic authorizer's answer is the session's own: never kept here.)
    if (session.preauthorized) {
      const auto granted = admit(realm_, session, message, Action::call);
      if (!granted) return;
      auth = *granted;
    } else {
      if (!registration.call_auth.allowed || registration.call_role != session.authrole) {
        const auto granted = admit(realm_, session, message, Action::call);
        if (!granted) return;
        registration.call_role = session.authrole;
        registration.call_auth = *granted;
      }
      auth = registration.call_auth;
    }
  }
  // The options acted on, in one pass (none to read for a CALL without options).
  bool progress = false;     // progressive results (receive_progress)
  bool invocations = false;  // progressive invocations (progress)
  bool disclose_me = false;
  bool passthru = false;             // ppt_scheme: checked below
  std::uint64_t timeout_millis = 0;  // 0: no timeout (spec)
  for (const auto& [key, value] : message.options) {
    if (key == "receive_progress") {
      progress = value.as_bool() && *value.as_bool();
    } else if (key == "disclose_me") {
      disclose_me = value.as_bool() && *value.as_bool();
    } else if (key == "progress") {
      invocations = value.as_bool() && *value.as_bool();
    } else if (key == "ppt_scheme") {
      passthru = true;
    } else if (key == "timeout") {
      const auto millis = call_timeout_millis(value);
      if (!millis) {
        reply_error(session, message, wamp::errors::invalid_argument,
                    "option 'timeout' must be a non-negative number of milliseconds");
        return;
      }
      timeout_millis = *millis;
    }
  }
  if (passthru && !passthru_admitted(session, message, session.features.caller_payload_passthru)) {
    return;  // refused (the session may be gone)
  }
  if (invocations && !session.features.caller_progressive_call_invocations) {
    // Spec: a protocol error, the session is aborted.
    by_call_.erase(slot);
    unclaimed.claimed = true;
    abort_session(session, wamp::errors::protocol_violation,
                  "CALL with progress=true from a caller that did not announce "
                  "progressive_call_invocations");
    return;  // `session` is gone
  }
  Session& callee = pick_callee(registration);
  if (callee.calls_served_count >= limits.max_pending_calls_per_callee &&
      limits.max_pending_calls_per_callee != 0) {
    reply_error(session, message, wamp::errors::limit_exceeded,
                "the callee of '" + message.uri + "' has " +
                    std::to_string(callee.calls_served_count) +
                    " calls in flight (realm options.max_pending_calls_per_callee)");
    return;
  }
  if (invocations && !(callee.features.callee_progressive_call_invocations &&
                       callee.features.callee_call_canceling)) {
    reply_error(session, message, wamp::errors::feature_not_supported,
                "the callee of '" + message.uri +
                    "' does not support progressive call invocations (with call canceling)");
    return;
  }
  if (passthru && !callee.features.callee_payload_passthru) {
    reply_error(session, message, wamp::errors::feature_not_supported,
                "the callee of '" + message.uri + "' does not support payload passthru mode");
    return;
  }
  PendingCall& pending = add_call(session, callee);
  pending.call_request = message.request;
  pending.invocation_request = ++callee.last_invocation_request;
  pending.registration = registration.id;
  pending.receive_progress = progress;
  slot->second = &pending;
  unclaimed.claimed = true;
  by_invocation_.emplace(CallKey{callee.id, pending.invocation_request}, &pending);

  Message invocation;
  invocation.type = MessageType::invocation;
  invocation.request = pending.invocation_request;
  invocation.id = registration.id;
  invocation.payload = message.payload;
  // The router's own in-process callees (meta API) always learn who calls them.
  if (auth.disclose || callee.in_process || disclose_me) {
    invocation.options["caller"] = wamp::Value(session.id);
    invocation.options["caller_authid"] = session.authid;
    invocation.options["caller_authrole"] = session.authrole;
  }
  if (progress) invocation.options["receive_progress"] = true;
  // A pattern's callee learns the concrete procedure (spec: INVOCATION.Details.procedure).
  if (registration.match != MatchPolicy::exact) invocation.options["procedure"] = message.uri;
  if (passthru) copy_passthru(message.options, invocation.options);
  if (invocations) {
    pending.invocations_open = true;
    pending.invocation_details = invocation.options;
    invocation.options["progress"] = true;
  }
  callee.send(std::move(invocation));
  if (timeout_millis != 0) {
    pending.timer = realm_.timers().start(std::chrono::milliseconds(timeout_millis),
                                          [this, call = &pending] { time_out(*call); });
  }
}

void Dealer::continue_invocations(PendingCall& call, const Message& message) {
  if (call.killing) return;  // canceled: the rest of the stream has nowhere to go
  // Only `progress` counts in a continuing CALL (spec); its procedure and other options are
  // those of the first.
  const bool more = wamp::get_bool(message.options, "progress").value_or(false);
  Message invocation;
  invocation.type = MessageType::invocation;
  invocation.request = call.invocation_request;
  invocation.id = call.registration;
  invocation.payload = message.payload;
  if (more) {
    invocation.options = call.invocation_details;
    invocation.options["progress"] = true;
  } else {
    call.invocations_open = false;
    invocation.options = std::move(call.invocation_details);
    call.invocation_details.clear();
  }
  call.callee->send(std::move(invocation));
}

void Dealer::time_out(PendingCall& call) {
  call.timer = 0;  // it ran
  Session& caller = *call.caller;
  Session& callee = *call.callee;
  const wamp::Id call_request = call.call_request;
  const wamp::Id invocation_request = call.invocation_request;
  remove_call(call);  // a late YIELD or ERROR finds nothing and is dropped
  interrupt(callee, invocation_request, "killnowait", wamp::errors::timeout);
  fail_call(caller, call_request, wamp::errors::timeout,
            "the call did not complete within its timeout (CALL.Options.timeout)");
}

void Dealer::end_kill_grace(PendingCall& call) {
  call.timer = 0;
  Session& caller = *call.caller;
  const wamp::Id call_request = call.call_request;
  remove_call(call);  // the callee's late answer is dropped
  fail_call(caller, call_request, wamp::errors::canceled,
            "call canceled by the caller; the callee did not answer the interrupt within " +
                std::to_string(realm_.config().cancel_kill_grace.count()) + " ms");
}

void Dealer::interrupt(const Session& callee, wamp::Id invocation_request, std::string_view mode,
                       std::string_view reason) {
  if (!callee.features.callee_call_canceling) return;
  Message message;
  message.type = MessageType::interrupt;
  message.request = invocation_request;
  message.options["mode"] = std::string(mode);
  if (!reason.empty()) message.options["reason"] = std::string(reason);
  callee.send(std::move(message));
}

void Dealer::yield(Session& callee, const Message& message) {
  const auto it = by_invocation_.find(CallKey{callee.id, message.request});
  if (it == by_invocation_.end()) {
    // A late answer to a call that was canceled or whose caller left: nothing to do.
    JLOG(debug, "dealer") << "session " << callee.id << ": YIELD for unknown invocation "
                          << message.request << " ignored";
    return;
  }
  PendingCall& call = *it->second;
  const bool progressive = wamp::get_bool(message.options, "progress").value_or(false);
  if (progressive && !call.receive_progress) return;  // the caller did not ask for progress
  Session& caller = *call.caller;
  const Passthru passthru = passthru_of(message.options);
  if (passthru != Passthru::none) {
    if (!passthru_admitted(callee, message, callee.features.callee_payload_passthru)) return;
    if (!caller.features.caller_payload_passthru) {
      // Spec: the callee is told; and the caller still gets its one final answer.
      reply_error(callee, message, wamp::errors::feature_not_supported,
                  "the caller does not support payload passthru mode");
      const wamp::Id call_request = call.call_request;
      by_invocation_.erase(it);
      forget_call(call);
      fail_call(caller, call_request, wamp::errors::feature_not_supported,
                "the callee answered in payload passthru mode, which this caller did not announce");
      return;
    }
  }
  Message result;
  result.type = MessageType::result;
  result.request = call.call_request;
  result.payload = message.payload;
  if (passthru != Passthru::none) copy_passthru(message.options, result.options);
  if (progressive) {
    result.options["progress"] = true;
  } else {
    by_invocation_.erase(it);
    forget_call(call);
  }
  caller.send(std::move(result));
}

void Dealer::invocation_error(Session& callee, const Message& message) {
  const auto it = by_invocation_.find(CallKey{callee.id, message.request});
  if (it == by_invocation_.end()) {
    JLOG(debug, "dealer") << "session " << callee.id << ": ERROR for unknown invocation "
                          << message.request << " ignored";
    return;
  }
  PendingCall& call = *it->second;
  Session& caller = *call.caller;
  const wamp::Id call_request = call.call_request;
  by_invocation_.erase(it);
  forget_call(call);
  // The callee's error reaches the caller unchanged: URI, args and kwargs, and the ppt_*
  // attributes of a passthru payload.
  Message error = wamp::make_error(MessageType::call, call_request, message.uri, message.payload);
  if (passthru_of(message.options) == Passthru::valid)
    copy_passthru(message.options, error.options);
  caller.send(std::move(error));
}

void Dealer::cancel(Session& caller, const Message& message) {
  const auto it = by_call_.find(CallKey{caller.id, message.request});
  if (it == by_call_.end()) return;  // already answered: the caller has its final message
  PendingCall& call = *it->second;
  const std::string* mode_option = wamp::get_string(message.options, "mode");
  const std::string mode = mode_option ? *mode_option : "killnowait";
  if (mode != "skip" && mode != "kill" && mode != "killnowait") {
    reply_error(caller, message, wamp::errors::invalid_argument,
                "cancel mode '" + mode + "' is not one of skip, kill, killnowait");
    return;
  }
  Session& callee = *call.callee;
  if (mode == "kill" && callee.features.callee_call_canceling) {
    if (call.killing) return;  // already waiting for the callee's answer
    interrupt(callee, call.invocation_request, mode, wamp::errors::canceled);
    // The callee's answer (normally an ERROR) is the caller's final message, but many callees
    // answer nothing after INTERRUPT: past the grace period the dealer answers for them. The
    // grace period replaces the call's timeout: the caller asked for the end already.
    call.killing = true;
    realm_.timers().cancel(call.timer);
    call.timer = realm_.timers().start(realm_.config().cancel_kill_grace,
                                       [this, pending = &call] { end_kill_grace(*pending); });
    return;
  }
  if (mode == "killnowait")
    interrupt(callee, call.invocation_request, mode, wamp::errors::canceled);
  const wamp::Id call_request = call.call_request;
  remove_call(call);
  fail_call(caller, call_request, wamp::errors::canceled, "call canceled by the caller");
}

bool Dealer::passthru_admitted(Session& session, const Message& message, bool announced) {
  if (passthru_of(message.options) == Passthru::invalid) {
    reply_error(session, message, wamp::errors::invalid_argument,
                "ppt_scheme must be a non-empty string and ppt_serializer, ppt_cipher, ppt_keyid "
                "strings");
    return false;
  }
  if (!announced) {
    // Spec: a protocol error, the session is aborted.
    const std::string what(wamp::message_name(message.type));
    if (message.type == MessageType::call) by_call_.erase(CallKey{session.id, message.request});
    abort_session(session, wamp::errors::protocol_violation,
                  what +
                      " in payload passthru mode from a peer that did not announce "
                      "payload_passthru_mode");
    return false;
  }
  return true;
}

void Dealer::fail_call(const Session& caller, wamp::Id call_request, std::string_view error,
                       std::string_view why) {
  caller.send(wamp::make_error(MessageType::call, call_request, std::string(error),
                               wamp::make_payload({wamp::Value(std::string(why))})));
}

PendingCall& Dealer::add_call(Session& caller, Session& callee) {
  PendingCall* call = free_calls_;
  if (call) {
    free_calls_ = call->caller_next;
    *call = PendingCall{};
  } else {
    call = &call_slots_.emplace_back();
  }
  call->caller = &caller;
  call->callee = &callee;
  link_last(caller.calls_made, *call, &PendingCall::caller_prev, &PendingCall::caller_next);
  link_last(callee.calls_served, *call, &PendingCall::callee_prev, &PendingCall::callee_next);
  ++caller.calls_made_count;
  ++callee.calls_served_count;
  return *call;
}

void Dealer::remove_call(PendingCall& call) {
  by_invocation_.erase(CallKey{call.callee->id, call.invocation_request});
  forget_call(call);
}

void Dealer::forget_call(PendingCall& call) {
  if (call.timer != 0) realm_.timers().cancel(call.timer);
  if (call.invocations_open) call.invocation_details.clear();
  by_call_.erase(CallKey{call.caller->id, call.call_request});
  unlink(call.caller->calls_made, call, &PendingCall::caller_prev, &PendingCall::caller_next);
  unlink(call.callee->calls_served, call, &PendingCall::callee_prev, &PendingCall::callee_next);
  --call.caller->calls_made_count;
  --call.callee->calls_served_count;
  call.caller_next = free_calls_;
  free_calls_ = &call;
  if (by_invocation_.empty() && call_slots_.size() > kKeptCallSlots) {
    // After a burst: give the memory back once nothing is in flight.
    free_calls_ = nullptr;
    call_slots_ = {};
    by_invocation_ = {};
    by_call_ = {};
  }
}

void Dealer::remove_session(Session& session) {
  const auto registrations = session.registrations;  // remove_callee() edits the set
  for (wamp::Id id : registrations) {
    if (auto it = by_id_.find(id); it != by_id_.end()) remove_callee(*it->second, session);
  }
  // Calls this session serves as callee: each caller gets its error now; nothing hangs.
  while (PendingCall* call = session.calls_served) {
    Session& caller = *call->caller;
    const wamp::Id call_request = call->call_request;
    remove_call(*call);
    fail_call(caller, call_request, wamp::errors::canceled,
              "callee disconnected from in-flight request");
  }
  // Calls this session made: forget them; a callee that can cancel is told to stop.
  while (PendingCall* call = session.calls_made) {
    Session& callee = *call->callee;
    const wamp::Id invocation_request = call->invocation_request;
    remove_call(*call);
    interrupt(callee, invocation_request, "killnowait");
  }
}

}  // namespace junction::router
