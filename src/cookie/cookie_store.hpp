// cookie: Crossbar's cookie tracking. A WebSocket path with a "cookie" config hands every client
// a random tracking cookie (the "cbtid") at the opening handshake and recognises it when the
// client comes back; cookie authentication (auth/) attaches a successful login to the cbtid so
// a returning client is welcomed without logging in again, until it logs out or the cookie
// expires. The store is in memory, optionally backed by an append-only file of JSON lines.
//
// Threading: every member may be called from any thread (one mutex; cookie work happens only at
// a WebSocket upgrade, a login and a logout, never per message).
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <fstream>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "wamp/value.hpp"

namespace junction::cookie {

struct CookieConfig {
  std::string name = "cbtid";               // the cookie's name
  std::size_t length = 24;                  // characters of the random ID (Crossbar: 6..64)
  std::chrono::seconds max_age{86400 * 7};  // lifetime (Crossbar's default: one week)
  std::string file;  // "" keeps cookies in memory only; else the file (an absolute path)
  // At most this many cookies are kept: past it, expired ones are purged and then the oldest
  // are dropped (a client without a cookie gets a new one at every connection).
  std::size_t max_entries = 100000;
};

// The login attached to a cookie.
struct CookieAuth {
  std::string authid;
  std::string authrole;
  std::string authmethod;  // the method that logged in (ticket, wampcra, ...)
  std::string realm;
  wamp::Object authextra;
};

class CookieStore {
 public:
  using Clock = std::function<std::chrono::system_clock::time_point()>;

  // Loads `config.file` if it exists (the last record of each cookie wins; expired cookies are
  // dropped) and rewrites it without the records that no longer count. Throws
  // std::runtime_error when the file cannot be read or written.
  explicit CookieStore(CookieConfig config, Clock clock = &std::chrono::system_clock::now);
  ~CookieStore();
  CookieStore(const CookieStore&) = delete;
  CookieStore& operator=(const CookieStore&) = delete;

  const CookieConfig& config() const { return config_; }

  // The cbtid named by the Cookie header value(s) `header` if this store knows it and it has not
  // expired; "" otherwise.
  std::string find(std::string_view header);
  // A new cbtid from the CSPRNG (OpenSSL RAND_bytes), stored (and appended to the file).
  std::string create();
  // The Set-Cookie header value handing `cbtid` to the client. On TLS it is also Secure and
  // SameSite=None (so a page of another site may open the WebSocket with it).
  std::string set_cookie(std::string_view cbtid, bool tls) const;

  // The login attached to `cbtid`, if any (and the cookie has not expired).
  std::optional<CookieAuth> auth(std::string_view cbtid);
  // Attaches a login to `cbtid` (nothing if the cookie is unknown).
  void set_auth(std::string_view cbtid, CookieAuth auth);
  // Logout: `cbtid` no longer authenticates (the cookie itself stays), and every connection
  // attached under it is closed, as Crossbar does (a browser's every tab is logged out).
  void logout(std::string_view cbtid);

  // A live connection carrying `cbtid` (Crossbar's addProto). `close` is called at the cookie's
  // logout, from the logging-out session's thread and outside the store's lock: it must only
  // queue work for its connection. Returns the token detach() takes.
  std::uint64_t attach(std::string_view cbtid, std::function<void()> close);
  // The connection went away (before or after a logout closed it).
  void detach(std::string_view cbtid, std::uint64_t token);

  std::size_t size();

 private:
  struct Entry {
    std::int64_t created = 0;  // Unix seconds
    std::int64_t max_age = 0;
    std::optional<CookieAuth> auth;
  };
  bool expired(const Entry& e, std::int64_t now) const { return e.created + e.max_age <= now; }
  std::int64_t now() const;
  void load();
  void make_room(std::int64_t now);
  // Appends the record to the file (if any); false (and an error log line) when the file cannot
  // be opened. Never throws: logins and logouts happen inside the router.
  bool append(const std::string& id, const Entry& e);
  static std::string record(const std::string& id, const Entry& e);

  CookieConfig config_;
  Clock clock_;
  std::mutex mutex_;
  std::unordered_map<std::string, Entry> entries_;
  std::deque<std::string> order_;  // ids in creation order (may name erased ones)
  std::ofstream out_;              // the file, opened for appending at the first write
  // Live connections per cbtid (never written to the file; a handful per browser at most).
  std::unordered_multimap<std::string, std::pair<std::uint64_t, std::function<void()>>>
      connections_;
  std::uint64_t next_token_ = 0;
};

}  // namespace junction::cookie
