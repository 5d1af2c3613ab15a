// bench/main: junction-bench's command line, the order scenarios run in, and the output (a
// table, then one JSON line per scenario run).
#include <sys/resource.h>

#include <cstdio>
#include <iostream>
#include <sstream>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>

#include "bench/scenarios.hpp"
#include "client/client.hpp"

using namespace junction;
using namespace junction::bench;

namespace {

const char* kUsage = R"(junction-bench: load generator for any WAMP router (WebSocket or RawSocket)

  --url URL            router URL: ws://host:port/path, rs://host:port (RawSocket over TCP) or
                       unix:///path/to.sock (RawSocket, Unix socket); default ws://127.0.0.1:8080/ws;
                       wss://host:port/path and rss://host:port over TLS
  --ca FILE            TLS: trust the CAs in this PEM file instead of the system's; may repeat
  --tls-insecure       TLS: accept any router certificate (no peer or host name verification)
  --realm REALM        realm (default realm1)
  --serializer NAME    json | msgpack | cbor | ubjson (default json)
  --scenario NAME      rpc | fanout | patterns | connections | echo | auth | all (default all,
                       which is every one but auth); may repeat
  --seconds S          measuring time per run (default 3)
  --messages N         stop each run after N calls/publications/round trips (default: time only)
  --callers C          rpc: caller sessions (default 4)
  --inflight W         rpc/echo: calls in flight per caller (default 16)
  --rpc-payload B      rpc/echo: payload bytes (default 32)
  --publishers P       fanout: publisher sessions (default 1)
  --subscribers LIST   fanout: subscriber counts, e.g. 1,10,100,1000 (the default)
  --sizes LIST         fanout: payload sizes in bytes, e.g. 16,64,1024,65536 (default 64)
  --window N           fanout: publications in flight per publisher (default 64)
  --patterns N         patterns: fanout 1 -> 1, 64 B, run without and then with N non-matching
                       prefix/wildcard subscriptions held by other sessions (default 10000)
  --connections N      connections: sessions to open and hold (default 5000)
  --auth-url URL       auth: the router path whose listener has --print-auth-config's principals
  --auth-methods LIST  auth: handshakes/s per method, e.g. anonymous,ticket,wampcra,cryptosign,scram
                       (the default; also ticket-argon2id, a ticket stored as an Argon2id hash)
  --auth-bystander LIST auth: methods to run the bystander with (default scram,ticket-argon2id)
  --auth-parallel N    auth: login loops at once while counting handshakes (default 8)
  --auth-logins N      auth: login loops at once around the bystander (default 50)
  --scram-client-kdf   auth: each scram login runs Argon2id in the client (default: the bench's
                       clients reuse one SaltedPassword; the router never runs the KDF for scram)
  --print-auth-config  print the "auth" object of the router listener for --auth-url, and exit
  --router-pid PID     the router's process: CPU time per message and memory per session
  --json               only the JSON lines
  --smoke              a short correctness run: a few hundred messages per scenario
)";

template <typename T>
std::vector<T> parse_list(const std::string& text) {
  std::vector<T> out;
  std::stringstream ss(text);
  std::string item;
  while (std::getline(ss, item, ','))
    out.push_back(static_cast<T>(std::stoll(item)));
  return out;
}

std::vector<std::string> parse_names(const std::string& text) {
  std::vector<std::string> out;
  std::stringstream ss(text);
  std::string item;
  while (std::getline(ss, item, ','))
    if (!item.empty()) out.push_back(item);
  return out;
}

