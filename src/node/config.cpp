// node/config: the Crossbar.io-format node config → NodeConfig. Owns the schema: every key we
// accept is read (and documented) here, in the function for the object it belongs to. Anything
// else fails with "<file>: <json path>: <reason>". Keys that Crossbar knows but Junction does not
// implement yet are either refused ("... is not supported yet") when ignoring them would change
// behaviour, or accepted with a warning ("not supported yet; ignored") when they only tune it.
// docs/configuration.md is the user-facing copy of this schema; keep both in step.
#include "node/config.hpp"

#include <algorithm>
#include <cctype>
#include <fstream>
#include <map>
#include <optional>
#include <set>
#include <sstream>

#include <nlohmann/json.hpp>

#include "node/config_source.hpp"
#include "transport/tls_context.hpp"
#include "wamp/codec.hpp"
#include "wamp/uri.hpp"

namespace junction::node {

using detail::path_index;
using detail::path_key;
using nlohmann::json;

namespace {

constexpr std::size_t kMaxMessageSizeLimit = 64 * 1024 * 1024;  // Crossbar's upper bound

// ---------------------------------------------------------------------------------------------
// Error reporting and typed access
// ---------------------------------------------------------------------------------------------

std::string shown_path(const std::string& path) {
  return path.empty() ? "(top level)" : path;
}

// "an integer (42)", "a string ("abc")", "a list" ... for "expected X, found Y" messages.
std::string found(const json& j) {
  switch (j.type()) {
    case json::value_t::null:
      return "null";
    case json::value_t::boolean:
      return std::string("a boolean (") + (j.get<bool>() ? "true" : "false") + ")";
    case json::value_t::number_integer:
    case json::value_t::number_unsigned:
      return "an integer (" + j.dump() + ")";
    case json::value_t::number_float:
      return "a number (" + j.dump() + ")";
    case json::value_t::string: {
      std::string s = j.dump();
      if (s.size() > 42) s = s.substr(0, 40) + "...\"";
      return "a string (" + s + ")";
    }
    case json::value_t::array:
      return "a list";
    case json::value_t::object:
      return "an object";
    default:
      return "a binary value";
  }
}

std::string quoted_list(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& n : names) {
    if (!out.empty()) out += ", ";
    out += n;
  }
  return out;
}

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

 private:
  std::string source_;
  std::vector<std::string>* warnings_;
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
std::optional<std::string> read_id(Obj& o) {
  auto id = o.opt_string("id");
  if (!id) return id;
  bool ok =
      id->size() >= 3 && id->size() <= 64 && std::islower(static_cast<unsigned char>((*id)[0]));
  for (char c : *id) {
    ok = ok && (std::islower(static_cast<unsigned char>(c)) ||
                std::isdigit(static_cast<unsigned char>(c)) || c == '_');
  }
  if (!ok) {
    o.v().fail(o.at("id"), "expected an ID matching ^[a-z][a-z0-9_]{2,63}$, found \"" + *id + "\"");
  }
  return id;
}

// ---------------------------------------------------------------------------------------------
// Realms, roles, permissions
// ---------------------------------------------------------------------------------------------

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
//   name         string, required: the authrole sessions get (e.g. "anonymous").
//   id           optional config ID.
//   permissions  list of permissions (above), required; URIs no permission grants are denied.
//   authorizer   (dynamic authorizer procedure) not supported yet.
router::RoleConfig read_role(Validator& v, const json& j, const std::string& path) {
  Obj o(v, j, path, "role");
  router::RoleConfig role;
  read_id(o);
  role.name = o.need_string("name");
  if (role.name.empty() || !wamp::valid_uri(role.name, wamp::UriCheck::loose)) {
    v.fail(o.at("name"), "expected a role name (a WAMP URI), found \"" + role.name + "\"");
  }
  o.refuse("authorizer");
  const json& perms = o.need("permissions", "a list of permissions");
  if (!perms.is_array()) v.fail(o.at("permissions"), "expected a list, found " + found(perms));
  for (std::size_t i = 0; i < perms.size(); ++i) {
    role.permissions.push_back(read_permission(v, perms[i], path_index(o.at("permissions"), i)));
  }
  o.finish();
  return role;
}

// Realm (an item of a router worker's "realms"):
//   name     string, required: the realm URI clients join (loose WAMP URI rules). Unique per node.
//   id       optional config ID.
//   roles    list of roles (above). A realm without roles admits nobody.
//   options  {uri_check: "loose" (default) | "strict"}: how URIs in messages are validated.
//            Crossbar's other realm options (enable_meta_api, bridge_meta_api,
//            event_dispatching_chunk_size, ...) are not supported yet.
//   store, principals, rlinks: not supported yet.
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
    for (const char* key : {"enable_meta_api", "bridge_meta_api", "event_dispatching_chunk_size"}) {
      opt.refuse(key);
    }
    opt.finish();
  }
  for (const char* key : {"store", "principals", "rlinks"})
    o.refuse(key);
  o.finish();
  return realm;
}

// ---------------------------------------------------------------------------------------------
// Transports
// ---------------------------------------------------------------------------------------------

