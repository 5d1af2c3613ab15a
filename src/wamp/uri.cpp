#include "wamp/codec.hpp"
