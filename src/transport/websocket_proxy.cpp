// transport/websocket_proxy: see the header. One Tunnel per client connection:
//   resolve -> connect -> write the upgrade request -> read the backend's answer head
//   -> 101: write it to the client, then copy bytes both ways until either side ends;
//      else: pass the answer on, close.
#include "transport/websocket_proxy.hpp"

#include <array>
#include <string_view>
#include <utility>

#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>

#include "base/log.hpp"
#include "base/version.hpp"
#include "transport/net.hpp"
#include "transport/tls_context.hpp"

namespace junction::transport {

namespace http = beast::http;

namespace {

// Fields of the client's request that are about its connection to Junction, not the backend's.
bool not_forwarded(std::string_view name) {
  static constexpr std::string_view kNames[] = {"host",
                                                "connection",
                                                "upgrade",
                                                "keep-alive",
                                                "te",
                                                "trailer",
                                                "proxy-connection",
                                                "proxy-authorization",
                                                "content-length",
                                                "transfer-encoding",
                                                "x-forwarded-for",
                                                "x-forwarded-host",
                                                "x-forwarded-proto"};
  for (const auto n : kNames) {
    if (beast::iequals(n, name)) return true;
  }
  return false;
}

template <class ClientStream>
class Tunnel : public LiveSession, public std::enable_shared_from_this<Tunnel<ClientStream>> {
 public:
  Tunnel(ClientStream client, std::string initial, http::request<http::string_body> request,
         std::shared_ptr<const WebSocketProxyOptions> options,
         std::shared_ptr<SessionRegistry> registry, std::string peer_ip, std::string description)
      : client_(std::move(client)),
        backend_(client_.get_executor()),
        resolver_(client_.get_executor()),
        timer_(client_.get_executor()),
        initial_(std::move(initial)),
        request_(std::move(request)),
        options_(std::move(options)),
        registry_(std::move(registry)),
        peer_ip_(std::move(peer_ip)),
        description_(std::move(description)) {}

  ~Tunnel() override { registry_->remove(this); }

  void run() {
    registry_->add(this->shared_from_this());
    timer_.expires_after(options_->connect_timeout);
    timer_.async_wait([self = this->shared_from_this()](error_code ec) {
      if (ec || self->open_) return;
      self->fail(http::status::gateway_timeout,
                 "no WebSocket answer from the backend within " +
                     std::to_string(self->options_->connect_timeout.count()) + " ms");
    });
    resolver_.async_resolve(
        options_->host, std::to_string(options_->port),
        [self = this->shared_from_this()](error_code ec, tcp::resolver::results_type results) {
          if (self->closed_ || self->open_) return;
          if (ec)
            return self->fail(http::status::bad_gateway,
                              "cannot resolve the backend: " + ec.message());
          asio::async_connect(self->backend_, results,
                              [self](error_code connect_ec, const tcp::endpoint&) {
                                self->on_connect(connect_ec);
                              });
        });
  }

  void shutdown() override { force_close(); }
  void force_close() override {
    closed_ = true;
    timer_.cancel();
    resolver_.cancel();
    error_code ignored;
    backend_.close(ignored);
    if constexpr (kIsTlsStream<ClientStream>) {
      beast::get_lowest_layer(client_).socket().close(ignored);
    } else {
      client_.close(ignored);
    }
  }
  void detach() override { force_close(); }

