// node/init_app: see the header.
#include "node/init_app.hpp"

#include <cstdlib>
#include <fstream>
#include <optional>
#include <stdexcept>
#include <string_view>
#include <utility>

namespace junction::node {

namespace {

namespace fs = std::filesystem;

constexpr const char* kRouter = R"({
            "type": "router",
            "realms": [
                {
                    "name": "realm1",
                    "roles": [
                        {
                            "name": "anonymous",
                            "permissions": [
                                {
                                    "uri": "",
                                    "match": "prefix",
                                    "allow": {
                                        "call": true,
                                        "register": true,
                                        "publish": true,
                                        "subscribe": true
                                    },
                                    "disclose": {
                                        "caller": false,
                                        "publisher": false
                                    },
                                    "cache": true
                                }
                            ]
                        }
                    ]
                }
            ],
            "transports": [
                {
                    "type": "web",
                    "endpoint": {
                        "type": "tcp",
                        "port": 8080
                    },
                    "paths": {
                        "/": {
                            "type": "static",
                            "directory": "../web"
                        },
                        "ws": {
                            "type": "websocket"
                        },
                        "info": {
                            "type": "nodeinfo"
                        }
                    }
                }
            ]
        })";

constexpr const char* kContainer = R"(,
        {
            "type": "container",
            "options": {
                "pythonpath": [
                    "../app"
                ]
            },
            "components": [
                {
                    "type": "class",
                    "classname": "hello.AppSession",
                    "realm": "realm1",
                    "transport": {
                        "type": "websocket",
                        "endpoint": {
                            "type": "tcp",
                            "host": "127.0.0.1",
                            "port": 8080
                        },
                        "url": "ws://127.0.0.1:8080/ws"
                    }
                }
            ]
        })";

constexpr const char* kIndexHtml = R"(<!DOCTYPE html>
<html>
<head>
  <meta charset="utf-8">
  <title>Junction application</title>
</head>
<body>
  <h1>It works.</h1>
  <p>This page is served by Junction's <code>static</code> web service from <code>web/</code>.
     WAMP clients connect to <code>ws://&lt;this host&gt;:8080/ws</code>, realm <code>realm1</code>;
     <a href="/info">/info</a> shows the node.</p>
</body>
</html>
)";

constexpr const char* kHelloPy =
    R"(# A WAMP component run by Junction (a container worker in ../.crossbar/config.json), with
# Autobahn|Python on Twisted: it offers com.example.add2 and publishes com.example.oncounter.
from autobahn.twisted.util import sleep
from autobahn.twisted.wamp import ApplicationSession


class AppSession(ApplicationSession):

    async def onJoin(self, details):
        def add2(x, y):
            return x + y

        await self.register(add2, "com.example.add2")
        self.log.info("procedure com.example.add2 registered")

        counter = 0
        while self.is_attached():
            self.publish("com.example.oncounter", counter)
            counter += 1
            await sleep(1)
)";

// The browser template's page: AutobahnJS (web/autobahn.min.js, copied by `junction init` from
// npm's autobahn-browser package) calls the Python component and follows its counter.
constexpr const char* kBrowserHtml = R"(<!DOCTYPE html>
<html>
<head>
  <meta charset="utf-8">
  <title>Junction application</title>
  <script src="autobahn.min.js"></script>
</head>
<body>
  <h1>Junction + AutobahnJS</h1>
  <p>WAMP: <span id="status">connecting</span></p>
  <p>com.example.add2(2, 3) = <span id="add2">?</span> (Python)</p>
@CPP_ROW@  <p>com.example.oncounter: <span id="counter">none yet</span></p>
  <script>
    function show(id, text) { document.getElementById(id).textContent = String(text); }
    // The router is the server of this page: same host and port, path /ws.
    const url = (location.protocol === "https:" ? "wss://" : "ws://") + location.host + "/ws";
    const connection = new autobahn.Connection({url: url, realm: "realm1"});
    // A component may join a moment after the page: try again while it has not registered.
    function call(session, procedure, args, id) {
      session.call(procedure, args).then(
        (result) => show(id, result),
        (error) => {
          if (error.error === "wamp.error.no_such_procedure") {
            setTimeout(() => call(session, procedure, args, id), 300);
          } else {
            show(id, "error: " + error.error);
          }
        });
    }
    connection.onopen = (session) => {
      show("status", "connected, session " + session.id);
      session.subscribe("com.example.oncounter", (args) => show("counter", args[0]));
      call(session, "com.example.add2", [2, 3], "add2");
@CPP_CALL@    };
    connection.onclose = (reason) => { show("status", "closed: " + reason); };
    connection.open();
  </script>
</body>
</html>
)";

// The cpp template: a RawSocket listener on a Unix socket in the node directory for the C++
// component, and the component as a guest worker (built on first start by cpp/run.sh).
constexpr const char* kUnixTransport = R"(,
                {
                    "type": "rawsocket",
                    "endpoint": {
                        "type": "unix",
                        "path": "router.sock"
                    },
                    "serializers": [
                        "cbor",
                        "json"
                    ]
                })";

