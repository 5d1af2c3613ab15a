// transport/timer_wheel: deadlines for many sessions from one Asio timer. Every session has a
// deadline at all times (auto-ping, handshake, closing and linger timeouts), but none needs more
// precision than a tenth of a second (configured timeouts are whole seconds or more). A timer per
// session would cost a timer object plus a pending wait operation (~270 bytes) and a kernel timer
// update whenever the earliest deadline changes; the wheel costs each session an intrusive list
// node, and the server one timer ticking while any deadline is set (as Redis's clientsCron or a
// kernel timer wheel do). One per I/O thread, used only on it, like the rest of the transport.
#pragma once

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>

#include "transport/net.hpp"

namespace junction::transport {

class TimerWheel : public std::enable_shared_from_this<TimerWheel> {
 public:
  using clock = std::chrono::steady_clock;
  // Deadlines fire at most this late.
  static constexpr std::chrono::milliseconds kTick{100};

  class Client;
  // Intrusive doubly-linked list node; a Client is in at most one list at a time.
  struct Node {
    Node* prev = this;
    Node* next = this;
    Client* owner = nullptr;
    bool linked() const { return next != this; }
    void unlink() {
      prev->next = next;
      next->prev = prev;
      prev = next = this;
    }
  };

  // What a session inherits to have a deadline.
  class Client {
   public:
    Client() { node_.owner = this; }
    Client(const Client&) = delete;
    Client& operator=(const Client&) = delete;
    // Called once the deadline has passed (at most kTick late); the deadline is then cleared.
    virtual void on_deadline() = 0;

   protected:
    ~Client() { node_.unlink(); }

   private:
    friend class TimerWheel;
    Node node_;
    clock::time_point at_{};
  };

  explicit TimerWheel(asio::io_context& io);
  ~TimerWheel();
  TimerWheel(const TimerWheel&) = delete;
  TimerWheel& operator=(const TimerWheel&) = delete;

  // Sets `client`'s deadline to `at`, replacing any earlier one.
  void schedule(Client& client, clock::time_point at);
  // Clears `client`'s deadline.
  static void cancel(Client& client) { client.node_.unlink(); }

 private:
  static constexpr std::size_t kSlots = 512;  // one turn of the wheel: 51.2 s

  std::uint64_t tick_of(clock::time_point at) const;
  void start_ticking();
  void on_tick();

  Timer timer_;
  const clock::time_point origin_;
  std::uint64_t done_tick_ = 0;  // every slot up to this tick has been visited
  std::array<Node, kSlots> slots_;
  Node firing_;  // deadlines being fired in this tick
  bool ticking_ = false;
};

}  // namespace junction::transport
