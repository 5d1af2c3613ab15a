// node/config_auth: the "auth" of WebSocket and RawSocket transports (authentication methods).
#include "node/config_reader.hpp"

namespace junction::node::detail {

// "auth": only anonymous authentication exists yet: {"anonymous": {"type": "static"}} (the
// default when "auth" is absent). A static "role" other than "anonymous", dynamic anonymous
// authenticators, and ticket / wampcra / tls / cookie / cryptosign / scram are not supported yet.
void read_auth(Validator& v, const json& j, const std::string& path) {
  Obj o(v, j, path, "'auth'");
  for (const char* method : {"ticket", "wampcra", "tls", "cookie", "cryptosign", "scram"}) {
    if (o.has(method)) {
      v.fail(o.at(method),
             "authentication method '" + std::string(method) + "' is not supported yet");
    }
  }
  if (const json* anon = o.get("anonymous")) {
    Obj a(v, *anon, o.at("anonymous"), "anonymous authentication");
    const std::string type = a.need_string("type");
    if (type == "dynamic") {
      v.fail(a.at("type"), "dynamic anonymous authentication is not supported yet");
    }
    if (type != "static") {
      v.fail(a.at("type"), "expected \"static\" or \"dynamic\", found \"" + type + "\"");
    }
    if (auto role = a.opt_string("role"); role && *role != "anonymous") {
      v.fail(a.at("role"),
             "anonymous sessions with a role other than 'anonymous' are not "
             "supported yet (found \"" +
                 *role + "\")");
    }
    a.accept("authenticator");
    a.finish();
  }
  o.finish();
}

}  // namespace junction::node::detail