// Unix domain socket endpoint ("type": "unix"):
//   path     required; absolute, or relative to the node directory (the directory of the config
//            file; load_config_file resolves it). A stale socket file left by a node that did
//            not stop cleanly is replaced at start-up; the file is removed at shutdown. The
//            file gets the permissions the OS gives (umask).
//   backlog  integer 1..65535: accept queue depth (default 511; Crossbar's is 50).
void read_unix_endpoint(Obj& o, transport::ListenerConfig& listener) {
  Validator& v = o.v();
  const std::string socket_path = o.need_string("path");
  if (socket_path.empty()) v.fail(o.at("path"), "expected a socket path, found an empty string");
  // sockaddr_un holds 108 bytes including the terminating NUL.
  if (socket_path.size() > 107) {
    v.fail(o.at("path"), "socket path is " + std::to_string(socket_path.size()) +
                             " bytes long; Unix domain sockets allow at most 107");
  }
  if (socket_path.find('\0') != std::string::npos) {
    v.fail(o.at("path"), "socket path contains a NUL character");
  }
  listener.unix_path = socket_path;
  listener.interface.clear();
  listener.port = 0;
  if (auto backlog = o.opt_int("backlog", 1, 65535)) listener.backlog = static_cast<int>(*backlog);
  o.finish();
}

// TLS on a TCP endpoint ("tls", Crossbar's keys). File paths are absolute, or relative to the
// node directory (load_config_file resolves them and loads everything once, so a missing or
// unreadable file, or a key that does not match its certificate, fails with the file's name).
//   key                         required: PEM private key (unencrypted).
//   certificate                 required: PEM certificate, optionally followed by its chain.
//   chain_certificates          list of PEM files with more chain certificates sent to clients.
//   ca_certificates             list of PEM files: clients must present a certificate that
//                               chains to one of these (Crossbar: verify and require).
//   require_client_certificate  Junction's own: false asks for a client certificate but lets
//                               clients without one in (default true, as Crossbar).
//   dhparam                     PEM DH parameters; without them DHE suites are off.
//   ciphers                     OpenSSL cipher string for TLS 1.2 (default: ECDHE/DHE with
//                               AES-GCM or ChaCha20-Poly1305). TLS 1.3 suites are OpenSSL's.
// TLS 1.2 is the minimum version.
void read_tls(Validator& v, const json& j, const std::string& path,
              transport::ListenerConfig& listener) {
  Obj o(v, j, path, "tls");
  transport::TlsOptions tls;
  auto file = [&](std::string_view key, std::string value) {
    if (value.empty()) v.fail(o.at(key), "expected a file path, found an empty string");
    return value;
  };
  auto files = [&](std::string_view key) {
    std::vector<std::string> out;
    if (const json* list = o.opt_list(key)) {
      for (std::size_t i = 0; i < list->size(); ++i) {
        const json& item = (*list)[i];
        const std::string item_path = path_index(o.at(key), i);
        if (!item.is_string()) v.fail(item_path, "expected a file path, found " + found(item));
        if (item.get<std::string>().empty()) {
          v.fail(item_path, "expected a file path, found an empty string");
        }
        out.push_back(item.get<std::string>());
      }
    }
    return out;
  };
  tls.key = file("key", o.need_string("key"));
  tls.certificate = file("certificate", o.need_string("certificate"));
  tls.chain_certificates = files("chain_certificates");
  tls.ca_certificates = files("ca_certificates");
  tls.require_client_certificate = o.boolean("require_client_certificate", true);
  if (auto dhparam = o.opt_string("dhparam")) tls.dhparam = file("dhparam", *dhparam);
  if (auto ciphers = o.opt_string("ciphers")) {
    if (ciphers->empty()) v.fail(o.at("ciphers"), "expected an OpenSSL cipher string, found \"\"");
    tls.ciphers = *ciphers;
  }
  o.finish();
  listener.tls = std::move(tls);
}