 private:
  void on_connect(error_code ec) {
    if (closed_ || open_) return;  // open_: the timeout answered already
    if (ec)
      return fail(http::status::bad_gateway, "cannot connect to the backend: " + ec.message());
    auto& out = upgrade_;
    out.method(http::verb::get);
    std::string target = options_->path;
    const auto t = request_.target();
    if (const auto q = std::string_view(t.data(), t.size()).find('?');
        q != std::string_view::npos) {
      target.append(t.data() + q, t.size() - q);
    }
    out.target(target);
    out.version(11);
    std::string forwarded_for;
    for (const auto& field : request_.base()) {
      const std::string_view name(field.name_string().data(), field.name_string().size());
      if (beast::iequals(name, "x-forwarded-for")) {
        if (!forwarded_for.empty()) forwarded_for += ", ";
        forwarded_for.append(field.value().data(), field.value().size());
      }
      if (not_forwarded(name)) continue;
      out.insert(field.name_string(), field.value());
    }
    if (!forwarded_for.empty()) forwarded_for += ", ";
    forwarded_for += peer_ip_;
    out.set(http::field::host, options_->port == 80
                                   ? options_->host
                                   : options_->host + ":" + std::to_string(options_->port));
    out.set(http::field::upgrade, "websocket");
    out.set(http::field::connection, "Upgrade");
    out.set("X-Forwarded-For", forwarded_for);
    if (const auto host = request_[http::field::host]; !host.empty()) {
      out.set("X-Forwarded-Host", host);
    }
    out.set("X-Forwarded-Proto", kIsTlsStream<ClientStream> ? "https" : "http");
    http::async_write(
        backend_, out, [self = this->shared_from_this()](error_code write_ec, std::size_t) {
          if (self->closed_) return;
          if (write_ec) {
            return self->fail(http::status::bad_gateway,
                              "cannot send the upgrade to the backend: " + write_ec.message());
          }
          self->answer_.header_limit(64 * 1024);
          self->answer_.body_limit(1024 * 1024);
          http::async_read_header(
              self->backend_, self->backend_buffer_, self->answer_,
              [self](error_code read_ec, std::size_t) { self->on_answer_head(read_ec); });
        });
  }

  void on_answer_head(error_code ec) {
    if (closed_ || open_) return;
    if (ec)
      return fail(http::status::bad_gateway, "no valid answer from the backend: " + ec.message());
    auto& head = answer_.get();
    if (head.result() != http::status::switching_protocols) {
      // Refused: the whole answer goes to the client (its body too, up to the limit).
      return http::async_read(backend_, backend_buffer_, answer_,
                              [self = this->shared_from_this()](error_code read_ec, std::size_t) {
                                self->pass_refusal(read_ec);
                              });
    }
    open_ = true;
    timer_.cancel();
    std::string response = "HTTP/1.1 101 Switching Protocols\r\n";
    for (const auto& field : head.base()) {
      const std::string_view name(field.name_string().data(), field.name_string().size());
      if (beast::iequals(name, "server") || beast::iequals(name, "date")) continue;
      response.append(name);
      response += ": ";
      response.append(field.value().data(), field.value().size());
      response += "\r\n";
    }
    response += "Server: Junction/" + std::string(kVersion) + "\r\n\r\n";
    // What the backend sent behind its 101 follows it to the client.
    const auto extra = backend_buffer_.cdata();
    response.append(static_cast<const char*>(extra.data()), extra.size());
    backend_buffer_.consume(backend_buffer_.size());
    head_ = std::move(response);
    JLOG(debug, "transport") << description_ << ": WebSocket forwarded to " << options_->host << ":"
                             << options_->port << options_->path;
    asio::async_write(client_, asio::buffer(head_),
                      [self = this->shared_from_this()](error_code write_ec, std::size_t) {
                        if (write_ec || self->closed_) return self->force_close();
                        self->head_.clear();
                        self->pump_client_initial();
                      });
  }

  void pass_refusal(error_code ec) {
    if (closed_ || open_) return;
    if (ec)
      return fail(http::status::bad_gateway, "no valid answer from the backend: " + ec.message());
    auto& answer = answer_.get();
    JLOG(info, "transport") << description_ << ": the WebSocket backend " << options_->host << ":"
                            << options_->port << " refused the upgrade: " << answer.result_int();
    http::response<http::string_body> out;
    out.result(answer.result());
    out.version(11);
    for (const auto& field : answer.base()) {
      const std::string_view name(field.name_string().data(), field.name_string().size());
      if (not_forwarded(name) || beast::iequals(name, "server")) continue;
      out.insert(field.name_string(), field.value());
    }
    out.body() = std::move(answer.body());
    out.set(http::field::connection, "close");
    out.set(http::field::server, "Junction/" + std::string(kVersion));
    out.prepare_payload();
    write_and_close(std::move(out));
  }

  void fail(http::status status, const std::string& why) {
    if (closed_ || open_) return force_close();
    JLOG(warn, "transport") << description_ << ": websocket-reverseproxy -> " << options_->host
                            << ":" << options_->port << ": " << why << "; "
                            << static_cast<unsigned>(status);
    http::response<http::string_body> out;
    out.result(status);
    out.version(11);
    out.set(http::field::content_type, "text/plain; charset=utf-8");
    out.set(http::field::connection, "close");
    out.set(http::field::server, "Junction/" + std::string(kVersion));
    out.body() = status == http::status::gateway_timeout
                     ? "Gateway timeout: the WebSocket backend did not answer in time.\n"
                     : "Bad gateway: the WebSocket backend could not be reached.\n";
    out.prepare_payload();
    write_and_close(std::move(out));
  }

