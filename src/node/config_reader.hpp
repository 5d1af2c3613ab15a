// node/config_reader: internal to the config parser (config*.cpp), not for other modules.
// The typed JSON access every section reader uses (Validator: where errors and warnings go;
// Obj: one JSON object whose unknown keys are refused), and the section readers' entry points.
// Each section of the Crossbar.io node config is read in its own file:
//   config.cpp            top level: load, parse, the node object, listener clashes, defaults
//   config_worker.cpp     workers and the controller
//   config_guest.cpp      guest workers
//   config_component.cpp  Python components: container workers, router components
//   config_realm.cpp      realms, roles, permissions
//   config_transport.cpp  transports, endpoints, TLS, WebSocket and RawSocket options
//   config_auth.cpp       a transport's "auth"
//   config_web.cpp        a web transport's paths and path services
#pragma once

#include <algorithm>
#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/log.hpp"
#include "cookie/cookie_store.hpp"
#include "node/config.hpp"
#include "node/config_source.hpp"
#include "router/router.hpp"
#include "transport/server.hpp"

namespace junction::node::detail {

using json = nlohmann::json;

inline constexpr std::size_t kMaxMessageSizeLimit = 64 * 1024 * 1024;  // Crossbar's upper bound

// ---------------------------------------------------------------------------------------------
// Error reporting and typed access
// ---------------------------------------------------------------------------------------------

// "(top level)" for the empty path, else the path.
std::string shown_path(const std::string& path);
// "an integer (42)", "a string ("abc")", "a list" ... for "expected X, found Y" messages.
std::string found(const json& j);
// "a, b, c"
std::string quoted_list(const std::vector<std::string>& names);

// The router worker being read, for what its transports' "function" authenticators need
// (config_auth.cpp): they run in the worker's component launcher, each registered as a procedure
// on the worker's first realm.
struct RouterWorkerContext {
  std::string first_realm;              // "" when the worker has no realm
  json authenticators = json::array();  // launcher job entries, one per distinct "create"
};

class Validator {
 public:
  Validator(std::string source, std::vector<std::string>* warnings)
      : source_(std::move(source)), warnings_(warnings) {}

  [[noreturn]] void fail(const std::string& path, const std::string& reason) const {
    throw ConfigError(source_ + ": " + shown_path(path) + ": " + reason);
  }
  void warn(const std::string& path, const std::string& what) {
    std::string line = source_ + ": " + shown_path(path) + ": " + what;
    JLOG(warn, "config") << line;
    if (warnings_) warnings_->push_back(std::move(line));
  }
  void not_supported(const std::string& path, const std::string& what) const {
    fail(path, what + " is not supported yet");
  }

  const std::string& source() const { return source_; }

  // Set by read_worker while it reads a router worker's transports (null otherwise).
  void set_router_worker(RouterWorkerContext* context) { router_worker_ = context; }
  RouterWorkerContext* router_worker() const { return router_worker_; }

 private:
  std::string source_;
  std::vector<std::string>* warnings_;
  RouterWorkerContext* router_worker_ = nullptr;
};

// One JSON object being read: every key the caller asks about becomes "known"; finish() fails
// on the first key nobody asked about.
class Obj {
 public:
  Obj(Validator& v, const json& j, std::string path, std::string what)
      : v_(v), j_(j), path_(std::move(path)), what_(std::move(what)) {
    if (!j_.is_object()) v_.fail(path_, "expected an object (" + what_ + "), found " + found(j_));
  }

  const std::string& path() const { return path_; }
  std::string at(std::string_view key) const { return path_key(path_, key); }
  Validator& v() { return v_; }
  bool has(std::string_view key) {
    known(key);
    return j_.contains(key);
  }

  const json* get(std::string_view key) {
    known(key);
    auto it = j_.find(key);
    return it == j_.end() ? nullptr : &*it;
  }
  const json& need(std::string_view key, std::string_view expected) {
    const json* value = get(key);
    if (!value) {
      v_.fail(path_, "missing required key '" + std::string(key) + "' (" + std::string(expected) +
                         ") in " + what_);
    }
    return *value;
  }

