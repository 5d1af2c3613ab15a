// bench/scenarios: the benchmark's scenarios (rpc, fanout, patterns, connections, echo, auth), each
// measured against a router URL with the project's client library, each yielding one Report.
#pragma once

#include <cstdint>
#include <exception>
#include <string>
#include <utility>
#include <vector>

#include <boost/asio/awaitable.hpp>

#include "client/types.hpp"
#include "wamp/message.hpp"

namespace junction::bench {

struct Config {
  std::string url = "ws://127.0.0.1:8080/ws";
  std::string realm = "realm1";
  wamp::Serializer serializer = wamp::Serializer::json;
  int router_pid = 0;
  double seconds = 3.0;            // measuring time per run
  std::uint64_t max_messages = 0;  // stop a run after this many calls/publications (0: time only)
  int callers = 4;
  int inflight = 16;
  std::size_t rpc_payload = 32;
  int publishers = 1;
  std::vector<int> subscribers{1, 10, 100, 1000};
  std::vector<std::size_t> sizes{64};
  int window = 64;                     // publications in flight per publisher (at most)
  std::size_t window_bytes = 8 << 20;  // ... at most this many bytes in flight to subscribers
  std::size_t window_events = 4096;    // ... and at most this many events in flight
  int patterns = 10000;                // patterns: non-matching pattern subscriptions held
  int connections = 5000;
  int echo_connections = 4;
  // auth: a WebSocket path whose listener has the principals of auth_config_json().
  std::string auth_url{};
  std::vector<std::string> auth_methods{"anonymous", "ticket", "wampcra", "cryptosign", "scram"};
  std::vector<std::string> auth_bystander{"scram", "ticket-argon2id"};
  int auth_parallel = 8;          // handshakes: login loops at once
  int auth_logins = 50;           // bystander: login loops at once
  bool scram_client_kdf = false;  // scram logins run Argon2id in the client each time
  bool smoke = false;
  client::TlsOptions tls{};  // wss:// and rss:// (--ca, --tls-insecure)
};

// One scenario run: ordered fields, values already JSON literals.
struct Report {
  std::vector<std::pair<std::string, std::string>> fields;
  bool ok = true;       // the correctness checks passed (loss/duplication/order, errors)
  std::string problem;  // why not
  void add(std::string key, std::string json_value) {
    fields.emplace_back(std::move(key), std::move(json_value));
  }
  void add_number(std::string key, double value, int decimals = 1);
  void add_int(std::string key, std::int64_t value) { add(std::move(key), std::to_string(value)); }
  void add_string(std::string key, const std::string& value) {
    add(std::move(key), "\"" + value + "\"");
  }
  std::string json() const;
  std::string get(const std::string& key) const;
};

boost::asio::awaitable<Report> run_rpc(const Config& config);
// pattern_subscriptions: before measuring, other sessions hold this many prefix and wildcard
// subscriptions that never match the fanout topic (what a publish pays for a realm's patterns).
boost::asio::awaitable<Report> run_fanout(const Config& config, int subscribers, std::size_t size,
                                          int pattern_subscriptions = 0);
boost::asio::awaitable<Report> run_connections(const Config& config);
// The echo server runs on its own thread (like a router in its own process).
boost::asio::awaitable<Report> run_echo(const Config& config);
// auth (auth_scenario.cpp): handshakes per second with `method`, and a bystander's RPC latency
// idle and while config.auth_logins logins with `method` run.
boost::asio::awaitable<Report> run_auth_handshakes(const Config& config, const std::string& method);
boost::asio::awaitable<Report> run_auth_bystander(const Config& config, const std::string& method);
// The "auth" of the router listener the auth scenario logs in to (its principals match the
// bench's credentials): run-bench.sh asks for it with --print-auth-config.
std::string auth_config_json();

// What went wrong, for a report's first_error: the exception's what() ("" for none or one that
// is not a std::exception).
std::string error_text(std::exception_ptr error);

}  // namespace junction::bench
