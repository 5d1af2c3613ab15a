// node/config_web: a web transport's "paths" (one service per HTTP path) and its options.
#include "node/config_reader.hpp"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <filesystem>

#include <unistd.h>

#include "metrics/health_service.hpp"
#include "metrics/metrics_service.hpp"
#include "transport/subprotocol.hpp"
#include "transport/websocket_proxy.hpp"
#include "web/archive.hpp"
#include "web/cgi.hpp"
#include "web/http_bridge.hpp"
#include "web/json_value.hpp"
#include "web/longpoll.hpp"
#include "web/nodeinfo.hpp"
#include "web/redirect.hpp"
#include "web/reverse_proxy.hpp"
#include "web/static_files.hpp"
#include "web/upload.hpp"
#include "web/wsgi.hpp"

namespace junction::node::detail {

namespace {

// The node directory (relative paths in the config are relative to it): the config file's
// directory, or the working directory for configs that come from no file.
std::filesystem::path node_directory(const Validator& v) {
  const std::string& source = v.source();
  if (source.empty() || source.front() == '<') return std::filesystem::current_path();
  return std::filesystem::absolute(source).parent_path();
}

// A Python package's resource directory (Crossbar's "package" + "resource", found with
// pkg_resources there): asks /usr/bin/python3 where the package lives.
std::filesystem::path python_package_resource(Validator& v, const std::string& path,
                                              const std::string& package,
                                              const std::string& resource) {
  auto is_name = [](const std::string& s) {
    return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
      return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.';
    });
  };
  if (!is_name(package)) v.fail(path, "invalid Python package name \"" + package + "\"");
  const std::string command =
      "/usr/bin/python3 -c 'import importlib, os; m = importlib.import_module(\"" + package +
      "\"); print(os.path.dirname(os.path.abspath(m.__file__)))' 2>/dev/null";
  std::string out;
  if (FILE* pipe = ::popen(command.c_str(), "r")) {
    char buf[4096];
    while (std::fgets(buf, sizeof buf, pipe) != nullptr)
      out += buf;
    if (::pclose(pipe) != 0) out.clear();
  }
  while (!out.empty() && (out.back() == '\n' || out.back() == '\r'))
    out.pop_back();
  if (out.empty()) v.fail(path, "cannot import Python package \"" + package + "\"");
  return std::filesystem::path(out) / resource;
}

// "static" path service (web/static_files):
//   directory  a directory, absolute or relative to the node directory; or
//   package + resource: a Python package's resource directory (e.g. "mypkg", "web").
//   options:
//     enable_directory_listing  boolean (default false): list directories without an index.
//     mime_types    object ".ext" -> Content-Type, over the defaults.
//     cache_timeout integer seconds (default 43200) for Cache-Control max-age and Expires;
//                   null: no caching headers.
//     default_file  file (relative to the directory) served for paths that do not exist, for
//                   single-page applications.
//     allow_cross_origin  boolean (default true): Crossbar's CORS headers.
std::shared_ptr<transport::HttpService> read_static(Validator& v, Obj& o) {
  web::StaticOptions options;
  const auto directory = o.opt_string("directory");
  const auto package = o.opt_string("package");
  const auto resource = o.opt_string("resource");
  if (directory && package) v.fail(o.path(), "give either 'directory' or 'package', not both");
  if (directory) {
    options.directory = std::filesystem::path(*directory).is_absolute()
                            ? std::filesystem::path(*directory)
                            : node_directory(v) / *directory;
  } else if (package) {
    if (!resource) v.fail(o.path(), "'package' needs 'resource' (the directory in the package)");
    options.directory = python_package_resource(v, o.at("package"), *package, *resource);
  } else {
    v.fail(o.path(), "a static service needs 'directory' (or 'package' and 'resource')");
  }
  options.directory = options.directory.lexically_normal();
  if (const json* opt = o.opt_object("options")) {
    Obj p(v, *opt, o.at("options"), "static options");
    options.enable_directory_listing = p.boolean("enable_directory_listing", false);
    if (const json* types = p.opt_object("mime_types")) {
      for (const auto& [ext, type] : types->items()) {
        if (!type.is_string()) {
          v.fail(path_key(p.at("mime_types"), ext), "expected a string, found " + found(type));
        }
        options.mime_types[ext] = type.get<std::string>();
      }
    }
    if (const json* timeout = p.get("cache_timeout"); timeout && timeout->is_null()) {
      options.cache_timeout.reset();
    } else if (auto seconds = p.opt_int("cache_timeout", 0, 10LL * 365 * 24 * 3600)) {
      options.cache_timeout = *seconds;
    }
    if (auto file = p.opt_string("default_file")) options.default_file = *file;
    options.allow_cross_origin = p.boolean("allow_cross_origin", true);
    p.finish();
  }
  return std::make_shared<web::StaticService>(std::move(options));
}

