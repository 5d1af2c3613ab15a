// bench/scenarios: the load generators. Lean on purpose: payloads are encoded once (fanout
// rewrites fixed-width digits in place), calls and publications go out through the client's
// raw-payload paths, latencies land in fixed histograms, nothing is decoded that need not be.
#include "bench/scenarios.hpp"

#include <cmath>
#include <cstdio>
#include <cstring>
#include <thread>

#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>

#include "bench/stats.hpp"
#include "client/client.hpp"
#include "client/url.hpp"
#include "client/websocket_transport.hpp"

namespace junction::bench {

namespace asio = boost::asio;
using client::Session;

// ---- Report ----------------------------------------------------------------------------------

void Report::add_number(std::string key, double value, int decimals) {
  char buf[64];
  if (!std::isfinite(value)) value = 0;
  std::snprintf(buf, sizeof buf, "%.*f", decimals, value);
  add(std::move(key), buf);
}

std::string Report::json() const {
  std::string out = "{";
  for (std::size_t i = 0; i < fields.size(); ++i) {
    if (i) out += ",";
    out += "\"" + fields[i].first + "\":" + fields[i].second;
  }
  out += ",\"ok\":" + std::string(ok ? "true" : "false");
  if (!problem.empty()) out += ",\"problem\":\"" + problem + "\"";
  return out + "}";
}

std::string Report::get(const std::string& key) const {
  for (const auto& [k, v] : fields)
    if (k == key) return v;
  return "";
}

namespace {

asio::awaitable<void> sleep_ms(int ms) {
  asio::steady_timer t(co_await asio::this_coro::executor, std::chrono::milliseconds(ms));
  co_await t.async_wait(asio::use_awaitable);
}

asio::awaitable<std::shared_ptr<Session>> connect(const Config& c) {
  client::ConnectOptions options;
  options.serializer = c.serializer;
  options.timeout = std::chrono::seconds(30);
  options.tls = c.tls;
  co_return co_await Session::connect(co_await asio::this_coro::executor, c.url, c.realm, options);
}

// An args list of one string, `size` bytes long once encoded (roughly, for small sizes).
wamp::PayloadPtr filler_payload(const Session& s, std::size_t size) {
  return s.make_payload({wamp::Value(std::string(size > 4 ? size - 4 : 1, 'x'))});
}

void add_latency(Report& r, const Histogram& h) {
  r.add_number("p50_us", h.percentile(0.50), 0);
  r.add_number("p99_us", h.percentile(0.99), 0);
  r.add_number("p999_us", h.percentile(0.999), 0);
  r.add_int("max_us", h.max_us());
}

void add_cpu(Report& r, const Config& c, const char* unit, std::int64_t router_cpu,
             std::int64_t self_cpu, std::uint64_t count) {
  const double n = static_cast<double>(std::max<std::uint64_t>(count, 1));
  if (c.router_pid > 0) {
    r.add_number(std::string("router_cpu_us_per_") + unit, static_cast<double>(router_cpu) / n, 3);
  }
  r.add_number(std::string("bench_cpu_us_per_") + unit, static_cast<double>(self_cpu) / n, 3);
}

std::string serializer_json(const Config& c) {
  return "\"" + std::string(client::serializer_name(c.serializer)) + "\"";
}

}  // namespace

// ---- rpc: C callers x W calls in flight -> 1 callee ------------------------------------------

namespace {

struct RpcRun {
  std::vector<std::shared_ptr<Session>> callers;
  wamp::PayloadPtr payload;
  Histogram latency;
  std::uint64_t completed = 0, issued = 0, errors = 0, limit = 0;
  std::int64_t deadline_ns = 0;
  bool stopping = false;

