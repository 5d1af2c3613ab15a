// router/router: the public face of the routing core. A transport hands each new connection to
// Router::connect() and gets a Connection back, feeds it decoded messages, and tells it when the
// socket is gone. The router answers through the Peer interface. Nothing here knows about
// sockets, HTTP or config files, so the whole routing logic runs in unit tests without a socket.
//
// Threading: a Router and everything it creates belong to one thread (the routing thread). A
// transport on another thread must post to it.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "router/authentication.hpp"
#include "router/clock.hpp"
#include "wamp/codec.hpp"
#include "wamp/match.hpp"
#include "wamp/uri.hpp"

namespace junction::router {

// What the transport knows about a connection beyond its bytes, for authentication.
struct TransportInfo {
  bool tls = false;  // the connection is TLS-encrypted
  // A client certificate the TLS handshake verified against the listener's ca_certificates.
  struct PeerCertificate {
    std::string subject;             // RFC 2253, e.g. "CN=client1,O=Example"
    std::string common_name;         // subject CN ("" if none)
    std::string sha256_fingerprint;  // uppercase hex pairs joined by ':' (Crossbar's format)
    std::string sha1_fingerprint;    // the same format (Crossbar's "certificate-sha1")
  };
  std::optional<PeerCertificate> peer_certificate;
  // TLS channel binding "tls-unique" as WAMP-Cryptosign uses it: SHA-256 of the client's TLS
  // Finished message (32 bytes); empty without TLS.
  std::string tls_unique;
  // The methods the listener (or WebSocket path) accepts, from its "auth" config: an opaque
  // handle the transport only carries. Null: anonymous only (the router's built-in default).
  std::shared_ptr<Authenticator> authenticator;
  // A private listener of the node itself (the Python component launcher's socket,
  // node/component_launcher): the HELLO's authid and authrole are taken as they are, as Crossbar
  // attaches its router components with their configured role.
  bool trusted = false;
  // Cookie tracking (a WebSocket path's "cookie" config): the connection's tracking cookie ID
  // ("cbtid"); "" without. Anonymous sessions take it as their authid, as Crossbar's do.
  std::string cbtid;
  // Also with cookie tracking: what a GOODBYE wamp.close.logout does, as in Crossbar (with or
  // without cookie authentication): the cookie's login is forgotten and every connection
  // carrying it is closed. Called on the routing thread; null without tracking.
  std::function<void()> logout;
};

// The router's view of one transport connection. send() and close() only queue work: they must
// never call back into the router synchronously (the router may be iterating its tables).
class Peer {
 public:
  virtual ~Peer() = default;
  // Queues a message for this peer (the transport encodes with its negotiated codec).
  virtual void send(wamp::OutboundPtr message) = 0;
  // Closes the transport once everything queued so far has been written.
  virtual void close() = 0;
  // For logs: transport kind and remote address, e.g. "websocket 127.0.0.1:50122".
  virtual std::string describe() const = 0;
  // TLS and the verified client certificate, if any (for authentication).
  virtual TransportInfo transport_info() const { return {}; }
};

// The match policies and their rules live in wamp/match.hpp.
using MatchPolicy = wamp::MatchPolicy;

struct Permission {
  std::string uri;  // "" with prefix matches everything
  MatchPolicy match = MatchPolicy::exact;
  bool call = false;
  bool register_ = false;
  bool publish = false;
  bool subscribe = false;
  bool disclose_caller = false;
  bool disclose_publisher = false;
};

struct RoleConfig {
  RoleConfig() = default;
  RoleConfig(std::string name_, std::vector<Permission> permissions_ = {})
      : name(std::move(name_)), permissions(std::move(permissions_)) {}

  std::string name;
  std::vector<Permission> permissions;
  // A dynamic authorizer: the procedure called as authorize(session, uri, action, options) for
  // every action of this role's sessions ("" none: the permissions decide), and how long an
  // answer may take.
  std::string authorizer;
  std::chrono::milliseconds authorizer_timeout{10000};
};

// One "event-history" item of Crossbar's realm "store": keep the last `limit` events published
// to `uri` (under `match`) for wamp.subscription.get_events.
struct EventHistoryConfig {
  std::string uri;
  MatchPolicy match = MatchPolicy::exact;
  std::size_t limit = 100;
};

struct RealmConfig {
  std::string name;
  wamp::UriCheck uri_check = wamp::UriCheck::loose;
  std::vector<RoleConfig> roles;
  // Crossbar's realm option: the router serves the meta API (src/meta/) on this realm.
  bool enable_meta_api = true;
  // Crossbar's "store" (type "memory"): the topics whose events are kept (src/meta/).
  std::vector<EventHistoryConfig> event_history;
  // Junction's own: how long the dealer waits for a callee's answer to INTERRUPT (cancel mode
  // `kill`) before it answers the caller wamp.error.canceled itself.
  std::chrono::milliseconds cancel_kill_grace{2000};

