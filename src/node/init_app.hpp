// node/init_app: `junction init` — writes a ready-to-run node directory from a template, as
// `crossbar init` does: .crossbar/config.json (realm1, the anonymous role allowed everything, a
// web transport on port 8080 serving ../web and WAMP at /ws) plus the template's files.
//   default  the node and a static web page
//   python   the same plus a Python component (Autobahn|Python, in a container worker) offering
//            com.example.add2 and publishing com.example.oncounter
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace junction::node {

// The template names `init` knows.
const std::vector<std::string>& init_templates();

// Writes template `name` into `appdir` (created if missing). Refuses (std::runtime_error naming
// the path) when appdir/.crossbar exists or a file it would write is already there. Returns the
// files written, relative to appdir.
std::vector<std::string> init_app(const std::filesystem::path& appdir, const std::string& name);

}  // namespace junction::node
