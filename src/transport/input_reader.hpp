// transport/input_reader: the incoming half that every session kind shares (WebSocket,
// RawSocket). On a plain socket it waits for readability and reads with a non-blocking recv into
// one buffer per thread, shared by every session: the session handles every whole frame in place
// and only the bytes of an incomplete frame are copied into the session's own buffer, which is
// freed again once empty — so an idle session holds no read buffer at all. A TLS stream reads
// into a small buffer of the session's own (OpenSSL may hold decrypted bytes that readability of
// the socket does not show).
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstring>
#include <memory>
#include <string_view>
#include <utility>

#include <boost/asio/post.hpp>

#include "transport/net.hpp"
#include "transport/tls_context.hpp"
#include "transport/traffic_counters.hpp"

namespace junction::transport {

// Bytes one plain-socket read asks for (the per-thread buffer's size).
inline constexpr std::size_t kSharedReadSize = 64 * 1024;

// The calling thread's shared read buffer (kSharedReadSize bytes).
char* shared_read_buffer();

template <class Stream>
class InputReader {
 public:
  // Bytes that arrived before the session started (a universal listener's detection, frames sent
  // right behind a WebSocket upgrade request); handed to `process` by process_buffered().
  void prime(std::string_view bytes) {
    if (bytes.empty()) return;
    own_.reserve_more(bytes.size());
    std::memcpy(own_.data.get() + own_.size, bytes.data(), bytes.size());
    own_.size += bytes.size();
  }

  // The session's parser found an incomplete frame of `total` bytes at the start of what it was
  // given: the next read makes room for all of it.
  void expect(std::size_t total) { wanted_ = total; }

  // Runs `process` over buffered bytes, if any (see read()).
  template <class Process>
  void process_buffered(Process&& process) {
    if (own_.size == 0) return;
    wanted_ = 0;
    own_.consume(process(own_.data.get(), own_.size));
    if (own_.size == 0) own_.release();
  }

  // One read: waits for input, reads what is there and calls `process(char* data, size_t size)`
  // with everything not yet consumed (writable: frames may be unmasked in place), which returns
  // how many bytes it consumed — whole frames; the rest is kept for the next read. Then
  // `done(error_code)` runs: no error when a batch was processed (the session calls read() again
  // if it wants more), else why reading ended (asio::error::eof when the peer closed).
  // `keep_alive` (the session's shared_ptr) is held while the read is pending.
  template <class KeepAlive, class Process, class Done>
  void read(Stream& stream, KeepAlive keep_alive, Process process, Done done) {
    if constexpr (kIsTlsStream<Stream>) {
      own_.reserve_more(std::max(kOwnReadSize, wanted_ > own_.size ? wanted_ - own_.size : 0));
      stream.async_read_some(
          asio::buffer(own_.data.get() + own_.size, own_.capacity - own_.size),
          [this, keep_alive = std::move(keep_alive), process = std::move(process),
           done = std::move(done)](error_code ec, std::size_t bytes) mutable {
            if (ec) return done(ec);
            count_bytes_received(bytes);
            own_.size += bytes;
            wanted_ = 0;
            own_.consume(process(own_.data.get(), own_.size));
            if (own_.size == 0 && own_.capacity > kBufferKeep) own_.release();
            done(error_code{});
          });
    } else {
      auto read_now = [this, &stream, keep_alive, process = std::move(process),
                       done = std::move(done)](error_code ec) mutable {
        if (ec) return done(ec);
        read_available(stream, keep_alive, process, done);
      };
      if (drained_) {
        stream.async_wait(asio::socket_base::wait_read, std::move(read_now));
      } else {
        // The last read filled the buffer: more may be waiting. Read again after the other
        // ready handlers had their turn.
        asio::post(stream.get_executor(),
                   [read_now = std::move(read_now)]() mutable { read_now(error_code{}); });
      }
    }
  }

  // Forgets buffered input and gives its memory back.
  void release() { own_.release(); }

 private:
  // Smallest read into the session's own buffer (TLS, or the rest of an incomplete frame).
  static constexpr std::size_t kOwnReadSize = 4 * 1024;
  // The session's own buffer is given back above this size once empty.
  static constexpr std::size_t kBufferKeep = 64 * 1024;

  struct Buffer {
    std::unique_ptr<char[]> data;
    std::size_t size = 0, capacity = 0;

    // Room for at least `more` bytes after `size`.
    void reserve_more(std::size_t more) {
      if (capacity - size >= more) return;
      const std::size_t grown = std::max(size + more, capacity * 2);
      auto bigger = std::unique_ptr<char[]>(new char[grown]);
      if (size != 0) std::memcpy(bigger.get(), data.get(), size);
      data = std::move(bigger);
      capacity = grown;
    }
    void consume(std::size_t bytes) {
      if (bytes == 0) return;
      size -= bytes;
      if (size != 0) std::memmove(data.get(), data.get() + bytes, size);
    }
    void release() {
      data.reset();
      size = capacity = 0;
    }
  };

  template <class KeepAlive, class Process, class Done>
  void read_available(Stream& stream, KeepAlive& keep_alive, Process& process, Done& done) {
    error_code ec;
    std::size_t asked = 0, got = 0;
    const int fd = lowest_socket(stream).native_handle();
    if (own_.size == 0) {
      // Whole frames are handled where they were read; only an incomplete frame's bytes move
      // into the session's own buffer.
      char* buffer = shared_read_buffer();
      asked = kSharedReadSize;
      got = receive_now(fd, buffer, asked, ec);
      if (!ec) {
        count_bytes_received(got);
        wanted_ = 0;
        const std::size_t used = process(buffer, got);
        if (used < got) {
          own_.reserve_more(std::max(got - used, wanted_));
          std::memcpy(own_.data.get(), buffer + used, got - used);
          own_.size = got - used;
        }
      }
    } else {
      own_.reserve_more(std::max(kOwnReadSize, wanted_ > own_.size ? wanted_ - own_.size : 0));
      asked = own_.capacity - own_.size;
      got = receive_now(fd, own_.data.get() + own_.size, asked, ec);
      if (!ec) {
        count_bytes_received(got);
        own_.size += got;
        wanted_ = 0;
        own_.consume(process(own_.data.get(), own_.size));
        if (own_.size == 0) own_.release();
      }
    }
    if (ec == asio::error::would_block) {
      // Readable, yet nothing there (a spurious wake-up): wait again.
      drained_ = true;
      return read(stream, std::move(keep_alive), std::move(process), std::move(done));
    }
    if (ec) return done(ec);
    drained_ = got < asked;  // a short read emptied the socket
    done(error_code{});
  }

  Buffer own_;
  std::size_t wanted_ = 0;  // size of the incomplete frame at the start of own_, if known
  bool drained_ = true;     // the last read emptied the socket (plain sockets)
};

}  // namespace junction::transport
