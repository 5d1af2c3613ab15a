// transport/timer_wheel: see the header. Slot i holds the clients whose deadline falls in a tick
// t with t % kSlots == i; a tick visits the slots of every tick since the last one (each slot at
// most once per tick, however long the process was stalled) and fires the clients that are due.
// Clients further away than one turn are simply passed over until their turn comes round.
#include "transport/timer_wheel.hpp"

#include <algorithm>

namespace junction::transport {

TimerWheel::TimerWheel(asio::io_context& io) : timer_(io), origin_(clock::now()) {}

TimerWheel::~TimerWheel() {
  // Sessions may outlive the wheel inside pending handlers: leave none pointing into it.
  for (auto& slot : slots_) {
    while (slot.linked())
      slot.next->unlink();
  }
  while (firing_.linked())
    firing_.next->unlink();
}

std::uint64_t TimerWheel::tick_of(clock::time_point at) const {
  if (at <= origin_) return 0;
  const auto ticks = (at - origin_ + kTick - clock::duration(1)) / kTick;  // rounded up
  return static_cast<std::uint64_t>(ticks);
}

void TimerWheel::schedule(Client& client, clock::time_point at) {
  Node& node = client.node_;
  node.unlink();
  client.at_ = at;
  // A deadline already past goes into the next slot to be visited.
  const std::uint64_t tick = std::max(tick_of(at), done_tick_ + 1);
  Node& slot = slots_[tick % kSlots];
  node.prev = slot.prev;
  node.next = &slot;
  slot.prev->next = &node;
  slot.prev = &node;
  start_ticking();
}

void TimerWheel::start_ticking() {
  if (ticking_) return;
  ticking_ = true;
  timer_.expires_after(kTick);
  timer_.async_wait([weak = weak_from_this()](error_code ec) {
    if (ec) return;
    if (auto self = weak.lock()) self->on_tick();
  });
}

void TimerWheel::on_tick() {
  ticking_ = false;
  const auto now = clock::now();
  const auto now_tick = static_cast<std::uint64_t>((now - origin_) / kTick);
  std::uint64_t from = done_tick_ + 1;
  if (now_tick >= from + kSlots) from = now_tick - kSlots + 1;
  for (std::uint64_t tick = from; tick <= now_tick; ++tick) {
    Node& slot = slots_[tick % kSlots];
    for (Node* node = slot.next; node != &slot;) {
      Node* next = node->next;
      if (node->owner->at_ <= now) {
        node->unlink();
        node->prev = firing_.prev;
        node->next = &firing_;
        firing_.prev->next = node;
        firing_.prev = node;
      }
      node = next;
    }
  }
  done_tick_ = std::max(done_tick_, now_tick);
  // One at a time: a deadline may re-arm or cancel others (an unlinked node leaves this list).
  while (firing_.linked()) {
    Node* node = firing_.next;
    node->unlink();
    node->owner->on_deadline();
  }
  if (std::any_of(slots_.begin(), slots_.end(), [](const Node& slot) { return slot.linked(); })) {
    start_ticking();
  }
}

}  // namespace junction::transport
