// transport/net: helpers shared by listeners and sessions.
#include "transport/net.hpp"

#include <sys/socket.h>
#include <sys/uio.h>

#include <algorithm>
#include <cerrno>

#include "transport/frame_writer.hpp"
#include "transport/input_reader.hpp"

namespace junction::transport {

std::string format_endpoint(const tcp::endpoint& endpoint) {
  const auto address = endpoint.address();
  std::string out = address.is_v6() ? "[" + address.to_string() + "]" : address.to_string();
  out += ':';
  out += std::to_string(endpoint.port());
  return out;
}

char* shared_read_buffer() {
  thread_local std::unique_ptr<char[]> buffer(new char[kSharedReadSize]);
  return buffer.get();
}

std::size_t receive_now(int fd, char* buffer, std::size_t size, error_code& ec) {
  for (;;) {
    const ssize_t n = ::recv(fd, buffer, size, MSG_DONTWAIT);
    if (n > 0) return static_cast<std::size_t>(n);
    if (n == 0) {
      ec = asio::error::eof;
    } else if (errno == EINTR) {
      continue;
    } else if (errno == EAGAIN || errno == EWOULDBLOCK) {
      ec = asio::error::would_block;
    } else {
      ec = error_code(errno, boost::system::system_category());
    }
    return 0;
  }
}

std::size_t send_now(int fd, const asio::const_buffer* buffers, std::size_t count, error_code& ec) {
  constexpr std::size_t kMaxIov = 256;  // well below IOV_MAX
  iovec iov[kMaxIov];
  const std::size_t n_iov = std::min(count, kMaxIov);
  for (std::size_t i = 0; i < n_iov; ++i) {
    iov[i].iov_base = const_cast<void*>(buffers[i].data());
    iov[i].iov_len = buffers[i].size();
  }
  msghdr message{};
  message.msg_iov = iov;
  message.msg_iovlen = n_iov;
  for (;;) {
    const ssize_t n = ::sendmsg(fd, &message, MSG_DONTWAIT | MSG_NOSIGNAL);
    if (n >= 0) return static_cast<std::size_t>(n);
    if (errno == EINTR) continue;
    ec = errno == EAGAIN || errno == EWOULDBLOCK
             ? error_code(asio::error::would_block)
             : error_code(errno, boost::system::system_category());
    return 0;
  }
}

}  // namespace junction::transport