// "json" path service (web/json_value):
//   value    any JSON value, served as the document.
//   options  prettify (boolean: indented, sorted keys), allow_cross_origin (default true),
//            discourage_caching (boolean: Cache-Control no-store).
std::shared_ptr<transport::HttpService> read_json_value(Validator& v, Obj& o) {
  const json& value = o.need("value", "any JSON value");
  web::JsonValueOptions options;
  bool prettify = false;
  if (const json* opt = o.opt_object("options")) {
    Obj p(v, *opt, o.at("options"), "json options");
    prettify = p.boolean("prettify", false);
    options.allow_cross_origin = p.boolean("allow_cross_origin", true);
    options.discourage_caching = p.boolean("discourage_caching", false);
    p.finish();
  }
  return std::make_shared<web::JsonValueService>(prettify ? value.dump(3) : value.dump(), options);
}

// "publisher", "caller", "webhook" path services (web/http_bridge):
//   realm    required: the realm the bridge's in-process session joins.
//   role     required: its authrole (its permissions are the role's, as for any client).
//   authid   Junction's own, optional (default "http-bridge"): its authid.
//   options:
//     key, secret           strings, both or neither: requests must then be signed.
//     post_body_limit       integer bytes (0: Junction's 16 MiB cap); larger bodies get 413.
//     timestamp_delta_limit integer seconds (default 300; 0: none): how far a request's
//                           timestamp may be from the node's clock.
//     require_ip            list of addresses or networks ("10.0.0.0/8") clients must come from.
//     require_tls           boolean: refuse requests over plain HTTP.
//     debug                 boolean; accepted, ignored (use --loglevel).
//     webhook only: topic (required), success_response (default "OK"), error_response
//     (default "NOT OK"); github_secret is not supported yet.
std::shared_ptr<transport::HttpService> read_bridge(Validator& v, Obj& o,
                                                    web::HttpBridgeService::Kind kind) {
  web::BridgeOptions options;
  options.realm = o.need_string("realm");
  options.authrole = o.need_string("role");
  options.authid = o.opt_string("authid").value_or("http-bridge");
  const bool webhook = kind == web::HttpBridgeService::Kind::webhook;
  const json* opt = o.opt_object("options");
  if (webhook && opt == nullptr) v.fail(o.path(), "a webhook needs 'options' with its 'topic'");
  if (opt != nullptr) {
    Obj p(v, *opt, o.at("options"), "HTTP bridge options");
    const auto key = p.opt_string("key");
    const auto secret = p.opt_string("secret");
    if (key.has_value() != secret.has_value()) {
      v.fail(p.path(), "'key' and 'secret' go together (signed requests need both)");
    }
    if (key) {
      if (key->empty() || secret->empty())
        v.fail(p.at("key"), "'key' and 'secret' may not be empty");
      options.key = *key;
      options.secret = *secret;
    }
    if (auto limit = p.opt_int("post_body_limit", 0, 1LL << 32)) {
      options.post_body_limit = static_cast<std::uint64_t>(*limit);
    }
    if (auto delta = p.opt_int("timestamp_delta_limit", 0, 10LL * 365 * 24 * 3600)) {
      options.timestamp_delta_limit = *delta;
    }
    if (const json* ips = p.opt_list("require_ip")) {
      for (std::size_t i = 0; i < ips->size(); ++i) {
        const json& item = (*ips)[i];
        web::IpNetwork network;
        if (!item.is_string() || !web::IpNetwork::parse(item.get<std::string>(), network)) {
          v.fail(path_index(p.at("require_ip"), i),
                 "expected an IP address or network such as \"10.0.0.0/8\", found " + item.dump());
        }
        options.require_ip.push_back(network);
      }
    }
    options.require_tls = p.boolean("require_tls", false);
    p.boolean("debug", false);
    if (webhook) {
      options.topic = p.need_string("topic");
      if (auto text = p.opt_string("success_response")) options.success_response = *text;
      if (auto text = p.opt_string("error_response")) options.error_response = *text;
      p.refuse("github_secret");
    }
    p.finish();
  }
  return std::make_shared<web::HttpBridgeService>(kind, std::move(options));
}

