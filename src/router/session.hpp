// router/session: one joined WAMP session as the realm, broker and dealer see it.
#pragma once

#include <set>
#include <string>

#include "router/router.hpp"
#include "wamp/message.hpp"

namespace junction::router {

class Realm;
struct PendingCall;  // router/dealer.hpp

// What the client announced in HELLO.Details.roles that the router acts on. Only these flags are
// kept: the whole roles dict costs ~2.5 KB and ~66 allocations per session (heaptrack) and is
// never read again.
struct ClientFeatures {
  bool callee_call_canceling = false;  // the callee handles INTERRUPT

  static ClientFeatures from_roles(const wamp::Object& roles);
};

struct Session {
  wamp::Id id = 0;
  Realm* realm = nullptr;
  Peer* peer = nullptr;
  std::string authid;
  std::string authrole;
  std::string authmethod;
  ClientFeatures features;

  // What the session holds, so leaving the realm is proportional to what it did.
  std::set<wamp::Id> subscriptions;
  std::set<wamp::Id> registrations;
  // The dealer's calls in flight this session made (as caller) and serves (as callee): heads of
  // the dealer's intrusive lists, oldest first; and the last INVOCATION request id it was sent.
  PendingCall* calls_made = nullptr;
  PendingCall* calls_served = nullptr;
  wamp::Id last_invocation_request = 0;

  void send(wamp::Message&& message) const { peer->send(wamp::make_outbound(std::move(message))); }
  void send(const wamp::OutboundPtr& message) const { peer->send(message); }
};

}  // namespace junction::router
