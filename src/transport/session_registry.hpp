// transport/session_registry: the set of live connections of one Server, so that shutdown can
// reach every one of them, and the grace timer that bounds how long a clean shutdown may take.
#pragma once

#include <functional>
#include <memory>
#include <unordered_map>
#include <utility>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include "transport/connection_limiter.hpp"
#include "transport/net.hpp"

namespace junction::transport {

// What the registry needs from any connection (HTTP or WebSocket).
class LiveSession {
 public:
  virtual ~LiveSession() = default;
  // Flush what is queued, close cleanly (WebSocket close handshake, HTTP after the response).
  virtual void shutdown() = 0;
  // Close the socket now; pending operations complete with errors and the session unwinds.
  virtual void force_close() = 0;
  // The Server is being destroyed: drop any router Connection now (the router still exists) and
  // close the socket. The session must not touch the router afterwards.
  virtual void detach() = 0;

  // The connection's place under the node's connection limits: given to the first stage right
  // after accept, then handed on by each stage to the next (hand_over_slot()), so that it is
  // given back once, when the last stage is destroyed.
  void adopt_slot(ConnectionSlot slot) { slot_ = std::move(slot); }

 protected:
  ConnectionSlot hand_over_slot() { return std::move(slot_); }

 private:
  ConnectionSlot slot_;
};

class SessionRegistry : public std::enable_shared_from_this<SessionRegistry> {
 public:
  explicit SessionRegistry(asio::io_context& io) : grace_timer_(io) {}

  // Sessions register once running and unregister from their destructor.
  void add(const std::shared_ptr<LiveSession>& session);
  void remove(LiveSession* session);

  // True once close_all() or detach_all() ran: no new connections are started.
  bool stopping() const { return stopping_; }
  // True once detach_all() ran: the router may be gone, sessions must not reach it.
  bool detached() const { return detached_; }

  // shutdown() on every session, then force_close() on those still open after kShutdownGrace.
  void close_all();
  void detach_all();
  // Calls `done` once no session is left (at once if none is); one caller at a time.
  void when_empty(std::function<void()> done);

  std::size_t size() const { return sessions_.size(); }

 private:
  // Weak: the registry must not keep a finished session alive. Snapshot before iterating, since
  // shutdown()/detach() may complete synchronously and unregister sessions.
  std::vector<std::shared_ptr<LiveSession>> snapshot() const;

  std::unordered_map<LiveSession*, std::weak_ptr<LiveSession>> sessions_;
  Timer grace_timer_;
  bool grace_armed_ = false;
  bool stopping_ = false;
  bool detached_ = false;
  std::function<void()> on_empty_;
};

}  // namespace junction::transport
