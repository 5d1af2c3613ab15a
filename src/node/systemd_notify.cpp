// node/systemd_notify: see the header.
#include "node/systemd_notify.hpp"

#include <cstring>
#include <string>

#include <systemd/sd-daemon.h>

#include "base/log.hpp"

namespace junction::node {

namespace {

void notify(const std::string& state) {
  const int r = ::sd_notify(0, state.c_str());
  if (r < 0) {
    JLOG(warn, "node") << "systemd notify (" << state.substr(0, state.find('\n'))
                       << ") failed: " << std::strerror(-r);
  } else if (r > 0) {
    JLOG(debug, "node") << "told systemd " << state.substr(0, state.find('\n'));
  }
}

}  // namespace

void notify_ready(std::string_view status) {
  notify("READY=1\nSTATUS=" + std::string(status));
}

void notify_stopping() {
  notify("STOPPING=1\nSTATUS=shutting down");
}

}  // namespace junction::node