// "upload" path service (web/upload): files uploaded in chunks (resumable.js), progress events
// published by an in-process session (as the HTTP bridge's).
//   realm, role     required: the realm the service's session joins and its authrole.
//   authid          Junction's own, optional (default "file-upload").
//   directory       required: where complete files go (absolute or relative to the node
//                   directory); must exist when the node starts.
//   temp_directory  chunks of uploads in progress (created if missing; default
//                   <system temp>/junction-uploads).
//   form_fields     required: the form field names — file_name, mime_type, total_size,
//                   chunk_number, chunk_size, total_chunks, content (required); on_progress,
//                   session, chunk_extra, finish_extra (optional).
//   options:
//     max_file_size     integer bytes (default 10 MiB): larger files are refused (413).
//     file_types        list of extensions with the dot ([".txt", ".pdf"]): only these.
//     file_permissions  octal string ("0644"): the mode of complete files (default 0644).
std::shared_ptr<transport::HttpService> read_upload(Validator& v, Obj& o) {
  web::UploadOptions options;
  options.realm = o.need_string("realm");
  options.authrole = o.need_string("role");
  if (auto authid = o.opt_string("authid")) options.authid = *authid;
  auto resolve = [&](const std::string& dir) {
    return (std::filesystem::path(dir).is_absolute() ? std::filesystem::path(dir)
                                                     : node_directory(v) / dir)
        .lexically_normal();
  };
  options.limits.directory = resolve(o.need_string("directory"));
  if (auto temp = o.opt_string("temp_directory")) {
    options.limits.temp_directory = resolve(*temp);
  } else {
    options.limits.temp_directory = std::filesystem::temp_directory_path() / "junction-uploads";
  }
  if (options.limits.temp_directory == options.limits.directory) {
    v.fail(o.at("temp_directory"), "'temp_directory' must not be the upload 'directory'");
  }
  {
    Obj f(v, o.need("form_fields", "an object naming the form fields"), o.at("form_fields"),
          "upload form_fields");
    web::UploadFormFields& fields = options.fields;
    for (auto [key, target] :
         {std::pair{"file_name", &fields.file_name}, std::pair{"mime_type", &fields.mime_type},
          std::pair{"total_size", &fields.total_size},
          std::pair{"chunk_number", &fields.chunk_number},
          std::pair{"chunk_size", &fields.chunk_size},
          std::pair{"total_chunks", &fields.total_chunks}, std::pair{"content", &fields.content}}) {
      *target = f.need_string(key);
      if (target->empty()) v.fail(f.at(key), "a form field name may not be empty");
    }
    for (auto [key, target] :
         {std::pair{"on_progress", &fields.on_progress}, std::pair{"session", &fields.session},
          std::pair{"chunk_extra", &fields.chunk_extra},
          std::pair{"finish_extra", &fields.finish_extra}}) {
      if (auto name = f.opt_string(key)) *target = *name;
    }
    f.finish();
  }
  if (const json* opt = o.opt_object("options")) {
    Obj p(v, *opt, o.at("options"), "upload options");
    if (auto n = p.opt_int("max_file_size", 0, 1LL << 50)) {
      options.limits.max_file_size = static_cast<std::uint64_t>(*n);
    }
    if (const json* types = p.opt_list("file_types")) {
      for (std::size_t i = 0; i < types->size(); ++i) {
        const json& item = (*types)[i];
        if (!item.is_string() || item.get<std::string>().size() < 2 ||
            item.get<std::string>().front() != '.') {
          v.fail(path_index(p.at("file_types"), i),
                 "expected a file extension with its dot such as \".txt\", found " + item.dump());
        }
        options.limits.file_types.push_back(item.get<std::string>());
      }
    }
    if (auto mode = p.opt_string("file_permissions")) {
      const bool octal =
          !mode->empty() && mode->size() <= 4 &&
          std::all_of(mode->begin(), mode->end(), [](char c) { return c >= '0' && c <= '7'; });
      if (!octal) {
        v.fail(p.at("file_permissions"),
               "expected an octal mode such as \"0644\", found \"" + *mode + "\"");
      }
      options.limits.file_permissions = static_cast<unsigned>(std::stoul(*mode, nullptr, 8));
    }
    p.finish();
  }
  return std::make_shared<web::UploadService>(std::move(options));
}

