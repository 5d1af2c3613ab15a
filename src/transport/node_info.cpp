// transport/node_info: renders the welcome and WebSocket status pages. Everything taken from the
// request or the config is HTML-escaped; the pages have no scripts of their own.
#include "transport/node_info.hpp"

#include "base/version.hpp"
#include "transport/http_service.hpp"

namespace junction::transport {
namespace {

// "<!DOCTYPE html>...<body>\n<h1>Junction <version>" — the start both pages share.
std::string page_head() {
  const std::string version = escape_html(kVersion);
  std::string page;
  page.reserve(2048);
  page +=
      "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
      "<title>Junction ";
  page += version;
  page +=
      "</title>\n<style>\n"
      "body{font-family:system-ui,sans-serif;max-width:46em;margin:3em auto;padding:0 1em;"
      "color:#222;line-height:1.5}\n"
      "code,pre{background:#f3f3f3;border-radius:4px}code{padding:0 .2em}"
      "pre{padding:1em;overflow:auto}\n"
      "</style>\n</head>\n<body>\n<h1>Junction ";
  page += version;
  return page;
}

}  // namespace

std::string render_node_info(std::string_view host,
                             const std::vector<NodeInfoEndpoint>& endpoints) {
  const std::string host_html = escape_html(host);
  std::string page = page_head();
  page +=
      "</h1>\n<p>This node is running. Junction is a router for the "
      "<a href=\"https://wamp-proto.org/\">Web Application Messaging Protocol</a> (WAMP): "
      "remote procedure calls and publish &amp; subscribe between any WAMP clients.</p>\n";
  std::string first_url;
  if (endpoints.empty()) {
    page += "<p>This listener has no WebSocket endpoint.</p>\n";
  } else {
    page += "<h2>WebSocket endpoints</h2>\n<ul>\n";
    for (const auto& endpoint : endpoints) {
      const std::string url = endpoint.url.empty()
                                  ? "ws://" + host_html + escape_html(endpoint.path)
                                  : escape_html(endpoint.url);
      if (first_url.empty()) first_url = url;
      page += "<li><code>";
      page += url;
      page += "</code> &mdash; ";
      page += endpoint.subprotocols.empty() ? std::string("no serializer available")
                                            : escape_html(endpoint.subprotocols);
      page += "</li>\n";
    }
    page += "</ul>\n";
    page +=
        "<h2>Connect with AutobahnJS</h2>\n<pre>const autobahn = require(\"autobahn\");\n"
        "const connection = new autobahn.Connection({\n  url: \"";
    page += first_url;
    page +=
        "\",\n  realm: \"realm1\",  // a realm configured on this node\n});\n"
        "connection.onopen = async (session) =&gt; {\n"
        "  await session.register(\"com.example.add2\", ([a, b]) =&gt; a + b);\n"
        "  console.log(await session.call(\"com.example.add2\", [2, 3]));  // 5\n"
        "};\nconnection.open();</pre>\n";
  }
  page += "</body>\n</html>\n";
  return page;
}

std::string render_websocket_status(const NodeInfoEndpoint& endpoint) {
  std::string page = page_head();
  page +=
      "</h1>\n<p>This is a <a href=\"https://wamp-proto.org/\">WAMP</a> WebSocket endpoint. "
      "It is running; connect to it with a WAMP client, not a web browser.</p>\n<ul>\n"
      "<li>URL: <code>";
  page += escape_html(endpoint.url.empty() ? endpoint.path : endpoint.url);
  page += "</code></li>\n<li>WebSocket subprotocols: ";
  page += endpoint.subprotocols.empty() ? std::string("none available")
                                        : "<code>" + escape_html(endpoint.subprotocols) + "</code>";
  page += "</li>\n</ul>\n</body>\n</html>\n";
  return page;
}

}  // namespace junction::transport
