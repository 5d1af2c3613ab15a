// router/local_delivery: how messages reach peers that live inside the node (in-process
// sessions) with the same contract a socket peer gives the router: Peer::send only queues, and
// the message is handled after the router has finished what it is doing.
//
// Every way into the router (a transport's Connection::receive/closed, Router::shutdown, an
// in-process session's own requests) holds a DispatchScope. Messages for in-process peers wait
// in one FIFO until the outermost scope ends, then are delivered in order; whatever the
// receivers do in turn (answer a call, publish) is queued behind and delivered in the same
// drain. Outside any scope (a timer firing), a message is delivered by the executor the node
// hands the router (Router::set_executor), after the current handler.
#pragma once

#include <deque>
#include <functional>
#include <utility>

#include "wamp/codec.hpp"

namespace junction::router {

class LocalDelivery {
 public:
  class Receiver {
   public:
    virtual void deliver(const wamp::OutboundPtr& message) = 0;

   protected:
    ~Receiver() = default;
  };
  using Executor = std::function<void(std::function<void()>)>;

  void post(Receiver& receiver, wamp::OutboundPtr message) {
    queue_.emplace_back(&receiver, std::move(message));
    if (depth_ == 0 && !drain_posted_ && executor_) {
      drain_posted_ = true;
      executor_([this] {
        drain_posted_ = false;
        drain();
      });
    }
  }
  // A receiver going away: what is still queued for it is dropped.
  void forget(Receiver& receiver) {
    for (auto& entry : queue_) {
      if (entry.first == &receiver) entry.first = nullptr;
    }
  }
  void set_executor(Executor executor) { executor_ = std::move(executor); }
  bool idle() const { return queue_.empty(); }

  // Delivers everything queued, including what the deliveries queue in turn.
  void drain() {
    if (depth_ != 0) return;
    ++depth_;  // the receivers' own requests open nested scopes, which must not drain again
    while (!queue_.empty()) {
      auto [receiver, message] = std::move(queue_.front());
      queue_.pop_front();
      if (receiver) receiver->deliver(message);
    }
    --depth_;
  }

 private:
  friend class DispatchScope;
  std::deque<std::pair<Receiver*, wamp::OutboundPtr>> queue_;
  int depth_ = 0;
  bool drain_posted_ = false;
  Executor executor_;
};

class DispatchScope {
 public:
  explicit DispatchScope(LocalDelivery& delivery) : delivery_(delivery) { ++delivery_.depth_; }
  ~DispatchScope() {
    if (--delivery_.depth_ == 0 && !delivery_.queue_.empty()) delivery_.drain();
  }
  DispatchScope(const DispatchScope&) = delete;
  DispatchScope& operator=(const DispatchScope&) = delete;

 private:
  LocalDelivery& delivery_;
};

}  // namespace junction::router
