// transport/frame_writer: the outgoing half that every session kind shares (WebSocket,
// RawSocket). A bounded queue of frames — a few header bytes of their own plus a payload buffer
// shared with every other recipient of the same message, never copied — written as one gather
// write per batch. On a plain socket the write is tried at once with a non-blocking sendmsg (most
// writes complete right there, with no handler and no wait); only what the socket does not take
// waits for writability. TLS streams always write asynchronously.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <boost/asio/buffer.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>

#include "base/log.hpp"
#include "transport/net.hpp"
#include "transport/outbound_budget.hpp"
#include "transport/tls_context.hpp"
#include "transport/traffic_counters.hpp"

namespace junction::transport {

struct OutFrame {
  std::array<std::uint8_t, 14> header{};  // a WebSocket header is at most 14 bytes
  std::uint8_t header_size = 0;
  std::shared_ptr<const std::string> payload;  // may be null (header-only frames)

  std::size_t size() const { return header_size + (payload ? payload->size() : 0); }
};

// A plain socket's non-blocking send of `count` buffers (at most 256 per call); bytes written, or
// 0 with `ec` set (asio::error::would_block when the socket is full).
std::size_t send_now(int fd, const asio::const_buffer* buffers, std::size_t count, error_code& ec);

template <class Stream>
class FrameWriter {
 public:
  FrameWriter() = default;
  FrameWriter(const FrameWriter&) = delete;
  FrameWriter& operator=(const FrameWriter&) = delete;
  ~FrameWriter() { OutboundBudget::global().release(reserved_, 0); }

  // Queues a frame. False, and nothing queued, when the queue would pass the connection's bound
  // (OutboundBudget: per_connection, less under node-wide pressure): the peer is not reading
  // (logged, naming `who`), and the caller closes the connection as a slow consumer.
  bool push(OutFrame frame, std::string_view who) {
    const std::size_t size = frame.size();
    const std::size_t after = queued_bytes_ + size;
    auto& budget = OutboundBudget::global();
    if (reserved_ != 0) [[unlikely]] {
      // The socket is behind: what waits counts against the node-wide budget.
      if (!budget.reserve(reserved_, queued_bytes_, after)) {
        JLOG(warn, "transport") << who << ": peer is not reading, " << after
                                << " bytes queued (limit now "
                                << budget.connection_limit(budget.used()) << ", node-wide "
                                << budget.used() << " of " << budget.total()
                                << " bytes waiting); closing as a slow consumer";
        return false;
      }
    } else if (queued_bytes_ != 0 && after > budget.per_connection()) {
      JLOG(warn, "transport") << who << ": peer is not reading, " << after
                              << " bytes queued (limit " << budget.per_connection()
                              << "); closing as a slow consumer";
      return false;
    }
    queued_bytes_ = after;
    queue_.push_back(std::move(frame));
    return true;
  }

  // Queues a frame past every bound: the close frame or ABORT that tells a slow consumer why it
  // is cut (small, and the last frame the connection queues).
  void push_final(OutFrame frame) {
    queued_bytes_ += frame.size();
    queue_.push_back(std::move(frame));
  }

  // Calls `start` (which calls write()) once after the current handler, unless a write is in
  // flight or already scheduled: whatever else the handler queues (a fan-out, the answers to
  // every frame of one read) leaves in the same gather write.
  template <class KeepAlive, class Start>
  void schedule(Stream& stream, KeepAlive keep_alive, Start start) {
    if (writing_ || scheduled_ || queue_.empty()) return;
    scheduled_ = true;
    asio::post(stream.get_executor(),
               [this, keep_alive = std::move(keep_alive), start = std::move(start)]() mutable {
                 scheduled_ = false;
                 start();
               });
  }

  bool writing() const { return writing_; }
  bool scheduled() const { return scheduled_; }
  bool has_queued() const { return !queue_.empty(); }
  std::size_t queued_bytes() const { return queued_bytes_; }

  // Forgets the frames not yet being written; a batch in flight finishes.
  void drop_queued() {
    for (const OutFrame& frame : queue_)
      queued_bytes_ -= frame.size();
    queue_.clear();
    if (reserved_ != 0) OutboundBudget::global().release(reserved_, queued_bytes_);
  }

  // Writes everything queued as one batch unless a write is in flight. `done(error_code)` runs
  // once the batch has left or failed — before write() returns when the socket took it all.
  // `keep_alive` (the session's shared_ptr) is held while an asynchronous write is pending.
  template <class KeepAlive, class Done>
  void write(Stream& stream, KeepAlive keep_alive, Done done) {
    if (writing_ || queue_.empty()) return;
    batch_.swap(queue_);
    gather_.clear();
    gather_.reserve(batch_.size() * 2);
    for (const OutFrame& frame : batch_) {
      if (frame.header_size != 0) gather_.push_back(asio::buffer(frame.header, frame.header_size));
      if (frame.payload && !frame.payload->empty()) gather_.push_back(asio::buffer(*frame.payload));
    }
    std::size_t first = 0;
    if constexpr (!kIsTlsStream<Stream>) {
      error_code ec;
      const int fd = lowest_socket(stream).native_handle();
      while (first < gather_.size()) {
        std::size_t n = send_now(fd, gather_.data() + first, gather_.size() - first, ec);
        if (ec) break;
        count_bytes_sent(n);
        for (; n != 0 && first < gather_.size(); ++first) {
          if (n < gather_[first].size()) {
            gather_[first] += n;
            break;
          }
          n -= gather_[first].size();
        }
      }
      if (ec != asio::error::would_block) {
        finish_batch();
        done(ec);
        return;
      }
    }
    // The socket is full: everything queued now waits, and counts against the node's budget
    // until it is written (always taken: these bytes exist already).
    OutboundBudget::global().reserve(reserved_, 0, queued_bytes_);
    writing_ = true;
    asio::async_write(
        stream, std::span<const asio::const_buffer>(gather_.data() + first, gather_.size() - first),
        [this, keep_alive = std::move(keep_alive), done = std::move(done)](
            error_code ec, std::size_t sent) mutable {
          count_bytes_sent(sent);
          writing_ = false;
          finish_batch();
          done(ec);
        });
  }

 private:
  void finish_batch() {
    for (const OutFrame& frame : batch_)
      queued_bytes_ -= frame.size();
    batch_.clear();
    gather_.clear();
    if (reserved_ != 0) [[unlikely]]
      OutboundBudget::global().release(reserved_, queued_bytes_);
  }

  // Frames queued since the last write, and the batch being written (kept alive, unchanged,
  // until the write ends: the gather list points into both its headers and payloads).
  std::vector<OutFrame> queue_;
  std::vector<OutFrame> batch_;
  std::vector<asio::const_buffer> gather_;
  std::size_t queued_bytes_ = 0;  // queue_ and batch_ together
  std::size_t reserved_ = 0;      // taken from OutboundBudget::global() (whole chunks)
  bool writing_ = false;          // an asynchronous write is in flight
  bool scheduled_ = false;        // a write is posted to run after the current handler
};

}  // namespace junction::transport
