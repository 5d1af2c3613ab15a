// meta/meta_api: the meta procedures (answered synchronously from the realm's tables) and the
// meta events (from realm events), plus testaments.
#include "meta/meta_api.hpp"

#include <algorithm>
#include <ctime>
#include <functional>
#include <stdexcept>
#include <unordered_map>

#include "base/log.hpp"
#include "meta/event_history.hpp"
#include "router/broker.hpp"
#include "router/dealer.hpp"
#include "router/in_process_session.hpp"
#include "router/realm.hpp"
#include "wamp/match.hpp"

namespace junction::meta {
namespace {

using router::InProcessSession;
using router::Realm;
using router::Registration;
using router::Session;
using router::Subscription;
using wamp::Array;
using wamp::Object;
using wamp::Value;

// How many testaments one session may leave per scope (bounded memory).
constexpr std::size_t kMaxTestaments = 64;

// Crossbar's timestamps: ISO 8601 in UTC with milliseconds, e.g. "2024-05-01T10:20:30.123Z".
std::string iso8601(router::WallClock::time_point t) {
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch());
  const std::time_t seconds = static_cast<std::time_t>(ms.count() / 1000);
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  char buffer[32];
  const std::size_t n = std::strftime(buffer, sizeof buffer, "%Y-%m-%dT%H:%M:%S", &tm);
  char millis[8];
  std::snprintf(millis, sizeof millis, ".%03dZ", static_cast<int>(ms.count() % 1000));
  return std::string(buffer, n) + millis;
}

// Crossbar hides URIs under wamp. and crossbar. from callers that are not trusted.
bool is_protected(std::string_view uri, std::string_view caller_authrole) {
  if (caller_authrole == "trusted") return false;
  return uri.starts_with("wamp.") || uri.starts_with("crossbar.");
}

// The answer of a meta procedure: a result, or an error URI with a message.
struct Reply {
  std::string error;
  Array args;
  static Reply ok(Value v) { return Reply{{}, {std::move(v)}}; }
  static Reply none() { return Reply{}; }
  static Reply fail(std::string_view uri, std::string message) {
    return Reply{std::string(uri), {Value(std::move(message))}};
  }
};

// One call of a meta procedure: its arguments by position or (Crossbar's Python names) keyword.
struct Call {
  const InProcessSession::Invocation& invocation;
  wamp::Id caller = 0;
  std::string caller_authrole;

  explicit Call(const InProcessSession::Invocation& inv) : invocation(inv) {
    caller = wamp::get_uint(inv.details, "caller").value_or(0);
    if (const std::string* role = wamp::get_string(inv.details, "caller_authrole")) {
      caller_authrole = *role;
    }
  }
  const Value* arg(std::size_t index, std::string_view name) const {
    if (index < invocation.args.size() && !invocation.args[index].is_null()) {
      return &invocation.args[index];
    }
    const Value* v = wamp::find(invocation.kwargs, name);
    return v && !v->is_null() ? v : nullptr;
  }
  std::optional<wamp::Id> id(std::size_t index, std::string_view name) const {
    const Value* v = arg(index, name);
    return v ? v->as_uint() : std::nullopt;
  }
  const std::string* string(std::size_t index, std::string_view name) const {
    const Value* v = arg(index, name);
    return v ? v->as_string() : nullptr;
  }
  bool hidden(std::string_view uri) const { return is_protected(uri, caller_authrole); }
};

Reply missing(std::string_view what) {
  return Reply::fail(wamp::errors::invalid_argument,
                     "missing or invalid argument '" + std::string(what) + "'");
}

Object session_details(const Realm& realm, const Session& s) {
  return Object{{"realm", realm.name()},      {"session", Value(s.id)},
                {"authid", s.authid},         {"authrole", s.authrole},
                {"authmethod", s.authmethod}, {"authprovider", s.authprovider},
                {"authextra", s.authextra},   {"transport", Object{{"peer", s.peer->describe()}}}};
}

Object registration_details(const Registration& r) {
  return Object{{"id", Value(r.id)},
                {"created", iso8601(r.created)},
                {"uri", r.procedure},
                {"match", std::string(wamp::match_policy_name(r.match))},
                {"invoke", std::string(router::invoke_policy_name(r.invoke))}};
}

Object subscription_details(const Subscription& s) {
  return Object{{"id", Value(s.id)},
                {"created", iso8601(s.created)},
                {"uri", s.topic},
                {"match", std::string(wamp::match_policy_name(s.match))}};
}

Array callees_of(const Registration& r) {
  Array ids;
  for (const Session* callee : r.callees) {
    if (!callee->in_process) ids.push_back(Value(callee->id));
  }
  return ids;
}

}  // namespace

