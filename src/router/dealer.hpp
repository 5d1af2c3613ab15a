// router/dealer: Remote Procedure Calls. Registrations by procedure pattern (exact, prefix,
// wildcard; the best match wins, router/uri_index.hpp), shared by several callees under an
// invocation policy (single, first, last, roundrobin, random), calls in flight from CALL to
// RESULT/ERROR (progressive invocations: a stream of CALLs with one request id, each passed on to
// the same callee), and the rule that no call hangs: when a callee leaves, each of its pending
// calls is answered with an error at once; a call with a timeout is answered wamp.error.timeout
// when it runs out; a `kill` cancel the callee does not answer is answered after a grace period.
#pragma once

#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include <boost/unordered/unordered_flat_map.hpp>

#include "router/authorizer.hpp"
#include "router/clock.hpp"
#include "router/realm_events.hpp"
#include "router/session.hpp"
#include "router/uri_index.hpp"

namespace junction::router {

class Realm;

// REGISTER.Options.invoke: which of a shared registration's callees a call goes to.
enum class InvokePolicy { single, first, last, roundrobin, random };
std::optional<InvokePolicy> parse_invoke_policy(std::string_view name);
std::string_view invoke_policy_name(InvokePolicy policy);

struct Registration {
  wamp::Id id = 0;
  std::string procedure;  // the procedure or pattern registered
  MatchPolicy match = MatchPolicy::exact;
  InvokePolicy invoke = InvokePolicy::single;  // set by the first callee
  // In registration order, never empty (the registration goes with its last callee); one callee
  // unless the policy shares it.
  std::vector<Session*> callees;
  std::size_t next_callee = 0;  // roundrobin: the index the next call goes to
  WallClock::time_point created;
  // Exact registrations only: the last caller role granted CALL on this procedure, and what it
  // was granted (disclose): a role's answer for a URI changes only when the realm's roles are
  // replaced (forget_call_grants). Refusals are not kept. Empty call_auth.allowed: nothing kept
  // yet.
  std::string call_role;
  Authorization call_auth;
};

// One call in flight, from CALL until the caller has its final RESULT or ERROR. It is linked
// into its caller's and its callee's lists (Session::calls_made, Session::calls_served), so a
// session leaving settles its own calls without looking at anyone else's.
struct PendingCall {
  Session* caller = nullptr;
  Session* callee = nullptr;
  wamp::Id call_request = 0;        // the caller's CALL request id
  wamp::Id invocation_request = 0;  // the callee's INVOCATION request id
  wamp::Id registration = 0;
  bool receive_progress = false;
  // INTERRUPT (mode kill) was sent: the callee's answer, or the end of the grace period, ends
  // the call.
  bool killing = false;
  // The call's one deadline on the realm's Timers (0: none): its timeout (CALL.Options.timeout)
  // until a `kill` cancel replaces it with the grace period.
  Timers::Id timer = 0;
  // Progressive call invocations: the caller's final CALL has not come yet. Every INVOCATION of
  // the call carries the Details of the first (spec: options are frozen by the initiating CALL),
  // kept here while the stream is open.
  bool invocations_open = false;
  wamp::Object invocation_details;
  // Circular doubly linked lists: the head's prev is the tail.
  PendingCall* caller_prev = nullptr;
  PendingCall* caller_next = nullptr;  // also the free list's link while unused
  PendingCall* callee_prev = nullptr;
  PendingCall* callee_next = nullptr;
};

class Dealer {
 public:
  explicit Dealer(Realm& realm) : realm_(realm) {}

  // The dealer features WELCOME announces: exactly those implemented here.
  static wamp::Object features();

  void register_procedure(Session& session, const wamp::Message& message);
  void unregister(Session& session, const wamp::Message& message);
  void call(Session& session, const wamp::Message& message);
  void yield(Session& callee, const wamp::Message& message);
  void invocation_error(Session& callee, const wamp::Message& message);
  void cancel(Session& caller, const wamp::Message& message);
  // Unregisters the session's procedures and settles every call it takes part in.
  void remove_session(Session& session);
  // Registration revocation: `callee` no longer serves the registration and is told so with
  // UNREGISTERED {registration, reason} (request 0). Calls already on their way still complete.
  // False if `callee` does not serve it.
  bool revoke_callee(wamp::Id registration, Session& callee, const std::string& reason);

