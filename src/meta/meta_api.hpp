// meta: the WAMP meta API of one realm, served by the router itself. An in-process session
// (role "trusted") registers the wamp.session.*, wamp.registration.* and wamp.subscription.*
// procedures, and a realm observer turns realm events into the meta events (on_join, on_leave,
// on_create, on_subscribe/on_register, ...) and publishes the sessions' testaments when they
// leave. Argument and result shapes are Crossbar.io's (docs/meta-api.md says where Junction
// follows the spec instead).
//
// Meta events are ordinary publications of the router's own session: a client receives them
// only if its role may subscribe to the topic. Nothing is built for a meta event nobody is
// subscribed to.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "router/router.hpp"

namespace junction::meta {

class MetaApi;

// Serves the meta API on every realm of `config` that has enable_meta_api (the default). The
// returned objects must be destroyed before the router.
std::vector<std::unique_ptr<MetaApi>> serve_meta_api(router::Router& router,
                                                     const router::RouterConfig& config);

class MetaApi {
 public:
  // Joins `realm` and registers the meta procedures. Throws std::invalid_argument for an
  // unknown realm.
  MetaApi(router::Router& router, const std::string& realm);
  ~MetaApi();
  MetaApi(const MetaApi&) = delete;
  MetaApi& operator=(const MetaApi&) = delete;

  struct State;

 private:
  std::unique_ptr<State> state_;
};

}  // namespace junction::meta
