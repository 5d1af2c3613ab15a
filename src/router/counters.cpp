// router/counters: the process's router counters (see counters.hpp).
#include "router/counters.hpp"

namespace junction::router {

constinit RouterCounters router_counters;

}  // namespace junction::router
