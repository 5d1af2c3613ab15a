// transport/connection_limiter: see the header.
#include "transport/connection_limiter.hpp"

#include <sys/resource.h>

#include <algorithm>
#include <cstring>
#include <functional>
#include <string_view>
#include <utility>

namespace junction::transport {

namespace {

using Key = std::array<std::uint8_t, 16>;

// IPv4 addresses as IPv4-mapped IPv6 ones, so that a dual-stack listener counts a client once.
Key key_of(const boost::asio::ip::address& address) {
  if (address.is_v4())
    return boost::asio::ip::make_address_v6(boost::asio::ip::v4_mapped, address.to_v4()).to_bytes();
  return address.to_v6().to_bytes();
}

}  // namespace

ConnectionLimits::Effective ConnectionLimits::effective(std::size_t open_file_limit) const {
  Effective out;
  if (max_connections) {
    out.total = *max_connections;
  } else if (open_file_limit > 0) {
    const std::size_t reserve = std::max(kReservedDescriptors, open_file_limit / 10);
    out.total = open_file_limit > reserve ? open_file_limit - reserve : 1;
  }
  if (max_connections_per_ip) {
    out.per_ip = *max_connections_per_ip;
  } else if (out.total > 0) {
    out.per_ip = std::max<std::size_t>(1, out.total / 2);
  }
  return out;
}

ConnectionLimits::Effective ConnectionLimits::effective() const {
  rlimit limit{};
  std::size_t files = 0;
  if (getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur != RLIM_INFINITY) {
    files = static_cast<std::size_t>(limit.rlim_cur);
  }
  return effective(files);
}

ConnectionSlot::ConnectionSlot(ConnectionSlot&& other) noexcept
    : limiter_(std::move(other.limiter_)), key_(other.key_), has_address_(other.has_address_) {
  other.limiter_.reset();
}

ConnectionSlot& ConnectionSlot::operator=(ConnectionSlot&& other) noexcept {
  if (this != &other) {
    release();
    limiter_ = std::move(other.limiter_);
    other.limiter_.reset();
    key_ = other.key_;
    has_address_ = other.has_address_;
  }
  return *this;
}

void ConnectionSlot::release() {
  if (!limiter_) return;
  limiter_->release(key_, has_address_);
  limiter_.reset();
}

std::size_t ConnectionLimiter::KeyHash::operator()(const Key& key) const noexcept {
  return std::hash<std::string_view>()(
      std::string_view(reinterpret_cast<const char*>(key.data()), key.size()));
}

ConnectionSlot ConnectionLimiter::admit(const std::optional<boost::asio::ip::address>& address,
                                        Refusal& why) {
  const Key key = address ? key_of(*address) : Key{};
  std::lock_guard lock(mutex_);
  if (limits_.total != 0 && open_ >= limits_.total) {
    why = Refusal::total;
    return {};
  }
  if (address) {
    // A new address enters with 0 open, always below a limit of at least 1.
    auto it = per_address_.try_emplace(key, 0).first;
    if (limits_.per_ip != 0 && it->second >= limits_.per_ip) {
      why = Refusal::per_ip;
      return {};
    }
    ++it->second;
  }
  ++open_;
  why = Refusal::none;
  return ConnectionSlot(shared_from_this(), key, address.has_value());
}

void ConnectionLimiter::release(const Key& key, bool has_address) {
  std::lock_guard lock(mutex_);
  --open_;
  if (has_address) {
    auto it = per_address_.find(key);
    if (it != per_address_.end() && --it->second == 0) per_address_.erase(it);
  }
}

std::size_t ConnectionLimiter::open() const {
  std::lock_guard lock(mutex_);
  return open_;
}

std::size_t ConnectionLimiter::open_from(const boost::asio::ip::address& address) const {
  std::lock_guard lock(mutex_);
  auto it = per_address_.find(key_of(address));
  return it == per_address_.end() ? 0 : it->second;
}

std::size_t ConnectionLimiter::addresses() const {
  std::lock_guard lock(mutex_);
  return per_address_.size();
}

std::string ConnectionLimiter::note_refusal(const std::string& listener, const std::string& peer,
                                            Refusal why) {
  const auto now = std::chrono::steady_clock::now();
  std::lock_guard lock(mutex_);
  ++refused_;
  LogPace& pace = log_pace_[why == Refusal::per_ip ? 1 : 0];
  if (pace.last && now - *pace.last < std::chrono::seconds(1)) {
    ++pace.unlogged;
    return {};
  }
  pace.last = now;
  std::string line = listener + ": refused a connection from " + peer + ": ";
  if (why == Refusal::per_ip) {
    line += std::to_string(limits_.per_ip) +
            " connections from this address are open (max_connections_per_ip)";
  } else {
    line += std::to_string(limits_.total) + " connections are open (max_connections)";
  }
  if (pace.unlogged > 0) {
    line += "; " + std::to_string(pace.unlogged) + " more refused since the last such line";
  }
  line += " (" + std::to_string(refused_) + " refused in all)";
  pace.unlogged = 0;
  return line;
}

std::uint64_t ConnectionLimiter::refused() const {
  std::lock_guard lock(mutex_);
  return refused_;
}

bool ConnectionLimiter::begin_polite_refusal() {
  std::lock_guard lock(mutex_);
  if (polite_refusals_ >= kMaxPoliteRefusals) return false;
  ++polite_refusals_;
  return true;
}

void ConnectionLimiter::end_polite_refusal() {
  std::lock_guard lock(mutex_);
  --polite_refusals_;
}

}  // namespace junction::transport
