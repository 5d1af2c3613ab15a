// router/router: the session state machine (HELLO → [CHALLENGE → AUTHENTICATE →] WELCOME → … →
// GOODBYE/ABORT) for each connection, realm lookup, and graceful shutdown. Who a client is gets
// decided by the transport's Authenticator (router/authentication.hpp); without one, every
// session is anonymous. Everything that
// happens inside an established session is handed to its Realm.
#include "router/router.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <limits>
#include <map>
#include <set>
#include <stdexcept>
#include <utility>

#include "base/log.hpp"
#include "router/counters.hpp"
#include "router/local_delivery.hpp"
#include "router/realm.hpp"

namespace junction::router {

using wamp::Message;
using wamp::MessageType;

struct Router::Impl {
  explicit Impl(Clock* given) : clock(given ? given : &own_clock), timers(*clock) {}
  UndrivenClock own_clock;  // when no clock is given
  Clock* clock;
  Timers timers;
  IdGenerator ids;
  std::map<std::string, std::unique_ptr<Realm>, std::less<>> realms;
  std::set<SessionState*> connections;
  bool shutting_down = false;
  LocalDelivery local_delivery;
  AuthorizerCall authorizer_call;  // realms hold its address
};

namespace {

// The features WELCOME announces: each role's list lives next to the code that implements it;
// the meta API's (src/meta/) only on realms that serve it (the spec asks both roles to announce
// the session meta API; revocation is what wamp.*.remove_callee/remove_subscriber do).
wamp::Object router_roles(const RealmConfig& realm) {
  wamp::Object broker_features = Broker::features();
  wamp::Object dealer_features = Dealer::features();
  if (realm.enable_meta_api) {
    broker_features["session_meta_api"] = true;
    broker_features["subscription_meta_api"] = true;
    broker_features["subscription_revocation"] = true;
    dealer_features["session_meta_api"] = true;
    dealer_features["registration_meta_api"] = true;
    dealer_features["registration_revocation"] = true;
    dealer_features["testament_meta_api"] = true;
    if (!realm.event_history.empty()) broker_features["event_history"] = true;
  }
  return wamp::Object{{"broker", wamp::Object{{"features", std::move(broker_features)}}},
                      {"dealer", wamp::Object{{"features", std::move(dealer_features)}}}};
}

// An anonymous authid in Crossbar's style (e.g. "KXAN-3U4L-6CAP-...."): random, readable.
std::string generate_authid(IdGenerator& ids) {
  static constexpr char kAlphabet[] = "ABCDEFGHJKLMNPQRSTUVWXY3456789";
  std::string out;
  for (int group = 0; group < 6; ++group) {
    if (group) out += '-';
    wamp::Id bits = ids.next();
    for (int i = 0; i < 4; ++i) {
      out += kAlphabet[bits % (sizeof kAlphabet - 1)];
      bits /= (sizeof kAlphabet - 1);
    }
  }
  return out;
}

bool is_client_to_router(MessageType type) {
  switch (type) {
    case MessageType::hello:
    case MessageType::abort:
    case MessageType::authenticate:
    case MessageType::goodbye:
    case MessageType::error:
    case MessageType::publish:
    case MessageType::subscribe:
    case MessageType::unsubscribe:
    case MessageType::call:
    case MessageType::cancel:
    case MessageType::reg:
    case MessageType::unregister:
    case MessageType::yield:
      return true;
    default:
      return false;
  }
}

bool announces_a_role(const wamp::Object& roles) {
  for (const char* role : {"caller", "callee", "publisher", "subscriber"}) {
    if (wamp::get_object(roles, role)) return true;
  }
  return false;
}

}  // namespace

class SessionState {
 public:
  SessionState(Router::Impl& router, Peer& peer) : router_(router), peer_(peer) {
    router_.connections.insert(this);
  }
  ~SessionState() {
    closed();
    router_.connections.erase(this);
  }

  wamp::Id session_id() const { return session_ ? session_->id : 0; }
  LocalDelivery& local_delivery() { return router_.local_delivery; }

  void establish_in_process(std::string_view realm_name, std::string authid, std::string authrole) {
    const auto realm_it = router_.realms.find(realm_name);
    if (realm_it == router_.realms.end()) {
      throw std::invalid_argument("no realm '" + std::string(realm_name) + "' on this router");
    }
    if (phase_ != Phase::awaiting_hello) {
      throw std::logic_error("establish_in_process: the connection already has a session");
    }
    ClientFeatures features;
    features.callee_registration_revocation = true;
    features.subscriber_subscription_revocation = true;
    establish(*realm_it->second, std::move(authid), std::move(authrole), "local", "static", {},
              features, 0,
              /*in_process=*/true);
  }

