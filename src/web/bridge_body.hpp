// web/bridge_body: the JSON body of an HTTP bridge publisher or caller request,
//   {"topic" | "procedure": "...", "args": [...], "kwargs": {...}, "options": {...}},
// read into what the bridge hands the router: the URI, the WAMP payload, and (publisher) the
// publish options it passes on ("exclude", "eligible").
//
// Two readers, one answer. The usual body is read with the router's own JSON reader
// (wamp/json_codec): the bytes of "args" and "kwargs" become the payload as they stand (a JSON
// subscriber gets them spliced unchanged, others have them transcoded by the router as for any
// JSON client), so no tree is built and nothing is encoded twice. That reader is stricter than
// the bridge has always been, so a body it does not take whole — not valid JSON, not an object,
// a missing or ill-typed member, integers past 64 bits, floats out of range, duplicate keys in
// nested objects, any "\u0000" (which WAMP's JSON reads as binary), nesting deeper than 128
// levels — is read again by nlohmann::json as before, which accepts it the way it always did or
// names the error in the 400 answer. Either way the router sees the same values. Both refuse
// nesting deeper than the router's JSON limit (128 levels, the body's object being the first):
// a body nested 100 000 deep once crashed the node.
#pragma once

#include <string>
#include <string_view>
#include <variant>

#include "wamp/message.hpp"
#include "wamp/value.hpp"

namespace junction::web {

struct BridgeRequest {
  std::string target;        // the topic or procedure
  wamp::PayloadPtr payload;  // args/kwargs (JSON); null when the body has neither
  wamp::Object options;      // publisher: "exclude"/"eligible" from the body's options
};

enum class BridgeBodyKind { publisher, caller };

// The request, or why the body is refused (the text of the 400 answer's "error").
using BridgeBodyResult = std::variant<BridgeRequest, std::string>;
BridgeBodyResult read_bridge_body(std::string_view body, BridgeBodyKind kind);

namespace detail {
// The two readers on their own, for tests. The fast one answers false when it leaves the body
// to the other.
bool read_bridge_body_spliced(std::string_view body, BridgeBodyKind kind, BridgeRequest& out);
BridgeBodyResult read_bridge_body_tree(std::string_view body, BridgeBodyKind kind);
}  // namespace detail

}  // namespace junction::web
