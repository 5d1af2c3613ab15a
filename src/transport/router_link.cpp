// transport/router_link: see the header. Three hand-overs, each batched the same way: the first
// item staged in a turn of the event loop posts one flush, which moves the whole batch under one
// lock and wakes the other side only if it is not already due to run.
#include "transport/router_link.hpp"

#include <atomic>
#include <exception>
#include <iterator>
#include <utility>
#include <variant>

#include <boost/asio/post.hpp>

#include "base/log.hpp"

namespace junction::transport {

// The router's Peer for a session on another I/O thread. Its Peer side runs on the routing
// thread; `session_` is touched only on the session's thread.
class Bridge : public router::Peer, public std::enable_shared_from_this<Bridge> {
 public:
  Bridge(IoPort& port, router::Peer& session, const wamp::Codec& codec)
      : port_(port),
        session_(&session),
        codec_(codec),
        description_(session.describe()),
        transport_info_(session.transport_info()) {}

  void send(wamp::OutboundPtr message) override {
    if (!message || overflowed_) return;
    std::size_t size = 0;
    try {
      // Encoded here, on the routing thread: the encoding cache of a message shared by many
      // recipients on many threads is written by this thread only; the I/O threads only read it.
      size = message->encoded(codec_)->size();
    } catch (const std::exception& e) {
      JLOG(error, "transport") << description_ << ": cannot encode "
                               << wamp::message_name(message->message().type) << ": " << e.what()
                               << "; closing";
      close();  // dropping it silently could leave a caller waiting: close instead
      return;
    }
    // The same bound as the session's own write queue, for what waits to reach its thread: an
    // I/O thread that falls behind must not make the hand-over grow without limit.
    if (undelivered_.load() + size > kMaxQueuedBytes) {
      overflowed_ = true;
      JLOG(warn, "transport") << description_ << ": " << undelivered_.load()
                              << " bytes waiting for the session's I/O thread (limit "
                              << kMaxQueuedBytes << "); disconnecting";
      close();
      return;
    }
    undelivered_.fetch_add(size);
    port_.hub().stage_for_session(
        port_, {shared_from_this(), std::move(message), IoPort::ToSession::Kind::message, size});
  }
  void close() override {
    port_.hub().stage_for_session(port_,
                                  {shared_from_this(), nullptr, IoPort::ToSession::Kind::close});
  }
  std::string describe() const override { return description_; }
  router::TransportInfo transport_info() const override { return transport_info_; }

 private:
  friend class IoPort;
  friend class RoutingHub;
  friend class RouterLink;

