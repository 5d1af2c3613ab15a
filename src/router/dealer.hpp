// router/dealer: Remote Procedure Calls. Registrations by procedure (exact match, single
// callee), calls in flight from CALL to RESULT/ERROR, and the rule that no call hangs: when a
// callee leaves, each of its pending calls is answered with an error at once.
#pragma once

#include <map>
#include <string>
#include <unordered_map>
#include <utility>

#include "router/session.hpp"

namespace junction::router {

class Realm;

struct Registration {
  wamp::Id id = 0;
  std::string procedure;
  Session* callee = nullptr;
};

class Dealer {
 public:
  explicit Dealer(Realm& realm) : realm_(realm) {}

  void register_procedure(Session& session, const wamp::Message& message);
  void unregister(Session& session, const wamp::Message& message);
  void call(Session& session, const wamp::Message& message);
  void yield(Session& callee, const wamp::Message& message);
  void invocation_error(Session& callee, const wamp::Message& message);
  void cancel(Session& caller, const wamp::Message& message);
  // Unregisters the session's procedures and settles every call it takes part in.
  void remove_session(Session& session);

  std::size_t registration_count() const { return by_id_.size(); }
  std::size_t pending_call_count() const { return invocations_.size(); }

 private:
  struct PendingCall {
    wamp::Id caller_session = 0;
    wamp::Id call_request = 0;
    wamp::Id registration = 0;
    bool receive_progress = false;
  };
  // (callee session, INVOCATION request id) -> the call it serves.
  using InvocationKey = std::pair<wamp::Id, wamp::Id>;

  void drop_registration(Registration& registration);
  void fail_call(const PendingCall& call, std::string_view error, std::string_view why);

  Realm& realm_;
  std::unordered_map<std::string, Registration> by_procedure_;
  std::unordered_map<wamp::Id, Registration*> by_id_;
  std::map<InvocationKey, PendingCall> invocations_;
  // (caller session, CALL request id) -> invocation, to settle calls when the caller leaves.
  std::map<std::pair<wamp::Id, wamp::Id>, InvocationKey> calls_;
  // Next INVOCATION request id per callee session (session scope, starting at 1).
  std::unordered_map<wamp::Id, wamp::Id> next_invocation_request_;
};

}  // namespace junction::router
