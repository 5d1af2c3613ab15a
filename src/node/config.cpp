#include "node/config.hpp"
