// client/client: the one header a user of the Junction C++ client library includes.
#pragma once

#include "client/error.hpp"
#include "client/session.hpp"
#include "client/transport.hpp"
#include "client/types.hpp"