// Endpoint (a transport's "endpoint"):
//   type       "tcp" or "unix" (required; "unix": read_unix_endpoint). "twisted", "onion": not
//              supported yet.
//   port       integer 0..65535, or a string of digits (e.g. "${PORT}" after substitution, or
//              "$PORT" read from the environment as Crossbar does). 0 picks a free port.
//   interface  address to bind; default "0.0.0.0" ("::" with version 6).
//   version    4 | 6; only picks the default interface.
//   backlog    integer 1..65535: accept queue depth (default 511; Crossbar's is 50).
//   shared     boolean; accepted, ignored for now (warning).
//   tls        TLS on this endpoint, whatever the transport serves (read_tls).
void read_endpoint(Validator& v, const json& j, const std::string& path,
                   transport::ListenerConfig& listener) {
  Obj o(v, j, path, "endpoint");
  const std::string type = o.need_string("type");
  if (type == "twisted" || type == "onion") {
    v.fail(o.at("type"), "endpoint type '" + type + "' is not supported yet");
  }
  if (type == "unix") {
    if (j.contains("tls")) v.fail(o.at("tls"), "TLS on Unix socket endpoints is not supported");
    return read_unix_endpoint(o, listener);
  }
  if (type != "tcp") {
    v.fail(o.at("type"), "expected endpoint type \"tcp\" or \"unix\", found \"" + type + "\"");
  }
  if (const json* tls = o.opt_object("tls")) read_tls(v, *tls, o.at("tls"), listener);

  const json& port = o.need("port", "an integer from 0 to 65535");
  if (port.is_string()) {
    std::string text = port.get<std::string>();
    if (text.size() > 1 && text[0] == '$') {  // Crossbar's "$PORT" form
      auto value = detail::process_env(text.substr(1));
      if (!value) {
        v.fail(o.at("port"), "environment variable '" + text.substr(1) + "' is not set");
      }
      text = *value;
    }
    const bool digits =
        !text.empty() && text.size() <= 5 && std::all_of(text.begin(), text.end(), [](char c) {
          return std::isdigit(static_cast<unsigned char>(c));
        });
    if (!digits || std::stoi(text) > 65535) {
      v.fail(o.at("port"), "expected an integer from 0 to 65535, found " + found(json(text)));
    }
    listener.port = static_cast<std::uint16_t>(std::stoi(text));
  } else {
    listener.port = static_cast<std::uint16_t>(o.check_int(o.at("port"), port, 0, 65535));
  }

  const auto version = o.opt_int("version", 4, 6);
  if (version && *version != 4 && *version != 6) {
    v.fail(o.at("version"), "expected 4 or 6, found " + std::to_string(*version));
  }
  if (auto iface = o.opt_string("interface")) {
    if (iface->empty()) v.fail(o.at("interface"), "expected an address, found an empty string");
    listener.interface = *iface;
  } else {
    listener.interface = version == 6 ? "::" : "0.0.0.0";
  }
  if (auto backlog = o.opt_int("backlog", 1, 65535)) listener.backlog = static_cast<int>(*backlog);
  if (o.has("shared")) {
    o.boolean("shared", false);
    v.warn(o.at("shared"), "'shared' is not supported yet; ignored");
  }
  o.finish();
}

// serializers: list of names, in order of preference. "json", "msgpack", "cbor" and "ubjson" are
// supported (those with a codec); "flatbuffers" is known but not supported yet (warning, skipped).
// Default: cbor, msgpack, ubjson, json (Crossbar's).
std::vector<wamp::Serializer> read_serializers(Validator& v, const json& j,
                                               const std::string& path) {
  if (!j.is_array()) v.fail(path, "expected a list of serializer names, found " + found(j));
  static constexpr std::pair<std::string_view, wamp::Serializer> kNames[] = {
      {"json", wamp::Serializer::json},
      {"msgpack", wamp::Serializer::msgpack},
      {"cbor", wamp::Serializer::cbor},
      {"ubjson", wamp::Serializer::ubjson},
  };
  std::vector<wamp::Serializer> out;
  for (std::size_t i = 0; i < j.size(); ++i) {
    const std::string item_path = path_index(path, i);
    if (!j[i].is_string()) v.fail(item_path, "expected a serializer name, found " + found(j[i]));
    const std::string name = j[i].get<std::string>();
    const auto* known = std::find_if(std::begin(kNames), std::end(kNames),
                                     [&](const auto& entry) { return entry.first == name; });
    if (known != std::end(kNames) && wamp::codec_for(known->second) != nullptr) {
      if (std::find(out.begin(), out.end(), known->second) == out.end()) {
        out.push_back(known->second);
      }
    } else if (known != std::end(kNames) || name == "flatbuffers") {
      v.warn(item_path, "serializer '" + name + "' is not supported yet; skipped");
    } else {
      v.fail(item_path, "unknown serializer '" + name +
                            "' (expected json, msgpack, cbor, ubjson or flatbuffers)");
    }
  }
  if (out.empty()) v.fail(path, "no supported serializer left");
  return out;
}

