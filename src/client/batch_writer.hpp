// client/batch_writer: the outgoing half both client transports (WebSocket, RawSocket) share.
// Frames are appended to one buffer; everything appended while a write is in flight leaves in the
// next single write — many WAMP messages per system call.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>

#include <boost/asio/buffer.hpp>
#include <boost/asio/write.hpp>
#include <boost/system/error_code.hpp>

namespace junction::client {

class BatchWriter {
 public:
  // Where the next frame goes (append to it; its bytes may be masked in place).
  std::string& pending() { return pending_; }
  bool in_flight() const { return in_flight_; }
  // Bytes appended and not yet written.
  std::size_t queued_bytes() const { return pending_.size() + writing_.size(); }

  // Writes what is pending unless a write is in flight. `done(error_code)` runs when the write
  // ends; what was appended meanwhile is then pending and the owner calls flush() again.
  // `keep_alive` (the transport's shared_ptr) is held by the pending write.
  template <class Socket, class KeepAlive, class Done>
  void flush(Socket& socket, KeepAlive keep_alive, Done done) {
    if (in_flight_ || pending_.empty()) return;
    writing_.clear();
    writing_.swap(pending_);
    in_flight_ = true;
    boost::asio::async_write(socket, boost::asio::buffer(writing_),
                             [this, keep_alive = std::move(keep_alive), done = std::move(done)](
                                 boost::system::error_code ec, std::size_t) mutable {
                               in_flight_ = false;
                               writing_.clear();  // written: keeps its capacity for the next batch
                               done(ec);
                             });
  }

 private:
  std::string pending_;  // frames appended since the last write started
  std::string writing_;  // the write in flight
  bool in_flight_ = false;
};

}  // namespace junction::client