// "longpoll" path service (web/longpoll): WAMP over HTTP long-poll.
//   options:
//     request_timeout       integer seconds (default 10; 0: none): a /receive with nothing to
//                           deliver is answered 204 after this long.
//     session_timeout       integer seconds (default 30; 0: never): a transport with no request
//                           for this long is closed (its session leaves the realm).
//     queue_limit_bytes     integer (default 131072; 0: no limit): bytes waiting for the client
//                           beyond which the transport is closed.
//     queue_limit_messages  integer (default 100; 0: no limit): the same, in messages.
//     debug_transport_id    string: every transport gets this id (debugging only).
//     debug                 boolean; accepted, ignored (use --loglevel debug).
std::shared_ptr<transport::HttpService> read_longpoll(Validator& v, Obj& o) {
  web::LongPollOptions options;
  if (const json* opt = o.opt_object("options")) {
    Obj p(v, *opt, o.at("options"), "longpoll options");
    constexpr long long kDay = 24 * 3600;
    if (auto t = p.opt_int("request_timeout", 0, kDay)) {
      options.request_timeout = std::chrono::seconds(*t);
    }
    if (auto t = p.opt_int("session_timeout", 0, 365 * kDay)) {
      options.session_timeout = std::chrono::seconds(*t);
    }
    if (auto n = p.opt_int("queue_limit_bytes", 0, 1LL << 32)) {
      options.queue_limit_bytes = static_cast<std::size_t>(*n);
    }
    if (auto n = p.opt_int("queue_limit_messages", 0, 1LL << 32)) {
      options.queue_limit_messages = static_cast<std::size_t>(*n);
    }
    if (auto id = p.opt_string("debug_transport_id")) {
      const bool ok =
          !id->empty() && id->size() <= 64 && std::all_of(id->begin(), id->end(), [](char c) {
            return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-';
          });
      if (!ok) {
        v.fail(p.at("debug_transport_id"),
               "expected 1 to 64 letters, digits, '_' or '-' (it becomes a URL path segment)");
      }
      options.debug_transport_id = *id;
    }
    p.boolean("debug", false);
    p.finish();
  }
  return std::make_shared<web::LongPollService>(std::move(options));
}

// "archive" path service (web/archive): files from a ZIP or tar archive, read at config time.
//   archive         required: the archive file, absolute or relative to the node directory.
//   origin          string: where the archive can be downloaded (http or https URL).
//   download        boolean: with no file at `archive`, `junction start` downloads it from
//                   origin before its listeners serve (web/archive_download); `junction check`
//                   never downloads. Without it, a missing archive is refused.
//   cache           boolean: accepted; Junction always holds the archive's files in memory.
//   default_object  the member served for the mount path and paths ending in '/'.
//   object_prefix   put before every member name looked up ("dist" + "/" + "app.js").
//   mime_types      object ".ext" -> Content-Type, over the defaults.
//   hashes          list of SHA-256 hex digests: the archive must match one.
//   options         default_file: the member served (200) for names not found.
std::shared_ptr<transport::HttpService> read_archive(Validator& v, Obj& o) {
  web::ArchiveOptions options;
  const std::string archive = o.need_string("archive");
  options.archive = std::filesystem::path(archive).is_absolute() ? std::filesystem::path(archive)
                                                                 : node_directory(v) / archive;
  options.archive = options.archive.lexically_normal();
  const auto origin = o.opt_string("origin");
  if (origin && !web::parse_http_url(*origin)) {
    v.fail(o.at("origin"), "expected an http:// or https:// URL, found \"" + *origin + "\"");
  }
  const bool download = o.boolean("download", false);
  o.boolean("cache", false);
  if (auto name = o.opt_string("default_object")) options.default_object = *name;
  if (auto prefix = o.opt_string("object_prefix")) options.object_prefix = *prefix;
  if (const json* types = o.opt_object("mime_types")) {
    for (const auto& [ext, type] : types->items()) {
      if (!type.is_string()) {
        v.fail(path_key(o.at("mime_types"), ext), "expected a string, found " + found(type));
      }
      options.mime_types[ext] = type.get<std::string>();
    }
  }
  if (const json* hashes = o.opt_list("hashes")) {
    for (std::size_t i = 0; i < hashes->size(); ++i) {
      const json& item = (*hashes)[i];
      // One string to iterate: begin() and end() of two get<std::string>() copies would walk
      // from one temporary into another (undefined; it refused good digests).
      const std::string* digest = item.get_ptr<const std::string*>();
      const bool ok = digest != nullptr && digest->size() == 64 &&
                      std::all_of(digest->begin(), digest->end(), [](char c) {
                        return std::isxdigit(static_cast<unsigned char>(c));
                      });
      if (!ok) {
        v.fail(path_index(o.at("hashes"), i),
               "expected a SHA-256 digest (64 hex digits), found " + item.dump());
      }
      options.hashes.push_back(item.get<std::string>());
    }
  }
  if (const json* opt = o.opt_object("options")) {
    Obj p(v, *opt, o.at("options"), "archive options");
    if (auto file = p.opt_string("default_file")) options.default_file = *file;
    p.finish();
  }
  options.origin = origin.value_or("");
  options.download = download;
  std::error_code ec;
  if (download && !origin && !std::filesystem::exists(options.archive, ec)) {
    v.fail(o.at("download"), options.archive.string() +
                                 " does not exist and there is no 'origin' to download it from");
  }
  try {
    return std::make_shared<web::ArchiveService>(std::move(options));
  } catch (const web::ArchiveError& e) {
    v.fail(o.at("archive"), e.what());
  }
}

