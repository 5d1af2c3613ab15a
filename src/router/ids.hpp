// router/ids: WAMP ids. Random ids in [1, 2^53] for sessions and publications (global scope,
// must not be guessable), and for subscriptions/registrations (router scope).
#pragma once

#include <random>

#include "wamp/message.hpp"

namespace junction::router {

class IdGenerator {
 public:
  IdGenerator() : engine_(std::random_device{}()) {}
  wamp::Id next() { return distribution_(engine_); }
  // A random id for which `taken(id)` is false.
  template <typename Taken>
  wamp::Id next_unique(Taken&& taken) {
    wamp::Id id = next();
    while (taken(id))
      id = next();
    return id;
  }

 private:
  std::mt19937_64 engine_;
  std::uniform_int_distribution<wamp::Id> distribution_{1, wamp::kMaxId};
};

}  // namespace junction::router
