// router/dynamic_authorizer: authorization by a WAMP procedure (see the header).
#include "router/dynamic_authorizer.hpp"

#include <optional>

#include "base/log.hpp"
#include "router/realm.hpp"

namespace junction::router {
namespace {

using wamp::Message;
using wamp::MessageType;

inline constexpr std::string_view kAuthorizationFailed = "wamp.error.authorization_failed";

std::optional<Action> action_of(MessageType type) {
  switch (type) {
    case MessageType::call:
      return Action::call;
    case MessageType::reg:
      return Action::register_;
    case MessageType::publish:
      return Action::publish;
    case MessageType::subscribe:
      return Action::subscribe;
    default:
      return std::nullopt;
  }
}

// What Crossbar passes as the first argument: the session's details.
wamp::Object session_details(const Session& s) {
  return wamp::Object{{"session", wamp::Value(s.id)},
                      {"authid", s.authid},
                      {"authrole", s.authrole},
                      {"authmethod", s.authmethod},
                      {"authprovider", s.authprovider},
                      {"authextra", s.authextra},
                      {"transport", wamp::Object{{"peer", s.peer->describe()}}}};
}

// Routes one message with the authorizer's answer standing in for the static permissions.
void route_with(Realm& realm, Session& session, Message& message, const Authorization& auth) {
  session.preauthorized = &auth;
  realm.route(session, message);
  session.preauthorized = nullptr;
}

}  // namespace

std::string DynamicAuthorizer::cache_key(const Session& session, Action action,
                                         std::string_view uri) const {
  std::string key = session.authrole;
  key += '\0';
  key += action_name(action);
  key += '\0';
  key += uri;
  return key;
}

void DynamicAuthorizer::dispatch(Session& session, Message& message) {
  if (session.held && !session.held->empty()) {
    session.held->push_back(std::move(message));  // behind what already waits
    return;
  }
  if (route_if_decided(session, message)) return;
  if (!session.held) session.held = std::make_unique<std::deque<Message>>();
  session.held->push_back(std::move(message));
  ask(session, session.held->front(), *action_of(session.held->front().type));
}

bool DynamicAuthorizer::route_if_decided(Session& session, Message& message) {
  const auto action = action_of(message.type);
  if (!action) {
    realm_.route(session, message);
    return true;
  }
  if (cache_.empty()) return false;
  const auto it = cache_.find(cache_key(session, *action, message.uri));
  if (it == cache_.end()) return false;
  const Authorization auth = it->second;  // the cache may change while routing
  route_with(realm_, session, message, auth);
  return true;
}

void DynamicAuthorizer::ask(Session& session, const Message& message, Action action) {
  const RoleConfig& role = *session.dynamic_role;
  if (!call_) {
    // Nobody to ask (no node binding): deny, asynchronously like any answer would come.
    Answer none;
    none.failure = "no dynamic authorizer is available on this router";
    return answered(session.id, action, message.uri, std::move(none));
  }
  wamp::Array args{session_details(session), message.uri, std::string(action_name(action)),
                   message.options};
  call_(realm_.name(), role.authorizer, role.authorizer_timeout, std::move(args),
        [this, alive = std::weak_ptr<char>(alive_), id = session.id, action, uri = message.uri,
         procedure = role.authorizer](std::string error, wamp::Array result) {
          if (alive.expired()) return;
          answered(id, action, uri, parse(procedure, error, result));
        });
}

DynamicAuthorizer::Answer DynamicAuthorizer::parse(const std::string& procedure,
                                                   const std::string& error,
                                                   const wamp::Array& args) {
  Answer answer;
  if (!error.empty()) {
    answer.failure = "the authorizer '" + procedure + "' failed: " + error;
    if (!args.empty() && args[0].as_string()) answer.failure += ": " + *args[0].as_string();
    return answer;
  }
  const wamp::Value* value = args.empty() ? nullptr : &args[0];
  if (value && value->as_bool()) {
    answer.authorization.allowed = *value->as_bool();
    return answer;
  }
  const wamp::Object* dict = value ? value->as_object() : nullptr;
  if (!dict) {
    answer.failure = "the authorizer '" + procedure + "' answered neither a boolean nor a dict";
    return answer;
  }
  bool has_allow = false;
  for (const auto& [key, v] : *dict) {
    const bool* flag = v.as_bool();
    if ((key != "allow" && key != "disclose" && key != "cache") || !flag) {
      answer.failure = "the authorizer '" + procedure + "' answered a bad key '" + key +
                       "' (expected boolean allow, disclose, cache)";
      return answer;
    }
    if (key == "allow") {
      has_allow = true;
      answer.authorization.allowed = *flag;
    } else if (key == "disclose") {
      answer.authorization.disclose = *flag;
    } else {
      answer.cache = *flag;
    }
  }
  if (!has_allow) answer.failure = "the authorizer '" + procedure + "' answered no 'allow'";
  return answer;
}

void DynamicAuthorizer::answered(wamp::Id session_id, Action action, const std::string& uri,
                                 Answer answer) {
  const auto found = realm_.sessions().find(session_id);
  if (found == realm_.sessions().end()) return;  // the session left meanwhile
  Session& session = *found->second;
  if (!session.held || session.held->empty()) return;
  Message message = std::move(session.held->front());
  session.held->pop_front();

  if (!answer.failure.empty()) {
    JLOG(info, "router") << "session " << session.id << ": " << answer.failure << " ("
                         << action_name(action) << " '" << uri << "')";
    const bool report = message.type != MessageType::publish ||
                        wamp::get_bool(message.options, "acknowledge").value_or(false);
    if (report) {
      reply_error(session, message, kAuthorizationFailed,
                  answer.failure + " (" + std::string(action_name(action)) + " '" + uri + "')");
    }
  } else {
    if (answer.cache) {
      if (cache_.size() >= kCacheLimit) cache_.clear();
      cache_[cache_key(session, action, uri)] = answer.authorization;
    }
    route_with(realm_, session, message, answer.authorization);
  }

  // What waited behind it, in order, until one needs the authorizer again. Routing never ends
  // the session synchronously (a kill reaches it after the current dispatch), but look it up
  // again all the same.
  while (true) {
    const auto again = realm_.sessions().find(session_id);
    if (again == realm_.sessions().end()) return;
    Session& s = *again->second;
    if (!s.held || s.held->empty()) return;
    Message next = std::move(s.held->front());
    s.held->pop_front();
    if (!s.dynamic_role) {  // a reload made the role static meanwhile
      realm_.route(s, next);
      continue;
    }
    if (!route_if_decided(s, next)) {
      s.held->push_front(std::move(next));
      return ask(s, s.held->front(), *action_of(s.held->front().type));
    }
  }
}

}  // namespace junction::router