// WebSocket "options", with Crossbar's names, units and meaning. Times are in milliseconds and,
// as in Crossbar, 0 or at least 1000 (a smaller value is almost certainly meant as seconds).
//   max_message_size         integer 1..64 MiB (default 16 MiB); a larger message closes with 1009
//   auto_ping_interval       ping after this much silence from the peer (0/absent: Beast's
//                            keep-alive — ping after 150 s idle, drop after 300 s)
//   auto_ping_timeout        drop the peer if nothing (pong or data) answers a ping within this
//                            (0/absent: never)
//   auto_ping_size           ping payload, 4..125 random bytes (default 4)
//   open_handshake_timeout   from TCP accept to WebSocket open (default 30000; 0: the HTTP
//                            request read limit of 30 s only)
//   close_handshake_timeout  for the closing handshake (default 1000; 0: none)
//   compression              {"deflate": {...}}: permessage-deflate (off when absent)
//   allowed_origins          list of Origin patterns with '*' (absent or empty: any origin)
//   allow_null_origin        boolean (default true): Origin "null" passes allowed_origins
//   external_port            1..65535: the port shown in this endpoint's URL (node info page)
//   enable_webstatus         boolean (default true): a plain GET gets a status page, else 426
// Options whose value only selects what Junction always does are accepted silently with that
// value (e.g. validate_utf8: true) and with a warning otherwise; the rest Crossbar knows are
// accepted with a warning and ignored.
void read_websocket_options(Validator& v, const json& j, const std::string& path,
                            transport::WebSocketOptions& ws) {
  Obj o(v, j, path, "WebSocket options");
  if (auto size = o.opt_int("max_message_size", 1, kMaxMessageSizeLimit)) {
    ws.max_message_size = static_cast<std::size_t>(*size);
  }

  constexpr long long kMaxMillis = 24LL * 3600 * 1000;
  auto millis = [&](const char* key, std::chrono::milliseconds& out) {
    const auto ms = o.opt_int(key, 0, kMaxMillis);
    if (!ms) return;
    if (*ms != 0 && *ms < 1000) {
      v.fail(o.at(key), "'" + std::string(key) + "' is in milliseconds; " + std::to_string(*ms) +
                            " is too small (0 switches it off, else at least 1000)");
    }
    out = std::chrono::milliseconds(*ms);
  };
  millis("auto_ping_interval", ws.auto_ping_interval);
  millis("auto_ping_timeout", ws.auto_ping_timeout);
  millis("open_handshake_timeout", ws.open_handshake_timeout);
  millis("close_handshake_timeout", ws.close_handshake_timeout);
  if (auto size = o.opt_int("auto_ping_size", 4, 125)) {
    ws.auto_ping_size = static_cast<std::size_t>(*size);
  }

  if (const json* c = o.opt_object("compression")) {
    Obj co(v, *c, o.at("compression"), "WebSocket compression");
    if (const json* d = co.opt_object("deflate")) {
      Obj dd(v, *d, co.at("deflate"), "permessage-deflate options");
      ws.compression.enabled = true;
      ws.compression.no_context_takeover = dd.boolean("no_context_takeover", false);
      // zlib cannot use 8 for raw deflate: 8 works as 9 (Autobahn does the same).
      if (auto bits = dd.opt_int("max_window_bits", 8, 15)) {
        ws.compression.max_window_bits = std::max(9, static_cast<int>(*bits));
      }
      if (auto level = dd.opt_int("memory_level", 1, 9)) {
        ws.compression.memory_level = static_cast<int>(*level);
      }
      // What the server would ask of the client's compressor; the client's own choice is kept.
      if (dd.has("request_no_context_takeover")) {
        if (dd.boolean("request_no_context_takeover", false)) {
          v.warn(dd.at("request_no_context_takeover"),
                 "'request_no_context_takeover' is not supported yet; ignored");
        }
      }
      if (auto bits = dd.opt_int("request_max_window_bits", 0, 15)) {
        if (*bits != 0 && *bits < 8) {
          v.fail(dd.at("request_max_window_bits"),
                 "expected 0 or an integer from 8 to 15, found " + std::to_string(*bits));
        }
        if (*bits != 0 && *bits != 15) {
          v.warn(dd.at("request_max_window_bits"),
                 "'request_max_window_bits' is not supported yet; ignored");
        }
      }
      dd.finish();
    }
    co.finish();
  }

  bool allow_null_origin = o.boolean("allow_null_origin", true);
  if (const json* origins = o.opt_list("allowed_origins")) {
    for (std::size_t i = 0; i < origins->size(); ++i) {
      const json& item = (*origins)[i];
      const std::string item_path = path_index(o.at("allowed_origins"), i);
      if (!item.is_string() || item.get<std::string>().empty()) {
        v.fail(item_path, "expected an origin pattern such as \"https://*.example.com\", found " +
                              found(item));
      }
      ws.allowed_origins.push_back(item.get<std::string>());
    }
  }
  // The transport allows "null" only through the pattern "null"; an empty list allows all.
  if (!ws.allowed_origins.empty() && allow_null_origin) ws.allowed_origins.push_back("null");
  if (ws.allowed_origins.empty() && !allow_null_origin) ws.allowed_origins.push_back("*");

  if (auto port = o.opt_int("external_port", 1, 65535)) {
    ws.external_port = static_cast<std::uint16_t>(*port);
  }
  ws.enable_webstatus = o.boolean("enable_webstatus", true);

  // Junction always behaves as these values say.
  const std::pair<const char*, bool> fixed[] = {
      {"validate_utf8", true},
      {"require_masked_client_frames", true},
      {"mask_server_frames", false},
      {"apply_mask", true},
      {"enable_rfc6455", true},
      {"enable_hybi10", false},
      {"tcp_nodelay", true},
      {"fail_by_drop", false},
      {"auto_ping_restart_on_any_traffic", true},
      {"require_websocket_subprotocol", true},
      {"show_server_version", true},
  };
  for (const auto& [key, value] : fixed) {
    if (o.has(key) && o.boolean(key, value) != value) {
      v.warn(o.at(key), "'" + std::string(key) + "': only " + (value ? "true" : "false") +
                            " is supported; ignored");
    }
  }
  for (const char* key : {"max_frame_size", "auto_fragment_size"}) {
    if (auto size = o.opt_int(key, 0, 2147483647LL); size && *size) {
      v.warn(o.at(key), "'" + std::string(key) + "' is not supported yet; ignored");
    }
  }
  for (const char* key :
       {"echo_close_codereason", "enable_flash_policy", "flash_policy", "trust_x_forwarded_for"}) {
    o.ignore(key);
  }
  o.finish();
}

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