void print_row(const Report& r) {
  const std::string s = r.get("scenario");
  auto g = [&](const char* k) {
    std::string v = r.get(k);
    return v.empty() ? std::string("-") : v;
  };
  std::string what, rate, cpu;
  if (s == "\"rpc\"") {
    what = g("callers") + " callers x " + g("inflight") + ", " + g("payload_bytes") + " B";
    rate = g("calls_per_s") + " calls/s";
    cpu = g("router_cpu_us_per_call");
  } else if (s == "\"fanout\"" || s == "\"patterns\"") {
    what = g("publishers") + " -> " + g("subscribers") + " subs, " + g("payload_bytes") + " B";
    if (s == "\"patterns\"") what += ", " + g("pattern_subscriptions") + " patterns";
    rate = g("events_per_s") + " events/s";
    cpu = g("router_cpu_us_per_event");
  } else if (s == "\"connections\"") {
    what = g("opened") + " sessions";
    rate = g("sessions_per_s") + " sessions/s";
    cpu = g("router_bytes_per_session") + " B/session";
  } else if (s == "\"auth\"") {
    what = g("method") + ", " + g("parallel") + " at once";
    rate = g("handshakes_per_s") + " handshakes/s";
    cpu = g("router_cpu_us_per_handshake") + " /handshake";
  } else if (s == "\"auth-bystander\"") {
    what = "rpc p50/p99 idle " + g("idle_p50_us") + "/" + g("idle_p99_us") + " us";
    rate = g("logins") + "x " + g("method") + " " + g("logins_per_s_during") + "/s";
    cpu = "p99 x" + g("p99_ratio") + " (p50 x" + g("p50_ratio") + ")";
    std::printf("%-14s %-34s %-24s %7s %7s %7s %7s  %-22s %s\n", "auth-bystander", what.c_str(),
                rate.c_str(), g("loaded_p50_us").c_str(), g("loaded_p99_us").c_str(), "-", "-",
                cpu.c_str(), r.ok ? "ok" : ("FAIL: " + r.problem).c_str());
    return;
  } else {
    what = g("connections") + " conns x " + g("inflight") + ", " + g("message_bytes") + " B";
    rate = g("round_trips_per_s") + " rt/s";
    cpu = g("cpu_us_per_round_trip") + " (both ends)";
  }
  std::printf("%-12s %-34s %-22s %7s %7s %7s %7s  %-22s %s\n", s.substr(1, s.size() - 2).c_str(),
              what.c_str(), rate.c_str(), g("p50_us").c_str(), g("p99_us").c_str(),
              g("p999_us").c_str(), g("max_us").c_str(), cpu.c_str(),
              r.ok ? "ok" : ("FAIL: " + r.problem).c_str());
}

}  // namespace