struct MetaApi::State : router::RealmObserver {
  struct Testament {
    std::string topic;
    Array args;
    Object kwargs;
    Object options;
  };
  struct Testaments {
    std::vector<Testament> detached;
    std::vector<Testament> destroyed;
    std::vector<Testament>* scope(std::string_view name) {
      if (name == "destroyed") return &destroyed;
      if (name == "detached") return &detached;
      return nullptr;
    }
  };

  Realm& realm;
  InProcessSession session;
  std::unordered_map<wamp::Id, Testaments> testaments;
  EventHistory history;

  State(router::Router& router, Realm& realm_in)
      : realm(realm_in),
        session(router, realm_in.name(), "router", "trusted"),
        history(session, realm_in.config()) {
    register_procedures();
    realm.add_observer(*this);
  }
  ~State() override { realm.remove_observer(*this); }

  // --- meta events ---

  void publish_meta(const char* topic, Array args) {
    if (!realm.broker().has_subscribers(topic)) return;  // nothing built for nobody
    session.publish(topic, std::move(args));
  }

  void session_joined(const Session& s) override {
    if (s.in_process) return;
    if (!realm.broker().has_subscribers("wamp.session.on_join")) return;
    publish_meta("wamp.session.on_join", {session_details(realm, s)});
  }

  void session_left(const Session& s) override {
    if (s.in_process) return;
    if (const auto it = testaments.find(s.id); it != testaments.end()) {
      // The session is lost or left: its testaments are published ("detached" first, as the
      // session detaches before it is destroyed; Junction has no session resumption).
      Testaments left = std::move(it->second);
      testaments.erase(it);
      for (auto* scope : {&left.detached, &left.destroyed}) {
        for (Testament& t : *scope) {
          session.publish(std::move(t.topic), std::move(t.args), std::move(t.kwargs),
                          std::move(t.options));
        }
      }
    }
    // Spec (Crossbar sends only the session id): [session, authid, authrole].
    publish_meta("wamp.session.on_leave", {Value(s.id), s.authid, s.authrole});
  }

  void subscription_created(const Session& s, const Subscription& sub) override {
    if (s.in_process || !realm.broker().has_subscribers("wamp.subscription.on_create")) return;
    publish_meta("wamp.subscription.on_create", {Value(s.id), subscription_details(sub)});
  }
  void subscriber_added(const Session& s, const Subscription& sub) override {
    if (!s.in_process) publish_meta("wamp.subscription.on_subscribe", {Value(s.id), Value(sub.id)});
  }
  void subscriber_removed(const Session& s, const Subscription& sub) override {
    if (!s.in_process) {
      publish_meta("wamp.subscription.on_unsubscribe", {Value(s.id), Value(sub.id)});
    }
  }
  void subscription_deleted(const Session& s, const Subscription& sub) override {
    if (!s.in_process) publish_meta("wamp.subscription.on_delete", {Value(s.id), Value(sub.id)});
  }
  void registration_created(const Session& s, const Registration& r) override {
    if (s.in_process || !realm.broker().has_subscribers("wamp.registration.on_create")) return;
    publish_meta("wamp.registration.on_create", {Value(s.id), registration_details(r)});
  }
  void callee_added(const Session& s, const Registration& r) override {
    if (!s.in_process) publish_meta("wamp.registration.on_register", {Value(s.id), Value(r.id)});
  }
  void callee_removed(const Session& s, const Registration& r) override {
    if (!s.in_process) {
      publish_meta("wamp.registration.on_unregister", {Value(s.id), Value(r.id)});
    }
  }
  void registration_deleted(const Session& s, const Registration& r) override {
    if (!s.in_process) publish_meta("wamp.registration.on_delete", {Value(s.id), Value(r.id)});
  }

