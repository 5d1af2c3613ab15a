// node/config_web: a web transport's "paths" (one service per HTTP path) and its options.
#include "node/config_reader.hpp"

#include <algorithm>
#include <cctype>

namespace junction::node::detail {

namespace {

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

}  // namespace

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

}  // namespace junction::node::detail