// The WAMP-over-WebSocket keys shared by "websocket" transports and "websocket" path services:
//   serializers  (above)
//   options      (above)
//   auth         (above)
//   url          string; accepted (Crossbar only uses it to announce the URL).
//   debug        boolean; accepted, ignored (use --loglevel).
//   cookie       (cookie tracking) not supported yet.
transport::WebSocketOptions read_websocket_keys(Obj& o) {
  Validator& v = o.v();
  transport::WebSocketOptions ws;
  if (const json* s = o.get("serializers"))
    ws.serializers = read_serializers(v, *s, o.at("serializers"));
  if (const json* opt = o.get("options")) read_websocket_options(v, *opt, o.at("options"), ws);
  if (const json* auth = o.get("auth")) read_auth(v, *auth, o.at("auth"));
  o.opt_string("url");
  o.boolean("debug", false);
  o.refuse("cookie");
  return ws;
}

// Web path key: "/" or a name like "ws" or "/ws" (normalised to start with '/'). Segments use
// [A-Za-z0-9_.~-].
std::string normalise_web_path(Validator& v, const std::string& key, const std::string& path) {
  std::string p = key.starts_with('/') ? key : "/" + key;
  bool ok = true;
  if (p != "/") {
    std::size_t start = 1;
    while (ok && start <= p.size()) {
      const std::size_t end = std::min(p.find('/', start), p.size());
      ok = end > start && std::all_of(p.begin() + start, p.begin() + end, [](char c) {
             return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' ||
                    c == '.' || c == '~';
           });
      start = end + 1;
    }
  }
  if (!ok) {
    v.fail(path, "invalid web path \"" + key +
                     "\" (expected \"/\" or names of letters, digits, '_', '-', '.', '~' joined "
                     "by '/')");
  }
  return p;
}

// Web path service (a value in a "web" transport's "paths"):
//   type "websocket": WAMP over WebSocket on this path; keys as in read_websocket_keys, plus "id".
//   type "nodeinfo":  a small HTML page about the node; keys "type", "id".
//   Crossbar's other services (static, redirect, json, wsgi, cgi, reverseproxy, ...) are not
//   supported yet.
transport::PathService read_path_service(Validator& v, const json& j, const std::string& path) {
  Obj o(v, j, path, "web path service");
  const std::string type = o.need_string("type");
  read_id(o);
  transport::PathService service;
  if (type == "websocket") {
    service.kind = transport::PathService::Kind::websocket;
    service.websocket = read_websocket_keys(o);
  } else if (type == "nodeinfo") {
    service.kind = transport::PathService::Kind::nodeinfo;
  } else if (type == "static" || type == "redirect" || type == "json" || type == "wsgi" ||
             type == "cgi" || type == "longpoll" || type == "reverseproxy" ||
             type == "websocket-reverseproxy" || type == "resource" || type == "caller" ||
             type == "publisher" || type == "webhook" || type == "schemadoc" || type == "path" ||
             type == "upload" || type == "archive" || type == "wap" || type == "pusher") {
    v.fail(o.at("type"), "path type '" + type + "' is not supported yet");
  } else {
    v.fail(o.at("type"), "unknown path type '" + type + "' (expected websocket or nodeinfo)");
  }
  o.finish();
  return service;
}

// The keys of a "web" transport (also the "web" item of a "universal" one):
//   paths    required, an object mapping paths to services (read_path_service).
//   options  Crossbar's access_log, display_tracebacks, hsts, hsts_max_age, client_timeout:
//            accepted with a warning, ignored for now.
void read_web_keys(Obj& o, transport::ListenerConfig& listener) {
  Validator& v = o.v();
  const json& paths = o.need("paths", "an object mapping paths to services");
  if (!paths.is_object()) v.fail(o.at("paths"), "expected an object, found " + found(paths));
  if (paths.empty()) v.fail(o.at("paths"), "expected at least one path service");
  for (const auto& [key, value] : paths.items()) {
    const std::string service_path = path_key(o.at("paths"), key);
    const std::string normalised = normalise_web_path(v, key, service_path);
    if (listener.paths.contains(normalised)) {
      v.fail(service_path, "path \"" + normalised + "\" is configured twice");
    }
    listener.paths.emplace(normalised, read_path_service(v, value, service_path));
  }
  if (const json* options = o.opt_object("options")) {
    Obj opt(v, *options, o.at("options"), "web transport options");
    for (const char* key :
         {"access_log", "display_tracebacks", "hsts", "hsts_max_age", "client_timeout"}) {
      opt.ignore(key);
    }
    opt.finish();
  }
}