  void issue(std::size_t caller) {
    if (stopping || (limit && issued >= limit) || now_ns() >= deadline_ns) {
      stopping = true;
      return;
    }
    ++issued;
    const std::int64_t t0 = now_ns();
    callers[caller]->call_raw("bench.rpc", payload, {},
                              [this, caller, t0](std::exception_ptr e, client::Result) {
                                ++completed;
                                if (e) ++errors;
                                latency.add_ns(now_ns() - t0);
                                issue(caller);
                              });
  }
};

}  // namespace

asio::awaitable<Report> run_rpc(const Config& c) {
  Report r;
  r.add_string("scenario", "rpc");
  r.add("serializer", serializer_json(c));
  r.add_int("callers", c.callers);
  r.add_int("inflight", c.inflight);
  r.add_int("payload_bytes", static_cast<std::int64_t>(c.rpc_payload));
  auto callee = co_await connect(c);
  co_await callee->provide("bench.rpc",
                           [](client::Invocation& inv) { return client::Result(inv.raw()); });
  RpcRun run;
  for (int i = 0; i < c.callers; ++i)
    run.callers.push_back(co_await connect(c));
  run.payload = filler_payload(*callee, c.rpc_payload);
  run.limit = c.max_messages;

  const std::int64_t router0 = process_cpu_us(c.router_pid), self0 = self_cpu_us();
  const std::int64_t t0 = now_ns();
  run.deadline_ns = t0 + static_cast<std::int64_t>(c.seconds * 1e9);
  for (int w = 0; w < c.inflight; ++w)
    for (std::size_t i = 0; i < run.callers.size(); ++i)
      run.issue(i);
  while (run.completed < run.issued || !run.stopping)
    co_await sleep_ms(2);
  const double secs = static_cast<double>(now_ns() - t0) / 1e9;
  const std::int64_t router_cpu = process_cpu_us(c.router_pid) - router0;
  const std::int64_t self_cpu = self_cpu_us() - self0;

  r.add_int("calls", static_cast<std::int64_t>(run.completed));
  r.add_number("seconds", secs, 2);
  r.add_number("calls_per_s", static_cast<double>(run.completed) / secs, 0);
  add_latency(r, run.latency);
  add_cpu(r, c, "call", router_cpu, self_cpu, run.completed);
  r.add_int("errors", static_cast<std::int64_t>(run.errors));
  if (run.errors) {
    r.ok = false;
    r.problem = std::to_string(run.errors) + " calls failed";
  }
  for (auto& s : run.callers)
    s->close();
  callee->close();
  co_await sleep_ms(50);
  co_return r;
}

// ---- fanout: P publishers -> S subscribers, with a loss/duplication/order check --------------

namespace {

// The payload: ["PPPP", "SSSSSSSSSSSS", "TTTTTTTTTTTTTTTTTTT", "xx…"]: publisher index,
// sequence number and send time as fixed-width digit strings, rewritten in place for every
// publication; subscribers read them at the same offsets (the router forwards the bytes as they
// are when every peer uses one serializer).
struct Template {
  std::size_t pub_at = 0, seq_at = 0, ts_at = 0, size = 0;
};
constexpr std::size_t kPubDigits = 4, kSeqDigits = 12, kTsDigits = 19;

void write_digits(char* at, std::uint64_t value, std::size_t digits) {
  for (std::size_t i = digits; i-- > 0;) {
    at[i] = static_cast<char>('0' + value % 10);
    value /= 10;
  }
}

std::uint64_t read_digits(const char* at, std::size_t digits) {
  std::uint64_t v = 0;
  for (std::size_t i = 0; i < digits; ++i)
    v = v * 10 + static_cast<std::uint64_t>(at[i] - '0');
  return v;
}

struct SubscriberState {
  std::vector<std::uint64_t> next;  // per publisher: the next sequence number expected
  std::uint64_t received = 0, gaps = 0, dup_or_reordered = 0, undecodable = 0;
};

struct FanoutRun {
  const Config* config = nullptr;
  std::vector<std::shared_ptr<Session>> publishers;
  std::vector<std::shared_ptr<wamp::Payload>> payloads;  // one per publisher, rewritten in place
  std::vector<std::uint64_t> published;                  // per publisher
  std::vector<SubscriberState> subs;
  Template tpl;
  std::string topic;
  Histogram latency;
  std::uint64_t total_published = 0, delivered = 0, limit = 0, window = 1;
  std::size_t subscriber_count = 1, next_pub = 0;
  std::int64_t deadline_ns = 0;
  bool stopping = false, pumping = false;

