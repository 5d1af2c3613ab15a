// auth/procedure_caller: how dynamic authenticators reach their WAMP procedure. The node binds
// an implementation that calls through an in-process session with the trusted role (one per
// realm) on the routing thread; unbound, every call fails at once ("no caller").
#pragma once

#include <functional>
#include <string>

#include "wamp/value.hpp"

namespace junction::auth {

class ProcedureCaller {
 public:
  struct Result {
    std::string error;  // empty: success; else the ERROR's URI
    wamp::Array args;
    wamp::Object kwargs;
  };
  virtual ~ProcedureCaller() = default;
  // Calls `procedure` on `realm` as a session with role `authrole`. `done` runs on the routing
  // thread, at most once — maybe never (a callee that does not answer): callers keep their own
  // timeout.
  virtual void call(const std::string& realm, const std::string& authrole,
                    const std::string& procedure, wamp::Array args,
                    std::function<void(Result)> done) = 0;
};

ProcedureCaller* node_caller();
void bind_node_caller(ProcedureCaller* caller);  // routing thread

}  // namespace junction::auth
