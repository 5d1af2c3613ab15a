#include "router/router.hpp"
