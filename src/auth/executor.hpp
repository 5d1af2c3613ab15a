// auth/executor: how authentication gets work off the routing thread and back. Key derivation
// (Argon2id, PBKDF2) runs on a worker; failures are answered after a short delay. The node
// provides an Asio-backed executor (asio_executor.hpp); unit tests drive one by hand.
#pragma once

#include <chrono>
#include <functional>

namespace junction::auth {

class Executor {
 public:
  virtual ~Executor() = default;
  // Runs `work` on a worker thread, then `done` on the routing thread.
  virtual void offload(std::function<void()> work, std::function<void()> done) = 0;
  // Runs `fn` on the routing thread after `delay`.
  virtual void after(std::chrono::milliseconds delay, std::function<void()> fn) = 0;
};

}  // namespace junction::auth

namespace junction::auth {

// The executor Authenticators built from the node config use. The node binds its AsioExecutor
// once the routing thread's io_context exists (the config is read before), and unbinds it before
// destroying it. Unbound (config checks, unit tests), work and delays run at once, inline.
Executor& node_executor();
void bind_node_executor(Executor* executor);  // routing thread, before/after serving

}  // namespace junction::auth
