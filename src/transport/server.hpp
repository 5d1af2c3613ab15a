// transport/server: the network front door. Listens on TCP or Unix sockets (optionally TLS),
// speaks HTTP/1.1 (Boost.Beast) and RawSocket, serves the configured path services and turns
// WebSocket and RawSocket sessions into router Connections. Owns sockets, framing and
// per-connection write queues; knows no routing rules.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>

#include "cookie/cookie_store.hpp"
#include "router/router.hpp"
#include "transport/connection_limiter.hpp"
#include "transport/http_service.hpp"
#include "wamp/message.hpp"

namespace junction::transport {

struct WebSocketOptions {
  // Serializers offered, in the server's order of preference (Crossbar's default order).
  std::vector<wamp::Serializer> serializers{wamp::Serializer::cbor, wamp::Serializer::msgpack,
                                            wamp::Serializer::ubjson, wamp::Serializer::json};
  // Largest message accepted from a peer; a larger one closes the connection with 1009.
  std::size_t max_message_size = 16 * 1024 * 1024;
  // Server-initiated pings: every `auto_ping_interval` of silence a ping with `auto_ping_size`
  // random bytes; no pong (or other traffic) within `auto_ping_timeout` closes the connection.
  // Zero interval: a ping after 150 s of silence, the connection dropped 150 s later without an
  // answer (kDefaultPingInterval).
  std::chrono::milliseconds auto_ping_interval{0};
  std::chrono::milliseconds auto_ping_timeout{0};
  std::size_t auto_ping_size = 4;  // 4..125 bytes (Crossbar allows 12..125, default 12)
  // Time for the opening handshake (HTTP upgrade) and for the closing handshake.
  std::chrono::milliseconds open_handshake_timeout{30000};
  std::chrono::milliseconds close_handshake_timeout{1000};
  // Junction's own phase timeouts (0: none). The connection is closed with 1008 and a reason
  // when, after the opening handshake, no HELLO arrives within `hello_timeout`; when the session
  // is not joined (WELCOME) within `auth_timeout` of its HELLO (CHALLENGE -> AUTHENTICATE
  // included; an ABORT wamp.error.authentication_failed goes first); when a frame, or a
  // fragmented message, is not complete `frame_timeout` after its first byte arrived.
  std::chrono::milliseconds hello_timeout{10000};
  std::chrono::milliseconds auth_timeout{30000};
  std::chrono::milliseconds frame_timeout{60000};
  // permessage-deflate (RFC 7692).
  struct Compression {
    bool enabled = false;
    int max_window_bits = 15;  // 9..15, server_max_window_bits we accept
    int memory_level = 8;      // zlib memLevel 1..9
    bool no_context_takeover = false;
    // Junction's own: a compressed message past 1 MiB inflated may not be more than this many
    // times its compressed size (compression bombs; websocket::InflateLimits). 0: no bound.
    std::size_t max_inflate_ratio = 256;
  } compression;
  // Browser Origin check: patterns with '*' wildcards, e.g. "https://*.example.com". Empty: any.
  std::vector<std::string> allowed_origins;
  // The port clients see (behind a proxy or NAT); used where the node shows its own URL.
  std::optional<std::uint16_t> external_port;
  // A plain GET (no upgrade) on a WebSocket path answers a small status page (else 426).
  bool enable_webstatus = true;
  // The "auth" config: an opaque handle handed to the router with each session. Null:
  // anonymous only.
  std::shared_ptr<router::Authenticator> auth;
  // Cookie tracking ("cookie"): at the upgrade a known cookie is reused, else a new one is set
  // with the 101 response; the session carries it (router::TransportInfo::cbtid). Null: off.
  std::shared_ptr<cookie::CookieStore> cookies;
};

struct RawSocketOptions {
  // Serializers accepted, in the server's order of preference (RawSocket ids 1 JSON,
  // 2 MessagePack, 3 CBOR, 4 UBJSON).
  std::vector<wamp::Serializer> serializers{wamp::Serializer::json};
  // The node's private component socket (never from a config file): sessions are trusted to
  // name their own authid and authrole (router::TransportInfo::trusted).
  bool trusted = false;
  // Largest message accepted (RawSocket allows at most 16 MiB = 2^24).
  std::size_t max_message_size = 16 * 1024 * 1024;
  // Sessions a listener accepts at once; past it the handshake answers error 4
  // ("maximum connection count reached"). 0: no limit.
  std::size_t max_connections = 0;
  // RawSocket PING every interval of silence; no PONG within the timeout closes. 0: off.
  std::chrono::milliseconds auto_ping_interval{0};
  std::chrono::milliseconds auto_ping_timeout{0};
  // Junction's own phase timeouts (0: none), as for WebSocket: the 4-byte handshake (and, on a
  // universal listener, the first byte); HELLO after the handshake; HELLO to WELCOME
  // (an ABORT wamp.error.authentication_failed, then the connection closed); a frame whose
  // header arrived but not all of its body.
  std::chrono::milliseconds handshake_timeout{10000};
  std::chrono::milliseconds hello_timeout{10000};
  std::chrono::milliseconds auth_timeout{30000};
  std::chrono::milliseconds frame_timeout{60000};
  // As WebSocketOptions::auth.
  std::shared_ptr<router::Authenticator> auth;
};

// TLS for a listener (OpenSSL 3), Crossbar's endpoint "tls". Files are PEM; paths as given
// (the config reader makes relative ones relative to the node directory). TLS 1.2 and 1.3 only.
struct TlsOptions {
  std::string key;                              // private key
  std::string certificate;                      // certificate, optionally followed by its chain
  std::vector<std::string> chain_certificates;  // extra chain certificates sent to clients
  std::vector<std::string> ca_certificates;     // CAs that client certificates must chain to
  std::string ciphers;  // OpenSSL cipher list for TLS 1.2; empty: modern AEAD-only defaults
  std::string dhparam;  // DH parameters; without them DHE suites are off (as in Crossbar)
  // With ca_certificates: a client certificate is asked for and verified against them;
  // `true` (Crossbar's behaviour) also refuses clients that present none.
  bool require_client_certificate = true;
};

struct WebSocketProxyOptions;  // transport/websocket_proxy.hpp

struct PathService {
  enum class Kind {
    websocket,        // WAMP over WebSocket (the transport's own)
    http,             // a plain HTTP service (src/web/: static, redirect, json, nodeinfo, ...)
    websocket_proxy,  // WebSocket forwarded to a backend (transport/websocket_proxy)
  };
  Kind kind = Kind::websocket;
  WebSocketOptions websocket;         // Kind::websocket
  std::shared_ptr<HttpService> http;  // Kind::http; shared by the listener's I/O threads
  std::shared_ptr<const WebSocketProxyOptions> websocket_proxy;  // Kind::websocket_proxy
};

// A "web" transport's "options" (Crossbar's names).
struct WebOptions {
  bool access_log = false;  // one info line per answered request ("access" logger)
  // HTTP Strict Transport Security on responses of TLS listeners (RFC 6797 forbids it on
  // plain HTTP): "Strict-Transport-Security: max-age=<hsts_max_age>; includeSubDomains".
  bool hsts = false;
  std::int64_t hsts_max_age = 31536000;
};

// One listening socket. What it serves follows from what is set: HTTP path services (`paths`),
// WebSocket on any path (`websocket_on_any_path`), RawSocket (`rawsocket`). With RawSocket and
// HTTP both set it is a universal listener: the first byte tells them apart (0x7F: RawSocket).
struct ListenerConfig {
  std::string name;                   // for logs, e.g. "transport 'web1'" or "transports[0]"
  std::string interface = "0.0.0.0";  // address to bind (TCP)
  std::uint16_t port = 8080;          // 0 picks a free port (see Server::bound_endpoints)
  std::string unix_path;              // non-empty: listen on this Unix domain socket instead
  int backlog = 511;
  std::optional<TlsOptions> tls;  // TLS on this listener, whatever it serves
  // "web" transports: service per path ("/", "/ws", "/app/api": keys are normalised to start
  // with '/', nested "path" services flattened). A request goes to the longest configured path
  // that is a prefix of its path at a '/' boundary (ListenerContext::route).
  std::map<std::string, PathService, std::less<>> paths;
  WebOptions web;
  // "websocket" transports: WAMP over WebSocket on every path.
  std::optional<WebSocketOptions> websocket_on_any_path;
  // "rawsocket" transports (and the RawSocket side of "universal" ones).
  std::optional<RawSocketOptions> rawsocket;
};

// Threading: `io` is the routing thread's io_context (the caller runs it; the router belongs to
// that thread). With io_threads > 1 the Server starts io_threads - 1 more I/O threads of its own,
// each with its own io_context; accepted connections are spread over all io_threads threads, and
// sessions on the extra threads reach the router through transport/router_link.
// `limits` bound the connections open at once on every listener but the node's private
// component socket (RawSocketOptions::trusted), in total and per source address.
class Server {
 public:
  Server(boost::asio::io_context& io, router::Router& router, std::vector<ListenerConfig> listeners,
         std::size_t io_threads = 1, ConnectionLimits limits = {});
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds and starts every listener, then the extra I/O threads. Throws std::runtime_error
  // naming the listener and the address on failure (port in use, bad address). Logs
  // "<name> listening on <addr>:<port>".
  void start();
  // Stops accepting; established connections are left to Router::shutdown() / their peers.
  void stop_listening();
  // Closes every connection still open (after the router said GOODBYE). `io` keeps running until
  // the sessions of every I/O thread are gone (or the caller stops it).
  void close_connections();

  // "address:port" actually bound by each listener, in config order (useful with port 0).
  std::vector<std::string> bound_endpoints() const;
  // Connections holding a place under the connection limits (0 when there are none); any thread.
  std::size_t open_connections() const;

  // SIGHUP: new TLS contexts (certificate, key, chains, CAs, ciphers, dhparam) for the running
  // TLS listeners from `fresh` (the config read again), matched by listener name. Connections
  // accepted afterwards get them; established ones keep theirs. All or nothing: when one context
  // cannot be built, none is replaced and `error` says why. A listener that is gone from `fresh`,
  // or whose TLS was added or removed there, is listed in `need_restart` (listeners are not
  // rebuilt). Call after start(), on the routing thread.
  struct TlsReload {
    std::vector<std::string> reloaded;      // listener names
    std::vector<std::string> need_restart;  // what changed, e.g. "TLS was added to transport 'x'"
    std::string error;                      // non-empty: nothing was replaced
  };
  TlsReload reload_tls(const std::vector<ListenerConfig>& fresh);

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace junction::transport
