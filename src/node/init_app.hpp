// node/init_app: `junction init` — writes a ready-to-run node directory from a template, as
// `crossbar init` does: .crossbar/config.json (realm1, the anonymous role allowed everything, a
// web transport on port 8080 serving ../web and WAMP at /ws) plus the template's files.
//   default  the node and a static web page
//   python   the same plus a Python component (Autobahn|Python, in a container worker) offering
//            com.example.add2 and publishing com.example.oncounter
//   browser  the python template with a web page that uses AutobahnJS (copied into web/ from
//            npm's autobahn-browser package, found by find_autobahn_js: never downloaded) to
//            call the component and follow its counter
//   cpp      the browser template plus a C++ component on Junction's client library (cpp/: a
//            CMake project found against the client library of this junction, built on first
//            start by cpp/run.sh, run as a guest worker connected over a Unix socket) offering
//            com.example.mul2, which the page calls too
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace junction::node {

// AutobahnJS's browser build for the browser template: $JUNCTION_AUTOBAHN_JS, else
// autobahn.min.js next to the junction binary (the build tree copies it there from
// node_modules/autobahn-browser), else <bindir>/../share/junction/autobahn.min.js (installed).
// Null, and `searched` lists where it looked, when none exists.
std::optional<std::filesystem::path> find_autobahn_js(std::string* searched);

// The template names `init` knows.
const std::vector<std::string>& init_templates();

// Writes template `name` into `appdir` (created if missing). Refuses (std::runtime_error naming
// the path) when appdir/.crossbar exists or a file it would write is already there. Returns the
// files written, relative to appdir.
std::vector<std::string> init_app(const std::filesystem::path& appdir, const std::string& name);

}  // namespace junction::node
