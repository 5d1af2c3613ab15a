// node/config_realm: a router worker's realms, their roles and the roles' permissions.
#include "node/config_reader.hpp"

#include <algorithm>
#include <set>

#include "wamp/uri.hpp"

namespace junction::node::detail {

namespace {

// Permission (an item of a role's "permissions"):
//   uri       string, required. Without "match", stars pick the policy the way Crossbar does
//             (autobahn's convert_starred_uri): no '*' → exact; a single '*' at the very end →
//             prefix on what precedes it ("com.example.*" → prefix "com.example.", "*" →
//             prefix "" = everything); any other use of '*' → wildcard with the stars removed
//             ("com.*.foo" → wildcard "com..foo").
//   match     "exact" | "prefix" | "wildcard"; when given, "uri" is taken literally and may not
//             contain '*'. A prefix "" matches every URI.
//   allow     {call, register, publish, subscribe}: booleans, default false.
//   disclose  {caller, publisher}: booleans, default false.
//   cache     boolean; accepted (an authorization-cache hint in Crossbar; nothing to cache here).
router::Permission read_permission(Validator& v, const json& j, const std::string& path) {
  Obj o(v, j, path, "permission");
  router::Permission p;
  std::string uri = o.need_string("uri");
  if (auto match = o.opt_string("match")) {
    if (*match == "exact") {
      p.match = router::MatchPolicy::exact;
    } else if (*match == "prefix") {
      p.match = router::MatchPolicy::prefix;
    } else if (*match == "wildcard") {
      p.match = router::MatchPolicy::wildcard;
    } else {
      v.fail(o.at("match"),
             "expected \"exact\", \"prefix\" or \"wildcard\", found \"" + *match + "\"");
    }
    if (uri.find('*') != std::string::npos) {
      v.fail(o.at("uri"), "'*' is only allowed when 'match' is not given (found \"" + uri + "\")");
    }
  } else {
    const auto stars = std::count(uri.begin(), uri.end(), '*');
    if (stars == 0) {
      p.match = router::MatchPolicy::exact;
    } else if (stars == 1 && uri.back() == '*') {
      p.match = router::MatchPolicy::prefix;
      uri.pop_back();
    } else {
      p.match = router::MatchPolicy::wildcard;
      std::erase(uri, '*');
    }
  }
  bool valid = false;
  switch (p.match) {
    case router::MatchPolicy::exact:
      valid = wamp::valid_uri(uri, wamp::UriCheck::loose);
      break;
    case router::MatchPolicy::prefix:
      // "com.example." (the usual form) and "com.example" are both fine prefixes.
      valid = uri.empty() ||
              wamp::valid_pattern_uri(uri.ends_with('.') ? uri.substr(0, uri.size() - 1) : uri,
                                      wamp::UriCheck::loose, false);
      break;
    case router::MatchPolicy::wildcard:
      valid = wamp::valid_pattern_uri(uri, wamp::UriCheck::loose, true);
      break;
  }
  if (!valid) v.fail(o.at("uri"), "invalid URI pattern \"" + j.at("uri").get<std::string>() + "\"");
  p.uri = std::move(uri);

  if (const json* allow = o.opt_object("allow")) {
    Obj a(v, *allow, o.at("allow"), "permission 'allow'");
    p.call = a.boolean("call", false);
    p.register_ = a.boolean("register", false);
    p.publish = a.boolean("publish", false);
    p.subscribe = a.boolean("subscribe", false);
    a.finish();
  }
  if (const json* disclose = o.opt_object("disclose")) {
    Obj d(v, *disclose, o.at("disclose"), "permission 'disclose'");
    p.disclose_caller = d.boolean("caller", false);
    p.disclose_publisher = d.boolean("publisher", false);
    d.finish();
  }
  o.boolean("cache", false);
  o.finish();
  return p;
}

// Role (an item of a realm's "roles"):
//   name              string, required: the authrole sessions get (e.g. "anonymous").
//   id                optional config ID.
//   permissions       list of permissions (above); URIs no permission grants are denied.
//   allow-by-default  boolean (default false), as in Crossbar: only for a role without
//                     "permissions" (and without "authorizer"): true allows every action on
//                     every URI (nothing disclosed), false denies all. With "permissions" Crossbar
//                     ignores it; so does Junction, with a warning.
//   authorizer        a procedure URI: a dynamic authorizer, called as
//                     authorize(session, uri, action, options) for every call, register,
//                     publish and subscribe of the role's sessions (router/dynamic_authorizer.hpp);
//                     exclusive with "permissions" and "allow-by-default".
//   authorizer-timeout  milliseconds (1..600000, default 10000; Junction's own key): an answer
//                     that takes longer denies the action (wamp.error.authorization_failed).
router::RoleConfig read_role(Validator& v, const json& j, const std::string& path) {
  Obj o(v, j, path, "role");
  router::RoleConfig role;
  read_id(o);
  role.name = o.need_string("name");
  if (role.name.empty() || !wamp::valid_uri(role.name, wamp::UriCheck::loose)) {
    v.fail(o.at("name"), "expected a role name (a WAMP URI), found \"" + role.name + "\"");
  }
  if (const auto authorizer = o.opt_string("authorizer")) {
    if (!wamp::valid_uri(*authorizer, wamp::UriCheck::loose)) {
      v.fail(o.at("authorizer"), "'" + *authorizer + "' is not a valid procedure URI");
    }
    if (o.has("permissions") || o.has("allow-by-default")) {
      v.fail(o.at("authorizer"),
             "a role with an 'authorizer' has no 'permissions' or 'allow-by-default' (the "
             "authorizer decides everything)");
    }
    role.authorizer = *authorizer;
    role.authorizer_timeout =
        std::chrono::milliseconds(o.opt_int("authorizer-timeout", 1, 600000).value_or(10000));
    o.finish();
    return role;
  }
  const bool allow_by_default = o.boolean("allow-by-default", false);
  if (const json* perms = o.opt_list("permissions")) {
    for (std::size_t i = 0; i < perms->size(); ++i) {
      role.permissions.push_back(
          read_permission(v, (*perms)[i], path_index(o.at("permissions"), i)));
    }
    if (allow_by_default) {
      v.warn(o.at("allow-by-default"),
             "ignored: a role with 'permissions' allows only what they grant (as in Crossbar)");
    }
  } else if (allow_by_default) {
    router::Permission everything;
    everything.uri = "";
    everything.match = router::MatchPolicy::prefix;
    everything.call = everything.register_ = everything.publish = everything.subscribe = true;
    role.permissions.push_back(everything);
  }
  o.finish();
  return role;
}

}  // namespace

// A realm's "store": Crossbar's realm store, {"type": "memory", "limit": N, "event-history":
// [{"uri", "match", "limit"}]}: the events published to each listed topic (or pattern; match
// "exact" by default) are kept, the last `limit` of them (default: the store's
// "limit", default 100; at most 100000), for wamp.subscription.get_events.
// Other store types and "call-queue" are not supported yet.
static void read_store(Validator& v, const json& j, const std::string& path,
                       router::RealmConfig& realm) {
  Obj o(v, j, path, "realm store");
  const std::string type = o.need_string("type");
  if (type != "memory") v.fail(o.at("type"), "store type '" + type + "' is not supported yet");
  const std::size_t limit = static_cast<std::size_t>(o.opt_int("limit", 1, 100000).value_or(100));
  if (const json* items = o.opt_list("event-history")) {
    for (std::size_t i = 0; i < items->size(); ++i) {
      Obj item(v, (*items)[i], path_index(o.at("event-history"), i), "event history");
      router::EventHistoryConfig history;
      history.uri = item.need_string("uri");
      const std::string match = item.opt_string("match").value_or("exact");
      if (match == "exact") {
        history.match = router::MatchPolicy::exact;
      } else if (match == "prefix") {
        history.match = router::MatchPolicy::prefix;
      } else if (match == "wildcard") {
        history.match = router::MatchPolicy::wildcard;
      } else {
        v.fail(item.at("match"),
               "expected \"exact\", \"prefix\" or \"wildcard\", found \"" + match + "\"");
      }
      if (history.match == router::MatchPolicy::exact &&
          !wamp::valid_uri(history.uri, wamp::UriCheck::loose)) {
        v.fail(item.at("uri"), "expected a topic URI, found \"" + history.uri + "\"");
      }
      history.limit = static_cast<std::size_t>(item.opt_int("limit", 1, 100000).value_or(limit));
      item.finish();
      realm.event_history.push_back(std::move(history));
    }
  }
  o.refuse("call-queue");
  o.finish();
}

// Realm (an item of a router worker's "realms"):
//   name     string, required: the realm URI clients join (loose WAMP URI rules). Unique per node.
//   id       optional config ID.
//   roles    list of roles (above). A realm without roles admits nobody.
//   options  uri_check: "loose" (default) | "strict": how URIs in messages are validated.
//            enable_meta_api: bool (default true): the router serves the WAMP meta API
//            (wamp.session.*, wamp.registration.*, wamp.subscription.*) and publishes its meta
//            events on this realm (src/meta/, docs/meta-api.md).
//            cancel_kill_grace: integer ms 1..3600000 (default 2000), Junction's own: how long the
//            dealer waits for a callee's answer to INTERRUPT (CANCEL mode "kill") before it
//            answers the caller wamp.error.canceled itself.
//            Junction's own limits (integers, 0: none): max_sessions (default 0: client
//            sessions at once; past it HELLO is answered ABORT junction.error.limit_exceeded),
//            max_subscriptions_per_session and max_registrations_per_session (default 10000
//            each; past them SUBSCRIBE/REGISTER get ERROR junction.error.limit_exceeded),
//            max_pending_calls_per_session (default 10000: calls in flight from one session;
//            in-process sessions not counted) and max_pending_calls_per_callee (default 100000:
//            calls in flight to one callee; past either the CALL gets ERROR
//            junction.error.limit_exceeded), max_message_rate (default 0: messages a session
//            may send per second, answers to INVOCATIONs not counted; past it GOODBYE
//            junction.error.limit_exceeded) with bursts of max_message_burst (default 0: one
//            second's worth).
//            Crossbar's other realm options
//            (bridge_meta_api, event_dispatching_chunk_size, ...) are not supported yet.
//   stats    (periodic session statistics events) not supported yet.
//   trace    boolean; accepted with a warning (Crossbar's message tracing; use --loglevel trace).
//   store    see read_store above.
//   principals, rlinks: not supported yet.
router::RealmConfig read_realm(Validator& v, const json& j, const std::string& path) {
  Obj o(v, j, path, "realm");
  router::RealmConfig realm;
  read_id(o);
  realm.name = o.need_string("name");
  if (!wamp::valid_uri(realm.name, wamp::UriCheck::loose)) {
    v.fail(o.at("name"),
           "expected a realm name (a WAMP URI such as \"realm1\"), found \"" + realm.name + "\"");
  }
  if (const json* roles = o.opt_list("roles")) {
    std::set<std::string> names;
    for (std::size_t i = 0; i < roles->size(); ++i) {
      const std::string role_path = path_index(o.at("roles"), i);
      auto role = read_role(v, (*roles)[i], role_path);
      if (!names.insert(role.name).second) {
        v.fail(path_key(role_path, "name"), "duplicate role name '" + role.name + "' in realm");
      }
      realm.roles.push_back(std::move(role));
    }
  }
  if (const json* options = o.opt_object("options")) {
    Obj opt(v, *options, o.at("options"), "realm options");
    if (auto check = opt.opt_string("uri_check")) {
      if (*check == "loose") {
        realm.uri_check = wamp::UriCheck::loose;
      } else if (*check == "strict") {
        realm.uri_check = wamp::UriCheck::strict;
      } else {
        v.fail(opt.at("uri_check"), "expected \"loose\" or \"strict\", found \"" + *check + "\"");
      }
    }
    realm.enable_meta_api = opt.boolean("enable_meta_api", true);
    if (const auto grace = opt.opt_int("cancel_kill_grace", 1, 3600000)) {
      realm.cancel_kill_grace = std::chrono::milliseconds(*grace);
    }
    const auto limit = [&](const char* key, std::size_t& slot) {
      if (auto n = opt.opt_int(key, 0, 1000000000)) slot = static_cast<std::size_t>(*n);
    };
    limit("max_sessions", realm.max_sessions);
    limit("max_subscriptions_per_session", realm.max_subscriptions_per_session);
    limit("max_registrations_per_session", realm.max_registrations_per_session);
    limit("max_pending_calls_per_session", realm.max_pending_calls_per_session);
    limit("max_pending_calls_per_callee", realm.max_pending_calls_per_callee);
    limit("max_message_rate", realm.max_message_rate);
    limit("max_message_burst", realm.max_message_burst);
    for (const char* key : {"bridge_meta_api", "event_dispatching_chunk_size"}) {
      opt.refuse(key);
    }
    opt.finish();
  }
  o.ignore("trace");
  if (const json* store = o.opt_object("store")) read_store(v, *store, o.at("store"), realm);
  for (const char* key : {"principals", "rlinks", "stats"})
    o.refuse(key);
  o.finish();
  return realm;
}

}  // namespace junction::node::detail