// "reverseproxy" path service (web/reverse_proxy): requests forwarded to an HTTP backend.
//   host     required: the backend's host name or address.
//   port     integer (default 80).
//   path     the backend's base path (default "/"); the path below the mount is appended.
//   timeout  Junction's own, integer seconds (default 30): connect + answer, else 504.
std::shared_ptr<transport::HttpService> read_reverse_proxy(Validator& v, Obj& o) {
  web::ReverseProxyOptions options;
  options.host = o.need_string("host");
  if (options.host.empty()) v.fail(o.at("host"), "expected a host name or address, found \"\"");
  if (auto port = o.opt_int("port", 1, 65535)) options.port = static_cast<std::uint16_t>(*port);
  if (auto path = o.opt_string("path")) {
    if (!path->starts_with('/') || path->find_first_of(" ?#\t\r\n") != std::string::npos) {
      v.fail(o.at("path"),
             "expected an absolute path such as \"/\" or \"/api/\", found \"" + *path + "\"");
    }
    options.path = *path;
  }
  if (auto timeout = o.opt_int("timeout", 1, 3600)) {
    options.timeout = std::chrono::seconds(*timeout);
  }
  return std::make_shared<web::ReverseProxyService>(std::move(options));
}

// "wsgi" path service (web/wsgi): a Python WSGI application, run by Junction's WSGI launcher in a
// process of its own (the router worker's options.python, pythonpath and env apply to it:
// apply_worker_python). The module is imported when the node starts, not by `junction check`.
//   module      required: the Python module ("myapp", "django_project.wsgi").
//   object      required: the WSGI application in it ("app", "application").
//   minthreads  integer (default 0): threads the launcher's pool keeps.
//   maxthreads  integer (default 20): most requests run at once.
//   timeout     Junction's own, integer seconds (default 60): no answer by then is a 504.
std::shared_ptr<transport::HttpService> read_wsgi(Validator& v, Obj& o, const std::string& mount) {
  web::WsgiOptions options;
  options.mount = mount;
  auto dotted = [](const std::string& s, bool allow_dots) {
    if (s.empty() || s.front() == '.' || s.back() == '.' || s.find("..") != std::string::npos ||
        std::isdigit(static_cast<unsigned char>(s.front()))) {
      return false;
    }
    return std::all_of(s.begin(), s.end(), [&](char c) {
      return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || (allow_dots && c == '.');
    });
  };
  options.module = o.need_string("module");
  if (!dotted(options.module, true)) {
    v.fail(o.at("module"),
           "expected a Python module name such as \"myapp\" or \"pkg.wsgi\", "
           "found \"" +
               options.module + "\"");
  }
  options.object = o.need_string("object");
  if (!dotted(options.object, false)) {
    v.fail(o.at("object"),
           "expected a Python name such as \"app\", found \"" + options.object + "\"");
  }
  if (auto n = o.opt_int("minthreads", 0, 1024)) options.minthreads = static_cast<unsigned>(*n);
  if (auto n = o.opt_int("maxthreads", 1, 1024)) options.maxthreads = static_cast<unsigned>(*n);
  if (options.minthreads > options.maxthreads) {
    v.fail(o.at("minthreads"), "'minthreads' (" + std::to_string(options.minthreads) +
                                   ") is larger than 'maxthreads' (" +
                                   std::to_string(options.maxthreads) + ")");
  }
  if (auto t = o.opt_int("timeout", 1, 24 * 3600)) options.timeout = std::chrono::seconds(*t);
  options.workdir = node_directory(v).string();
  return std::make_shared<web::WsgiService>(std::move(options));
}

