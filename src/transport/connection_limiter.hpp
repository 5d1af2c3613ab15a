// transport/connection_limiter: the node's bound on open connections, in total and per source IP
// address (issue 13). A connection is admitted once, right after accept, and then holds a
// ConnectionSlot for its whole life: the slot is moved from stage to stage (TLS handshake,
// protocol detection, HTTP, WebSocket or RawSocket session; LiveSession::adopt_slot) and gives
// the place back when the last stage holding it is destroyed, exactly once, whatever the exit path.
//
// Threading: connections are accepted on the routing thread, but a slot is released on whichever
// I/O thread its session ends; the counts are under one mutex (taken twice per connection, never
// per message).
#pragma once

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

#include <boost/asio/ip/address.hpp>

namespace junction::transport {

// The router worker's options.max_connections / max_connections_per_ip (Junction's own).
struct ConnectionLimits {
  // Connections open at once on every listener of the node (the node's private component
  // socket excepted). Unset: the process's open-file limit less a reserve (effective());
  // 0: no limit.
  std::optional<std::size_t> max_connections;
  // Connections from one source IP address (IPv4-mapped IPv6 addresses count as IPv4; Unix
  // socket clients have none). Unset: half the effective total, so that one address cannot take
  // every place; 0: no limit.
  std::optional<std::size_t> max_connections_per_ip;

  // The limits in force: unset values resolved as above from `open_file_limit` (the soft
  // RLIMIT_NOFILE; 0 or unknown: no automatic total).
  struct Effective {
    std::size_t total = 0;   // 0: none
    std::size_t per_ip = 0;  // 0: none
  };
  Effective effective(std::size_t open_file_limit) const;
  // effective() with this process's soft RLIMIT_NOFILE.
  Effective effective() const;
};

// Descriptors kept free of connections when the total limit is derived from the open-file
// limit: listeners, the event loops, log and static files, guest workers' pipes. A tenth of the
// limit, at least this many.
inline constexpr std::size_t kReservedDescriptors = 64;

class ConnectionLimiter;

// One admitted connection's place. Move-only; the moved-from slot holds nothing.
class ConnectionSlot {
 public:
  ConnectionSlot() = default;
  ConnectionSlot(ConnectionSlot&& other) noexcept;
  ConnectionSlot& operator=(ConnectionSlot&& other) noexcept;
  ConnectionSlot(const ConnectionSlot&) = delete;
  ConnectionSlot& operator=(const ConnectionSlot&) = delete;
  ~ConnectionSlot() { release(); }

  bool holds() const { return limiter_ != nullptr; }
  // Gives the place back now (at most once; later calls and the destructor do nothing).
  void release();

 private:
  friend class ConnectionLimiter;
  using Key = std::array<std::uint8_t, 16>;
  ConnectionSlot(std::shared_ptr<ConnectionLimiter> limiter, const Key& key, bool has_address)
      : limiter_(std::move(limiter)), key_(key), has_address_(has_address) {}

  std::shared_ptr<ConnectionLimiter> limiter_;
  Key key_{};
  bool has_address_ = false;
};

class ConnectionLimiter : public std::enable_shared_from_this<ConnectionLimiter> {
 public:
  explicit ConnectionLimiter(ConnectionLimits::Effective limits) : limits_(limits) {}

  const ConnectionLimits::Effective& limits() const { return limits_; }

  // Why a connection was refused.
  enum class Refusal { none, total, per_ip };
  // A slot for a connection from `address` (none: a Unix socket client, counted in the total
  // only), or an empty slot and `why` set when a limit is reached.
  ConnectionSlot admit(const std::optional<boost::asio::ip::address>& address, Refusal& why);

  std::size_t open() const;
  std::size_t open_from(const boost::asio::ip::address& address) const;
  // Addresses with at least one open connection (the per-address table's size; empty entries
  // are removed, so a stream of one-off clients cannot grow it).
  std::size_t addresses() const;

  // Refused connections so far, and the log line for one more refusal of `peer` (its address
  // and port) by `listener`: the full line at most once a second for each limit, counting the
  // refusals not logged since; empty when this one is only counted.
  std::string note_refusal(const std::string& listener, const std::string& peer, Refusal why);
  std::uint64_t refused() const;

  // Refusals answered politely (an HTTP 503, a RawSocket error reply, then a short linger) in
  // progress; past kMaxPoliteRefusals a refused socket is just closed.
  static constexpr std::size_t kMaxPoliteRefusals = 64;
  bool begin_polite_refusal();
  void end_polite_refusal();

 private:
  friend class ConnectionSlot;
  using Key = ConnectionSlot::Key;
  struct KeyHash {
    std::size_t operator()(const Key& key) const noexcept;
  };
  void release(const Key& key, bool has_address);

  const ConnectionLimits::Effective limits_;
  mutable std::mutex mutex_;
  std::size_t open_ = 0;
  std::unordered_map<Key, std::size_t, KeyHash> per_address_;
  std::uint64_t refused_ = 0;
  struct LogPace {  // per limit: Refusal::total, Refusal::per_ip
    std::uint64_t unlogged = 0;
    std::optional<std::chrono::steady_clock::time_point> last;
  };
  std::array<LogPace, 2> log_pace_{};
  std::size_t polite_refusals_ = 0;
};

}  // namespace junction::transport
