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

// Binds an AuthCaller as the node's caller for as long as it lives.
class BoundAuthCaller {
 public:
  explicit BoundAuthCaller(router::Router& router) : caller_(router) {
    auth::bind_node_caller(&caller_);
  }
  ~BoundAuthCaller() { auth::bind_node_caller(nullptr); }
  BoundAuthCaller(const BoundAuthCaller&) = delete;
  BoundAuthCaller& operator=(const BoundAuthCaller&) = delete;

 private:
  AuthCaller caller_;
};

}  // namespace junction::node