  std::optional<std::string> opt_string(std::string_view key) {
    const json* value = get(key);
    if (!value) return std::nullopt;
    if (!value->is_string()) v_.fail(at(key), "expected a string, found " + found(*value));
    return value->get<std::string>();
  }
  std::string need_string(std::string_view key) {
    const json& value = need(key, "a string");
    if (!value.is_string()) v_.fail(at(key), "expected a string, found " + found(value));
    return value.get<std::string>();
  }
  bool boolean(std::string_view key, bool fallback) {
    const json* value = get(key);
    if (!value) return fallback;
    if (!value->is_boolean()) v_.fail(at(key), "expected true or false, found " + found(*value));
    return value->get<bool>();
  }
  // An integer in [lo, hi].
  std::optional<long long> opt_int(std::string_view key, long long lo, long long hi) {
    const json* value = get(key);
    if (!value) return std::nullopt;
    return check_int(at(key), *value, lo, hi);
  }
  long long check_int(const std::string& path, const json& value, long long lo, long long hi) {
    if (!value.is_number_integer()) {
      v_.fail(path, "expected an integer from " + std::to_string(lo) + " to " + std::to_string(hi) +
                        ", found " + found(value));
    }
    const bool too_big = value.is_number_unsigned() &&
                         value.get<unsigned long long>() > static_cast<unsigned long long>(hi);
    const long long n = too_big ? hi + 1 : value.get<long long>();
    if (n < lo || n > hi) {
      v_.fail(path, "expected an integer from " + std::to_string(lo) + " to " + std::to_string(hi) +
                        ", found " + value.dump());
    }
    return n;
  }
  const json* opt_object(std::string_view key) {
    const json* value = get(key);
    if (value && !value->is_object()) {
      v_.fail(at(key), "expected an object, found " + found(*value));
    }
    return value;
  }
  const json* opt_list(std::string_view key) {
    const json* value = get(key);
    if (value && !value->is_array()) v_.fail(at(key), "expected a list, found " + found(*value));
    return value;
  }

  // Known to Crossbar, not implemented here, and ignoring it would change behaviour: refuse.
  void refuse(std::string_view key) {
    if (has(key)) v_.not_supported(at(key), "'" + std::string(key) + "'");
  }
  // Known to Crossbar, only tunes behaviour: accept with a warning.
  void ignore(std::string_view key) {
    if (has(key)) v_.warn(at(key), "'" + std::string(key) + "' is not supported yet; ignored");
  }
  // Accepted silently (informational keys).
  void accept(std::string_view key) { known(key); }

  void finish() {
    for (const auto& [key, value] : j_.items()) {
      if (std::find(known_.begin(), known_.end(), key) == known_.end()) {
        v_.fail(at(key), "unknown key '" + key + "' in " + what_ +
                             " (expected one of: " + quoted_list(known_) + ")");
      }
    }
  }

 private:
  void known(std::string_view key) {
    if (std::find(known_.begin(), known_.end(), key) == known_.end()) known_.emplace_back(key);
  }

  Validator& v_;
  const json& j_;
  std::string path_;
  std::string what_;
  std::vector<std::string> known_;
};

// Config item IDs ("id" of workers, transports, realms, roles): ^[a-z][a-z0-9_]{2,63}$.
std::optional<std::string> read_id(Obj& o);

// ---------------------------------------------------------------------------------------------
// Section readers (each documents its keys where it is defined)
// ---------------------------------------------------------------------------------------------

// config_worker.cpp
void read_controller(Validator& v, const json& j, const std::string& path, NodeConfig& node);
void read_worker(Validator& v, const json& j, const std::string& path, NodeConfig& node,
                 std::map<std::string, std::string>& realm_paths);
// config_guest.cpp (unnamed_number: the N of the default ID "worker-NNN")
GuestConfig read_guest(Validator& v, const json& j, const std::string& path,
                       std::size_t unnamed_number);
void read_env(Validator& v, const json& j, const std::string& path, GuestConfig& g);
void read_junction_options(Validator& v, const json& j, const std::string& path, GuestConfig& g);
// config_component.cpp
GuestConfig read_container(Validator& v, const json& j, const std::string& path,
                           std::size_t unnamed_number);
// The launcher process for `components` (in_router: the router worker's own).
GuestConfig component_worker(Validator& v, const json& components, const std::string& path,
                             bool in_router, std::string id);
void read_pythonpath(Validator& v, const json& j, const std::string& path, GuestConfig& g);
// Sets `key` of the launcher's job (its stdin JSON).
void set_launcher_job(GuestConfig& g, std::string_view key, const json& value);
// config_realm.cpp
router::RealmConfig read_realm(Validator& v, const json& j, const std::string& path);
// config_transport.cpp
transport::ListenerConfig read_transport(Validator& v, const json& j, const std::string& path);
FlashPolicyConfig read_flash_policy(Validator& v, const json& j, const std::string& path);
transport::WebSocketOptions read_websocket_keys(Obj& o);
// config_auth.cpp
// `cookies`: the WebSocket path's cookie store, for "cookie" authentication (null: refused).
std::shared_ptr<router::Authenticator> read_auth(
    Validator& v, const json& j, const std::string& path,
    std::shared_ptr<cookie::CookieStore> cookies = nullptr);
// config_web.cpp
std::string normalise_web_path(Validator& v, const std::string& key, const std::string& path);
void read_web_keys(Obj& o, transport::ListenerConfig& listener);
// The router worker's options.python, pythonpath and env (in `python`) given to the listener's
// "wsgi" services; returns whether it has any.
bool apply_worker_python(Validator& v, const GuestConfig& python,
                         transport::ListenerConfig& listener);

}  // namespace junction::node::detail
