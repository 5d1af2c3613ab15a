// client/read_buffer: the input buffer both client transports (WebSocket, RawSocket) parse their
// frames from. It starts small, so that many idle sessions stay cheap, doubles up to kMaxChunk
// whenever a read fills it (a busy session then reads in big batches), makes room for a whole
// frame larger than that when its header says so, and shrinks back once such a frame is handled.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstring>
#include <memory>
#include <string_view>

#include <boost/asio/buffer.hpp>

namespace junction::client {

class ReadBuffer {
 public:
  static constexpr std::size_t kInitial = 8 * 1024;
  static constexpr std::size_t kMaxChunk = 256 * 1024;

  // `already`: bytes read before the transport started (behind the WebSocket upgrade response).
  explicit ReadBuffer(std::string_view already = {})
      : data_(std::make_unique<char[]>(std::max(kInitial, already.size()))),
        capacity_(std::max(kInitial, already.size())) {
    if (!already.empty()) std::memcpy(data_.get(), already.data(), already.size());
    end_ = already.size();
  }

  // The bytes read and not yet consumed; writable (payloads may be unmasked in place).
  char* data() { return data_.get() + begin_; }
  std::size_t size() const { return end_ - begin_; }
  void consume(std::size_t bytes) { begin_ += bytes; }

  // The frame at the start of data() is `total` bytes long: make sure it will fit.
  void expect(std::size_t total) {
    if (total > capacity_) {
      resize(total);
    } else if (capacity_ - begin_ < total) {
      compact();
    }
  }

  // Where the next read goes.
  boost::asio::mutable_buffer prepare() {
    if (begin_ == end_) {
      begin_ = end_ = 0;
      if (capacity_ > kMaxChunk) resize(kMaxChunk);  // a big frame was handled
    } else if (begin_ > 0 && capacity_ - end_ < capacity_ / 4) {
      compact();
    }
    if (end_ == capacity_) resize(capacity_ * 2);
    return boost::asio::buffer(data_.get() + end_, capacity_ - end_);
  }

  // `bytes` arrived in the space prepare() gave; a read that filled it grows the next one.
  void commit(std::size_t bytes) {
    const bool filled = bytes == capacity_ - end_;
    end_ += bytes;
    if (filled && capacity_ < kMaxChunk) resize(capacity_ * 2);
  }

 private:
  void compact() {
    std::memmove(data_.get(), data_.get() + begin_, end_ - begin_);
    end_ -= begin_;
    begin_ = 0;
  }
  void resize(std::size_t capacity) {
    auto bigger = std::make_unique<char[]>(capacity);
    std::memcpy(bigger.get(), data_.get() + begin_, end_ - begin_);
    end_ -= begin_;
    begin_ = 0;
    data_ = std::move(bigger);
    capacity_ = capacity;
  }

  std::unique_ptr<char[]> data_;
  std::size_t capacity_ = 0;
  std::size_t begin_ = 0, end_ = 0;
};

}  // namespace junction::client