constexpr const char* kCppGuest = R"(,
        {
            "type": "guest",
            "id": "cpp_component",
            "executable": "/bin/sh",
            "arguments": [
                "../cpp/run.sh",
                "unix://router.sock",
                "realm1"
            ]
        })";

constexpr const char* kHelloCpp =
    R"(// A WAMP component in C++ on Junction's client library, started by the node as a guest worker
// (../.crossbar/config.json runs run.sh, which builds it on first start): it offers
// com.example.mul2 and prints the counter events of the Python component.
//
//   hello-cpp [unix://router.sock] [realm1]
#include <iostream>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>

#include "client/client.hpp"

namespace asio = boost::asio;
using namespace junction;

asio::awaitable<void> component(std::string url, std::string realm) {
  auto io = co_await asio::this_coro::executor;
  auto session = co_await client::Session::connect(io, url, realm);
  std::cout << "joined " << realm << " as session " << session->id() << std::endl;

  co_await session->provide("com.example.mul2", [](client::Invocation& inv) {
    const auto a = inv.arg(0).as_int(), b = inv.arg(1).as_int();
    if (!a || !b) throw client::Error("com.example.error.not_a_number", {"mul2 needs two integers"});
    return client::Result(wamp::Array{*a * *b});
  });
  std::cout << "procedure com.example.mul2 registered" << std::endl;
  co_await session->subscribe("com.example.oncounter", [](const client::Event& event) {
    std::cout << "counter: " << wamp::to_debug_string(event.args()) << std::endl;
  });

  // Until the node stops it (SIGTERM) or the router ends the session.
  asio::signal_set signals(io, SIGINT, SIGTERM);
  session->on_close([&](const std::string&) { signals.cancel(); });
  try {
    co_await signals.async_wait(asio::use_awaitable);
  } catch (const boost::system::system_error&) {
    co_return;
  }
  co_await session->leave();
}

int main(int argc, char** argv) {
  const std::string url = argc > 1 ? argv[1] : "unix://router.sock";
  const std::string realm = argc > 2 ? argv[2] : "realm1";
  asio::io_context io;
  int status = 0;
  asio::co_spawn(io, component(url, realm), [&](std::exception_ptr e) {
    if (!e) return;
    try {
      std::rethrow_exception(e);
    } catch (const std::exception& x) {
      std::cerr << "error: " << x.what() << std::endl;
      status = 1;
    }
  });
  io.run();
  return status;
}
)";

constexpr const char* kRunSh = R"(#!/bin/sh
# Run by the node (a guest worker): builds the C++ component (once configured, a rebuild only
# compiles what changed), then runs it with the node's arguments.
set -e
here=$(dirname "$0")
if [ ! -f "$here/build/CMakeCache.txt" ]; then
  cmake -S "$here" -B "$here/build" -DCMAKE_BUILD_TYPE=Release >&2
fi
cmake --build "$here/build" >&2
exec "$here/build/hello-cpp" "$@"
)";

constexpr const char* kReadme = R"(A Junction application, made by `junction init`.

    junction start          # in this directory: runs .crossbar/config.json
    junction stop           # from another shell

The web page in web/ is at http://127.0.0.1:8080/; WAMP clients connect to
ws://127.0.0.1:8080/ws, realm "realm1" (the anonymous role may do everything).
)";

std::string config_json(bool with_container, bool with_cpp = false) {
  std::string router = kRouter;
  if (with_cpp) {
    // The Unix socket listener goes after the web transport (the last "}" of its item).
    const auto end = router.rfind("}\n            ]");
    router.insert(end + 1, kUnixTransport);
  }
  return std::string(
             "{\n    \"version\": 2,\n    \"controller\": {},\n    \"workers\": [\n        ") +
         router + (with_container ? kContainer : "") + (with_cpp ? kCppGuest : "") + "\n    ]\n}\n";
}

std::string replace_all(std::string text, std::string_view marker, std::string_view with) {
  for (auto at = text.find(marker); at != std::string::npos; at = text.find(marker, at)) {
    text.replace(at, marker.size(), with);
    at += with.size();
  }
  return text;
}

std::string browser_html(bool cpp) {
  std::string html = kBrowserHtml;
  html = replace_all(
      std::move(html), "@CPP_ROW@",
      cpp ? "  <p>com.example.mul2(6, 7) = <span id=\"mul2\">?</span> (C++)</p>\n" : "");
  return replace_all(std::move(html), "@CPP_CALL@",
                     cpp ? "      call(session, \"com.example.mul2\", [6, 7], \"mul2\");\n" : "");
}