// The WAMP-over-RawSocket keys of a "rawsocket" transport (also the "rawsocket" item of a
// "universal" one):
//   serializers       as for WebSocket (read_serializers); default: every serializer Junction
//                     speaks (Crossbar: all available). The client picks one in its handshake.
//   max_message_size  integer 1..64 MiB (Crossbar's range; default 128 KiB as in Crossbar):
//                     the largest message accepted from a client. RawSocket can only announce
//                     powers of two from 512 bytes to 16 MiB, so Junction announces (and
//                     enforces) the largest such power not above this value (at least 512).
//   auth              as for WebSocket (read_auth).
//   debug             boolean; accepted, ignored (use --loglevel).
//   options           Junction's own (Crossbar has no such key):
//     max_connections     integer >= 0: RawSocket sessions this listener holds at once; past it
//                         the handshake answers error 4 (0 or absent: no limit).
//     auto_ping_interval  milliseconds (0 or >= 1000): PING after this much silence (0: off).
//     auto_ping_timeout   milliseconds (0 or >= 1000): close if nothing answers a PING within
//                         this (0: the interval).
transport::RawSocketOptions read_rawsocket_keys(Obj& o) {
  Validator& v = o.v();
  transport::RawSocketOptions rs;
  rs.max_message_size = 128 * 1024;
  rs.serializers.clear();
  for (auto s : {wamp::Serializer::json, wamp::Serializer::msgpack, wamp::Serializer::cbor,
                 wamp::Serializer::ubjson}) {
    if (wamp::codec_for(s) != nullptr) rs.serializers.push_back(s);
  }
  if (const json* s = o.get("serializers")) {
    rs.serializers = read_serializers(v, *s, o.at("serializers"));
  }
  if (auto size = o.opt_int("max_message_size", 1, kMaxMessageSizeLimit)) {
    rs.max_message_size = static_cast<std::size_t>(*size);
  }
  if (const json* auth = o.get("auth")) read_auth(v, *auth, o.at("auth"));
  o.boolean("debug", false);
  if (const json* options = o.opt_object("options")) {
    Obj opt(v, *options, o.at("options"), "RawSocket options");
    if (auto n = opt.opt_int("max_connections", 0, 1000000000)) {
      rs.max_connections = static_cast<std::size_t>(*n);
    }
    auto millis = [&](const char* key, std::chrono::milliseconds& out) {
      const auto ms = opt.opt_int(key, 0, 24LL * 3600 * 1000);
      if (!ms) return;
      if (*ms != 0 && *ms < 1000) {
        v.fail(opt.at(key), "'" + std::string(key) + "' is in milliseconds; " +
                                std::to_string(*ms) +
                                " is too small (0 switches it off, else at least 1000)");
      }
      out = std::chrono::milliseconds(*ms);
    };
    millis("auto_ping_interval", rs.auto_ping_interval);
    millis("auto_ping_timeout", rs.auto_ping_timeout);
    opt.finish();
  }
  return rs;
}

// The "websocket" item of a "universal" transport: an object mapping paths to WebSocket configs
// (the WebSocket keys, plus optional "id" and "type": "websocket").
void read_universal_websocket(Validator& v, const json& j, const std::string& path,
                              transport::ListenerConfig& listener) {
  if (!j.is_object())
    v.fail(path, "expected an object mapping paths to WebSocket configs, found " + found(j));
  for (const auto& [key, value] : j.items()) {
    const std::string item_path = path_key(path, key);
    const std::string normalised = normalise_web_path(v, key, item_path);
    if (listener.paths.contains(normalised)) {
      v.fail(item_path, "path \"" + normalised + "\" is configured twice");
    }
    Obj w(v, value, item_path, "WebSocket config");
    if (auto type = w.opt_string("type"); type && *type != "websocket") {
      v.fail(w.at("type"), "expected \"websocket\", found \"" + *type + "\"");
    }
    read_id(w);
    transport::PathService service;
    service.kind = transport::PathService::Kind::websocket;
    service.websocket = read_websocket_keys(w);
    w.finish();
    listener.paths.emplace(normalised, std::move(service));
  }
}

// Transport (an item of a router worker's "transports"):
//   type      "websocket": WAMP over WebSocket on every HTTP path; keys id, type, endpoint and
//             the WebSocket keys (read_websocket_keys).
//             "web": an HTTP server with a service per path; keys id, type, endpoint and the
//             web keys (read_web_keys).
//             "rawsocket": WAMP over RawSocket; keys id, type, endpoint and the RawSocket keys
//             (read_rawsocket_keys).
//             "universal": one port for RawSocket, WebSocket and HTTP, told apart by the first
//             byte; keys id, type, endpoint, and at least one of "rawsocket" (the RawSocket
//             keys), "websocket" (paths -> WebSocket configs, read_universal_websocket), "web"
//             (the web keys; its paths and the WebSocket paths must differ). "mqtt" is not
//             supported yet.
//             "mqtt", "flashpolicy", "websocket.testee", "stream.testee": not supported yet.
//   id        optional config ID; names the listener in logs ("transport '<id>'").
//   endpoint  required (read_endpoint). Only RawSocket is served on "unix" endpoints yet.
transport::ListenerConfig read_transport(Validator& v, const json& j, const std::string& path) {
  Obj o(v, j, path, "transport");
  const std::string type = o.need_string("type");
  if (type == "mqtt" || type == "flashpolicy" || type == "websocket.testee" ||
      type == "stream.testee") {
    v.fail(o.at("type"), "transport type '" + type + "' is not supported yet");
  }
  if (type != "websocket" && type != "web" && type != "rawsocket" && type != "universal") {
    v.fail(o.at("type"), "unknown transport type '" + type +
                             "' (expected websocket, web, rawsocket or universal)");
  }
  transport::ListenerConfig listener;
  const auto id = read_id(o);
  listener.name = id ? "transport '" + *id + "'" : path;
  read_endpoint(v, o.need("endpoint", "an object"), o.at("endpoint"), listener);

  if (type == "websocket") {
    listener.websocket_on_any_path = read_websocket_keys(o);
  } else if (type == "web") {
    read_web_keys(o, listener);
  } else if (type == "rawsocket") {
    listener.rawsocket = read_rawsocket_keys(o);
  } else {  // universal
    if (const json* rs = o.opt_object("rawsocket")) {
      Obj r(v, *rs, o.at("rawsocket"), "RawSocket config");
      listener.rawsocket = read_rawsocket_keys(r);
      r.finish();
    }
    if (const json* ws = o.get("websocket")) {
      read_universal_websocket(v, *ws, o.at("websocket"), listener);
    }
    if (const json* web = o.opt_object("web")) {
      Obj w(v, *web, o.at("web"), "web config");
      read_web_keys(w, listener);
      w.finish();
    }
    o.refuse("mqtt");
    if (!listener.rawsocket && listener.paths.empty()) {
      v.fail(path, "a universal transport needs at least one of 'rawsocket', 'websocket', 'web'");
    }
  }
  if (!listener.unix_path.empty() && type != "rawsocket" &&
      (type != "universal" || !listener.paths.empty())) {
    v.fail(o.at("endpoint"),
           "only RawSocket is served on Unix domain sockets yet (WebSocket and "
           "HTTP over a Unix socket are not supported yet)");
  }
  o.finish();
  return listener;
}

