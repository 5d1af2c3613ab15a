// cookie/cookie_store: the store and its file. File format: one JSON object per line,
//   {"id": cbtid, "created": unix-seconds, "max_age": seconds, "auth": null | {"authid",
//   "authrole",
//    "authmethod", "realm", "authextra"}}
// appended whenever a cookie is created, logs in or logs out; at start the last line of each id
// wins and the file is rewritten with one line per live cookie (so it grows only with what a
// run adds, not forever as Crossbar's does).
#include "cookie/cookie_store.hpp"

#include <openssl/rand.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <stdexcept>

#include "base/log.hpp"
#include "wamp/json_codec.hpp"
#include "wamp/nlohmann_value.hpp"

namespace junction::cookie {
namespace {

using json = nlohmann::json;

// Autobahn's newid alphabet (letters and digits), so a cookie needs no quoting anywhere.
constexpr std::string_view kAlphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

bool valid_id(std::string_view id, std::size_t length) {
  if (id.size() != length) return false;
  for (char c : id)
    if (kAlphabet.find(c) == std::string_view::npos) return false;
  return true;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
    s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t'))
    s.remove_suffix(1);
  return s;
}

}  // namespace

CookieStore::CookieStore(CookieConfig config, Clock clock)
    : config_(std::move(config)), clock_(std::move(clock)) {
  if (!config_.file.empty()) load();
}

CookieStore::~CookieStore() = default;

std::int64_t CookieStore::now() const {
  return std::chrono::duration_cast<std::chrono::seconds>(clock_().time_since_epoch()).count();
}

std::string CookieStore::find(std::string_view header) {
  // "a=1; cbtid=XYZ; b=2" (RFC 6265 §4.2.1); several Cookie headers arrive joined with "; ".
  while (!header.empty()) {
    const auto semi = header.find(';');
    std::string_view pair = trim(header.substr(0, semi));
    header = semi == std::string_view::npos ? std::string_view{} : header.substr(semi + 1);
    const auto eq = pair.find('=');
    if (eq == std::string_view::npos || trim(pair.substr(0, eq)) != config_.name) continue;
    std::string_view value = trim(pair.substr(eq + 1));
    if (value.size() >= 2 && value.front() == '"' && value.back() == '"')
      value = value.substr(1, value.size() - 2);
    if (!valid_id(value, config_.length)) continue;
    std::lock_guard lock(mutex_);
    const auto it = entries_.find(std::string(value));
    if (it != entries_.end() && !expired(it->second, now())) return it->first;
  }
  return {};
}

std::string CookieStore::create() {
  std::string id;
  id.reserve(config_.length);
  unsigned char buffer[64];
  while (id.size() < config_.length) {
    if (RAND_bytes(buffer, sizeof buffer) != 1) throw std::runtime_error("RAND_bytes failed");
    // 248 = 4 * 62: rejecting larger bytes keeps every character equally likely.
    for (unsigned char b : buffer)
      if (b < 248 && id.size() < config_.length) id += kAlphabet[b % kAlphabet.size()];
  }
  std::lock_guard lock(mutex_);
  const std::int64_t t = now();
  make_room(t);
  Entry e;
  e.created = t;
  e.max_age = config_.max_age.count();
  if (!append(id, e))
    throw std::runtime_error("cannot write the cookie file '" + config_.file + "'");
  entries_.emplace(id, std::move(e));
  order_.push_back(id);
  return id;
}

std::string CookieStore::set_cookie(std::string_view cbtid, bool tls) const {
  std::string out = config_.name;
  out += '=';
  out += cbtid;
  out += "; Max-Age=" + std::to_string(config_.max_age.count()) + "; Path=/; HttpOnly";
  if (tls) out += "; Secure; SameSite=None";
  return out;
}

std::optional<CookieAuth> CookieStore::auth(std::string_view cbtid) {
  std::lock_guard lock(mutex_);
  const auto it = entries_.find(std::string(cbtid));
  if (it == entries_.end() || expired(it->second, now())) return std::nullopt;
  return it->second.auth;
}

void CookieStore::set_auth(std::string_view cbtid, CookieAuth auth) {
  std::lock_guard lock(mutex_);
  const auto it = entries_.find(std::string(cbtid));
  if (it == entries_.end()) return;
  it->second.auth = std::move(auth);
  append(it->first, it->second);
}

void CookieStore::logout(std::string_view cbtid) {
  std::vector<std::function<void()>> closers;
  {
    std::lock_guard lock(mutex_);
    const auto it = entries_.find(std::string(cbtid));
    if (it != entries_.end() && it->second.auth) {
      it->second.auth.reset();
      append(it->first, it->second);
    }
    const auto [first, last] = connections_.equal_range(std::string(cbtid));
    for (auto c = first; c != last; ++c)
      closers.push_back(c->second.second);
  }
  // Outside the lock: a closer may run its connection's detach() at once.
  for (const auto& close : closers)
    close();
}

std::uint64_t CookieStore::attach(std::string_view cbtid, std::function<void()> close) {
  std::lock_guard lock(mutex_);
  const std::uint64_t token = ++next_token_;
  connections_.emplace(std::string(cbtid), std::make_pair(token, std::move(close)));
  return token;
}

void CookieStore::detach(std::string_view cbtid, std::uint64_t token) {
  std::lock_guard lock(mutex_);
  const auto [first, last] = connections_.equal_range(std::string(cbtid));
  for (auto c = first; c != last; ++c) {
    if (c->second.first == token) {
      connections_.erase(c);
      return;
    }
  }
}

std::size_t CookieStore::size() {
  std::lock_guard lock(mutex_);
  return entries_.size();
}

void CookieStore::make_room(std::int64_t t) {
  if (entries_.size() < config_.max_entries) return;
  for (auto it = entries_.begin(); it != entries_.end();) {
    it = expired(it->second, t) ? entries_.erase(it) : std::next(it);
  }
  // Down to 90 % of the bound, so this scan runs once per tenth of the bound in creations.
  while (entries_.size() >= config_.max_entries - config_.max_entries / 10 && !order_.empty()) {
    entries_.erase(order_.front());
    order_.pop_front();
  }
  // Drop ids already erased, so the queue stays as long as the map.
  std::erase_if(order_, [this](const std::string& id) { return !entries_.contains(id); });
}

std::string CookieStore::record(const std::string& id, const Entry& e) {
  json j{{"id", id}, {"created", e.created}, {"max_age", e.max_age}, {"auth", nullptr}};
  if (e.auth) {
    std::string extra;
    wamp::json_encode_object(e.auth->authextra, extra);
    json x = json::parse(extra, nullptr, /*allow_exceptions=*/false);
    if (x.is_discarded()) x = json::object();
    j["auth"] = json{{"authid", e.auth->authid},
                     {"authrole", e.auth->authrole},
                     {"authmethod", e.auth->authmethod},
                     {"realm", e.auth->realm},
                     {"authextra", std::move(x)}};
  }
  // Invalid UTF-8 (an authid from a dynamic authenticator, say) is replaced, never thrown.
  return j.dump(-1, ' ', false, json::error_handler_t::replace) + "\n";
}

bool CookieStore::append(const std::string& id, const Entry& e) {
  if (config_.file.empty()) return true;
  if (!out_.is_open()) {
    out_.open(config_.file, std::ios::app | std::ios::out | std::ios::binary);
    if (!out_) {
      // Logged without the cookie; the memory store goes on (create() refuses instead).
      JLOG(error, "cookie") << "cannot write the cookie file '" << config_.file << "'";
      return false;
    }
  }
  out_ << record(id, e);
  out_.flush();
  return true;
}

void CookieStore::load() {
  std::ifstream in(config_.file, std::ios::binary);
  if (!in) {
    if (std::filesystem::exists(config_.file))
      throw std::runtime_error("cannot read the cookie file '" + config_.file + "'");
    return;  // created at the first cookie
  }
  const std::int64_t t = now();
  std::size_t lines = 0;
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    ++lines;
    const json j = json::parse(line, nullptr, /*allow_exceptions=*/false);
    if (!j.is_object() || !j.contains("id") || !j["id"].is_string()) continue;  // torn write
    Entry e;
    e.created = j.value("created", std::int64_t{0});
    e.max_age = j.value("max_age", std::int64_t{0});
    if (const auto a = j.find("auth"); a != j.end() && a->is_object()) {
      CookieAuth auth;
      auth.authid = a->value("authid", "");
      auth.authrole = a->value("authrole", "");
      auth.authmethod = a->value("authmethod", "");
      auth.realm = a->value("realm", "");
      if (const auto x = a->find("authextra"); x != a->end() && x->is_object())
        auth.authextra = std::move(*wamp::from_nlohmann(*x).as_object());
      e.auth = std::move(auth);
    }
    const std::string id = j["id"].get<std::string>();
    const auto [it, inserted] = entries_.insert_or_assign(id, std::move(e));
    if (inserted) order_.push_back(id);
  }
  std::erase_if(entries_, [&](const auto& kv) { return expired(kv.second, t); });
  while (entries_.size() > config_.max_entries && !order_.empty()) {
    entries_.erase(order_.front());
    order_.pop_front();
  }
  std::erase_if(order_, [this](const std::string& id) { return !entries_.contains(id); });
  if (lines == entries_.size()) return;
  // Compact: one line per live cookie, written aside and renamed over the old file.
  const std::string tmp = config_.file + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc | std::ios::binary);
    for (const std::string& id : order_)
      out << record(id, entries_.at(id));
    if (!out.flush()) throw std::runtime_error("cannot write the cookie file '" + tmp + "'");
  }
  std::filesystem::rename(tmp, config_.file);
}

}  // namespace junction::cookie