int main(int argc, char** argv) {
  Config c;
  std::vector<std::string> scenarios;
  bool json_only = false;
  try {
    for (int i = 1; i < argc; ++i) {
      const std::string a = argv[i];
      auto value = [&]() -> std::string {
        if (i + 1 >= argc) throw std::invalid_argument(a + " needs a value");
        return argv[++i];
      };
      if (a == "--url")
        c.url = value();
      else if (a == "--realm")
        c.realm = value();
      else if (a == "--ca")
        c.tls.ca_files.push_back(value());
      else if (a == "--tls-insecure")
        c.tls.verify_peer = false;
      else if (a == "--serializer") {
        const std::string name = value();
        const wamp::Codec* codec = client::codec_by_name(name);
        if (!codec) throw std::invalid_argument("unknown or unavailable serializer " + name);
        c.serializer = codec->serializer();
      } else if (a == "--scenario")
        scenarios.push_back(value());
      else if (a == "--seconds")
        c.seconds = std::stod(value());
      else if (a == "--messages")
        c.max_messages = std::stoull(value());
      else if (a == "--callers")
        c.callers = std::stoi(value());
      else if (a == "--inflight")
        c.inflight = std::stoi(value());
      else if (a == "--rpc-payload")
        c.rpc_payload = std::stoull(value());
      else if (a == "--publishers")
        c.publishers = std::stoi(value());
      else if (a == "--subscribers")
        c.subscribers = parse_list<int>(value());
      else if (a == "--sizes")
        c.sizes = parse_list<std::size_t>(value());
      else if (a == "--window")
        c.window = std::stoi(value());
      else if (a == "--connections")
        c.connections = std::stoi(value());
      else if (a == "--patterns")
        c.patterns = std::stoi(value());
      else if (a == "--router-pid")
        c.router_pid = std::stoi(value());
      else if (a == "--auth-url")
        c.auth_url = value();
      else if (a == "--auth-methods")
        c.auth_methods = parse_names(value());
      else if (a == "--auth-bystander")
        c.auth_bystander = parse_names(value());
      else if (a == "--auth-parallel")
        c.auth_parallel = std::stoi(value());
      else if (a == "--auth-logins")
        c.auth_logins = std::stoi(value());
      else if (a == "--scram-client-kdf")
        c.scram_client_kdf = true;
      else if (a == "--print-auth-config") {
        std::cout << auth_config_json() << "\n";
        return 0;
      } else if (a == "--json")
        json_only = true;
      else if (a == "--smoke")
        c.smoke = true;
      else if (a == "--help" || a == "-h") {
        std::cout << kUsage;
        return 0;
      } else {
        throw std::invalid_argument("unknown option " + a);
      }
    }
  } catch (const std::exception& e) {
    std::cerr << "junction-bench: " << e.what() << "\n\n" << kUsage;
    return 2;
  }
  if (c.smoke) {  // correctness, not speed: a few hundred messages per scenario
    c.max_messages = c.max_messages ? c.max_messages : 300;
    c.seconds = 30;
    c.subscribers = {1, 10, 100};
    c.sizes = {16, 1024, 65536};
    c.connections = std::min(c.connections, 200);
    c.patterns = std::min(c.patterns, 200);
    c.auth_logins = std::min(c.auth_logins, 10);
  }
  if (scenarios.empty() || std::find(scenarios.begin(), scenarios.end(), "all") != scenarios.end())
    scenarios = {"echo", "rpc", "fanout", "patterns", "connections"};

  // Many sessions need many descriptors: take the hard limit.
  rlimit lim{};
  if (getrlimit(RLIMIT_NOFILE, &lim) == 0) {
    lim.rlim_cur = lim.rlim_max;
    setrlimit(RLIMIT_NOFILE, &lim);
  }

  boost::asio::io_context io(1);
  std::vector<Report> reports;
  bool failed = false;
  auto emit = [&](Report r) {
    std::cout << (json_only ? "" : "JSON ") << r.json() << std::endl;
    failed = failed || !r.ok;
    reports.push_back(std::move(r));
  };
  boost::asio::co_spawn(
      io,
      [&]() -> boost::asio::awaitable<void> {
        for (const std::string& s : scenarios) {
          if (s == "echo") {
            emit(co_await run_echo(c));
          } else if (s == "rpc") {
            emit(co_await run_rpc(c));
          } else if (s == "fanout") {
            for (int subs : c.subscribers)
              for (std::size_t size : c.sizes)
                emit(co_await run_fanout(c, subs, size));
          } else if (s == "patterns") {  // the same shape without, then with the patterns
            emit(co_await run_fanout(c, 1, 64));
            emit(co_await run_fanout(c, 1, 64, c.patterns));
          } else if (s == "connections") {
            emit(co_await run_connections(c));
          } else if (s == "auth") {
            if (c.auth_url.empty()) throw std::invalid_argument("auth needs --auth-url");
            for (const std::string& method : c.auth_methods)
              emit(co_await run_auth_handshakes(c, method));
            for (const std::string& method : c.auth_bystander)
              emit(co_await run_auth_bystander(c, method));
          } else {
            throw std::invalid_argument("unknown scenario " + s);
          }
        }
      },
      [&](std::exception_ptr e) {
        if (!e) return;
        std::cerr << "junction-bench: " << error_text(e) << "\n";
        failed = true;
      });
  io.run();

  if (!json_only && !reports.empty()) {
    std::printf("\n%-12s %-34s %-22s %7s %7s %7s %7s  %-22s %s\n", "scenario", "shape", "rate",
                "p50us", "p99us", "p99.9us", "maxus", "router cpu-us/msg", "check");
    for (const auto& r : reports)
      print_row(r);
    const std::string echo_rate = [&] {
      for (const auto& r : reports)
        if (r.get("scenario") == "\"echo\"") return r.get("round_trips_per_s");
      return std::string();
    }();
    if (!echo_rate.empty()) {
      const double base = std::stod(echo_rate);
      for (const auto& r : reports) {
        if (r.get("scenario") == "\"rpc\"" && base > 0)
          std::printf("rpc calls/s as a fraction of echo round trips/s: %.2f\n",
                      std::stod(r.get("calls_per_s")) / base);
      }
    }
    // patterns: the router's CPU per event with the patterns, as a ratio to the run just before
    // it without them (same shape, same router, same moment).
    for (std::size_t i = 1; i < reports.size(); ++i) {
      if (reports[i].get("scenario") != "\"patterns\"") continue;
      const std::string with = reports[i].get("router_cpu_us_per_event");
      const std::string without = reports[i - 1].get("router_cpu_us_per_event");
      if (!with.empty() && !without.empty() && std::stod(without) > 0)
        std::printf(
            "patterns: router cpu per event with %s non-matching patterns / without: %.2f\n",
            reports[i].get("pattern_subscriptions").c_str(), std::stod(with) / std::stod(without));
    }
  }
  return failed ? 1 : 0;
}