  // The router ends the session (meta API kill): it leaves its realm at once (its pending calls
  // are answered), is sent GOODBYE with `reason`, and the transport closes once the peer answers.
  void kill(std::string reason, std::string message) {
    if (phase_ != Phase::established) return;
    const wamp::Id id = session_->id;
    leave();
    Message goodbye = wamp::make_goodbye(std::move(reason));
    if (!message.empty()) goodbye.options["message"] = std::move(message);
    send_to_peer(wamp::make_outbound(std::move(goodbye)));
    phase_ = Phase::goodbye_sent;
    JLOG(info, "router") << "session " << id << " killed (" << peer_.describe() << ")";
  }

  // By reference all the way down: a Message is moved only where it is kept.
  void receive(Message& message) {
    switch (phase_) {
      case Phase::awaiting_hello:
        return on_awaiting_hello(message);
      case Phase::authenticating:
        return on_authenticating(message);
      case Phase::established:
        return on_established(message);
      case Phase::goodbye_sent:
        // Waiting for the peer's GOODBYE; anything else is dropped (spec).
        if (message.type == MessageType::goodbye || message.type == MessageType::abort) {
          leave();
          phase_ = Phase::closed;
          peer_.close();
        }
        return;
      case Phase::closed:
        return;
    }
  }

  // The router aborts the session for a protocol error found inside the realm (abort_session).
  void abort_from_realm(std::string_view reason, std::string text) {
    abort(reason, std::move(text));
  }

  void receive_malformed(const std::string& reason) {
    if (phase_ == Phase::closed) return;
    abort(wamp::errors::protocol_violation, reason);
  }

  void closed() {
    if (phase_ == Phase::closed && !session_) return;
    if (session_) {
      JLOG(debug, "router") << "session " << session_->id << " on realm '" << realm_->name()
                            << "' lost its transport (" << peer_.describe() << ")";
    }
    leave();
    forget_authentication();
    phase_ = Phase::closed;
  }

  // Router shutdown: GOODBYE to an established session; other connections just close.
  void shutdown() {
    if (phase_ == Phase::established) {
      send_to_peer(
          wamp::make_outbound(wamp::make_goodbye(std::string(wamp::errors::system_shutdown))));
      phase_ = Phase::goodbye_sent;
    } else if (phase_ == Phase::awaiting_hello || phase_ == Phase::authenticating) {
      forget_authentication();
      phase_ = Phase::closed;
      peer_.close();
    }
  }

 private:
  // Every message to the peer goes through here, counted for the node's metrics.
  void send_to_peer(wamp::OutboundPtr message) {
    count_sent(message->message().type);
    peer_.send(std::move(message));
  }

  enum class Phase { awaiting_hello, authenticating, established, goodbye_sent, closed };

  void on_awaiting_hello(const Message& message) {
    switch (message.type) {
      case MessageType::hello:
        return on_hello(message);
      case MessageType::abort:
        phase_ = Phase::closed;
        peer_.close();
        return;
      default:
        return abort(wamp::errors::protocol_violation,
                     std::string(wamp::message_name(message.type)) +
                         " received before the session was established (expected HELLO)");
    }
  }

  void on_hello(const Message& hello) {
    if (router_.shutting_down) {
      return abort(wamp::errors::system_shutdown, "the router is shutting down");
    }
    if (!wamp::valid_uri(hello.uri, wamp::UriCheck::loose)) {
      return abort(wamp::errors::invalid_uri, "'" + hello.uri + "' is not a valid realm name");
    }
    const auto realm_it = router_.realms.find(hello.uri);
    if (realm_it == router_.realms.end()) {
      return abort(wamp::errors::no_such_realm, "no realm '" + hello.uri + "' on this router");
    }
    Realm& realm = *realm_it->second;
    requested_realm_ = realm.name();
    const wamp::Object* roles = wamp::get_object(hello.options, "roles");
    if (!roles || !announces_a_role(*roles)) {
      return abort(wamp::errors::protocol_violation,
                   "HELLO.Details.roles must announce at least one of caller, callee, publisher, "
                   "subscriber");
    }
    const ClientFeatures features = ClientFeatures::from_roles(*roles);
    const wamp::Array* methods = wamp::get_array(hello.options, "authmethods");
    transport_ = peer_.transport_info();
    if (!transport_.authenticator) {
      return welcome_anonymous(realm, methods, features,
                               transport_.trusted ? &hello.options : nullptr);
    }

    AuthRequest request;
    request.realm = realm.name();
    if (const std::string* authid = wamp::get_string(hello.options, "authid")) {
      request.authid = *authid;
    }
    if (methods) {
      for (const auto& m : *methods) {
        if (const std::string* name = m.as_string()) request.authmethods.push_back(*name);
      }
    }
    if (const wamp::Object* extra = wamp::get_object(hello.options, "authextra")) {
      request.authextra = *extra;
    }
    request.transport = &transport_;
    request.session_id = realm.next_session_id();
    pending_session_id_ = request.session_id;
    features_ = features;
    phase_ = Phase::authenticating;
    awaiting_authenticate_ = false;
    decision_pending_ = true;
    auto pending = transport_.authenticator->hello(request, decision_callback());
    // The decision may have arrived already (and even ended the connection).
    if (phase_ == Phase::authenticating) pending_auth_ = std::move(pending);
  }

