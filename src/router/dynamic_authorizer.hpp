// router/dynamic_authorizer: authorization by a WAMP procedure, for sessions whose role has an
// "authorizer" (Crossbar's dynamic authorizer). Every CALL, REGISTER, PUBLISH and SUBSCRIBE of
// such a session is decided by authorize(session, uri, action, options), called through the
// router's AuthorizerCall while the routing thread goes on serving everyone else.
//
// Order: while a message waits for its answer, every later message of the same session waits
// behind it (a CANCEL must not overtake its CALL, nor a PUBLISH an earlier SUBSCRIBE); when the
// answer comes, the held messages are routed in arrival order, asking again where needed.
//
// The answer is a boolean or {"allow": bool, "disclose": bool, "cache": bool}. With "cache":
// true it is kept per (role, URI, action) on the realm, so later actions of any session of the
// role are decided at once (bounded: the cache is emptied when it reaches kCacheLimit entries).
// An ERROR from the authorizer, a malformed answer, a timeout or no binding at all denies the
// action with wamp.error.authorization_failed and a message saying why.
//
// Static roles never come here: Realm::dispatch checks one pointer.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <unordered_map>

#include "router/authorizer.hpp"
#include "router/router.hpp"
#include "router/session.hpp"

namespace junction::router {

class Realm;

class DynamicAuthorizer {
 public:
  static constexpr std::size_t kCacheLimit = 10000;

  DynamicAuthorizer(Realm& realm, const AuthorizerCall& call)
      : realm_(realm), call_(call), alive_(std::make_shared<char>()) {}

  // A message of a session with a dynamic role: routed now (no action to authorize, or the
  // answer is cached) or held until the authorizer answered.
  void dispatch(Session& session, wamp::Message& message);

  std::size_t cached() const { return cache_.size(); }
  // The realm's roles were replaced (a config reload): no cached answer holds any more.
  void forget_answers() { cache_.clear(); }

 private:
  struct Answer {
    Authorization authorization;
    bool cache = false;
    std::string failure;  // not empty: the authorizer failed (ERROR, malformed, timeout)
  };

  // Routes `message` if that needs no answer from the authorizer; false if it does.
  bool route_if_decided(Session& session, wamp::Message& message);
  void ask(Session& session, const wamp::Message& message, Action action);
  void answered(wamp::Id session_id, Action action, const std::string& uri, Answer answer);
  static Answer parse(const std::string& procedure, const std::string& error,
                      const wamp::Array& args);
  std::string cache_key(const Session& session, Action action, std::string_view uri) const;

  Realm& realm_;
  const AuthorizerCall& call_;
  std::unordered_map<std::string, Authorization> cache_;
  std::shared_ptr<char> alive_;  // answers arriving after the realm is gone are dropped
};

}  // namespace junction::router