  std::size_t registration_count() const { return by_id_.size(); }
  std::size_t pending_call_count() const { return by_invocation_.size(); }

  // For the meta API (wamp.registration.get/lookup/match/list):
  // the registration with this id, or nullptr;
  const Registration* find(wamp::Id id) const {
    const auto it = by_id_.find(id);
    return it == by_id_.end() ? nullptr : it->second.get();
  }
  // the registration of exactly this procedure or pattern under this policy, or nullptr;
  const Registration* lookup(std::string_view procedure, MatchPolicy match) const {
    return index_.find(procedure, match);
  }
  // the registration a CALL of `procedure` goes to (the spec's precedence), or nullptr.
  const Registration* best_match(std::string_view procedure) const {
    return index_.best_match(procedure);
  }
  const std::unordered_map<wamp::Id, std::unique_ptr<Registration>>& registrations() const {
    return by_id_;
  }
  // The realm's roles were replaced (a config reload): the CALL grants kept per registration
  // (Registration::call_auth) no longer hold.
  void forget_call_grants() {
    for (auto& [id, registration] : by_id_) {
      registration->call_role.clear();
      registration->call_auth = {};
    }
  }

 private:
  // (session id, request id): (callee, INVOCATION request) or (caller, CALL request).
  using CallKey = std::pair<wamp::Id, wamp::Id>;
  struct CallKeyHash {
    std::size_t operator()(const CallKey& key) const {
      return static_cast<std::size_t>(key.first * 0x9E3779B97F4A7C15ull ^ key.second);
    }
  };
  using CallIndex = boost::unordered_flat_map<CallKey, PendingCall*, CallKeyHash>;

  // Takes `callee` off the registration; the registration goes with its last callee.
  void remove_callee(Registration& registration, Session& callee);
  Session& pick_callee(Registration& registration);
  PendingCall& add_call(Session& caller, Session& callee);
  // Unlinks the call from both sessions and both indexes and returns its slot to the pool.
  void remove_call(PendingCall& call);
  // remove_call() for a call already erased from by_invocation_.
  void forget_call(PendingCall& call);
  void fail_call(const Session& caller, wamp::Id call_request, std::string_view error,
                 std::string_view why);
  // INTERRUPT to the callee, if it announced call_canceling (`reason`: an error URI, or empty).
  static void interrupt(const Session& callee, wamp::Id invocation_request, std::string_view mode,
                        std::string_view reason = {});
  // The deadlines: CALL.Options.timeout ran out; the callee did not answer a `kill` in time.
  void time_out(PendingCall& call);
  void end_kill_grace(PendingCall& call);
  // A CALL, YIELD with ppt_scheme: valid ppt_* attributes (else ERROR invalid_argument) from a
  // session that announced payload_passthru_mode (else ABORT protocol_violation: the session is
  // gone when this returns false).
  bool passthru_admitted(Session& session, const wamp::Message& message, bool announced);
  // A CALL with the request id of a call whose invocations are still open: the next INVOCATION.
  void continue_invocations(PendingCall& call, const wamp::Message& message);

  Realm& realm_;
  std::unordered_map<wamp::Id, std::unique_ptr<Registration>> by_id_;  // owns the registrations
  UriIndex<Registration> index_;                                       // by (procedure, match)
  // Calls in flight by (callee, INVOCATION request id) for YIELD/ERROR, and by (caller, CALL
  // request id) for CANCEL and to refuse a request id already in use. Open addressing: no
  // allocation per call once the tables have grown.
  CallIndex by_invocation_;
  CallIndex by_call_;
  // Where PendingCalls live (a deque keeps their addresses); unused slots are on free_calls_.
  std::deque<PendingCall> call_slots_;
  PendingCall* free_calls_ = nullptr;
};

}  // namespace junction::router
