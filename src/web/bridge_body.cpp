// web/bridge_body: see the header.
#include "web/bridge_body.hpp"

#include <cstring>
#include <memory>
#include <utility>

#include <nlohmann/json.hpp>

#include "wamp/codec.hpp"
#include "wamp/json_codec.hpp"
#include "wamp/nlohmann_value.hpp"

namespace junction::web {

namespace {

std::string_view target_key(BridgeBodyKind kind) {
  return kind == BridgeBodyKind::publisher ? "topic" : "procedure";
}

// Whether a (validated) JSON array or object holds nothing: "[ ]", "{}".
bool empty_container(std::string_view raw) {
  for (std::size_t i = 1; i + 1 < raw.size(); ++i) {
    const char c = raw[i];
    if (c != ' ' && c != '\t' && c != '\n' && c != '\r') return false;
  }
  return true;
}

// The payload for args/kwargs (each raw JSON, empty when absent or empty): none when both are
// empty; args "[]" when only kwargs has something (the wire position needs them). As
// wamp::make_payload does for values.
wamp::PayloadPtr spliced_payload(std::string_view args, std::string_view kwargs) {
  if (args.empty() && kwargs.empty()) return nullptr;
  auto payload = std::make_shared<wamp::Payload>();
  payload->format = wamp::Serializer::json;
  if (args.empty()) {
    payload->args = "[]";
  } else {
    payload->args.assign(args);
  }
  payload->kwargs.assign(kwargs);
  return payload;
}

}  // namespace

namespace detail {

bool read_bridge_body_spliced(std::string_view body, BridgeBodyKind kind, BridgeRequest& out) {
  // WAMP's JSON reads "\u0000..." strings as binary; the bridge always read them as text.
  if (body.find("\\u0000") != std::string_view::npos) return false;
  const std::string_view key_name = target_key(kind);
  // The last of each member wins, as with nlohmann::json (and Python's json, Crossbar's).
  struct Members {
    std::string_view target, args, kwargs, options;
    bool has_target = false, has_args = false, has_kwargs = false, has_options = false;
  } members;
  const std::string error =
      wamp::json_read_object_members(body, [&](std::string_view key, std::string_view raw) {
        if (key == key_name) {
          members.target = raw;
          members.has_target = true;
        } else if (key == "args") {
          members.args = raw;
          members.has_args = true;
        } else if (key == "kwargs") {
          members.kwargs = raw;
          members.has_kwargs = true;
        } else if (key == "options") {
          members.options = raw;
          members.has_options = true;
        }
        return true;
      });
  if (!error.empty() || !members.has_target || members.target.front() != '"') return false;
  std::string_view args, kwargs;
  if (members.has_args && members.args != "null") {
    if (members.args.front() != '[') return false;
    if (!empty_container(members.args)) args = members.args;
  }
  if (members.has_kwargs && members.kwargs != "null") {
    if (members.kwargs.front() != '{') return false;
    if (!empty_container(members.kwargs)) kwargs = members.kwargs;
  }
  const wamp::Codec& codec = wamp::json_codec();
  // The usual URI has no escapes: its bytes are the string (the reader has validated them).
  const std::string_view quoted = members.target.substr(1, members.target.size() - 2);
  if (quoted.find('\\') == std::string_view::npos) {
    out.target.assign(quoted);
  } else {
    auto target = codec.decode_value(members.target);
    auto* text = std::get_if<wamp::Value>(&target);
    if (text == nullptr || !std::holds_alternative<std::string>(text->v)) return false;
    out.target = std::move(std::get<std::string>(text->v));
  }
  wamp::Object options;
  if (kind == BridgeBodyKind::publisher && members.has_options && members.options.front() == '{') {
    auto decoded = codec.decode_value(members.options);
    auto* value = std::get_if<wamp::Value>(&decoded);
    if (value == nullptr || value->as_object() == nullptr) return false;
    for (const char* name : {"exclude", "eligible"}) {
      auto& given = *value->as_object();
      if (const auto it = given.find(name); it != given.end() && !it->second.is_null()) {
        options.emplace(name, std::move(it->second));
      }
    }
  }
  out.payload = spliced_payload(args, kwargs);
  out.options = std::move(options);
  return true;
}

BridgeBodyResult read_bridge_body_tree(std::string_view body, BridgeBodyKind kind) {
  using nlohmann::json;
  // As deep as the router's own JSON reader goes (the object itself is level 1), and no
  // deeper: the payload goes on to subscribers and callees, and a tree that deep would exhaust
  // the stack where it is turned into values.
  struct TooDeep {};
  const auto depth_limit = [](int depth, json::parse_event_t event, json&) {
    if ((event == json::parse_event_t::object_start || event == json::parse_event_t::array_start) &&
        depth >= wamp::kJsonMaxDepth) {
      throw TooDeep{};
    }
    return true;
  };
  json event;
  try {
    event = json::parse(body, depth_limit);
  } catch (const json::exception& e) {
    return std::string("invalid request body: not JSON (") + e.what() + ")";
  } catch (const TooDeep&) {
    return std::string("invalid request body: nesting deeper than 128 levels");
  }
  if (!event.is_object()) return std::string("invalid request body: a JSON object was expected");
  const std::string key_name(target_key(kind));
  const auto target = event.find(key_name);
  if (target == event.end() || !target->is_string()) {
    return "invalid request body: '" + key_name + "' missing (or not a string)";
  }
  wamp::Array args;
  wamp::Object kwargs;
  if (const auto a = event.find("args"); a != event.end() && !a->is_null()) {
    if (!a->is_array()) return std::string("invalid request body: 'args' is not a list");
    args = std::move(*wamp::from_nlohmann(*a).as_array());
  }
  if (const auto k = event.find("kwargs"); k != event.end() && !k->is_null()) {
    if (!k->is_object()) return std::string("invalid request body: 'kwargs' is not an object");
    kwargs = std::move(*wamp::from_nlohmann(*k).as_object());
  }
  BridgeRequest out;
  if (kind == BridgeBodyKind::publisher) {
    if (const auto o = event.find("options"); o != event.end() && o->is_object()) {
      for (const char* name : {"exclude", "eligible"}) {
        if (const auto it = o->find(name); it != o->end() && !it->is_null()) {
          out.options.emplace(name, wamp::from_nlohmann(*it));
        }
      }
    }
  }
  out.target = target->get<std::string>();
  if (!args.empty() || !kwargs.empty()) out.payload = wamp::make_payload(args, kwargs);
  return out;
}

}  // namespace detail

BridgeBodyResult read_bridge_body(std::string_view body, BridgeBodyKind kind) {
  BridgeRequest request;
  if (detail::read_bridge_body_spliced(body, kind, request)) return request;
  return detail::read_bridge_body_tree(body, kind);
}

}  // namespace junction::web
