// router/session: one joined WAMP session as the realm, broker and dealer see it.
#pragma once

#include <array>
#include <cstdint>
#include <deque>
#include <memory>
#include <set>
#include <string>

#include "router/counters.hpp"
#include "router/router.hpp"
#include "wamp/message.hpp"

namespace junction::router {

class Realm;
class SessionState;    // router.cpp: the connection's state machine
struct PendingCall;    // router/dealer.hpp
struct Authorization;  // router/authorizer.hpp

// What the client announced in HELLO.Details.roles that the router acts on. Only these flags are
// kept: the whole roles dict costs ~2.5 KB and ~66 allocations per session (heaptrack) and is
// never read again.
struct ClientFeatures {
  bool callee_call_canceling = false;  // the callee handles INTERRUPT
  // Progressive call invocations: the caller may send them (else a progressive CALL is a protocol
  // violation); the callee can take them (it must also handle INTERRUPT, spec).
  bool caller_progressive_call_invocations = false;
  bool callee_progressive_call_invocations = false;
  // Payload passthru mode (router/passthru.hpp), per role.
  bool caller_payload_passthru = false;
  bool callee_payload_passthru = false;
  bool publisher_payload_passthru = false;
  bool subscriber_payload_passthru = false;
  // Told with UNREGISTERED/UNSUBSCRIBED (request 0) when the router revokes one (spec: never
  // sent to a peer that did not announce it).
  bool callee_registration_revocation = false;
  bool subscriber_subscription_revocation = false;

  static ClientFeatures from_roles(const wamp::Object& roles);
};

// The last topics a session was allowed to PUBLISH to, and whether its role discloses the
// publisher there. Under static authorization the answer for a topic depends only on the session's
// role and the realm's roles, and the topic's validity only on the string, so a publisher that
// repeats a topic (the usual case: a sensor, a ticker) skips the URI check and the role's URI
// index (≈ 490 instructions with a 50-rule role, docs/performance.md). Refusals are never kept;
// the realm clears every session's grants when its roles are replaced (config reload).
class PublishGrants {
 public:
  static constexpr std::size_t kSize = 4;
  struct Grant {
    std::string topic;
    bool disclose = false;
  };
  const Grant* find(std::string_view topic) const {
    for (std::size_t i = 0; i < used_; ++i)
      if (grants_[i].topic == topic) return &grants_[i];
    return nullptr;
  }
  // Replaces the oldest grant once all are in use (assign() reuses the string's capacity).
  void keep(std::string_view topic, bool disclose) {
    Grant& grant = grants_[next_];
    grant.topic.assign(topic);
    grant.disclose = disclose;
    next_ = (next_ + 1) % kSize;
    if (used_ < kSize) ++used_;
  }
  void clear() { used_ = next_ = 0; }
  std::size_t size() const { return used_; }

 private:
  std::array<Grant, kSize> grants_;
  std::uint8_t used_ = 0;
  std::uint8_t next_ = 0;
};

struct Session {
  wamp::Id id = 0;
  Realm* realm = nullptr;
  Peer* peer = nullptr;
  std::string authid;
  std::string authrole;
  std::string authmethod;
  std::string authprovider;  // "static", "dynamic"
  wamp::Object authextra;    // as sent in WELCOME
  ClientFeatures features;
  // The connection's state machine (to end the session from the router's side: kill), and
  // whether the session lives inside the node (the router's own, hidden from the meta API).
  SessionState* state = nullptr;
  bool in_process = false;

  // What the session holds, so leaving the realm is proportional to what it did.
  std::set<wamp::Id> subscriptions;
  std::set<wamp::Id> registrations;
  // The dealer's calls in flight this session made (as caller) and serves (as callee): heads of
  // the dealer's intrusive lists, oldest first; and the last INVOCATION request id it was sent.
  PendingCall* calls_made = nullptr;
  PendingCall* calls_served = nullptr;
  std::size_t calls_made_count = 0;  // the lengths of those lists (the pending-call limits)
  std::size_t calls_served_count = 0;
  wamp::Id last_invocation_request = 0;

  // Dynamic authorization (router/dynamic_authorizer.hpp), for a role with an "authorizer" only:
  // the role's config; the messages waiting behind an authorizer's answer, in arrival order (the
  // first is the one asked about); and, while one message is routed, the authorizer's answer
  // for it (admit() uses it instead of the static permissions).
  const RoleConfig* dynamic_role = nullptr;
  std::unique_ptr<std::deque<wamp::Message>> held;
  const Authorization* preauthorized = nullptr;
  // Static authorization only: allocated on the session's first granted PUBLISH.
  std::unique_ptr<PublishGrants> publish_grants;

  // Counted for the node's metrics (router/counters.hpp).
  void send(wamp::Message&& message) const {
    count_sent(message.type);
    peer->send(wamp::make_outbound(std::move(message)));
  }
  void send(const wamp::OutboundPtr& message) const {
    count_sent(message->message().type);
    peer->send(message);
  }
};

// The router ends `session` (wamp.session.kill): it leaves its realm at once — `session` is
// destroyed before this returns — is sent GOODBYE `reason` (Details.message when not empty), and
// its transport closes once the peer answers.
void kill_session(Session& session, std::string reason, std::string message);
// The router aborts `session` for a protocol error it found inside the realm: ABORT `reason` with
// `text`, the session leaves its realm at once (destroyed before this returns), the transport
// closes.
void abort_session(Session& session, std::string_view reason, std::string text);

}  // namespace junction::router
