#include "node/init_app.hpp"

#include <fstream>
#include <stdexcept>
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

constexpr const char* kReadme = R"(A Junction application, made by `junction init`.

    junction start          # in this directory: runs .crossbar/config.json
    junction stop           # from another shell

The web page in web/ is at http://127.0.0.1:8080/; WAMP clients connect to
ws://127.0.0.1:8080/ws, realm "realm1" (the anonymous role may do everything).
)";

std::string config_json(bool with_container) {
  return std::string(
             "{\n    \"version\": 2,\n    \"controller\": {},\n    \"workers\": [\n        ") +
         kRouter + (with_container ? kContainer : "") + "\n    ]\n}\n";
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
  static const std::vector<std::string> names{"default", "python"};
  return names;
}

std::vector<std::string> init_app(const fs::path& appdir, const std::string& name) {
  std::vector<std::pair<std::string, std::string>> files;
  if (name == "default" || name == "python") {
    const bool python = name == "python";
    files.emplace_back(".crossbar/config.json", config_json(python));
    files.emplace_back("web/index.html", kIndexHtml);
    files.emplace_back("README", kReadme);
    if (python) files.emplace_back("app/hello.py", kHelloPy);
  } else {
    throw std::runtime_error("unknown template '" + name + "' (expected default or python)");
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
    write_file(appdir / rel, text);
    written.push_back(rel);
  }
  return written;
}

}  // namespace junction::node