  // The router's built-in default without an "auth" config: every session is anonymous. On the
  // node's private component socket (`trusted`: its HELLO.Details) the HELLO names its authid and
  // authrole (node/component_launcher).
  void welcome_anonymous(Realm& realm, const wamp::Array* methods, ClientFeatures features,
                         const wamp::Object* trusted = nullptr) {
    if (methods && !methods->empty()) {
      bool anonymous = false;
      for (const auto& m : *methods)
        anonymous = anonymous || (m.as_string() && *m.as_string() == "anonymous");
      if (!anonymous) {
        return abort("wamp.error.no_auth_method",
                     "this transport supports only the authmethod 'anonymous'");
      }
    }
    std::string authrole = "anonymous";
    std::string authid;
    if (trusted) {
      if (const std::string* r = wamp::get_string(*trusted, "authrole")) authrole = *r;
      if (const std::string* a = wamp::get_string(*trusted, "authid")) authid = *a;
    }
    if (!realm.authorizer().has_role(authrole)) {
      return abort(wamp::errors::no_such_role,
                   "realm '" + realm.name() + "' has no role '" + authrole + "'");
    }
    if (authid.empty()) authid = transport_.cbtid;
    establish(realm, authid.empty() ? generate_authid(router_.ids) : std::move(authid), authrole,
              "anonymous", "static", {}, features, 0);
  }

  void establish(Realm& realm, std::string authid, std::string authrole, std::string authmethod,
                 std::string authprovider, wamp::Object authextra, ClientFeatures features,
                 wamp::Id id, bool in_process = false) {
    if (!in_process && realm.full()) {
      return abort(wamp::errors::limit_exceeded, "realm '" + realm.name() +
                                                     "' holds its maximum of " +
                                                     std::to_string(realm.config().max_sessions) +
                                                     " sessions (realm options.max_sessions)");
    }
    Session& session =
        realm.join(peer_, std::move(authid), std::move(authrole), std::move(authmethod), features,
                   std::move(authprovider), std::move(authextra), id, in_process);
    session.state = this;
    if (realm.config().max_message_rate != 0 && !in_process) {
      rate_tokens_ = static_cast<std::int64_t>(message_burst(realm.config()));
      rate_refilled_ = router_.timers.now();
    } else {
      rate_tokens_ = std::numeric_limits<std::int64_t>::max();
    }
    realm_ = &realm;
    session_ = &session;
    phase_ = Phase::established;

    Message welcome;
    welcome.type = MessageType::welcome;
    welcome.id = session.id;
    welcome.options = wamp::Object{{"realm", realm.name()},
                                   {"authid", session.authid},
                                   {"authrole", session.authrole},
                                   {"authmethod", session.authmethod},
                                   {"authprovider", session.authprovider},
                                   {"roles", router_roles(realm.config())}};
    if (!session.authextra.empty()) welcome.options["authextra"] = session.authextra;
    send_to_peer(wamp::make_outbound(std::move(welcome)));
    JLOG(debug, "router") << "session " << session.id << " joined realm '" << realm.name()
                          << "' as '" << session.authid << "' (role '" << session.authrole << "', "
                          << session.authmethod << ", " << peer_.describe() << ")";
    realm.joined(session);
  }