  // --- meta procedures ---

  void add(const std::string& uri, std::function<Reply(State&, const Call&)> procedure) {
    session.register_procedure(
        uri,
        [this, procedure](const InProcessSession::Invocation& invocation,
                          InProcessSession::Responder responder) {
          Reply reply = procedure(*this, Call(invocation));
          if (reply.error.empty()) {
            responder.yield(std::move(reply.args));
          } else {
            responder.error(std::move(reply.error), std::move(reply.args));
          }
        },
        {},
        [uri](InProcessSession::Answer answer) {
          if (!answer.ok()) {
            JLOG(error, "meta") << "could not register " << uri << ": " << answer.error;
          }
        });
  }

  // A client session of this realm (the router's own in-process sessions are not listed).
  Session* client_session(wamp::Id id) {
    const auto it = realm.sessions().find(id);
    if (it == realm.sessions().end() || it->second->in_process) return nullptr;
    return it->second.get();
  }

  static bool role_filter(const Call& call, const Session& s, bool& bad) {
    const Value* filter = call.arg(0, "filter_authroles");
    if (!filter) return true;
    const Array* roles = filter->as_array();
    if (!roles) {
      bad = true;
      return false;
    }
    for (const Value& role : *roles) {
      if (const std::string* r = role.as_string(); r && *r == s.authrole) return true;
    }
    return false;
  }

  // kill, kill_by_authid, kill_by_authrole, kill_all: GOODBYE `reason` (spec default
  // wamp.close.normal) with Details.message; never the caller itself.
  template <typename Pick>
  Reply kill_where(const Call& call, Pick pick, Array& killed) {
    std::string reason = "wamp.close.normal";
    if (const Value* r = wamp::find(call.invocation.kwargs, "reason"); r && !r->is_null()) {
      if (!r->as_string() || !wamp::valid_uri(*r->as_string(), realm.uri_check())) {
        return Reply::fail(wamp::errors::invalid_uri, "reason must be a valid URI");
      }
      reason = *r->as_string();
    }
    std::string message;
    if (const Value* m = wamp::find(call.invocation.kwargs, "message"); m && m->as_string()) {
      message = *m->as_string();
    }
    std::vector<Session*> victims;
    for (const auto& [id, s] : realm.sessions()) {
      if (s->in_process || id == call.caller) continue;
      if (pick(*s)) victims.push_back(s.get());
    }
    for (Session* s : victims) {
      killed.push_back(Value(s->id));
      router::kill_session(*s, reason, message);  // destroys *s
    }
    return Reply::none();
  }

