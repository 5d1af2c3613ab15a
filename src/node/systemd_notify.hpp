// node/systemd_notify: tells systemd (a `Type=notify` service, contrib/junction.service) how the
// node is doing, with libsystemd's sd_notify: READY=1 once every listener accepts connections,
// STOPPING=1 when the shutdown begins. Without $NOTIFY_SOCKET (not started by systemd) each call
// does nothing. The variable stays set, so guest workers inherit it; systemd's default
// NotifyAccess=main ignores whatever they send.
#pragma once

#include <string_view>

namespace junction::node {

// READY=1 with a STATUS= line (e.g. "listening on 127.0.0.1:8080").
void notify_ready(std::string_view status);
// STOPPING=1.
void notify_stopping();

}  // namespace junction::node