// cpp/CMakeLists.txt, pointed at the client library of the junction that runs `init`: its
// build tree (<bindir>/cmake/JunctionClientConfig.cmake) or its installation (<bindir>/..).
std::string cpp_cmakelists() {
  std::error_code ec;
  const fs::path bindir = fs::read_symlink("/proc/self/exe", ec).parent_path();
  return "# The C++ component, built against Junction's client library (find_package\n"
         "# JunctionClient: the junction that made this directory, else CMAKE_PREFIX_PATH).\n"
         "cmake_minimum_required(VERSION 3.20)\n"
         "project(hello_cpp CXX)\n"
         "set(CMAKE_CXX_STANDARD 20)\n"
         "find_package(JunctionClient REQUIRED PATHS \"" +
         bindir.string() + "\" \"" + bindir.parent_path().string() +
         "\")\n"
         "add_executable(hello-cpp hello.cpp)\n"
         "target_link_libraries(hello-cpp PRIVATE Junction::client)\n";
}

void write_file(const fs::path& file, const std::string& text) {
  std::error_code ec;
  fs::create_directories(file.parent_path(), ec);
  if (ec) throw std::runtime_error(file.parent_path().string() + ": " + ec.message());
  std::ofstream out(file, std::ios::binary);
  out << text;
  out.close();
  if (!out) throw std::runtime_error(file.string() + ": cannot write");
}

}  // namespace

const std::vector<std::string>& init_templates() {
  static const std::vector<std::string> names{"default", "python", "browser", "cpp"};
  return names;
}

std::optional<fs::path> find_autobahn_js(std::string* searched) {
  std::vector<fs::path> candidates;
  if (const char* env = std::getenv("JUNCTION_AUTOBAHN_JS"); env && *env) {
    candidates.emplace_back(env);
  }
  std::error_code ec;
  const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    candidates.push_back(exe.parent_path() / "autobahn.min.js");
    candidates.push_back(exe.parent_path().parent_path() / "share" / "junction" /
                         "autobahn.min.js");
  }
  for (const auto& c : candidates) {
    if (fs::is_regular_file(c, ec)) return c;
  }
  if (searched) {
    for (const auto& c : candidates)
      *searched += (searched->empty() ? "" : ", ") + c.string();
  }
  return std::nullopt;
}

std::vector<std::string> init_app(const fs::path& appdir, const std::string& name) {
  std::vector<std::pair<std::string, std::string>> files;
  std::optional<fs::path> autobahn_js;
  if (name == "default" || name == "python") {
    const bool python = name == "python";
    files.emplace_back(".crossbar/config.json", config_json(python));
    files.emplace_back("web/index.html", kIndexHtml);
    files.emplace_back("README", kReadme);
    if (python) files.emplace_back("app/hello.py", kHelloPy);
  } else if (name == "browser" || name == "cpp") {
    const bool cpp = name == "cpp";
    std::string searched;
    autobahn_js = find_autobahn_js(&searched);
    if (!autobahn_js) {
      throw std::runtime_error(
          "the browser template needs AutobahnJS (autobahn.min.js of npm's autobahn-browser "
          "package, installed with junction); not found (looked at " +
          searched + "; $JUNCTION_AUTOBAHN_JS names another)");
    }
    files.emplace_back(".crossbar/config.json", config_json(true, cpp));
    files.emplace_back("web/index.html", browser_html(cpp));
    files.emplace_back("web/autobahn.min.js", "");  // copied below
    files.emplace_back("README", kReadme);
    files.emplace_back("app/hello.py", kHelloPy);
    if (cpp) {
      files.emplace_back("cpp/hello.cpp", kHelloCpp);
      files.emplace_back("cpp/CMakeLists.txt", cpp_cmakelists());
      files.emplace_back("cpp/run.sh", kRunSh);
    }
  } else {
    throw std::runtime_error("unknown template '" + name +
                             "' (expected default, python, browser or cpp)");
  }
  std::error_code ec;
  if (fs::exists(appdir / ".crossbar", ec)) {
    throw std::runtime_error((appdir / ".crossbar").string() +
                             ": already exists (a node directory is there)");
  }
  for (const auto& [rel, text] : files) {
    if (fs::exists(appdir / rel, ec)) {
      throw std::runtime_error((appdir / rel).string() + ": already exists; nothing written");
    }
  }
  std::vector<std::string> written;
  for (const auto& [rel, text] : files) {
    if (rel == "web/autobahn.min.js") {
      fs::copy_file(*autobahn_js, appdir / rel, ec);
      if (ec) {
        throw std::runtime_error(autobahn_js->string() + ": cannot copy to " +
                                 (appdir / rel).string() + ": " + ec.message());
      }
    } else {
      write_file(appdir / rel, text);
    }
    if (rel.ends_with(".sh")) {
      fs::permissions(appdir / rel,
                      fs::perms::owner_exec | fs::perms::group_exec | fs::perms::others_exec,
                      fs::perm_options::add, ec);
    }
    written.push_back(rel);
  }
  return written;
}

}  // namespace junction::node