// ---------------------------------------------------------------------------------------------
// Workers and the node
// ---------------------------------------------------------------------------------------------

// Worker (an item of "workers"):
//   type        "router" (required). "container", "guest", "proxy", ... are not supported yet.
//   id          optional config ID.
//   options     object; Crossbar's worker process options (title, env, pythonpath, ...) are
//               accepted with a warning and ignored.
//   realms      list of realms.
//   transports  list of transports.
//   components  must be empty: embedded components are not supported yet.
//   connections not supported yet; manhole accepted with a warning.
// Worker options: "io_threads" (Junction's own: a number 1..256, or "auto" for one per core) is
// read; Crossbar's process options (title, env, pythonpath, cpu_affinity, ...) are accepted with
// a warning and ignored. With several router workers the largest io_threads wins.
void read_worker_options(Validator& v, const json& j, const std::string& path, NodeConfig& node) {
  for (const auto& [key, value] : j.items()) {
    const std::string where = path_key(path, key);
    if (key != "io_threads") {
      v.warn(where, "worker option '" + key + "' is not supported yet; ignored");
      continue;
    }
    std::optional<std::size_t> threads;
    if (value.is_string() && value.get<std::string>() == "auto") {
      threads = 0;
    } else if (value.is_number_unsigned() && value.get<unsigned long long>() >= 1 &&
               value.get<unsigned long long>() <= 256) {
      threads = static_cast<std::size_t>(value.get<unsigned long long>());
    }
    if (!threads)
      v.fail(where, "expected an integer from 1 to 256 or \"auto\", found " + value.dump());
    if (!node.io_threads || *threads == 0 ||
        (*node.io_threads != 0 && *threads > *node.io_threads)) {
      node.io_threads = threads;
    }
  }
}

void read_worker(Validator& v, const json& j, const std::string& path, NodeConfig& node,
                 std::map<std::string, std::string>& realm_paths) {
  Obj o(v, j, path, "worker");
  const std::string type = o.need_string("type");
  if (type == "container" || type == "guest" || type == "proxy" || type == "websocket-testee" ||
      type == "marketplace" || type == "hostmonitor" || type == "xbrmm") {
    v.fail(o.at("type"), "worker type '" + type + "' is not supported yet");
  }
  if (type != "router") {
    v.fail(o.at("type"), "unknown worker type '" + type + "' (expected router)");
  }
  read_id(o);
  if (const json* options = o.opt_object("options")) {
    read_worker_options(v, *options, o.at("options"), node);
  }
  if (const json* realms = o.opt_list("realms")) {
    for (std::size_t i = 0; i < realms->size(); ++i) {
      const std::string realm_path = path_index(o.at("realms"), i);
      auto realm = read_realm(v, (*realms)[i], realm_path);
      auto [it, inserted] = realm_paths.emplace(realm.name, realm_path);
      if (!inserted) {
        v.fail(path_key(realm_path, "name"),
               "duplicate realm name '" + realm.name + "' (also at " + it->second + ")");
      }
      node.router.realms.push_back(std::move(realm));
    }
  }
  if (const json* transports = o.opt_list("transports")) {
    for (std::size_t i = 0; i < transports->size(); ++i) {
      node.listeners.push_back(
          read_transport(v, (*transports)[i], path_index(o.at("transports"), i)));
    }
  }
  if (const json* components = o.opt_list("components"); components && !components->empty()) {
    v.fail(o.at("components"), "router components are not supported yet");
  }
  o.refuse("connections");
  o.ignore("manhole");
  o.finish();
}

bool wildcard_interface(const std::string& iface) {
  return iface == "0.0.0.0" || iface == "::";
}

