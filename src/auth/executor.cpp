// auth/executor: the node-wide forwarding executor.
#include "auth/executor.hpp"

namespace junction::auth {
namespace {

class Forwarding : public Executor {
 public:
  void offload(std::function<void()> work, std::function<void()> done) override {
    if (target) return target->offload(std::move(work), std::move(done));
    work();
    done();
  }
  void after(std::chrono::milliseconds delay, std::function<void()> fn) override {
    if (target) return target->after(delay, std::move(fn));
    fn();
  }
  Executor* target = nullptr;
};

Forwarding& forwarding() {
  static Forwarding instance;
  return instance;
}

}  // namespace

Executor& node_executor() {
  return forwarding();
}

void bind_node_executor(Executor* executor) {
  forwarding().target = executor;
}

}  // namespace junction::auth
