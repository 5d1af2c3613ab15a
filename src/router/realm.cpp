// router/realm: session membership and dispatch of established-session messages.
#include "router/realm.hpp"

#include "base/log.hpp"

namespace junction::router {

Realm::Realm(RealmConfig config, IdGenerator& ids, Timers& timers,
             const AuthorizerCall& authorizer_call)
    : config_(std::move(config)),
      ids_(ids),
      timers_(timers),
      authorizer_(config_.roles),
      broker_(*this),
      dealer_(*this),
      dynamic_authorizer_(*this, authorizer_call) {}

wamp::Id Realm::next_session_id() {
  return ids_.next_unique([this](wamp::Id id) { return sessions_.contains(id); });
}

Session& Realm::join(Peer& peer, std::string authid, std::string authrole, std::string authmethod,
                     ClientFeatures features, std::string authprovider, wamp::Object authextra,
                     wamp::Id id, bool in_process) {
  auto session = std::make_unique<Session>();
  session->id = id != 0 && !sessions_.contains(id) ? id : next_session_id();
  session->realm = this;
  session->peer = &peer;
  session->authid = std::move(authid);
  session->authrole = std::move(authrole);
  session->authmethod = std::move(authmethod);
  session->authprovider = std::move(authprovider);
  session->authextra = std::move(authextra);
  session->features = features;
  session->in_process = in_process;
  if (!in_process) ++client_sessions_;
  session->dynamic_role = authorizer_.dynamic_role(session->authrole);
  Session& ref = *session;
  sessions_.emplace(ref.id, std::move(session));
  return ref;
}

ClientFeatures ClientFeatures::from_roles(const wamp::Object& roles) {
  const auto feature = [&roles](std::string_view role, std::string_view name) {
    const wamp::Object* r = wamp::get_object(roles, role);
    const wamp::Object* features = r ? wamp::get_object(*r, "features") : nullptr;
    return features && wamp::get_bool(*features, name).value_or(false);
  };
  ClientFeatures out;
  out.callee_call_canceling = feature("callee", "call_canceling");
  out.caller_progressive_call_invocations = feature("caller", "progressive_call_invocations");
  out.callee_progressive_call_invocations = feature("callee", "progressive_call_invocations");
  out.caller_payload_passthru = feature("caller", "payload_passthru_mode");
  out.callee_payload_passthru = feature("callee", "payload_passthru_mode");
  out.publisher_payload_passthru = feature("publisher", "payload_passthru_mode");
  out.subscriber_payload_passthru = feature("subscriber", "payload_passthru_mode");
  out.callee_registration_revocation = feature("callee", "registration_revocation");
  out.subscriber_subscription_revocation = feature("subscriber", "subscription_revocation");
  return out;
}

void Realm::leave(wamp::Id session_id) {
  const auto it = sessions_.find(session_id);
  if (it == sessions_.end()) return;
  Session& session = *it->second;
  broker_.remove_session(session);
  dealer_.remove_session(session);
  notify([&](RealmObserver& o) { o.session_left(session); });
  if (!session.in_process) --client_sessions_;
  sessions_.erase(it);
}

void Realm::route(Session& session, const wamp::Message& message) {
  using wamp::MessageType;
  switch (message.type) {
    case MessageType::subscribe:
      broker_.subscribe(session, message);
      break;
    case MessageType::unsubscribe:
      broker_.unsubscribe(session, message);
      break;
    case MessageType::publish:
      broker_.publish(session, message);
      break;
    case MessageType::reg:
      dealer_.register_procedure(session, message);
      break;
    case MessageType::unregister:
      dealer_.unregister(session, message);
      break;
    case MessageType::call:
      dealer_.call(session, message);
      break;
    case MessageType::cancel:
      dealer_.cancel(session, message);
      break;
    case MessageType::yield:
      dealer_.yield(session, message);
      break;
    case MessageType::error:
      dealer_.invocation_error(session, message);
      break;
    default:
      // The session layer only hands over the types above.
      JLOG(error, "realm") << "unexpected " << wamp::message_name(message.type) << " dispatched";
      break;
  }
}

void reply_error(const Session& session, const wamp::Message& request, std::string_view error,
                 std::string text) {
  session.send(wamp::make_error(request.type, request.request, std::string(error),
                                wamp::make_payload({wamp::Value(std::move(text))})));
}

std::optional<MatchPolicy> match_option(const Session& session, const wamp::Message& request) {
  const auto it = request.options.find("match");
  if (it == request.options.end()) return MatchPolicy::exact;
  const std::string* name = it->second.as_string();
  const auto policy = name ? wamp::parse_match_policy(*name) : std::nullopt;
  if (!policy) {
    reply_error(session, request, wamp::errors::invalid_argument,
                "option 'match' must be one of \"exact\", \"prefix\", \"wildcard\"");
  }
  return policy;
}

std::optional<Authorization> admit(const Realm& realm, const Session& session,
                                   const wamp::Message& request, Action action, bool report,
                                   MatchPolicy match) {
  const std::string& uri = request.uri;
  const bool valid = match == MatchPolicy::exact
                         ? wamp::valid_uri(uri, realm.uri_check())
                         : wamp::valid_pattern(uri, match, realm.uri_check());
  if (!valid) {
    if (report) {
      const char* check = realm.uri_check() == wamp::UriCheck::strict ? "strict" : "loose";
      reply_error(session, request, wamp::errors::invalid_uri,
                  match == MatchPolicy::exact
                      ? "'" + uri + "' is not a valid " + check + " URI"
                      : "'" + uri + "' is not a valid " + check + " " +
                            std::string(wamp::match_policy_name(match)) + " pattern");
    }
    return std::nullopt;
  }
  const bool reserved = action == Action::register_ || action == Action::publish;
  if (reserved && uri.starts_with("wamp.") && session.authrole != "trusted") {
    if (report) {
      reply_error(session, request, wamp::errors::invalid_uri,
                  "URIs under 'wamp.' are reserved for the router");
    }
    return std::nullopt;
  }
  // A dynamic role's answer comes from its authorizer (router/dynamic_authorizer.hpp).
  const Authorization auth = session.preauthorized
                                 ? *session.preauthorized
                                 : realm.authorizer().authorize(session.authrole, uri, action);
  if (!auth.allowed) {
    if (report) {
      reply_error(
          session, request, wamp::errors::not_authorized,
          "session is not authorized to " + std::string(action_name(action)) + " '" + uri + "'");
    }
    return std::nullopt;
  }
  return auth;
}

void Realm::replace_roles(std::vector<RoleConfig> roles) {
  config_.roles = std::move(roles);
  authorizer_ = Authorizer(config_.roles);
  dealer_.forget_call_grants();
  // The old Authorizer owned the dynamic roles the sessions point to, and the cached answers
  // were given under the old roles.
  dynamic_authorizer_.forget_answers();
  for (auto& [id, session] : sessions_) {
    session->dynamic_role = authorizer_.dynamic_role(session->authrole);
    if (session->publish_grants) session->publish_grants->clear();
  }
}

}  // namespace junction::router