  // Between HELLO and WELCOME: only the answer to a CHALLENGE (or an ABORT) may come.
  void on_authenticating(const Message& message) {
    switch (message.type) {
      case MessageType::abort:
        forget_authentication();
        phase_ = Phase::closed;
        peer_.close();
        return;
      case MessageType::authenticate: {
        if (!awaiting_authenticate_ || !pending_auth_) {
          return abort(wamp::errors::protocol_violation,
                       "AUTHENTICATE received without a CHALLENGE to answer");
        }
        awaiting_authenticate_ = false;  // one answer per challenge
        decision_pending_ = true;
        // Held here: a decision delivered at once may end the authentication, and the object
        // must outlive its own call.
        auto pending = std::move(pending_auth_);
        pending->authenticate(message.uri, message.options, decision_callback());
        if (phase_ == Phase::authenticating) pending_auth_ = std::move(pending);
        return;
      }
      default:
        return abort(wamp::errors::protocol_violation,
                     std::string(wamp::message_name(message.type)) +
                         " received while authenticating (expected AUTHENTICATE)");
    }
  }

  // Decisions are delivered later, maybe after the connection moved on or went away: each
  // carries the attempt it belongs to and is dropped when that attempt is over.
  AuthDone decision_callback() {
    if (!alive_) alive_ = std::make_shared<char>();
    return [this, alive = std::weak_ptr<char>(alive_),
            attempt = ++auth_attempt_](AuthDecision decision) {
      if (alive.expired() || attempt != auth_attempt_ || phase_ != Phase::authenticating ||
          !decision_pending_) {
        return;
      }
      decision_pending_ = false;
      DispatchScope scope(router_.local_delivery);  // e.g. meta events of the session joining
      on_decision(std::move(decision));
    };
  }

  void on_decision(AuthDecision decision) {
    switch (decision.kind) {
      case AuthDecision::Kind::deny:
        return abort(decision.error.empty() ? "wamp.error.authentication_failed" : decision.error,
                     std::move(decision.message));
      case AuthDecision::Kind::challenge: {
        awaiting_authenticate_ = true;
        Message challenge;
        challenge.type = MessageType::challenge;
        challenge.uri = std::move(decision.authmethod);
        challenge.options = std::move(decision.extra);
        send_to_peer(wamp::make_outbound(std::move(challenge)));
        return;
      }
      case AuthDecision::Kind::welcome:
        break;
    }
    std::string realm_name = decision.realm;
    if (realm_name.empty()) realm_name = requested_realm_;
    const auto realm_it = router_.realms.find(realm_name);
    if (realm_it == router_.realms.end()) {
      return abort(wamp::errors::no_such_realm, "no realm '" + realm_name + "' on this router");
    }
    Realm& realm = *realm_it->second;
    if (!realm.authorizer().has_role(decision.authrole)) {
      return abort(wamp::errors::no_such_role,
                   "realm '" + realm.name() + "' has no role '" + decision.authrole + "'");
    }
    forget_authentication();
    establish(realm, std::move(decision.authid), std::move(decision.authrole),
              std::move(decision.authmethod),
              decision.authprovider.empty() ? "static" : std::move(decision.authprovider),
              std::move(decision.extra), features_, pending_session_id_);
  }

  void forget_authentication() {
    pending_auth_.reset();
    awaiting_authenticate_ = false;
    decision_pending_ = false;
    ++auth_attempt_;
    transport_ = {};
  }

  void on_established(Message& message) {
    const MessageType type = message.type;
    if (!is_client_to_router(type)) {
      return abort(wamp::errors::protocol_violation,
                   std::string(wamp::message_name(type)) + " may only be sent by a router");
    }
    switch (type) {
      case MessageType::hello:
        return abort(wamp::errors::protocol_violation, "HELLO received on an established session");
      case MessageType::authenticate:
        return abort(wamp::errors::protocol_violation,
                     "AUTHENTICATE received on an established session");
      case MessageType::abort:
        JLOG(info, "router") << "session " << session_->id << " aborted by the peer";
        leave();
        phase_ = Phase::closed;
        peer_.close();
        return;
      case MessageType::goodbye: {
        const wamp::Id id = session_->id;
        if (message.uri == "wamp.close.logout") {
          // Crossbar's logout: forget a login remembered under this connection's cookie and
          // close its other connections. transport_ was released after authentication; ask the
          // peer again (rare path).
          if (const TransportInfo info = peer_.transport_info(); info.logout) info.logout();
        }
        leave();
        phase_ = Phase::awaiting_hello;  // the transport may carry a new session (spec)
        send_to_peer(
            wamp::make_outbound(wamp::make_goodbye(std::string(wamp::errors::goodbye_and_out))));
        JLOG(debug, "router") << "session " << id << " said goodbye (" << message.uri << ")";
        return;
      }
      case MessageType::error:
        if (message.error_type != MessageType::invocation) {
          return abort(wamp::errors::protocol_violation,
                       "ERROR from a client must answer an INVOCATION, not " +
                           std::string(wamp::message_name(message.error_type)));
        }
        break;
      default:
        break;
    }
    // The message rate: one decrement and compare per message; the clock is read only when the
    // bucket runs dry. Answers to INVOCATIONs are not counted (their rate is the callers').
    if (type != MessageType::yield && type != MessageType::error && --rate_tokens_ < 0 &&
        !refill_rate_tokens()) {
      const RealmConfig& config = realm_->config();
      return end_session(wamp::errors::limit_exceeded,
                         "more than " + std::to_string(config.max_message_rate) +
                             " messages a second (realm options.max_message_rate, bursts of " +
                             std::to_string(message_burst(config)) + ")");
    }
    if (message.request == 0) {
      return abort(
          wamp::errors::protocol_violation,
          std::string(wamp::message_name(type)) + ": request id 0 is out of range [1, 2^53]");
    }
    realm_->dispatch(*session_, message);
  }