  void register_procedures() {
    // wamp.session.*
    add("wamp.session.count", [](State& self, const Call& call) {
      std::int64_t n = 0;
      bool bad = false;
      for (const auto& [id, s] : self.realm.sessions()) {
        if (!s->in_process && role_filter(call, *s, bad)) ++n;
      }
      return bad ? missing("filter_authroles") : Reply::ok(n);
    });
    add("wamp.session.list", [](State& self, const Call& call) {
      Array ids;
      bool bad = false;
      for (const auto& [id, s] : self.realm.sessions()) {
        if (!s->in_process && role_filter(call, *s, bad)) ids.push_back(Value(id));
      }
      return bad ? missing("filter_authroles") : Reply::ok(std::move(ids));
    });
    add("wamp.session.get", [](State& self, const Call& call) {
      const auto id = call.id(0, "session_id");
      if (!id) return missing("session_id");
      const Session* s = self.client_session(*id);
      if (!s) return no_such_session(*id);
      return Reply::ok(session_details(self.realm, *s));
    });
    add("wamp.session.kill", [](State& self, const Call& call) {
      const auto id = call.id(0, "session_id");
      if (!id) return missing("session_id");
      Array killed;
      if (*id == call.caller || !self.client_session(*id)) return no_such_session(*id);
      Reply reply = self.kill_where(
          call, [&](const Session& s) { return s.id == *id; }, killed);
      return reply.error.empty() ? Reply::none() : reply;
    });
    add("wamp.session.kill_by_authid", [](State& self, const Call& call) {
      const std::string* authid = call.string(0, "authid");
      if (!authid) return missing("authid");
      Array killed;
      Reply reply = self.kill_where(
          call, [&](const Session& s) { return s.authid == *authid; }, killed);
      // Crossbar answers with the killed session ids (the spec: their count).
      return reply.error.empty() ? Reply::ok(std::move(killed)) : reply;
    });
    add("wamp.session.kill_by_authrole", [](State& self, const Call& call) {
      const std::string* authrole = call.string(0, "authrole");
      if (!authrole) return missing("authrole");
      Array killed;
      Reply reply = self.kill_where(
          call, [&](const Session& s) { return s.authrole == *authrole; }, killed);
      return reply.error.empty() ? Reply::ok(std::move(killed)) : reply;
    });
    add("wamp.session.kill_all", [](State& self, const Call& call) {
      Array killed;
      Reply reply = self.kill_where(
          call, [](const Session&) { return true; }, killed);
      // Not in Crossbar; the spec answers with the count.
      return reply.error.empty() ? Reply::ok(static_cast<std::int64_t>(killed.size())) : reply;
    });
    add("wamp.session.add_testament",
        [](State& self, const Call& call) { return self.add_testament(call); });
    add("wamp.session.flush_testaments", [](State& self, const Call& call) {
      const std::string* scope_name = call.string(0, "scope");
      const std::string scope_value = scope_name ? *scope_name : "destroyed";
      auto it = self.testaments.find(call.caller);
      Testaments empty;
      std::vector<Testament>* scope =
          (it == self.testaments.end() ? empty : it->second).scope(scope_value);
      if (!scope) {
        return Reply::fail("wamp.error.testament_error", "scope must be destroyed or detached");
      }
      const auto flushed = static_cast<std::int64_t>(scope->size());
      scope->clear();
      return Reply::ok(flushed);
    });

    // wamp.registration.*
    add("wamp.registration.list", [](State& self, const Call& call) {
      return self.list_of(
          call, self.realm.dealer().registrations(),
          [](const Registration& r) { return &r.procedure; },
          [](const Registration& r, const Session& s) { return s.registrations.contains(r.id); });
    });
    add("wamp.registration.get", [](State& self, const Call& call) {
      const auto id = call.id(0, "registration_id");
      if (!id) return missing("registration_id");
      const Registration* r = self.realm.dealer().find(*id);
      if (!r) return no_such_registration(*id);
      if (call.hidden(r->procedure)) return not_authorized("get registration", r->procedure);
      return Reply::ok(registration_details(*r));
    });
    add("wamp.registration.list_callees", [](State& self, const Call& call) {
      const auto id = call.id(0, "registration_id");
      if (!id) return missing("registration_id");
      const Registration* r = self.realm.dealer().find(*id);
      if (!r) return no_such_registration(*id);
      if (call.hidden(r->procedure)) return not_authorized("list callees", r->procedure);
      return Reply::ok(callees_of(*r));
    });
    add("wamp.registration.count_callees", [](State& self, const Call& call) {
      const auto id = call.id(0, "registration_id");
      if (!id) return missing("registration_id");
      const Registration* r = self.realm.dealer().find(*id);
      if (!r) return no_such_registration(*id);
      if (call.hidden(r->procedure)) return not_authorized("count callees", r->procedure);
      return Reply::ok(static_cast<std::int64_t>(callees_of(*r).size()));
    });
    add("wamp.registration.remove_callee", [](State& self, const Call& call) {
      const auto id = call.id(0, "registration_id");
      if (!id) return missing("registration_id");
      const auto callee_id = call.id(1, "callee_id");
      if (!callee_id) return missing("callee_id");
      Session* callee = self.client_session(*callee_id);
      if (!callee) return no_such_session(*callee_id);
      const Registration* r = self.realm.dealer().find(*id);
      if (!r) return no_such_registration(*id);
      if (call.hidden(r->procedure)) return not_authorized("remove callee", r->procedure);
      const std::string* reason = call.string(2, "reason");
      if (!self.realm.dealer().revoke_callee(*id, *callee, reason ? *reason : std::string())) {
        return Reply::fail(wamp::errors::no_such_registration,
                           "session " + std::to_string(*callee_id) +
                               " is not registered on registration " + std::to_string(*id));
      }
      return Reply::none();
    });

    add("wamp.registration.lookup", [](State& self, const Call& call) {
      const std::string* procedure = call.string(0, "procedure");
      if (!procedure) return missing("procedure");
      const auto policy = lookup_policy(call);
      if (!policy) return missing("options");
      const Registration* r = self.realm.dealer().lookup(*procedure, *policy);
      if (!r || call.hidden(r->procedure)) return Reply::ok(Value());
      return Reply::ok(Value(r->id));
    });
    add("wamp.registration.match", [](State& self, const Call& call) {
      const std::string* procedure = call.string(0, "procedure");
      if (!procedure) return missing("procedure");
      const Registration* r = self.realm.dealer().best_match(*procedure);
      if (!r || call.hidden(r->procedure)) return Reply::ok(Value());
      return Reply::ok(Value(r->id));
    });

    // wamp.subscription.*
    add("wamp.subscription.lookup", [](State& self, const Call& call) {
      const std::string* topic = call.string(0, "topic");
      if (!topic) return missing("topic");
      const auto policy = lookup_policy(call);
      if (!policy) return missing("options");
      const Subscription* s = self.realm.broker().lookup(*topic, *policy);
      if (!s || call.hidden(s->topic)) return Reply::ok(Value());
      return Reply::ok(Value(s->id));
    });
    add("wamp.subscription.match", [](State& self, const Call& call) {
      const std::string* topic = call.string(0, "topic");
      if (!topic) return missing("topic");
      Array ids;
      self.realm.broker().for_each_match(*topic, [&](const Subscription& s) {
        if (!call.hidden(s.topic)) ids.push_back(Value(s.id));
      });
      // Crossbar answers null, not an empty list, when nothing matches.
      if (ids.empty()) return Reply::ok(Value());
      return Reply::ok(std::move(ids));
    });
    add("wamp.subscription.list", [](State& self, const Call& call) {
      return self.list_of(
          call, self.realm.broker().subscriptions(), [](const Subscription& s) { return &s.topic; },
          [](const Subscription& sub, const Session& s) {
            return s.subscriptions.contains(sub.id);
          });
    });
    add("wamp.subscription.get", [](State& self, const Call& call) {
      const auto id = call.id(0, "subscription_id");
      if (!id) return missing("subscription_id");
      const Subscription* s = self.realm.broker().find(*id);
      if (!s) return no_such_subscription(*id);
      if (call.hidden(s->topic)) return not_authorized("get subscription", s->topic);
      return Reply::ok(subscription_details(*s));
    });
    add("wamp.subscription.list_subscribers", [](State& self, const Call& call) {
      const auto id = call.id(0, "subscription_id");
      if (!id) return missing("subscription_id");
      const Subscription* s = self.realm.broker().find(*id);
      if (!s) return no_such_subscription(*id);
      if (call.hidden(s->topic)) return not_authorized("list subscribers", s->topic);
      Array ids;
      for (const Session* subscriber : s->subscribers) {
        if (!subscriber->in_process) ids.push_back(Value(subscriber->id));
      }
      return Reply::ok(std::move(ids));
    });
    add("wamp.subscription.count_subscribers", [](State& self, const Call& call) {
      const auto id = call.id(0, "subscription_id");
      if (!id) return missing("subscription_id");
      const Subscription* s = self.realm.broker().find(*id);
      if (!s) return no_such_subscription(*id);
      if (call.hidden(s->topic)) return not_authorized("count subscribers", s->topic);
      return Reply::ok(static_cast<std::int64_t>(
          std::count_if(s->subscribers.begin(), s->subscribers.end(),
                        [](const Session* subscriber) { return !subscriber->in_process; })));
    });
    add("wamp.subscription.get_events", [](State& self, const Call& call) {
      const auto id = call.id(0, "subscription_id");
      if (!id) return missing("subscription_id");
      std::uint64_t limit = 10;  // Crossbar's default
      if (const Value* l = call.arg(1, "limit")) {
        if (!l->as_uint()) return missing("limit");
        limit = *l->as_uint();
      }
      if (!self.history.enabled()) {
        return Reply::fail("wamp.error.history_unavailable",
                           "event history not available or enabled");
      }
      const Subscription* s = self.realm.broker().find(*id);
      if (!s) return no_such_subscription(*id);
      if (call.hidden(s->topic)) return not_authorized("retrieve event history", s->topic);
      auto events = self.history.events(*id, limit, self.realm.name());
      if (!events) {
        return Reply::fail("wamp.error.history_unavailable",
                           "event history for the given subscription is not available or enabled");
      }
      return Reply::ok(std::move(*events));
    });
    add("wamp.subscription.remove_subscriber", [](State& self, const Call& call) {
      const auto id = call.id(0, "subscription_id");
      if (!id) return missing("subscription_id");
      const auto subscriber_id = call.id(1, "subscriber_id");
      if (!subscriber_id) return missing("subscriber_id");
      Session* subscriber = self.client_session(*subscriber_id);
      if (!subscriber) return no_such_session(*subscriber_id);
      const Subscription* s = self.realm.broker().find(*id);
      if (!s) return no_such_subscription(*id);
      if (call.hidden(s->topic)) return not_authorized("remove subscriber", s->topic);
      const std::string* reason = call.string(2, "reason");
      if (!self.realm.broker().remove_subscriber(*id, *subscriber,
                                                 reason ? *reason : std::string())) {
        return Reply::fail(wamp::errors::no_such_subscription,
                           "session " + std::to_string(*subscriber_id) +
                               " is not subscribed on subscription " + std::to_string(*id));
      }
      return Reply::none();
    });
  }

