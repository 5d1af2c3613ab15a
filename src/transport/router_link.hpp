// transport/router_link: how a session reaches the router, whichever I/O thread it runs on.
//
// The router has a single owner: the routing thread (the node's main io_context). Sessions run on
// one of N I/O threads (docs/design.md, "Threading"); I/O thread 0 is the routing thread itself.
//  - A session on the routing thread calls the router directly, as it always did: no hop.
//  - A session on another I/O thread goes through a Bridge. Its messages are decoded on its own
//    thread and handed to the routing thread in batches: everything one turn of its event loop
//    produced costs one lock and at most one wake-up. What the router sends it is encoded on the
//    routing thread (so a message's encoding cache is only ever written there) and handed back in
//    batches, one per I/O thread per turn of the routing loop.
// The router sees a Bridge as an ordinary router::Peer, so it does not change: send()/close()
// still only queue work and never call back.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "router/router.hpp"
#include "transport/net.hpp"
#include "wamp/codec.hpp"

namespace junction::transport {

class RoutingHub;
class Bridge;

// One I/O thread's end of the RoutingHub.
class IoPort {
 public:
  IoPort(RoutingHub& hub, asio::io_context& io, std::size_t index);
  IoPort(const IoPort&) = delete;
  IoPort& operator=(const IoPort&) = delete;

  asio::io_context& io() const { return io_; }
  std::size_t index() const { return index_; }
  // Sessions here call the router directly.
  bool is_routing_thread() const { return index_ == 0; }
  RoutingHub& hub() const { return hub_; }

  // Hands what this thread staged for the router over now (shutdown; normally a posted flush
  // does it after the current handler). On this port's thread.
  void flush_to_router();

 private:
  friend class RoutingHub;
  friend class Bridge;
  friend class RouterLink;

  // What a session on this thread tells the router.
  struct ToRouter {
    enum class Kind : std::uint8_t { open, message, malformed, closed };
    Kind kind;
    std::shared_ptr<Bridge> bridge;
    wamp::Message message;   // kind == message
    std::string reason;      // kind == malformed
    bool wants_ack = false;  // kind == closed: answer with ToSession::released
    std::size_t charge = 0;  // counted in the bridge's unrouted input until routed
  };
  // What the router tells a session on this thread.
  struct ToSession {
    enum class Kind : std::uint8_t {
      message,   // router::Peer::send
      close,     // router::Peer::close
      released,  // the router handled the session's release_then()
      resume,    // the router caught up with the session's input: read again
    };
    std::shared_ptr<Bridge> bridge;
    wamp::OutboundPtr message;  // kind == message
    Kind kind = Kind::message;
    std::size_t size = 0;  // kind == message: its encoded size (the bridge's undelivered bytes)
  };

  // On this port's thread.
  void stage(ToRouter item);
  void deliver_mailbox();

  RoutingHub& hub_;
  asio::io_context& io_;
  const std::size_t index_;

  // Staged on this thread, handed to the hub by one posted flush per turn.
  std::vector<ToRouter> to_router_;
  bool flush_posted_ = false;

  // Staged by the routing thread for this port (routing thread only).
  std::vector<ToSession> from_router_staged_;

  // Handed over by the routing thread, delivered here (guarded by mailbox_mutex_).
  std::mutex mailbox_mutex_;
  std::vector<ToSession> mailbox_;
  bool deliver_posted_ = false;
  std::vector<ToSession> delivering_;  // this thread only: the batch being delivered
};

// The routing thread's side: the inbox of every I/O thread's messages, and the ports.
class RoutingHub : public std::enable_shared_from_this<RoutingHub> {
 public:
  // `routing_io` is the routing thread's io_context; `router` lives there.
  RoutingHub(asio::io_context& routing_io, router::Router& router);
  ~RoutingHub();
  RoutingHub(const RoutingHub&) = delete;
  RoutingHub& operator=(const RoutingHub&) = delete;

  // Port 0 is the routing thread (its io_context must be `routing_io`). Before any I/O starts.
  IoPort& add_port(asio::io_context& io);
  IoPort& port(std::size_t index) { return *ports_[index]; }
  std::size_t port_count() const { return ports_.size(); }

