// node/auth_caller: the auth module's ProcedureCaller, through which dynamic authenticators are
// called: one in-process session per (realm, role) — authid "junction-auth", role
// "authenticator-role" of the method (default "trusted") — made when first needed and made again
// if it was ended (meta API kill), calling the authenticator like any caller does.
//
// Threading: the routing thread only (as the Router and its in-process sessions).
#pragma once

#include <map>
#include <memory>
#include <string>
#include <utility>

#include "auth/executor.hpp"
#include "auth/procedure_caller.hpp"
#include "router/in_process_session.hpp"

namespace junction::node {

class AuthCaller : public auth::ProcedureCaller {
 public:
  explicit AuthCaller(router::Router& router) : router_(router) {}
  void call(const std::string& realm, const std::string& authrole, const std::string& procedure,
            wamp::Array args, std::function<void(Result)> done) override;

 private:
  router::Router& router_;
  std::map<std::pair<std::string, std::string>, std::unique_ptr<router::InProcessSession>>
      sessions_;
};

// Binds an AuthCaller, for as long as it lives, as the node's caller of dynamic authenticators
// and as the router's caller of dynamic authorizers (role "trusted" on the realm being served;
// the timeout runs on `executor`, the routing thread's timers).
class BoundAuthCaller {
 public:
  BoundAuthCaller(router::Router& router, auth::Executor& executor);
  ~BoundAuthCaller();
  BoundAuthCaller(const BoundAuthCaller&) = delete;
  BoundAuthCaller& operator=(const BoundAuthCaller&) = delete;

 private:
  router::Router& router_;
  AuthCaller caller_;
};

}  // namespace junction::node