  // {exact: [...], prefix: [...], wildcard: [...]} of every registration/subscription, or of
  // one session's (Crossbar's optional session_id argument).
  template <typename Table, typename UriOf, typename HeldBy>
  Reply list_of(const Call& call, const Table& table, UriOf uri_of, HeldBy held_by) {
    const Session* only = nullptr;
    if (const auto session_id = call.id(0, "session_id")) {
      only = client_session(*session_id);
      if (!only) return no_such_session(*session_id);
    }
    Array by_policy[3];
    for (const auto& [id, entry] : table) {
      if (only ? !held_by(*entry, *only) : call.hidden(*uri_of(*entry))) continue;
      by_policy[static_cast<int>(entry->match)].push_back(Value(id));
    }
    return Reply::ok(Object{{"exact", std::move(by_policy[0])},
                            {"prefix", std::move(by_policy[1])},
                            {"wildcard", std::move(by_policy[2])}});
  }

  // lookup's optional second argument: {match: "exact" | "prefix" | "wildcard"}.
  static std::optional<router::MatchPolicy> lookup_policy(const Call& call) {
    const Value* options = call.arg(1, "options");
    if (!options) return router::MatchPolicy::exact;
    if (!options->as_object()) return std::nullopt;
    const std::string* match = wamp::get_string(*options->as_object(), "match");
    if (!match) return router::MatchPolicy::exact;
    return wamp::parse_match_policy(*match);
  }

