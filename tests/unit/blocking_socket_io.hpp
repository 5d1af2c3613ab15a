// tests/unit/blocking_socket_io: blocking byte I/O on a test's raw client socket (TCP or Unix),
// for the unit tests that talk to a live Server the way a hostile or minimal peer would.
#pragma once

#include <sys/socket.h>
#include <sys/types.h>

#include <cstddef>
#include <string>

namespace junction::test {

// False when the peer has already closed (a refused connection may be).
inline bool send_all(int fd, const std::string& data) {
  return ::send(fd, data.data(), data.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(data.size());
}

// Reads until `until` appears, `want` bytes arrived, or the peer closes (or the socket's receive
// timeout passes).
inline std::string read_until(int fd, const std::string& until, std::size_t want = 1 << 24) {
  std::string got;
  char buf[65536];
  while (got.size() < want && (until.empty() || got.find(until) == std::string::npos)) {
    const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) break;
    got.append(buf, static_cast<std::size_t>(n));
  }
  return got;
}

}  // namespace junction::test
