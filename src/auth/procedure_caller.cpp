// auth/procedure_caller: the node-wide binding.
#include "auth/procedure_caller.hpp"

namespace junction::auth {
namespace {
ProcedureCaller* bound = nullptr;
}

ProcedureCaller* node_caller() {
  return bound;
}

void bind_node_caller(ProcedureCaller* caller) {
  bound = caller;
}

}  // namespace junction::auth