  void on_event(std::size_t sub, const client::Event& e) {
    SubscriberState& s = subs[sub];
    ++delivered;
    ++s.received;
    const wamp::PayloadPtr& raw = e.raw();
    if (!raw || raw->args.size() != tpl.size) {
      ++s.undecodable;
    } else {
      const char* p = raw->args.data();
      const auto pub = read_digits(p + tpl.pub_at, kPubDigits);
      const auto seq = read_digits(p + tpl.seq_at, kSeqDigits);
      latency.add_ns(now_ns() - static_cast<std::int64_t>(read_digits(p + tpl.ts_at, kTsDigits)));
      if (pub >= s.next.size()) {
        ++s.undecodable;
      } else if (seq == s.next[pub]) {
        ++s.next[pub];
      } else if (seq > s.next[pub]) {
        s.gaps += seq - s.next[pub];
        s.next[pub] = seq + 1;
      } else {
        ++s.dup_or_reordered;
      }
    }
    pump();
  }

  // Publishes while fewer than `window` publications per publisher are undelivered.
  void pump() {
    if (pumping || stopping) return;
    pumping = true;
    while (!stopping) {
      if ((limit && total_published >= limit) || now_ns() >= deadline_ns) {
        stopping = true;
        break;
      }
      if (total_published - delivered / subscriber_count >= window * publishers.size()) break;
      const std::size_t p = next_pub;
      next_pub = (next_pub + 1) % publishers.size();
      wamp::Payload& payload = *payloads[p];
      write_digits(payload.args.data() + tpl.seq_at, published[p], kSeqDigits);
      write_digits(payload.args.data() + tpl.ts_at, static_cast<std::uint64_t>(now_ns()),
                   kTsDigits);
      publishers[p]->publish_nowait(topic, payloads[p]);
      ++published[p];
      ++total_published;
    }
    pumping = false;
  }
};

}  // namespace

// Half prefix, half wildcard, none matching `topic`; spread over sessions of at most 5 000 so the
// router's per-session subscription limit (10 000 by default) is not what gets measured.
asio::awaitable<std::vector<std::shared_ptr<Session>>> hold_patterns(const Config& c, int count) {
  std::vector<std::shared_ptr<Session>> holders;
  constexpr int kPerSession = 5000;
  for (int i = 0; i < count; ++i) {
    if (i % kPerSession == 0) holders.push_back(co_await connect(c));
    client::SubscribeOptions options;
    std::string pattern;
    if (i % 2 == 0) {
      options.match = "prefix";
      pattern = "bench.pattern." + std::to_string(i) + ".";
    } else {
      options.match = "wildcard";
      pattern = "bench." + std::to_string(i) + "..x";
    }
    co_await holders.back()->subscribe(
        pattern, [](const client::Event&) {}, std::move(options));
  }
  co_return holders;
}

asio::awaitable<Report> run_fanout(const Config& c, int subscriber_count, std::size_t size,
                                   int pattern_subscriptions) {
  Report r;
  r.add_string("scenario", pattern_subscriptions ? "patterns" : "fanout");
  r.add("serializer", serializer_json(c));
  r.add_int("publishers", c.publishers);
  r.add_int("subscribers", subscriber_count);
  r.add_int("payload_bytes", static_cast<std::int64_t>(size));
  if (pattern_subscriptions) r.add_int("pattern_subscriptions", pattern_subscriptions);
  const auto pattern_holders = co_await hold_patterns(c, pattern_subscriptions);

  FanoutRun run;
  run.config = &c;
  run.topic = "bench.fanout." + std::to_string(subscriber_count) + "." + std::to_string(size);
  run.subscriber_count = static_cast<std::size_t>(subscriber_count);
  run.limit = c.max_messages;
  const std::size_t fan = static_cast<std::size_t>(subscriber_count * c.publishers);
  run.window = std::clamp<std::uint64_t>(
      std::min(c.window_bytes / std::max<std::size_t>(1, size * fan), c.window_events / fan), 1,
      static_cast<std::uint64_t>(c.window));
  r.add_int("window", static_cast<std::int64_t>(run.window));
  run.subs.resize(run.subscriber_count);
  for (auto& s : run.subs)
    s.next.assign(static_cast<std::size_t>(c.publishers), 0);
  run.published.assign(static_cast<std::size_t>(c.publishers), 0);

  std::vector<std::shared_ptr<Session>> subscribers;
  for (int i = 0; i < subscriber_count; ++i) {
    auto s = co_await connect(c);
    const std::size_t index = static_cast<std::size_t>(i);
    co_await s->subscribe(run.topic,
                          [&run, index](const client::Event& e) { run.on_event(index, e); });
    subscribers.push_back(std::move(s));
  }
  for (int p = 0; p < c.publishers; ++p) {
    auto s = co_await connect(c);
    const std::size_t fixed = kPubDigits + kSeqDigits + kTsDigits + 16;
    auto proto = s->make_payload({wamp::Value(std::string(kPubDigits, '4')),
                                  wamp::Value(std::string(kSeqDigits, '5')),
                                  wamp::Value(std::string(kTsDigits, '6')),
                                  wamp::Value(std::string(size > fixed ? size - fixed : 1, 'x'))});
    auto payload = std::make_shared<wamp::Payload>(*proto);
    run.tpl.pub_at = payload->args.find(std::string(kPubDigits, '4'));
    run.tpl.seq_at = payload->args.find(std::string(kSeqDigits, '5'));
    run.tpl.ts_at = payload->args.find(std::string(kTsDigits, '6'));
    run.tpl.size = payload->args.size();
    write_digits(payload->args.data() + run.tpl.pub_at, static_cast<std::uint64_t>(p), kPubDigits);
    run.payloads.push_back(std::move(payload));
    run.publishers.push_back(std::move(s));
  }
  co_await sleep_ms(20);

  const std::int64_t router0 = process_cpu_us(c.router_pid), self0 = self_cpu_us();
  const std::int64_t t0 = now_ns();
  run.deadline_ns = t0 + static_cast<std::int64_t>(c.seconds * 1e9);
  asio::steady_timer ticker(co_await asio::this_coro::executor);
  while (!run.stopping) {  // events drive the publishers; this only restarts a stalled pump
    run.pump();
    co_await sleep_ms(1);
  }
  // Wait for everything published to be delivered (what is missing after 5 s is lost).
  const std::uint64_t expected = run.total_published * run.subscriber_count;
  const std::int64_t drain_deadline = now_ns() + 5'000'000'000LL;
  std::int64_t last_delivery_ns = now_ns();
  std::uint64_t seen = run.delivered;
  while (run.delivered < expected && now_ns() < drain_deadline) {
    co_await sleep_ms(1);
    if (run.delivered != seen) {
      seen = run.delivered;
      last_delivery_ns = now_ns();
    }
  }
  if (run.delivered >= expected) last_delivery_ns = now_ns();
  const double secs = static_cast<double>(last_delivery_ns - t0) / 1e9;
  const std::int64_t router_cpu = process_cpu_us(c.router_pid) - router0;
  const std::int64_t self_cpu = self_cpu_us() - self0;
  co_await sleep_ms(20);  // late duplicates would show up here

  std::uint64_t lost = 0, dup = 0, bad = 0;
  for (const auto& s : run.subs) {
    dup += s.dup_or_reordered;
    bad += s.undecodable;
    for (std::size_t p = 0; p < s.next.size(); ++p)
      lost += run.published[p] - std::min(s.next[p], run.published[p]);
    lost += s.gaps;
  }
  if (lost >= dup) lost -= dup;  // a gap filled later is a reordering, not a loss

  r.add_int("publications", static_cast<std::int64_t>(run.total_published));
  r.add_int("events", static_cast<std::int64_t>(run.delivered));
  r.add_number("seconds", secs, 2);
  r.add_number("events_per_s", static_cast<double>(run.delivered) / secs, 0);
  add_latency(r, run.latency);
  add_cpu(r, c, "event", router_cpu, self_cpu, run.delivered);
  r.add_int("lost", static_cast<std::int64_t>(lost));
  r.add_int("dup_or_reordered", static_cast<std::int64_t>(dup));
  r.add_int("undecodable", static_cast<std::int64_t>(bad));
  if (lost || dup || bad || run.delivered != expected) {
    r.ok = false;
    r.problem = "loss check failed: lost " + std::to_string(lost) + ", duplicated/reordered " +
                std::to_string(dup) + ", undecodable " + std::to_string(bad) + ", delivered " +
                std::to_string(run.delivered) + " of " + std::to_string(expected);
  }
  for (auto& s : subscribers)
    s->close();
  for (auto& s : run.publishers)
    s->close();
  for (auto& s : pattern_holders)
    s->close();
  co_await sleep_ms(100);
  co_return r;
}

// ---- connections: N sessions opened and held -------------------------------------------------

asio::awaitable<Report> run_connections(const Config& c) {
  Report r;
  r.add_string("scenario", "connections");
  r.add("serializer", serializer_json(c));
  const int n = c.connections;
  r.add_int("sessions", n);
  co_await sleep_ms(200);  // let the router settle after the previous scenario
  const std::int64_t rss0 = process_rss_kib(c.router_pid);
  const std::int64_t router0 = process_cpu_us(c.router_pid);
  std::vector<std::shared_ptr<Session>> sessions(static_cast<std::size_t>(n));
  int next = 0, opened = 0, failed = 0, running = 0;
  std::string first_error;
  const std::int64_t t0 = now_ns();
  auto ex = co_await asio::this_coro::executor;
  // Up to 64 handshakes at once.
  std::function<void()> launch = [&] {
    while (running < 64 && next < n) {
      const int i = next++;
      ++running;
      client::ConnectOptions options;
      options.serializer = c.serializer;
      options.timeout = std::chrono::seconds(30);
      options.tls = c.tls;
      Session::connect(ex, c.url, c.realm, options,
                       [&, i](std::exception_ptr e, std::shared_ptr<Session> s) {
                         --running;
                         if (e) {
                           ++failed;
                           if (first_error.empty()) first_error = error_text(e);
                         } else {
                           ++opened;
                           sessions[static_cast<std::size_t>(i)] = std::move(s);
                         }
                         launch();
                       });
    }
  };
  launch();
  while (opened + failed < n)
    co_await sleep_ms(5);
  const double secs = static_cast<double>(now_ns() - t0) / 1e9;
  const std::int64_t router_cpu = process_cpu_us(c.router_pid) - router0;
  co_await sleep_ms(500);  // held; the router's memory settles
  const std::int64_t rss1 = process_rss_kib(c.router_pid);
  r.add_int("opened", opened);
  r.add_int("failed", failed);
  r.add_number("seconds", secs, 2);
  r.add_number("sessions_per_s", opened / secs, 0);
  if (c.router_pid > 0) {
    r.add_int("router_rss_before_kib", rss0);
    r.add_int("router_rss_after_kib", rss1);
    r.add_number("router_bytes_per_session",
                 static_cast<double>(rss1 - rss0) * 1024.0 / std::max(opened, 1), 0);
    r.add_number("router_cpu_us_per_session", static_cast<double>(router_cpu) / std::max(opened, 1),
                 1);
  }
  if (failed) {
    r.ok = false;
    r.problem = std::to_string(failed) + " sessions failed to open: " + first_error;
  }
  for (auto& s : sessions)
    if (s) s->close();
  co_await sleep_ms(500);
  co_return r;
}

// ---- echo: the transport baseline ------------------------------------------------------------

namespace {

namespace beast = boost::beast;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;

// A Beast WebSocket echo server: what any Beast-based router's transport can do at best.
asio::awaitable<void> echo_session(tcp::socket socket) {
  websocket::stream<beast::tcp_stream> ws(std::move(socket));
  ws.set_option(websocket::stream_base::decorator([](websocket::response_type& res) {
    res.set(beast::http::field::sec_websocket_protocol, "wamp.2.json");
  }));
  try {
    co_await ws.async_accept(asio::use_awaitable);
    beast::flat_buffer buffer;
    for (;;) {
      co_await ws.async_read(buffer, asio::use_awaitable);
      ws.text(ws.got_text());
      co_await ws.async_write(buffer.data(), asio::use_awaitable);
      buffer.consume(buffer.size());
    }
  } catch (const std::exception&) {
  }
}

asio::awaitable<void> echo_accept(tcp::acceptor& acceptor) {
  for (;;) {
    auto socket = co_await acceptor.async_accept(asio::use_awaitable);
    socket.set_option(tcp::no_delay(true));
    asio::co_spawn(acceptor.get_executor(), echo_session(std::move(socket)), asio::detached);
  }
}

struct EchoClient : client::TransportHandler {
  std::shared_ptr<client::Transport> transport;
  std::vector<std::int64_t> sent_at;  // ring of send times (echoes come back in order)
  std::size_t head = 0, tail = 0;
  std::string message;
  Histogram* latency = nullptr;
  std::uint64_t* completed = nullptr;
  const std::int64_t* deadline = nullptr;
  std::uint64_t outstanding = 0;
  bool stop = false;