// "cgi" path service (web/cgi): CGI/1.1 scripts from a directory, run per request.
//   directory  required: the scripts' directory, absolute or relative to the node directory.
//   processor  required: the program each script is run with ("/usr/bin/python3", "/bin/sh"):
//              `processor script`. A path (relative to the node directory) or a name looked up
//              in $PATH; it must exist and be executable.
//   timeout    Junction's own, integer seconds (default 60): a script still running then is
//              killed and answers 504.
std::shared_ptr<transport::HttpService> read_cgi(Validator& v, Obj& o, const std::string& mount) {
  web::CgiOptions options;
  options.mount = mount;
  const std::string directory = o.need_string("directory");
  options.directory = std::filesystem::path(directory).is_absolute()
                          ? std::filesystem::path(directory)
                          : node_directory(v) / directory;
  options.directory = options.directory.lexically_normal();
  std::error_code ec;
  if (!std::filesystem::is_directory(options.directory, ec)) {
    v.warn(o.at("directory"), "CGI directory " + options.directory.string() +
                                  " does not exist (yet); its requests answer 404 until it does");
  }
  options.processor = o.need_string("processor");
  std::string executable;
  if (options.processor.find('/') != std::string::npos) {
    executable = std::filesystem::path(options.processor).is_absolute()
                     ? options.processor
                     : (node_directory(v) / options.processor).lexically_normal().string();
    options.processor = executable;
    if (::access(executable.c_str(), X_OK) != 0) executable.clear();
  } else if (const char* path = std::getenv("PATH"); path && !options.processor.empty()) {
    std::string_view dirs(path);
    while (executable.empty() && !dirs.empty()) {
      const auto colon = dirs.find(':');
      const std::string dir(dirs.substr(0, colon));
      dirs = colon == std::string_view::npos ? std::string_view() : dirs.substr(colon + 1);
      const std::string candidate = (dir.empty() ? "." : dir) + "/" + options.processor;
      if (::access(candidate.c_str(), X_OK) == 0) executable = candidate;
    }
  }
  if (executable.empty()) {
    v.fail(o.at("processor"), "CGI processor \"" + options.processor +
                                  "\" is not an executable program (give a path such as "
                                  "\"/usr/bin/python3\" or a name in $PATH)");
  }
  if (auto t = o.opt_int("timeout", 1, 24 * 3600)) options.timeout = std::chrono::seconds(*t);
  return std::make_shared<web::CgiService>(std::move(options));
}

// "websocket-reverseproxy" path service (transport/websocket_proxy): WebSocket connections
// forwarded to a backend WebSocket server, bytes unchanged after the backend's 101.
//   backend   required: {"type": "websocket", "endpoint": {"type": "tcp", "host", "port"},
//             "url": "ws://host:port/path"} (url optional: its path is the handshake's, default
//             "/"). A TLS backend ("tls" in the endpoint) and backend "options" are not supported
//             yet.
//   url       the front URL (Crossbar's factory uses it for its own URL): accepted, not used.
//   options   WebSocket options of the front connection: not supported yet (messages are not
//             parsed, so limits such as max_message_size could not be applied).
//   timeout   Junction's own, integer seconds (default 10): connect + the backend's 101, else
//             504.
std::shared_ptr<const transport::WebSocketProxyOptions> read_websocket_proxy(Validator& v, Obj& o) {
  auto options = std::make_shared<transport::WebSocketProxyOptions>();
  if (auto url = o.opt_string("url");
      url && !url->starts_with("ws://") && !url->starts_with("wss://")) {
    v.fail(o.at("url"), "expected a ws:// or wss:// URL, found \"" + *url + "\"");
  }
  o.refuse("options");
  if (auto t = o.opt_int("timeout", 1, 3600)) {
    options->connect_timeout = std::chrono::seconds(*t);
  }
  const json& backend_json = o.need("backend", "an object");
  Obj b(v, backend_json, o.at("backend"), "websocket-reverseproxy backend");
  if (b.need_string("type") != "websocket") {
    v.fail(b.at("type"), "expected \"websocket\"");
  }
  const json& endpoint_json = b.need("endpoint", "an object");
  Obj e(v, endpoint_json, b.at("endpoint"), "backend endpoint");
  if (e.need_string("type") != "tcp") {
    v.fail(e.at("type"), "expected \"tcp\" (a Unix socket backend is not supported yet)");
  }
  options->host = e.need_string("host");
  if (options->host.empty()) v.fail(e.at("host"), "expected a host name or address, found \"\"");
  options->port =
      static_cast<std::uint16_t>(e.check_int(e.at("port"), e.need("port", "an integer"), 1, 65535));
  e.refuse("tls");
  if (e.has("version")) {
    const auto version = e.opt_int("version", 4, 6);
    if (version != 4 && version != 6) v.fail(e.at("version"), "expected 4 or 6");
  }
  e.ignore("timeout");
  e.finish();
  if (auto url = b.opt_string("url")) {
    const auto scheme = url->find("://");
    if (scheme == std::string::npos || (url->substr(0, scheme) != "ws")) {
      v.fail(b.at("url"),
             "expected a ws:// URL such as \"ws://localhost:9000/ws\" (wss:// is not supported "
             "yet), found \"" +
                 *url + "\"");
    }
    const auto slash = url->find('/', scheme + 3);
    if (slash != std::string::npos) {
      options->path = url->substr(slash);
      if (const auto q = options->path.find_first_of("?#"); q != std::string::npos) {
        options->path.resize(q);
      }
      if (options->path.find_first_of(" \t\r\n") != std::string::npos) {
        v.fail(b.at("url"), "the URL's path may not contain white space");
      }
    }
  }
  b.refuse("options");
  b.refuse("serializers");
  b.finish();
  return options;
}

