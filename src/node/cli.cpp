#include "node/cli.hpp"
