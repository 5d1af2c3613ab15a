// node/config_transport: a router worker's transports: endpoints (TCP, Unix), TLS, the
// WebSocket and RawSocket options, universal transports.
#include "node/config_reader.hpp"

#include <algorithm>
#include <cctype>
#include <chrono>
#include <filesystem>

#include "wamp/codec.hpp"

namespace junction::node::detail {

namespace {

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

// A timeout or interval in milliseconds (WebSocket and RawSocket options alike): 0 switches it
// off, else at least 1000 and at most a day.
void read_timeout_millis(Validator& v, Obj& o, const char* key, std::chrono::milliseconds& out) {
  const auto ms = o.opt_int(key, 0, 24LL * 3600 * 1000);
  if (!ms) return;
  if (*ms != 0 && *ms < 1000) {
    v.fail(o.at(key), "'" + std::string(key) + "' is in milliseconds; " + std::to_string(*ms) +
                          " is too small (0 switches it off, else at least 1000)");
  }
  out = std::chrono::milliseconds(*ms);
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
//   hello_timeout            Junction's own: open to the first WAMP message (default 10000)
//   auth_timeout             Junction's own: HELLO to WELCOME, authentication included
//                            (default 30000)
//   frame_timeout            Junction's own: a frame or fragmented message started and not
//                            finished (default 60000)
//   compression.deflate.max_inflate_ratio  Junction's own: 0..1000000 (default 256; 0: none)
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

  auto millis = [&](const char* key, std::chrono::milliseconds& out) {
    read_timeout_millis(v, o, key, out);
  };
  millis("auto_ping_interval", ws.auto_ping_interval);
  millis("auto_ping_timeout", ws.auto_ping_timeout);
  millis("open_handshake_timeout", ws.open_handshake_timeout);
  millis("close_handshake_timeout", ws.close_handshake_timeout);
  // Junction's own phase timeouts (docs/robustness.md).
  millis("hello_timeout", ws.hello_timeout);
  millis("auth_timeout", ws.auth_timeout);
  millis("frame_timeout", ws.frame_timeout);
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
      // Junction's own: the compression-ratio bound against bombs (0: none).
      if (auto ratio = dd.opt_int("max_inflate_ratio", 0, 1000000)) {
        ws.compression.max_inflate_ratio = static_cast<std::size_t>(*ratio);
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
//   options           (Crossbar's checker accepts it; `crossbar init` writes max_message_size
//                     here):
//     max_message_size    as the transport's "max_message_size" (same range and meaning); when
//                         both are given they must agree.
//     Junction's own:
//     max_connections     integer >= 0: RawSocket sessions this listener holds at once; past it
//                         the handshake answers error 4 (0 or absent: no limit).
//     auto_ping_interval  milliseconds (0 or >= 1000): PING after this much silence (0: off).
//     auto_ping_timeout   milliseconds (0 or >= 1000): close if nothing answers a PING within
//                         this (0: the interval).
//     handshake_timeout   milliseconds: connect to the 4-byte handshake (default 10000).
//     hello_timeout       milliseconds: handshake to HELLO (default 10000).
//     auth_timeout        milliseconds: HELLO to WELCOME, authentication included (30000).
//     frame_timeout       milliseconds: a frame started and not finished (default 60000).
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
  if (const json* auth = o.get("auth")) rs.auth = read_auth(v, *auth, o.at("auth"));
  o.boolean("debug", false);
  if (const json* options = o.opt_object("options")) {
    Obj opt(v, *options, o.at("options"), "RawSocket options");
    if (auto size = opt.opt_int("max_message_size", 1, kMaxMessageSizeLimit)) {
      const json* outer = o.get("max_message_size");
      if (outer && outer->get<long long>() != *size) {
        v.fail(opt.at("max_message_size"), std::to_string(*size) +
                                               " differs from 'max_message_size' " + outer->dump() +
                                               " of the transport (give it once)");
      }
      rs.max_message_size = static_cast<std::size_t>(*size);
    }
    if (auto n = opt.opt_int("max_connections", 0, 1000000000)) {
      rs.max_connections = static_cast<std::size_t>(*n);
    }
    auto millis = [&](const char* key, std::chrono::milliseconds& out) {
      read_timeout_millis(v, opt, key, out);
    };
    millis("auto_ping_interval", rs.auto_ping_interval);
    millis("auto_ping_timeout", rs.auto_ping_timeout);
    millis("handshake_timeout", rs.handshake_timeout);
    millis("hello_timeout", rs.hello_timeout);
    millis("auth_timeout", rs.auth_timeout);
    millis("frame_timeout", rs.frame_timeout);
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

}  // namespace

namespace {

// "cookie" (Crossbar's cookie tracking):
//   name     the cookie's name (default "cbtid")
//   length   characters of the random cookie ID, 6..64 (default 24)
//   max_age  lifetime in seconds, 1 .. 10 years (default 604800, one week)
//   store    {"type": "memory"} (default) or {"type": "file", "filename": "cookies.dat"}: an
//            append-only file of JSON lines, absolute or relative to the node directory (the
//            config file's directory), loaded at start and rewritten without its expired
//            cookies. "purge_on_startup" (Crossbar's: rewrite the file without the expired
//            cookies at start) is accepted; Junction always does that.
//   max_entries  (Junction's own) cookies kept, default 100 000: past it expired cookies are
//            purged and then the oldest dropped.
std::shared_ptr<cookie::CookieStore> read_cookie(Validator& v, const json& j,
                                                 const std::string& path) {
  Obj o(v, j, path, "cookie tracking config");
  cookie::CookieConfig config;
  if (auto name = o.opt_string("name")) {
    const bool token = !name->empty() && std::all_of(name->begin(), name->end(), [](char c) {
      return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.';
    });
    if (!token) v.fail(o.at("name"), "expected a cookie name (letters, digits, '_', '-', '.')");
    config.name = *name;
  }
  if (auto n = o.opt_int("length", 6, 64)) config.length = static_cast<std::size_t>(*n);
  if (auto n = o.opt_int("max_age", 1, 10LL * 365 * 86400))
    config.max_age = std::chrono::seconds(*n);
  if (auto n = o.opt_int("max_entries", 1, 100000000))
    config.max_entries = static_cast<std::size_t>(*n);
  if (const json* store = o.opt_object("store")) {
    Obj s(v, *store, o.at("store"), "cookie store config");
    const std::string type = s.need_string("type");
    if (type == "file") {
      std::filesystem::path file = s.need_string("filename");
      if (file.is_relative()) {
        const std::string& source = v.source();
        const auto dir = source.empty() || source.front() == '<'
                             ? std::filesystem::current_path()
                             : std::filesystem::absolute(source).parent_path();
        file = dir / file;
      }
      config.file = file.string();
      s.boolean("purge_on_startup", false);  // what Junction always does (above)
    } else if (type != "memory") {
      v.not_supported(s.at("type"), "cookie store type '" + type + "'");
    }
    s.finish();
  }
  o.finish();
  try {
    return std::make_shared<cookie::CookieStore>(std::move(config));
  } catch (const std::exception& e) {
    v.fail(path, e.what());
  }
  return nullptr;
}

}  // namespace

// The WAMP-over-WebSocket keys shared by "websocket" transports and "websocket" path services:
//   serializers  (above)
//   options      (above)
//   auth         (above)
//   url          string; accepted (Crossbar only uses it to announce the URL).
//   debug        boolean; accepted, ignored (use --loglevel).
//   cookie       cookie tracking (read_cookie); with it, "auth" may offer "cookie".
transport::WebSocketOptions read_websocket_keys(Obj& o) {
  Validator& v = o.v();
  transport::WebSocketOptions ws;
  if (const json* s = o.get("serializers"))
    ws.serializers = read_serializers(v, *s, o.at("serializers"));
  if (const json* opt = o.get("options")) read_websocket_options(v, *opt, o.at("options"), ws);
  if (const json* c = o.get("cookie")) ws.cookies = read_cookie(v, *c, o.at("cookie"));
  if (const json* auth = o.get("auth")) ws.auth = read_auth(v, *auth, o.at("auth"), ws.cookies);
  o.opt_string("url");
  o.boolean("debug", false);
  return ws;
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
//             "flashpolicy": read_flash_policy (the router worker reads it apart: it is no
//             WAMP listener).
//             "mqtt", "websocket.testee", "stream.testee": not supported yet.
//   id        optional config ID; names the listener in logs ("transport '<id>'").
//   endpoint  required (read_endpoint). Every type is served on "unix" endpoints too (without
//             TLS); their clients have no IP address (docs/configuration.md, "Unix domain socket
//             endpoints").
// Flash policy transport (Crossbar's "flashpolicy"): keys id, type, endpoint (TCP, without TLS),
// "allowed_domain" (default "*"), "allowed_ports" (a list of port numbers; default: any, "*").
// node/flash_policy serves it.
FlashPolicyConfig read_flash_policy(Validator& v, const json& j, const std::string& path) {
  Obj o(v, j, path, "flashpolicy transport");
  o.need_string("type");
  FlashPolicyConfig flash;
  const auto id = read_id(o);
  flash.name = id ? "transport '" + *id + "'" : path;
  transport::ListenerConfig endpoint;
  read_endpoint(v, o.need("endpoint", "an object"), o.at("endpoint"), endpoint);
  if (!endpoint.unix_path.empty() || endpoint.tls) {
    v.not_supported(o.at("endpoint"), "a flashpolicy transport on a Unix socket or with TLS");
  }
  flash.interface = endpoint.interface;
  flash.port = endpoint.port;
  flash.backlog = endpoint.backlog;
  if (const auto domain = o.opt_string("allowed_domain")) {
    if (domain->empty() || domain->find_first_of("\"<>&") != std::string::npos) {
      v.fail(o.at("allowed_domain"), "expected a domain (or \"*\"), found \"" + *domain + "\"");
    }
    flash.allowed_domain = *domain;
  }
  if (const json* ports = o.opt_list("allowed_ports"); ports && !ports->empty()) {
    flash.allowed_ports.clear();
    for (std::size_t i = 0; i < ports->size(); ++i) {
      const long long port =
          o.check_int(path_index(o.at("allowed_ports"), i), (*ports)[i], 1, 65535);
      flash.allowed_ports += (i ? "," : "") + std::to_string(port);
    }
  }
  o.finish();
  return flash;
}

transport::ListenerConfig read_transport(Validator& v, const json& j, const std::string& path) {
  Obj o(v, j, path, "transport");
  const std::string type = o.need_string("type");
  if (type == "mqtt" || type == "websocket.testee" || type == "stream.testee") {
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
  o.finish();
  return listener;
}

}  // namespace junction::node::detail