// Web path services, with their paths (a web transport's "paths", or a "path" service's):
//   type "websocket": WAMP over WebSocket on this path; keys as in read_websocket_keys, plus "id".
//   type "nodeinfo":  a small HTML page about the node; keys "type", "id".
//   type "static":    files (read_static).
//   type "redirect":  "url" (required): every GET answers 302 to it.
//   type "json":      a fixed JSON document (read_json_value).
//   type "publisher", "caller", "webhook": the HTTP bridge (read_bridge).
//   type "longpoll":  WAMP over HTTP long-poll (read_longpoll).
//   type "upload":    chunked, resumable file uploads (read_upload).
//   type "archive":   files from a ZIP or tar archive (read_archive).
//   type "reverseproxy": requests forwarded to an HTTP backend (read_reverse_proxy).
//   type "wsgi":      a Python WSGI application (read_wsgi).
//   type "cgi":       CGI scripts (read_cgi).
//   type "websocket-reverseproxy": WebSocket forwarded to a backend (read_websocket_proxy).
//   type "metrics":   Junction's own: the node's Prometheus metrics (metrics/metrics_service);
//                     keys "type", "id".
//   type "health":    Junction's own: 200 while the node runs, 503 while it starts or stops
//                     (metrics/health_service); keys "type", "id".
//   type "path":      "paths": a nested tree, mounted at this path ("/" in it is this path
//                     itself); flattened into the transport's paths.
//   Crossbar's other services (resource, schemadoc, wap, ...) are not supported yet.
// `prefix` is the mount path of the tree ("" at the top).
void read_web_paths(Validator& v, const json& paths, const std::string& json_path,
                    const std::string& prefix, transport::ListenerConfig& listener,
                    std::vector<std::string>& nodeinfo_paths) {
  if (!paths.is_object()) v.fail(json_path, "expected an object, found " + found(paths));
  if (paths.empty()) v.fail(json_path, "expected at least one path service");
  for (const auto& [key, value] : paths.items()) {
    const std::string service_path = path_key(json_path, key);
    const std::string normalised = normalise_web_path(v, key, service_path);
    const std::string full =
        prefix.empty() ? normalised : (normalised == "/" ? prefix : prefix + normalised);
    Obj o(v, value, service_path, "web path service");
    const std::string type = o.need_string("type");
    read_id(o);
    if (type == "path") {
      read_web_paths(v, o.need("paths", "an object mapping paths to services"), o.at("paths"),
                     full == "/" ? std::string() : full, listener, nodeinfo_paths);
      o.finish();
      continue;
    }
    if (listener.paths.contains(full)) {
      v.fail(service_path, "path \"" + full + "\" is configured twice");
    }
    transport::PathService service;
    service.kind = transport::PathService::Kind::http;
    if (type == "websocket") {
      service.kind = transport::PathService::Kind::websocket;
      service.websocket = read_websocket_keys(o);
    } else if (type == "nodeinfo") {
      nodeinfo_paths.push_back(full);  // made once every WebSocket path is known
    } else if (type == "static") {
      service.http = read_static(v, o);
    } else if (type == "redirect") {
      service.http = std::make_shared<web::RedirectService>(o.need_string("url"));
    } else if (type == "json") {
      service.http = read_json_value(v, o);
    } else if (type == "publisher") {
      service.http = read_bridge(v, o, web::HttpBridgeService::Kind::publisher);
    } else if (type == "caller") {
      service.http = read_bridge(v, o, web::HttpBridgeService::Kind::caller);
    } else if (type == "webhook") {
      service.http = read_bridge(v, o, web::HttpBridgeService::Kind::webhook);
    } else if (type == "longpoll") {
      service.http = read_longpoll(v, o);
    } else if (type == "upload") {
      service.http = read_upload(v, o);
    } else if (type == "archive") {
      service.http = read_archive(v, o);
    } else if (type == "reverseproxy") {
      service.http = read_reverse_proxy(v, o);
    } else if (type == "websocket-reverseproxy") {
      service.kind = transport::PathService::Kind::websocket_proxy;
      service.websocket_proxy = read_websocket_proxy(v, o);
    } else if (type == "cgi") {
      service.http = read_cgi(v, o, full);
    } else if (type == "wsgi") {
      service.http = read_wsgi(v, o, full);
    } else if (type == "metrics") {
      service.http = std::make_shared<metrics::MetricsService>();
    } else if (type == "health") {
      service.http = std::make_shared<metrics::HealthService>();
    } else if (type == "resource" || type == "schemadoc" || type == "wap" || type == "pusher") {
      v.fail(o.at("type"), "path type '" + type + "' is not supported yet");
    } else {
      v.fail(o.at("type"),
             "unknown path type '" + type +
                 "' (expected websocket, nodeinfo, static, redirect, json, "
                 "publisher, caller, webhook, longpoll, upload, archive, "
                 "reverseproxy, wsgi, cgi, websocket-reverseproxy, path, metrics or health)");
    }
    o.finish();
    listener.paths.emplace(full, std::move(service));
  }
}

}  // namespace