  void write_and_close(http::response<http::string_body> out) {
    open_ = true;  // no second answer
    timer_.cancel();
    resolver_.cancel();
    error_code ignored;
    backend_.close(ignored);
    auto message = std::make_shared<http::response<http::string_body>>(std::move(out));
    http::async_write(client_, *message,
                      [self = this->shared_from_this(), message](error_code, std::size_t) {
                        self->force_close();
                      });
  }

  // Frames the client sent right behind its upgrade request go first.
  void pump_client_initial() {
    if (initial_.empty()) {
      pump_client();
      pump_backend();
      return;
    }
    asio::async_write(backend_, asio::buffer(initial_),
                      [self = this->shared_from_this()](error_code ec, std::size_t) {
                        if (ec || self->closed_) return self->force_close();
                        self->initial_.clear();
                        self->pump_client();
                        self->pump_backend();
                      });
  }

  void pump_client() {
    client_.async_read_some(asio::buffer(from_client_), [self = this->shared_from_this()](
                                                            error_code ec, std::size_t n) {
      if (ec || self->closed_) return self->force_close();
      asio::async_write(self->backend_, asio::buffer(self->from_client_.data(), n),
                        [self](error_code write_ec, std::size_t) {
                          if (write_ec || self->closed_) return self->force_close();
                          self->pump_client();
                        });
    });
  }

  void pump_backend() {
    backend_.async_read_some(asio::buffer(from_backend_), [self = this->shared_from_this()](
                                                              error_code ec, std::size_t n) {
      if (ec || self->closed_) return self->force_close();
      asio::async_write(self->client_, asio::buffer(self->from_backend_.data(), n),
                        [self](error_code write_ec, std::size_t) {
                          if (write_ec || self->closed_) return self->force_close();
                          self->pump_backend();
                        });
    });
  }

  ClientStream client_;
  TcpSocket backend_;
  asio::ip::basic_resolver<tcp, Executor> resolver_;
  Timer timer_;
  std::string initial_;
  http::request<http::string_body> request_;
  std::shared_ptr<const WebSocketProxyOptions> options_;
  std::shared_ptr<SessionRegistry> registry_;
  std::string peer_ip_;
  std::string description_;
  http::request<http::empty_body> upgrade_;
  http::response_parser<http::string_body> answer_;
  beast::flat_buffer backend_buffer_;
  std::string head_;
  std::array<char, 16384> from_client_{};
  std::array<char, 16384> from_backend_{};
  bool open_ = false;    // answered (101 or an error) to the client
  bool closed_ = false;  // force_close() ran
};

}  // namespace

template <class ClientStream>
void start_websocket_proxy(ClientStream client, std::string initial,
                           http::request<http::string_body> request,
                           std::shared_ptr<const WebSocketProxyOptions> options,
                           std::shared_ptr<SessionRegistry> registry, std::string peer_ip,
                           std::string description, ConnectionSlot slot) {
  auto tunnel = std::make_shared<Tunnel<ClientStream>>(
      std::move(client), std::move(initial), std::move(request), std::move(options),
      std::move(registry), std::move(peer_ip), std::move(description));
  tunnel->adopt_slot(std::move(slot));
  tunnel->run();
}

template void start_websocket_proxy<TcpSocket>(TcpSocket, std::string,
                                               http::request<http::string_body>,
                                               std::shared_ptr<const WebSocketProxyOptions>,
                                               std::shared_ptr<SessionRegistry>, std::string,
                                               std::string, ConnectionSlot);
template void start_websocket_proxy<UnixSocket>(UnixSocket, std::string,
                                                http::request<http::string_body>,
                                                std::shared_ptr<const WebSocketProxyOptions>,
                                                std::shared_ptr<SessionRegistry>, std::string,
                                                std::string, ConnectionSlot);
template void start_websocket_proxy<TlsStream>(TlsStream, std::string,
                                               http::request<http::string_body>,
                                               std::shared_ptr<const WebSocketProxyOptions>,
                                               std::shared_ptr<SessionRegistry>, std::string,
                                               std::string, ConnectionSlot);

}  // namespace junction::transport
