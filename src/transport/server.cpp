#include "transport/server.hpp"