bool apply_worker_python(Validator& v, const GuestConfig& python,
                         transport::ListenerConfig& listener) {
  bool any = false;
  for (auto& [path, service] : listener.paths) {
    auto* wsgi = dynamic_cast<web::WsgiService*>(service.http.get());
    if (wsgi == nullptr) continue;
    any = true;
    web::WsgiOptions& o = wsgi->process_options();
    if (!python.executable.empty()) o.python = python.executable;
    o.pythonpath.clear();
    for (const auto& dir : python.pythonpath) {
      std::string absolute = std::filesystem::path(dir).is_absolute()
                                 ? dir
                                 : (node_directory(v) / dir).lexically_normal().string();
      if (absolute.size() > 1 && absolute.back() == '/') absolute.pop_back();
      o.pythonpath.push_back(std::move(absolute));
    }
    o.inherit_all_env = python.inherit_all_env;
    o.inherit_env = python.inherit_env;
    o.env_vars = python.env_vars;
  }
  return any;
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

// The keys of a "web" transport (also the "web" item of a "universal" one):
//   paths    required, an object mapping paths to services (read_web_paths).
//   options  Crossbar's:
//     access_log          boolean (default false): a log line per request ("access" logger).
//     hsts                boolean (default false): Strict-Transport-Security on TLS listeners.
//     hsts_max_age        integer seconds (default 31536000).
//     display_tracebacks, client_timeout: accepted with a warning, ignored.
void read_web_keys(Obj& o, transport::ListenerConfig& listener) {
  Validator& v = o.v();
  std::vector<std::string> nodeinfo_paths;
  read_web_paths(v, o.need("paths", "an object mapping paths to services"), o.at("paths"), "",
                 listener, nodeinfo_paths);
  std::vector<web::NodeInfoWebSocket> websockets;
  for (const auto& [path, service] : listener.paths) {
    if (service.kind == transport::PathService::Kind::websocket) {
      websockets.push_back({path, transport::spoken_subprotocols(service.websocket),
                            service.websocket.external_port});
    }
  }
  for (const auto& path : nodeinfo_paths) {
    listener.paths.at(path).http =
        std::make_shared<web::NodeInfoService>(websockets, listener.tls.has_value());
  }
  if (const json* options = o.opt_object("options")) {
    Obj opt(v, *options, o.at("options"), "web transport options");
    listener.web.access_log = opt.boolean("access_log", false);
    listener.web.hsts = opt.boolean("hsts", false);
    if (auto age = opt.opt_int("hsts_max_age", 0, 10LL * 365 * 24 * 3600)) {
      listener.web.hsts_max_age = *age;
    }
    for (const char* key : {"display_tracebacks", "client_timeout"})
      opt.ignore(key);
    opt.finish();
  }
}

}  // namespace junction::node::detail
