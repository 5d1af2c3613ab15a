// client/framed_stream: what both client transports (WebSocket, RawSocket) keep of their stream —
// the stream itself (a plain socket or TLS over one, client/tls.hpp), the read buffer, the batch
// writer, the end states — and their one read loop: read what is there, hand every complete
// frame to the transport, read again.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

#include <boost/system/error_code.hpp>

#include "client/batch_writer.hpp"
#include "client/read_buffer.hpp"
#include "client/transport.hpp"

struct ssl_st;  // OpenSSL's SSL: this header does not include OpenSSL's

namespace junction::client {

// client/tls.cpp: the tls-unique channel id of a TLS connection (Transport::tls_channel_id).
std::string tls_unique_channel_id(ssl_st* ssl);

// The base of a transport `Derived` (CRTP), which provides `bool parse_frames()` (handles every
// complete frame in `in_`; false once it finished the connection) and `void on_read_error(ec)`.
template <class Derived, class Stream>
class FramedStream : public Transport, public std::enable_shared_from_this<Derived> {
 protected:
  // `already_read`: bytes that arrived before the transport started (behind an HTTP response).
  explicit FramedStream(Stream stream, std::string_view already_read = {})
      : stream_(std::move(stream)), in_(already_read) {}

 public:
  std::string tls_channel_id() const override {
    // asio::ssl::stream's native_handle() is the SSL*; a plain socket's is its descriptor.
    auto& stream = const_cast<Stream&>(stream_);
    if constexpr (std::is_same_v<decltype(stream.native_handle()), ssl_st*>) {
      return tls_unique_channel_id(stream.native_handle());
    } else {
      return {};
    }
  }

 protected:
  // One read, then the frames it completed; again until finished. Nothing while a TLS shutdown
  // runs: it does the reading itself, and the read it cancelled ends here unheard.
  void do_read() {
    if (tls_closing_) return;
    auto& self = static_cast<Derived&>(*this);
    stream_.async_read_some(in_.prepare(), [keep_alive = self.shared_from_this()](
                                               boost::system::error_code ec, std::size_t n) {
      Derived& self = *keep_alive;
      if (self.finished_ || self.tls_closing_) return;
      if (ec) return self.on_read_error(ec);
      self.in_.commit(n);
      if (self.parse_frames()) self.do_read();
    });
  }

  Stream stream_;
  ReadBuffer in_;
  BatchWriter writer_;
  bool finished_ = false;
  bool tls_closing_ = false;  // the TLS shutdown runs (client/tls.hpp end_output)
};

}  // namespace junction::client