  // The router ends an established session for cause: it leaves its realm at once (its pending
  // calls are answered), is sent GOODBYE `reason` with Details.message `text`, and the transport
  // closes behind it without waiting for the peer's GOODBYE (a flooder need not be heard out).
  // GOODBYE rather than ABORT: clients (Autobahn|Python) take an ABORT on an established session
  // for a protocol error and lose the reason.
  void end_session(std::string_view reason, std::string text) {
    JLOG(info, "router") << peer_.describe() << " session " << session_->id << ": GOODBYE "
                         << reason << ": " << text;
    leave();
    Message goodbye = wamp::make_goodbye(std::string(reason));
    goodbye.options["message"] = std::move(text);
    send_to_peer(wamp::make_outbound(std::move(goodbye)));
    phase_ = Phase::closed;
    peer_.close();
  }

  static std::size_t message_burst(const RealmConfig& config) {
    return config.max_message_burst != 0 ? config.max_message_burst : config.max_message_rate;
  }

  // The bucket ran dry (rate_tokens_ < 0, this message taken): adds what the time since the last
  // refill earned, at most a burst. False when this message is still over the rate.
  bool refill_rate_tokens() {
    const RealmConfig& config = realm_->config();
    if (config.max_message_rate == 0) {  // 2^63 messages later: still unlimited
      rate_tokens_ = std::numeric_limits<std::int64_t>::max();
      return true;
    }
    const auto rate = static_cast<double>(config.max_message_rate);
    const auto burst = static_cast<double>(message_burst(config));
    const Clock::time_point now = router_.timers.now();
    const double earned =
        std::floor(std::chrono::duration<double>(now - rate_refilled_).count() * rate);
    if (earned >= 1) {
      // What the bucket holds before this message, at most a burst; then this message's token.
      const double before = std::min(burst, static_cast<double>(rate_tokens_) + 1 + earned);
      rate_tokens_ = static_cast<std::int64_t>(before) - 1;
      rate_refilled_ = before >= burst
                           ? now
                           : rate_refilled_ + std::chrono::duration_cast<Clock::duration>(
                                                  std::chrono::duration<double>(earned / rate));
    }
    return rate_tokens_ >= 0;
  }

  void abort(std::string_view reason, std::string text) {
    if ((phase_ == Phase::awaiting_hello || phase_ == Phase::authenticating) &&
        (reason == "wamp.error.authentication_failed" || reason == "wamp.error.no_auth_method" ||
         reason == wamp::errors::no_such_role || reason == wamp::errors::not_authorized)) {
      bump(router_counters.authentication_failures);
    }
    JLOG(info, "router") << peer_.describe()
                         << (session_ ? " session " + std::to_string(session_->id) : std::string())
                         << ": ABORT " << reason << ": " << text;
    leave();
    forget_authentication();
    phase_ = Phase::closed;
    send_to_peer(wamp::make_outbound(wamp::make_abort(std::string(reason), std::move(text))));
    peer_.close();
  }

  void leave() {
    if (!session_) return;
    Realm* realm = realm_;
    const wamp::Id id = session_->id;
    session_ = nullptr;
    realm_ = nullptr;
    realm->leave(id);
  }

  Router::Impl& router_;
  Peer& peer_;
  Phase phase_ = Phase::awaiting_hello;
  Realm* realm_ = nullptr;
  Session* session_ = nullptr;

