// transport/net: shared vocabulary of the transport module — namespace aliases for Asio/Beast,
// limits that apply to every connection, and endpoint formatting for logs and peer names.
//
// Threading: every session, with its socket, timers and queues, belongs to one I/O thread (one
// io_context each) and is only touched there, so nothing here uses strands or locks. I/O thread 0
// is also the router's thread; sessions on the others reach the router through
// transport/router_link (docs/design.md, "Threading").
#pragma once

#include <chrono>
#include <cstddef>
#include <string>
#include <type_traits>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/tcp_stream.hpp>

namespace junction::transport {

namespace asio = boost::asio;
namespace beast = boost::beast;
using tcp = asio::ip::tcp;
using error_code = boost::system::error_code;

// Every socket, stream and timer is bound to the io_context's own executor type rather than
// Asio's type-erased any_io_executor: 48 bytes less per socket and per timer, and completion
// handlers dispatched without the type-erased indirection (docs/performance.md).
using Executor = asio::io_context::executor_type;
using TcpSocket = asio::basic_stream_socket<tcp, Executor>;
using UnixSocket = asio::basic_stream_socket<asio::local::stream_protocol, Executor>;
using TcpStream = beast::basic_stream<tcp, Executor, beast::unlimited_rate_policy>;
// HTTP over a Unix domain socket: the same Beast stream (its timeouts bound each HTTP phase).
using UnixStream =
    beast::basic_stream<asio::local::stream_protocol, Executor, beast::unlimited_rate_policy>;
using Timer = asio::basic_waitable_timer<std::chrono::steady_clock,
                                         asio::wait_traits<std::chrono::steady_clock>, Executor>;

template <class Stream>
inline constexpr bool kIsUnixStream = std::is_same_v<Stream, UnixStream>;

// Time allowed to receive one whole HTTP request (header and body).
inline constexpr std::chrono::seconds kHttpReadTimeout{30};
// Time allowed to write one HTTP response.
inline constexpr std::chrono::seconds kHttpWriteTimeout{30};
// Largest HTTP request header we parse; browsers with many cookies stay well below this.
inline constexpr std::uint32_t kHttpHeaderLimit = 16 * 1024;
// Largest HTTP request body; no path service takes a body yet.
inline constexpr std::uint64_t kHttpBodyLimit = 64 * 1024;
// Bytes a WebSocket connection may have queued for writing. A consumer that falls further behind
// is disconnected: memory must not grow without bound because one peer stopped reading.
inline constexpr std::size_t kMaxQueuedBytes = 64 * 1024 * 1024;
// After close_connections(), how long sessions get to flush and close cleanly before their
// sockets are closed hard (a peer that never answers the close handshake must not stall exit).
// Shorter than the node's own last-resort watchdog, so sessions still unwind through the router.
inline constexpr std::chrono::seconds kShutdownGrace{3};
// Pause before accepting again after an accept error such as EMFILE, instead of spinning.
inline constexpr std::chrono::milliseconds kAcceptRetryDelay{100};

// A plain socket's non-blocking recv: bytes read, or 0 with `ec` set (asio::error::eof at the end
// of the stream, asio::error::would_block when nothing is waiting). The hot paths call the
// socket directly: no Asio bookkeeping, and no ioctl to switch the socket to non-blocking mode.
std::size_t receive_now(int fd, char* buffer, std::size_t size, error_code& ec);

// "127.0.0.1:8080" or "[::1]:8080".
std::string format_endpoint(const tcp::endpoint& endpoint);

}  // namespace junction::transport