  IoPort& port_;
  router::Peer* session_;              // the session's thread only; null once it released the link
  std::function<void()> on_released_;  // the session's thread only: see release_then()
  std::function<void()> on_resume_;    // the session's thread only: see pause_reading()
  // Input handed to the router and not routed yet (bytes charged; see RouterLink), and whether
  // the session stopped reading for it. Both threads.
  std::atomic<std::size_t> unrouted_{0};
  std::atomic<bool> paused_{false};
  // Bytes sent by the router and not yet handed to the session on its thread (both threads),
  // and whether that passed kMaxQueuedBytes (routing thread only).
  std::atomic<std::size_t> undelivered_{0};
  bool overflowed_ = false;
  const wamp::Codec& codec_;
  const std::string description_;
  const router::TransportInfo transport_info_;
  std::unique_ptr<router::Connection> connection_;  // routing thread only
};

// --- IoPort (an I/O thread) --------------------------------------------------------------------

IoPort::IoPort(RoutingHub& hub, asio::io_context& io, std::size_t index)
    : hub_(hub), io_(io), index_(index) {}

void IoPort::stage(ToRouter item) {
  if (hub_.stopped_.load(std::memory_order_relaxed)) return;
  to_router_.push_back(std::move(item));
  if (flush_posted_) return;
  flush_posted_ = true;
  asio::post(io_, [hub = hub_.shared_from_this(), this] { flush_to_router(); });
}

void IoPort::flush_to_router() {
  flush_posted_ = false;
  if (to_router_.empty()) return;
  bool wake = false;
  {
    std::lock_guard lock(hub_.inbox_mutex_);
    if (hub_.inbox_.empty()) {
      hub_.inbox_.swap(to_router_);  // the common case: no copy at all
    } else {
      hub_.inbox_.insert(hub_.inbox_.end(), std::make_move_iterator(to_router_.begin()),
                         std::make_move_iterator(to_router_.end()));
    }
    wake = !hub_.route_posted_;
    hub_.route_posted_ = true;
  }
  to_router_.clear();
  if (wake) {
    asio::post(hub_.routing_io_, [hub = hub_.shared_from_this()] { hub->route_inbox(); });
  }
}

void IoPort::deliver_mailbox() {
  {
    std::lock_guard lock(mailbox_mutex_);
    delivering_.swap(mailbox_);
    deliver_posted_ = false;
  }
  for (ToSession& item : delivering_) {
    Bridge& bridge = *item.bridge;
    if (item.size != 0) bridge.undelivered_.fetch_sub(item.size);
    router::Peer* session = bridge.session_;
    if (session == nullptr) continue;  // gone meanwhile: nobody to tell
    switch (item.kind) {
      case ToSession::Kind::message:
        session->send(std::move(item.message));
        break;
      case ToSession::Kind::close:
        session->close();
        break;
      case ToSession::Kind::released:
        bridge.session_ = nullptr;
        bridge.on_resume_ = nullptr;
        if (auto then = std::exchange(bridge.on_released_, nullptr)) then();
        break;
      case ToSession::Kind::resume:
        if (auto resume = std::exchange(bridge.on_resume_, nullptr)) resume();
        break;
    }
  }
  delivering_.clear();
}

// --- RoutingHub (the routing thread) -----------------------------------------------------------

RoutingHub::RoutingHub(asio::io_context& routing_io, router::Router& router)
    : routing_io_(routing_io), router_(router) {}

RoutingHub::~RoutingHub() = default;

IoPort& RoutingHub::add_port(asio::io_context& io) {
  ports_.push_back(std::make_unique<IoPort>(*this, io, ports_.size()));
  return *ports_.back();
}

void RoutingHub::route_inbox() {
  {
    std::lock_guard lock(inbox_mutex_);
    routing_.swap(inbox_);
    route_posted_ = false;
  }
  if (!stopped_.load(std::memory_order_relaxed)) {
    for (IoPort::ToRouter& item : routing_)
      handle(item);
  }
  routing_.clear();
}

void RoutingHub::handle(IoPort::ToRouter& item) {
  Bridge& bridge = *item.bridge;
  using Kind = IoPort::ToRouter::Kind;
  try {
    switch (item.kind) {
      case Kind::open:
        bridge.connection_ = router_.connect(bridge);
        joined_.insert(&bridge);
        break;
      case Kind::message:
        if (bridge.connection_) bridge.connection_->receive(std::move(item.message));
        break;
      case Kind::malformed:
        if (bridge.connection_) bridge.connection_->receive_malformed(item.reason);
        break;
      case Kind::closed:
        if (auto connection = std::move(bridge.connection_)) {
          joined_.erase(&bridge);
          connection->closed();
        }
        if (item.wants_ack) {
          stage_for_session(bridge.port_,
                            {item.bridge, nullptr, IoPort::ToSession::Kind::released});
        }
        break;
    }
  } catch (const std::exception& e) {
    JLOG(error, "transport") << bridge.description_ << ": error while routing: " << e.what()
                             << "; closing";
    if (item.kind != Kind::closed) bridge.close();
  }
  if (item.charge != 0) {
    const std::size_t left = bridge.unrouted_.fetch_sub(item.charge) - item.charge;
    // Exactly one of this and RouterLink::pause_reading() wins the exchange and resumes.
    if (left < RouterLink::kResumeReadingBelow && bridge.paused_.load() &&
        bridge.paused_.exchange(false)) {
      stage_for_session(bridge.port_, {item.bridge, nullptr, IoPort::ToSession::Kind::resume});
    }
  }
}

void RoutingHub::stage_for_session(IoPort& port, IoPort::ToSession item) {
  if (stopped_.load(std::memory_order_relaxed)) return;
  if (port.from_router_staged_.empty()) ports_with_staged_.push_back(&port);
  port.from_router_staged_.push_back(std::move(item));
  if (port_flush_posted_) return;
  port_flush_posted_ = true;
  asio::post(routing_io_, [hub = shared_from_this()] { hub->flush_to_ports(); });
}

void RoutingHub::flush_to_ports() {
  port_flush_posted_ = false;
  for (IoPort* port : ports_with_staged_) {
    bool wake = false;
    {
      std::lock_guard lock(port->mailbox_mutex_);
      if (port->mailbox_.empty()) {
        port->mailbox_.swap(port->from_router_staged_);
      } else {
        port->mailbox_.insert(port->mailbox_.end(),
                              std::make_move_iterator(port->from_router_staged_.begin()),
                              std::make_move_iterator(port->from_router_staged_.end()));
      }
      wake = !port->deliver_posted_;
      port->deliver_posted_ = true;
    }
    port->from_router_staged_.clear();
    if (wake) {
      asio::post(port->io_, [hub = shared_from_this(), port] { port->deliver_mailbox(); });
    }
  }
  ports_with_staged_.clear();
}

void RoutingHub::stop() {
  if (stopped_.load(std::memory_order_relaxed)) return;
  // Whatever the I/O threads staged or handed over last (sessions they just closed) is routed.
  for (const auto& port : ports_)
    port->flush_to_router();
  route_inbox();
  stopped_.store(true, std::memory_order_relaxed);
  // Sessions of stopped I/O threads that never got to say goodbye.
  const std::vector<Bridge*> joined(joined_.begin(), joined_.end());
  joined_.clear();
  for (Bridge* bridge : joined) {
    if (auto connection = std::move(bridge->connection_)) {
      try {
        connection->closed();
      } catch (const std::exception& e) {
        JLOG(error, "transport") << bridge->description_
                                 << ": error while closing the session: " << e.what();
      }
    }
  }
  for (const auto& port : ports_) {
    std::lock_guard lock(port->mailbox_mutex_);
    port->mailbox_.clear();
    port->from_router_staged_.clear();
  }
  ports_with_staged_.clear();
}

// --- RouterLink (a session) ----------------------------------------------------------------------

void RouterLink::release_then(const std::string& description, std::function<void()> then) {
  if (bridge_ && !releasing_) {
    releasing_ = true;
    bridge_->on_released_ = std::move(then);
    port_->stage({IoPort::ToRouter::Kind::closed, bridge_, {}, {}, true, 0});
    return;
  }
  release(description);
  if (then) then();
}

RouterLink::~RouterLink() {
  if (direct_ || bridge_) {
    try {
      release({});
    } catch (...) {
    }
  }
}

void RouterLink::open(IoPort& port, router::Peer& session, const wamp::Codec& codec) {
  port_ = &port;
  codec_ = &codec;
  if (port.is_routing_thread()) {
    direct_ = port.hub().router().connect(session);
  } else {
    bridge_ = std::make_shared<Bridge>(port, session, codec);
    port.stage({IoPort::ToRouter::Kind::open, bridge_, {}, {}, false, 0});
  }
}

bool RouterLink::route(std::string_view bytes, const std::string& description) {
  try {
    auto result = codec_->decode(bytes);
    if (direct_) {
      if (auto* message = std::get_if<wamp::Message>(&result)) {
        direct_->receive(std::move(*message));
      } else {
        direct_->receive_malformed(std::get<wamp::DecodeError>(result).reason);
      }
    } else if (bridge_) {
      const std::size_t charge = bytes.size() + kChargePerMessage;
      bridge_->unrouted_.fetch_add(charge);
      if (auto* message = std::get_if<wamp::Message>(&result)) {
        port_->stage(
            {IoPort::ToRouter::Kind::message, bridge_, std::move(*message), {}, false, charge});
      } else {
        port_->stage({IoPort::ToRouter::Kind::malformed,
                      bridge_,
                      {},
                      std::move(std::get<wamp::DecodeError>(result).reason),
                      false,
                      charge});
      }
    }
    return true;
  } catch (const std::exception& e) {
    JLOG(error, "transport") << description << ": error while routing a message: " << e.what();
    return false;
  }
}

bool RouterLink::pause_reading(const std::string& description, std::function<void()> resume) {
  if (!bridge_ || releasing_) return false;
  if (bridge_->unrouted_.load() < kPauseReadingAt) return false;
  bridge_->on_resume_ = std::move(resume);
  bridge_->paused_.store(true);
  // The router may have caught up meanwhile, before it could see paused_.
  if (bridge_->unrouted_.load() < kResumeReadingBelow && bridge_->paused_.exchange(false)) {
    bridge_->on_resume_ = nullptr;
    return false;
  }
  JLOG(debug, "transport") << description << ": the router is " << bridge_->unrouted_.load()
                           << " bytes behind with this session's input; reading paused";
  return true;
}

void RouterLink::malformed(std::string reason) {
  if (direct_) {
    direct_->receive_malformed(reason);
  } else if (bridge_) {
    port_->stage({IoPort::ToRouter::Kind::malformed, bridge_, {}, std::move(reason), false, 0});
  }
}

void RouterLink::release(const std::string& description) {
  if (bridge_) {
    bridge_->session_ = nullptr;
    bridge_->on_released_ = nullptr;
    bridge_->on_resume_ = nullptr;
    if (!releasing_) port_->stage({IoPort::ToRouter::Kind::closed, bridge_, {}, {}, false, 0});
    bridge_.reset();
    releasing_ = false;
    return;
  }
  auto released = std::move(direct_);
  if (!released) return;
  try {
    released->closed();
    released.reset();
  } catch (const std::exception& e) {
    JLOG(error, "transport") << description << ": error while closing the session: " << e.what();
  }
}

}  // namespace junction::transport
