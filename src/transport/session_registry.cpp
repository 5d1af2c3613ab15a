// transport/session_registry: see the header. The grace timer is cancelled as soon as the last
// session goes, so io_context::run() returns right after a quick clean shutdown.
#include "transport/session_registry.hpp"

#include <utility>

#include "base/log.hpp"

namespace junction::transport {

void SessionRegistry::add(const std::shared_ptr<LiveSession>& session) {
  sessions_.emplace(session.get(), session);
}

void SessionRegistry::remove(LiveSession* session) {
  sessions_.erase(session);
  if (sessions_.empty() && grace_armed_) {
    grace_armed_ = false;
    grace_timer_.cancel();
  }
  if (sessions_.empty() && on_empty_) std::exchange(on_empty_, nullptr)();
}

void SessionRegistry::when_empty(std::function<void()> done) {
  if (sessions_.empty()) {
    done();
  } else {
    on_empty_ = std::move(done);
  }
}

std::vector<std::shared_ptr<LiveSession>> SessionRegistry::snapshot() const {
  std::vector<std::shared_ptr<LiveSession>> live;
  live.reserve(sessions_.size());
  for (const auto& [key, weak] : sessions_) {
    if (auto session = weak.lock()) live.push_back(std::move(session));
  }
  return live;
}

void SessionRegistry::close_all() {
  stopping_ = true;
  const auto live = snapshot();
  JLOG(debug, "transport") << "closing " << live.size() << " connection(s)";
  for (const auto& session : live)
    session->shutdown();
  if (sessions_.empty() || grace_armed_) return;
  grace_armed_ = true;
  grace_timer_.expires_after(kShutdownGrace);
  grace_timer_.async_wait([weak = weak_from_this()](const error_code& ec) {
    auto self = weak.lock();
    if (ec || !self) return;
    self->grace_armed_ = false;
    const auto stuck = self->snapshot();
    if (!stuck.empty()) {
      JLOG(warn, "transport") << stuck.size()
                              << " connection(s) did not close in time; closing them hard";
    }
    for (const auto& session : stuck)
      session->force_close();
  });
}

void SessionRegistry::detach_all() {
  stopping_ = true;
  detached_ = true;
  for (const auto& session : snapshot())
    session->detach();
  grace_armed_ = false;
  grace_timer_.cancel();
}

}  // namespace junction::transport
