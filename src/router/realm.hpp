// router/realm: one realm: its sessions, its broker (PubSub) and dealer (RPC), and the
// authorizer every action goes through.
#pragma once

#include <memory>
#include <optional>
#include <unordered_map>
#include <vector>

#include "router/authorizer.hpp"
#include "router/broker.hpp"
#include "router/clock.hpp"
#include "router/dealer.hpp"
#include "router/dynamic_authorizer.hpp"
#include "router/ids.hpp"
#include "router/realm_events.hpp"
#include "router/session.hpp"

namespace junction::router {

class Realm {
 public:
  // `authorizer_call` (the router's, set later) is how dynamic authorizers are reached.
  Realm(RealmConfig config, IdGenerator& ids, Timers& timers,
        const AuthorizerCall& authorizer_call);

  const std::string& name() const { return config_.name; }
  const RealmConfig& config() const { return config_; }
  wamp::UriCheck uri_check() const { return config_.uri_check; }
  const Authorizer& authorizer() const { return authorizer_; }
  // New roles and permissions (a config reload): every later action of every session is
  // checked against them; sessions keep their role name (one that no longer exists is denied
  // everything).
  void replace_roles(std::vector<RoleConfig> roles);
  IdGenerator& ids() { return ids_; }
  Timers& timers() { return timers_; }

  // Adds a session; the realm owns it until leave(). Its id is `id` when given and free (the
  // id announced during authentication), else a fresh one.
  Session& join(Peer& peer, std::string authid, std::string authrole, std::string authmethod,
                ClientFeatures features, std::string authprovider = "static",
                wamp::Object authextra = {}, wamp::Id id = 0, bool in_process = false);
  // Client sessions (not the router's in-process ones) are at the realm's max_sessions.
  bool full() const {
    return config_.max_sessions != 0 && client_sessions_ >= config_.max_sessions;
  }
  // A fresh session id no session of this realm has (announced before join(), e.g. in WAMP-CRA).
  wamp::Id next_session_id();
  // The session's WELCOME is queued: observers hear of it.
  void joined(const Session& session) {
    notify([&](RealmObserver& o) { o.session_joined(session); });
  }
  // Removes the session from every subscription and registration; pending calls it was the
  // callee for fail at once; then the Session is destroyed.
  void leave(wamp::Id session_id);

  // Realm events (router/realm_events.hpp). The observer must outlive the realm or be removed.
  void add_observer(RealmObserver& observer) { observers_.push_back(&observer); }
  void remove_observer(RealmObserver& observer) { std::erase(observers_, &observer); }
  template <typename Event>
  void notify(Event&& event) {
    if (observers_.empty()) return;  // what a realm nobody watches pays
    for (RealmObserver* observer : observers_)
      event(*observer);
  }

  // Handles one message from an established session (any type the broker or dealer owns). A
  // session whose role has a dynamic authorizer may have it held (and moved from) until the
  // authorizer answered.
  void dispatch(Session& session, wamp::Message& message) {
    if (session.dynamic_role) [[unlikely]] {
      return dynamic_authorizer_.dispatch(session, message);
    }
    route(session, message);
  }
  // Hands the message to the broker or dealer at once.
  void route(Session& session, const wamp::Message& message);

  std::size_t client_session_count() const { return client_sessions_; }
  std::size_t dynamic_answers_cached() const { return dynamic_authorizer_.cached(); }
  const std::unordered_map<wamp::Id, std::unique_ptr<Session>>& sessions() const {
    return sessions_;
  }
  Broker& broker() { return broker_; }
  Dealer& dealer() { return dealer_; }

 private:
  RealmConfig config_;
  IdGenerator& ids_;
  Timers& timers_;
  Authorizer authorizer_;
  std::unordered_map<wamp::Id, std::unique_ptr<Session>> sessions_;
  Broker broker_;
  Dealer dealer_;
  DynamicAuthorizer dynamic_authorizer_;
  std::vector<RealmObserver*> observers_;
  std::size_t client_sessions_ = 0;  // sessions_ that are not in-process, for full()
};

// Answers `request` with ERROR `error`, a one-line explanation as its Arguments.
void reply_error(const Session& session, const wamp::Message& request, std::string_view error,
                 std::string text);

// The checks every broker/dealer action starts with: the URI is valid for the realm (a pattern
// valid for `match`, for SUBSCRIBE and REGISTER; URIs under "wamp." may be registered or
// published to by the trusted role only), and the session's role grants `action` on it. On
// refusal answers with the spec's ERROR if `report` is set (PUBLISH reports only when acknowledge
// was asked for) and returns nullopt.
std::optional<Authorization> admit(const Realm& realm, const Session& session,
                                   const wamp::Message& request, Action action, bool report = true,
                                   MatchPolicy match = MatchPolicy::exact);

// SUBSCRIBE/REGISTER.Options.match, "exact" when absent. Anything else than the three policies
// is answered with ERROR wamp.error.invalid_argument, and nullopt returned.
std::optional<MatchPolicy> match_option(const Session& session, const wamp::Message& request);

}  // namespace junction::router
