// client/error: client::Error and its what() text ("uri: first arg ...").
#include "client/error.hpp"

namespace junction::client {
namespace {

std::string describe(const std::string& uri, const wamp::Array& args, const wamp::Object& kwargs) {
  std::string text = uri;
  if (!args.empty()) {
    text += args.size() == 1 && args[0].is_string() ? ": " + *args[0].as_string()
                                                    : " " + wamp::to_debug_string(args);
  }
  if (!kwargs.empty()) text += " " + wamp::to_debug_string(kwargs);
  return text;
}

}  // namespace

Error::Error(std::string uri, wamp::Array args, wamp::Object kwargs, wamp::Object details)
    : std::runtime_error(describe(uri, args, kwargs)),
      uri_(std::move(uri)),
      args_(std::move(args)),
      kwargs_(std::move(kwargs)),
      details_(std::move(details)) {}

}  // namespace junction::client