  void send_one() {
    sent_at[head++ % sent_at.size()] = now_ns();
    ++outstanding;
    transport->send(message);
  }
  void on_message(std::string_view) override {
    latency->add_ns(now_ns() - sent_at[tail++ % sent_at.size()]);
    --outstanding;
    ++*completed;
    if (!stop && now_ns() < *deadline)
      send_one();
    else
      stop = true;
  }
  void on_close(std::string) override { stop = true; }
};

}  // namespace

asio::awaitable<Report> run_echo(const Config& c) {
  Report r;
  r.add_string("scenario", "echo");
  r.add_int("connections", c.echo_connections);
  r.add_int("inflight", c.inflight);
  asio::io_context server_io(1);
  tcp::acceptor acceptor(server_io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  const auto port = acceptor.local_endpoint().port();
  asio::co_spawn(server_io, echo_accept(acceptor), asio::detached);
  std::thread server([&] { server_io.run(); });

  // The same bytes an RPC call carries: a CALL-sized text message.
  std::string message = "[48,1,{},\"bench.rpc\",[\"" + std::string(c.rpc_payload, 'x') + "\"]]";
  r.add_int("message_bytes", static_cast<std::int64_t>(message.size()));
  Histogram latency;
  std::uint64_t completed = 0;
  std::int64_t deadline = 0;
  std::vector<std::shared_ptr<EchoClient>> clients;
  auto url = *client::parse_url("ws://127.0.0.1:" + std::to_string(port) + "/");
  client::TransportOptions topts;
  for (int i = 0; i < c.echo_connections; ++i) {
    auto cl = std::make_shared<EchoClient>();
    cl->transport = co_await client::WebSocketTransport::connect(
        co_await asio::this_coro::executor, url, *wamp::codec_for(wamp::Serializer::json), topts,
        std::chrono::seconds(10));
    cl->transport->start(cl);
    cl->sent_at.assign(static_cast<std::size_t>(c.inflight) + 1, 0);
    cl->message = message;
    cl->latency = &latency;
    cl->completed = &completed;
    cl->deadline = &deadline;
    clients.push_back(cl);
  }
  const std::int64_t self0 = self_cpu_us();
  const std::int64_t t0 = now_ns();
  deadline = t0 + static_cast<std::int64_t>(c.seconds * 1e9);
  if (c.max_messages) deadline = t0 + 60'000'000'000LL;
  for (int w = 0; w < c.inflight; ++w)
    for (auto& cl : clients)
      cl->send_one();
  for (;;) {
    co_await sleep_ms(2);
    if (c.max_messages && completed >= c.max_messages) deadline = 0;
    bool idle = true;
    for (auto& cl : clients)
      idle = idle && (cl->stop || now_ns() >= deadline) && cl->outstanding == 0;
    if (idle) break;
  }
  const double secs = static_cast<double>(now_ns() - t0) / 1e9;
  const std::int64_t self_cpu = self_cpu_us() - self0;
  for (auto& cl : clients)
    cl->transport->close();
  co_await sleep_ms(50);
  server_io.stop();
  server.join();

  r.add_int("round_trips", static_cast<std::int64_t>(completed));
  r.add_number("seconds", secs, 2);
  r.add_number("round_trips_per_s", static_cast<double>(completed) / secs, 0);
  add_latency(r, latency);
  r.add_number("cpu_us_per_round_trip",
               static_cast<double>(self_cpu) / std::max<double>(completed, 1), 3);
  co_return r;
}

std::string error_text(std::exception_ptr error) {
  if (!error) return {};
  try {
    std::rethrow_exception(error);
  } catch (const std::exception& e) {
    return e.what();
  } catch (...) {
    return {};
  }
}

}  // namespace junction::bench