// The node config (top level):
//   version     2 (the Crossbar config version this format follows); optional, default 2.
//   $schema     string; accepted (Crossbar's templates point editors at the JSON schema).
//   controller  object; "id" and "options" are accepted and ignored with a warning, "manhole"
//               likewise; "fabric", "connections" are not supported yet.
//   workers     list of workers; at most one router worker for now.
NodeConfig read_node(Validator& v, const json& root) {
  Obj o(v, root, "", "node config");
  NodeConfig node;
  node.source = v.source();
  if (const json* version = o.get("version");
      version && (!version->is_number_integer() || *version != 2)) {
    v.fail("version", "expected 2 (the only config version supported), found " + found(*version));
  }
  o.opt_string("$schema");
  if (const json* controller = o.opt_object("controller")) {
    Obj c(v, *controller, o.at("controller"), "controller");
    for (const char* key : {"id", "options", "manhole"}) {
      if (c.has(key)) v.warn(c.at(key), "'" + std::string(key) + "' is not used yet; ignored");
    }
    c.refuse("fabric");
    c.refuse("connections");
    c.finish();
  }
  std::map<std::string, std::string> realm_paths;
  if (const json* workers = o.opt_list("workers")) {
    std::size_t routers = 0;
    for (std::size_t i = 0; i < workers->size(); ++i) {
      const std::string worker_path = path_index("workers", i);
      read_worker(v, (*workers)[i], worker_path, node, realm_paths);
      if (++routers > 1) v.fail(worker_path, "more than one router worker is not supported yet");
    }
  }
  o.finish();

  // Two listeners on the same port would fail at start-up anyway; say which ones here.
  for (std::size_t a = 0; a < node.listeners.size(); ++a) {
    for (std::size_t b = 0; b < a; ++b) {
      const auto& la = node.listeners[a];
      const auto& lb = node.listeners[b];
      if (!la.unix_path.empty() && la.unix_path == lb.unix_path) {
        throw ConfigError(v.source() + ": " + la.name + ": Unix socket " + la.unix_path +
                          " is already used by " + lb.name);
      }
      if (!la.unix_path.empty() || !lb.unix_path.empty()) continue;
      if (la.port != 0 && la.port == lb.port &&
          (la.interface == lb.interface || wildcard_interface(la.interface) ||
           wildcard_interface(lb.interface))) {
        throw ConfigError(v.source() + ": " + la.name + ": port " + std::to_string(la.port) +
                          " on " + la.interface + " is already used by " + lb.name);
      }
    }
  }
  return node;
}

std::string read_file(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw ConfigError(file.string() + ": cannot open file");
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) throw ConfigError(file.string() + ": cannot read file");
  return text.str();
}

}  // namespace

NodeConfig parse_config(std::string_view text, ConfigFormat format, const std::string& source,
                        std::vector<std::string>* warnings) {
  json tree = format == ConfigFormat::json ? detail::parse_json_text(text, source)
                                           : detail::parse_yaml_text(text, source);
  detail::substitute_env(tree, source, detail::process_env);
  Validator v(source, warnings);
  return read_node(v, tree);
}

NodeConfig load_config_file(const std::filesystem::path& file) {
  const std::string ext = file.extension().string();
  ConfigFormat format;
  if (ext == ".json") {
    format = ConfigFormat::json;
  } else if (ext == ".yaml" || ext == ".yml") {
    format = ConfigFormat::yaml;
  } else {
    throw ConfigError(file.string() + ": unknown config file type '" + ext +
                      "' (expected .json, .yaml or .yml)");
  }
  NodeConfig node = parse_config(read_file(file), format, file.string());
  // Relative Unix socket paths are relative to the node directory, where the config file lives.
  const auto node_dir = std::filesystem::absolute(file).parent_path();
  auto resolve = [&node_dir](std::string& path) {
    if (!path.empty() && std::filesystem::path(path).is_relative()) {
      path = (node_dir / path).string();
    }
  };
  for (auto& listener : node.listeners) {
    resolve(listener.unix_path);
    if (listener.tls) {
      // So are TLS files; load them now, so a bad one fails here (and in `junction check`).
      auto& tls = *listener.tls;
      for (std::string* path : {&tls.key, &tls.certificate, &tls.dhparam})
        resolve(*path);
      for (auto& path : tls.chain_certificates)
        resolve(path);
      for (auto& path : tls.ca_certificates)
        resolve(path);
      try {
        transport::make_tls_context(tls, file.string() + ": " + listener.name);
      } catch (const std::runtime_error& e) {
        throw ConfigError(e.what());
      }
    }
  }
  return node;
}

std::filesystem::path find_config_in(const std::filesystem::path& cbdir) {
  for (const char* name : {"config.json", "config.yaml", "config.yml"}) {
    std::error_code ec;
    const auto candidate = cbdir / name;
    if (std::filesystem::is_regular_file(candidate, ec)) return candidate;
  }
  return {};
}

NodeConfig default_config() {
  NodeConfig node;
  node.source = "<embedded default>";

  router::Permission everything;
  everything.uri = "";
  everything.match = router::MatchPolicy::prefix;
  everything.call = everything.register_ = everything.publish = everything.subscribe = true;

  router::RealmConfig realm;
  realm.name = "realm1";
  realm.uri_check = wamp::UriCheck::loose;
  realm.roles.push_back(router::RoleConfig{"anonymous", {everything}});
  node.router.realms.push_back(std::move(realm));

  transport::ListenerConfig web;
  web.name = "transport 'default'";
  web.interface = "127.0.0.1";
  web.port = 8080;
  transport::PathService info;
  info.kind = transport::PathService::Kind::nodeinfo;
  web.paths.emplace("/", info);
  transport::PathService ws;
  ws.kind = transport::PathService::Kind::websocket;
  // ws.websocket.serializers: the WebSocketOptions default (cbor, msgpack, ubjson, json).
  web.paths.emplace("/ws", ws);
  node.listeners.push_back(std::move(web));
  return node;
}

}  // namespace junction::node