  // Authentication in progress (Phase::authenticating).
  TransportInfo transport_;  // what the authenticator was shown (kept while it may look)
  std::string requested_realm_;
  ClientFeatures features_;
  wamp::Id pending_session_id_ = 0;
  std::unique_ptr<PendingAuthentication> pending_auth_;
  bool awaiting_authenticate_ = false;  // a CHALLENGE was sent and not answered yet
  bool decision_pending_ = false;       // the authenticator owes a decision
  std::uint64_t auth_attempt_ = 0;      // which decision callback is current
  std::shared_ptr<char> alive_;         // late decisions check it (see decision_callback)

  // The message rate (realm options.max_message_rate): a token bucket refilled only when it runs
  // dry. Without a rate it never does.
  std::int64_t rate_tokens_ = std::numeric_limits<std::int64_t>::max();
  Clock::time_point rate_refilled_{};
};

Connection::Connection(Router& router, Peer& peer)
    : state_(std::make_unique<SessionState>(*router.impl_, peer)) {}
Connection::~Connection() {
  DispatchScope scope(state_->local_delivery());
  state_.reset();
}
// Every entry holds a DispatchScope: in-process peers get what this dispatch sent them after it.
void Connection::receive(wamp::Message message) {
  count_received(message.type);
  DispatchScope scope(state_->local_delivery());
  state_->receive(message);
}
void Connection::receive_malformed(const std::string& reason) {
  DispatchScope scope(state_->local_delivery());
  state_->receive_malformed(reason);
}
void Connection::closed() {
  DispatchScope scope(state_->local_delivery());
  state_->closed();
}
wamp::Id Connection::session_id() const {
  return state_->session_id();
}
void Connection::establish_in_process(std::string_view realm, std::string authid,
                                      std::string authrole) {
  DispatchScope scope(state_->local_delivery());
  state_->establish_in_process(realm, std::move(authid), std::move(authrole));
}

void kill_session(Session& session, std::string reason, std::string message) {
  session.state->kill(std::move(reason), std::move(message));
}

void abort_session(Session& session, std::string_view reason, std::string text) {
  session.state->abort_from_realm(reason, std::move(text));
}

Router::Router(RouterConfig config, Clock& clock) : Router(std::move(config), &clock) {}

Router::Router(RouterConfig config) : Router(std::move(config), nullptr) {}

Router::Router(RouterConfig config, Clock* clock) : impl_(std::make_unique<Impl>(clock)) {
  for (RealmConfig& realm : config.realms) {
    std::string name = realm.name;
    impl_->realms.emplace(std::move(name),
                          std::make_unique<Realm>(std::move(realm), impl_->ids, impl_->timers,
                                                  impl_->authorizer_call));
  }
  impl_->clock->set_alarm([this] { run_timers(); });
}

Router::~Router() {
  impl_->clock->set_alarm(nullptr);
}

std::unique_ptr<Connection> Router::connect(Peer& peer) {
  return std::make_unique<Connection>(*this, peer);
}

void Router::shutdown() {
  DispatchScope scope(impl_->local_delivery);
  impl_->shutting_down = true;
  // shutdown() never removes entries synchronously (Peer::close only queues), but copy anyway.
  const auto connections = impl_->connections;
  for (SessionState* state : connections)
    state->shutdown();
}

Realm* Router::find_realm(std::string_view name) {
  const auto it = impl_->realms.find(name);
  return it == impl_->realms.end() ? nullptr : it->second.get();
}

LocalDelivery& Router::local_delivery() {
  return impl_->local_delivery;
}

Timers& Router::timers() {
  return impl_->timers;
}

void Router::run_timers() {
  DispatchScope scope(impl_->local_delivery);
  impl_->timers.run_due();
}

void Router::set_executor(std::function<void(std::function<void()>)> executor) {
  impl_->local_delivery.set_executor(std::move(executor));
}

void Router::set_authorizer_call(AuthorizerCall call) {
  impl_->authorizer_call = std::move(call);
}

std::size_t Router::session_count() const {
  std::size_t n = 0;
  for (const auto& [name, realm] : impl_->realms)
    n += realm->sessions().size();
  return n;
}

std::vector<Router::RealmStats> Router::realm_stats() const {
  std::vector<RealmStats> stats;
  stats.reserve(impl_->realms.size());
  for (const auto& [name, realm] : impl_->realms)
    stats.push_back({name, realm->sessions().size(), realm->client_session_count()});
  return stats;
}

}  // namespace junction::router
