// transport/router_link: the two moments every session kind (WebSocket, RawSocket) hands over to
// the router — a whole message arrived, the connection is gone — done one way for all of them.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "router/router.hpp"
#include "wamp/codec.hpp"

namespace junction::transport {

// Decodes one whole WAMP message and gives it to the router; bytes that do not decode go in as
// malformed (the router answers ABORT protocol_violation). The router may call send()/close() on
// this or any other session meanwhile: they only queue work. Returns false when routing threw
// (an internal error, logged with `description`): the caller must close the connection.
bool route_message(router::Connection& connection, const wamp::Codec& codec, std::string_view bytes,
                   const std::string& description);

// Tells the router the connection is gone, exactly once. The Connection is moved out first, so
// whatever the router does inside closed() (even send()/close() on this session) finds none.
void release_connection(std::unique_ptr<router::Connection>& connection,
                        const std::string& description);

}  // namespace junction::transport