  router::Router& router() const { return router_; }

  // Hands what the router sent sessions on other threads over now instead of after the current
  // handler (shutdown: the GOODBYEs must reach each thread before its close_all()). Routing thread.
  void flush_to_ports();

  // Shutdown, with every other I/O thread stopped: routes what is still in the inbox, then
  // tells the router that every bridged session still joined is gone. Nothing is delivered or
  // routed afterwards.
  void stop();

 private:
  friend class IoPort;
  friend class Bridge;

  // Routing thread.
  void route_inbox();
  void stage_for_session(IoPort& port, IoPort::ToSession item);
  void handle(IoPort::ToRouter& item);

  asio::io_context& routing_io_;
  router::Router& router_;
  std::vector<std::unique_ptr<IoPort>> ports_;
  std::atomic<bool> stopped_{false};  // set by stop(); read by every thread

  // Handed over by the I/O threads (guarded by inbox_mutex_).
  std::mutex inbox_mutex_;
  std::vector<IoPort::ToRouter> inbox_;
  bool route_posted_ = false;
  std::vector<IoPort::ToRouter> routing_;  // routing thread only: the batch being routed

  // Routing thread only.
  std::vector<IoPort*> ports_with_staged_;
  bool port_flush_posted_ = false;
  std::unordered_set<Bridge*> joined_;  // bridges with a live router Connection
};

// A session's handle on the router (owned by the session, used on the session's thread).
class RouterLink {
 public:
  RouterLink() = default;
  ~RouterLink();  // release() if still open
  RouterLink(const RouterLink&) = delete;
  RouterLink& operator=(const RouterLink&) = delete;

  // Joins the router as `session`, which then receives the router's send()/close() on its own
  // thread. On the routing thread this throws when the router refuses; elsewhere a refusal is
  // logged on the routing thread and arrives as close().
  void open(IoPort& port, router::Peer& session, const wamp::Codec& codec);
  bool is_open() const { return direct_ || (bridge_ && !releasing_); }

  // Decodes one whole WAMP message and gives it to the router; bytes that do not decode go in as
  // malformed (the router answers ABORT protocol_violation). The router may call send()/close()
  // on this or any other session meanwhile: they only queue work. False when routing threw (an
  // internal error, logged with `description`): the caller must close the connection.
  bool route(std::string_view bytes, const std::string& description);
  // The peer sent something that is not a WAMP message of this transport.
  void malformed(std::string reason);

  // Backpressure, for a session on another thread than the router's: true when the router is
  // kPauseReadingAt bytes or more behind with this session's input. The session must then stop
  // reading; `resume` runs on its thread once the router is below kResumeReadingBelow (it keeps
  // whatever it captures alive until then, or until the link is released). On the routing
  // thread routing is synchronous, so reading is paced by routing itself: always false.
  // Logged at debug with `description`.
  bool pause_reading(const std::string& description, std::function<void()> resume);
  // Unrouted input of one session that pauses its reading, and where reading resumes. A decoded
  // message is charged its wire size plus kChargePerMessage (the Message it became).
  static constexpr std::size_t kPauseReadingAt = 1024 * 1024;
  static constexpr std::size_t kResumeReadingBelow = 256 * 1024;
  static constexpr std::size_t kChargePerMessage = 256;
  // Tells the router the connection is gone, exactly once. Whatever the router does inside (even
  // send()/close() on this session) finds the link already closed; what the router sent before
  // and has not reached this thread yet is dropped (the socket is gone).
  void release(const std::string& description);
  // The same for a peer that is leaving but still reads (a WebSocket close frame): everything the
  // router sent in answer to the messages routed so far still reaches the session, then `then`
  // runs (at once on the routing thread). Not called if the session goes first (release() or
  // destruction).
  void release_then(const std::string& description, std::function<void()> then);

 private:
  const wamp::Codec* codec_ = nullptr;
  std::unique_ptr<router::Connection> direct_;
  std::shared_ptr<Bridge> bridge_;
  bool releasing_ = false;  // release_then() ran; bridge_ is kept only to cut it off later
  IoPort* port_ = nullptr;
};

}  // namespace junction::transport
