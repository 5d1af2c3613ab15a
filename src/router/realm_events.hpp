// router/realm_events: what happens in a realm, for whoever wants to know (the meta API, later
// metrics, a dashboard, clustering). An observer is told about sessions joining and leaving and
// about registrations and subscriptions being created, gaining or losing a callee/subscriber,
// and being deleted. None of this is on the call or publish path, and a realm without observers
// pays one empty-vector check per join, leave, (un)subscribe and (un)register.
//
// Contract: observers are called on the routing thread, at a point where the realm's tables are
// consistent (the change is done; what is being removed is still readable). An observer may
// publish or call through an InProcessSession (router/in_process_session.hpp), but must not
// register/subscribe, kill sessions or add/remove observers from inside a notification: defer
// such work (an in-process session's handlers run after the current dispatch).
#pragma once

#include <chrono>

namespace junction::router {

struct Session;
struct Subscription;
struct Registration;

class RealmObserver {
 public:
  virtual ~RealmObserver() = default;

  // After WELCOME is queued for the session.
  virtual void session_joined(const Session&) {}
  // The session's subscriptions and registrations are already gone (with their own events);
  // the Session is destroyed right after.
  virtual void session_left(const Session&) {}

  // `session` created the subscription (it is its first subscriber), then subscriber_added.
  virtual void subscription_created(const Session&, const Subscription&) {}
  virtual void subscriber_added(const Session&, const Subscription&) {}
  // `session` is no longer a subscriber (unsubscribed, revoked, or left).
  virtual void subscriber_removed(const Session&, const Subscription&) {}
  // The last subscriber (`session`) is gone; the Subscription is destroyed right after.
  virtual void subscription_deleted(const Session&, const Subscription&) {}

  virtual void registration_created(const Session&, const Registration&) {}
  virtual void callee_added(const Session&, const Registration&) {}
  virtual void callee_removed(const Session&, const Registration&) {}
  virtual void registration_deleted(const Session&, const Registration&) {}
};

// When a registration or subscription was created (the meta API reports it, as Crossbar does).
using WallClock = std::chrono::system_clock;

}  // namespace junction::router