  // Junction's own realm options: what one realm, and one session in it, may hold. 0: no limit.
  std::size_t max_sessions = 0;  // client sessions (the router's in-process ones not counted)
  std::size_t max_subscriptions_per_session = 10000;
  std::size_t max_registrations_per_session = 10000;
  // Calls in flight at once from one session as caller (the router's in-process sessions not
  // counted) and to one callee. Past them the CALL gets ERROR junction.error.limit_exceeded.
  std::size_t max_pending_calls_per_session = 10000;
  std::size_t max_pending_calls_per_callee = 100000;
  // Messages a client session may send per second (its requests and events: PUBLISH, SUBSCRIBE,
  // CALL, CANCEL, REGISTER, ...; not its answers to INVOCATIONs, YIELD and ERROR, nor GOODBYE),
  // with bursts of up to max_message_burst (0: one second's worth). Past it the session is ended
  // with GOODBYE junction.error.limit_exceeded (and the transport closed). 0: no limit.
  std::size_t max_message_rate = 0;
  std::size_t max_message_burst = 0;
};

struct RouterConfig {
  std::vector<RealmConfig> realms;
};

class Router;
class SessionState;
class Realm;
class LocalDelivery;

// One transport connection as seen by the router: from HELLO through to GOODBYE/ABORT/close.
class Connection {
 public:
  Connection(Router& router, Peer& peer);
  ~Connection();  // same as closed()
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // A decoded message from the peer.
  void receive(wamp::Message message);
  // The peer sent something that could not be decoded: ABORT protocol_violation, then close.
  void receive_malformed(const std::string& reason);
  // The transport is gone: the session leaves its realm, pending calls get errors.
  void closed();

  // The session id once WELCOME was sent, else 0.
  wamp::Id session_id() const;

  // For sessions that live inside the node (router/in_process_session.hpp): joins `realm` at
  // once, without HELLO or authentication (the node vouches for it), as authid/authrole. The
  // WELCOME is sent to the peer as usual. Throws std::invalid_argument for an unknown realm.
  void establish_in_process(std::string_view realm, std::string authid, std::string authrole);

 private:
  std::unique_ptr<SessionState> state_;
};

// How the router calls a dynamic authorizer procedure on `realm` (the node binds it to an
// in-process session with the trusted role): `done` gets the ERROR's URI ("" on success) and the
// result's (or error's) arguments, exactly once, on the routing thread — the binding keeps the
// timeout and answers "wamp.error.timeout" when it passes.
using AuthorizerCall = std::function<void(
    const std::string& realm, const std::string& procedure, std::chrono::milliseconds timeout,
    wamp::Array args, std::function<void(std::string error, wamp::Array args)> done)>;

class Router {
 public:
  // Deadlines (call timeouts, cancel grace periods) run on `clock` (router/clock.hpp), which
  // must outlive the router.
  Router(RouterConfig config, Clock& clock);
  // A router whose deadlines fire only when run_timers() is called (unit tests).
  explicit Router(RouterConfig config);
  ~Router();
  Router(const Router&) = delete;
  Router& operator=(const Router&) = delete;

  std::unique_ptr<Connection> connect(Peer& peer);

  // Graceful shutdown: GOODBYE (wamp.close.system_shutdown) to every session, then close.
  void shutdown();

  std::size_t session_count() const;
  // Sessions per realm, in name order (the node's metrics). `client_sessions` leaves out the
  // router's own in-process sessions (meta API, HTTP bridge, authenticator callers).
  struct RealmStats {
    std::string name;
    std::size_t sessions = 0;
    std::size_t client_sessions = 0;
  };
  std::vector<RealmStats> realm_stats() const;

  // A realm by name, or null (for modules that serve a realm from inside: src/meta/).
  Realm* find_realm(std::string_view name);
  // Where messages for in-process peers wait for the end of the current dispatch.
  LocalDelivery& local_delivery();
  // How the router gets a message to an in-process peer when it sends one outside any dispatch
  // (a timer): the node passes "post to the routing thread's io_context". Unset, such messages
  // wait for the next dispatch.
  void set_executor(std::function<void(std::function<void()>)> executor);
  // The router's timers, and running those that are due (what the clock's alarm does).
  Timers& timers();
  void run_timers();
  // Dynamic authorizers (roles with "authorizer"): unset, their sessions are denied every action
  // with wamp.error.authorization_failed.
  void set_authorizer_call(AuthorizerCall call);

  struct Impl;

 private:
  Router(RouterConfig config, Clock* clock);  // null: a clock of its own (UndrivenClock)

  std::unique_ptr<Impl> impl_;
  friend class Connection;
};

}  // namespace junction::router