  Reply add_testament(const Call& call) {
    const std::string* topic = call.string(0, "topic");
    if (!topic || !wamp::valid_uri(*topic, realm.uri_check())) {
      return Reply::fail(wamp::errors::invalid_uri, "topic must be a valid URI");
    }
    const Session* caller = client_session(call.caller);
    if (!caller) return no_such_session(call.caller);
    // The testament is published by the router later: the caller must be allowed to publish
    // it now (URIs under wamp. only for trusted, as for any PUBLISH).
    const bool reserved = topic->starts_with("wamp.") && caller->authrole != "trusted";
    if (reserved ||
        !realm.authorizer().authorize(caller->authrole, *topic, router::Action::publish).allowed) {
      return not_authorized("publish a testament to", *topic);
    }
    Testament testament;
    testament.topic = *topic;
    if (const Value* args = call.arg(1, "args")) {
      if (!args->as_array()) return missing("args");
      testament.args = *args->as_array();
    }
    if (const Value* kwargs = call.arg(2, "kwargs")) {
      if (!kwargs->as_object()) return missing("kwargs");
      testament.kwargs = *kwargs->as_object();
    }
    if (const Value* options = call.arg(3, "publish_options")) {
      if (!options->as_object()) return missing("publish_options");
      testament.options = *options->as_object();
      testament.options.erase("acknowledge");
      testament.options.erase("exclude_me");
    }
    const std::string* scope_name = call.string(4, "scope");
    std::vector<Testament>* scope =
        testaments[call.caller].scope(scope_name ? *scope_name : "destroyed");
    if (!scope) {
      return Reply::fail("wamp.error.testament_error", "scope must be destroyed or detached");
    }
    if (scope->size() >= kMaxTestaments) {
      return Reply::fail("wamp.error.testament_error", "a session may leave at most " +
                                                           std::to_string(kMaxTestaments) +
                                                           " testaments per scope");
    }
    scope->push_back(std::move(testament));
    return Reply::ok(Value(realm.ids().next()));  // Crossbar answers with a publication id
  }

  static Reply no_such_session(wamp::Id id) {
    return Reply::fail(wamp::errors::no_such_session,
                       "no session with ID " + std::to_string(id) + " exists on this router");
  }
  static Reply no_such_registration(wamp::Id id) {
    return Reply::fail(wamp::errors::no_such_registration,
                       "no registration with ID " + std::to_string(id) + " exists on this dealer");
  }
  static Reply no_such_subscription(wamp::Id id) {
    return Reply::fail(wamp::errors::no_such_subscription,
                       "no subscription with ID " + std::to_string(id) + " exists on this broker");
  }
  static Reply not_authorized(std::string_view what, std::string_view uri) {
    return Reply::fail(wamp::errors::not_authorized, "not authorized to " + std::string(what) +
                                                         " for protected URI \"" +
                                                         std::string(uri) + "\"");
  }
};

MetaApi::MetaApi(router::Router& router, const std::string& realm) {
  Realm* r = router.find_realm(realm);
  if (!r) throw std::invalid_argument("no realm '" + realm + "' on this router");
  state_ = std::make_unique<State>(router, *r);
}

MetaApi::~MetaApi() = default;

std::vector<std::unique_ptr<MetaApi>> serve_meta_api(router::Router& router,
                                                     const router::RouterConfig& config) {
  std::vector<std::unique_ptr<MetaApi>> out;
  for (const router::RealmConfig& realm : config.realms) {
    if (realm.enable_meta_api) out.push_back(std::make_unique<MetaApi>(router, realm.name));
  }
  return out;
}

}  // namespace junction::meta
