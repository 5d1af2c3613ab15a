// node/flash_policy: one acceptor; each connection reads at most 200 bytes for at most 5 s.
#include "node/flash_policy.hpp"

#include <array>
#include <chrono>
#include <list>
#include <regex>
#include <stdexcept>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>

#include "base/log.hpp"

namespace junction::node {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

namespace {

// Crossbar's limits (FlashPolicyProtocol.REQUESTMAXLEN, REQUESTTIMEOUT): DoS protection.
constexpr std::size_t kMaxRequest = 200;
constexpr auto kRequestTimeout = std::chrono::seconds(5);

bool is_policy_request(const std::string& received) {
  static const std::regex kRequest(R"(^\s*<policy-file-request\s*/>)");
  return std::regex_search(received, kRequest, std::regex_constants::match_continuous);
}

}  // namespace

std::string flash_policy_file(const FlashPolicyConfig& config) {
  return "<?xml version=\"1.0\"?><cross-domain-policy><allow-access-from domain=\"" +
         config.allowed_domain + "\" to-ports=\"" + config.allowed_ports +
         "\" /></cross-domain-policy>";
}

namespace {

// One client: its request read up to kMaxRequest bytes, answered, closed.
struct PolicyConnection : std::enable_shared_from_this<PolicyConnection> {
  tcp::socket socket;
  asio::steady_timer deadline;
  std::string received;
  std::array<char, 256> buffer{};
  std::string answer;

  PolicyConnection(tcp::socket s, const std::string& policy)
      : socket(std::move(s)), deadline(socket.get_executor()), answer(policy) {}

  void run() {
    deadline.expires_after(kRequestTimeout);
    deadline.async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
      if (!ec) self->close();
    });
    read();
  }

  void read() {
    socket.async_read_some(asio::buffer(buffer), [self = shared_from_this()](
                                                     const boost::system::error_code& ec,
                                                     std::size_t n) {
      if (ec) return self->close();
      self->received.append(self->buffer.data(), n);
      if (is_policy_request(self->received)) {
        asio::async_write(self->socket, asio::buffer(self->answer),
                          [self](const boost::system::error_code&, std::size_t) { self->close(); });
      } else if (self->received.size() > kMaxRequest) {
        self->close();
      } else {
        self->read();
      }
    });
  }

  void close() {
    boost::system::error_code ignored;
    deadline.cancel();
    socket.shutdown(tcp::socket::shutdown_both, ignored);
    socket.close(ignored);
  }
};

}  // namespace

struct FlashPolicyServer::Impl : std::enable_shared_from_this<Impl> {
  FlashPolicyConfig config;
  std::string policy;
  tcp::acceptor acceptor;
  std::list<std::weak_ptr<PolicyConnection>> connections;
  std::string bound;
  bool stopped = false;

  Impl(asio::io_context& io, FlashPolicyConfig c)
      : config(std::move(c)), policy(flash_policy_file(config)), acceptor(io) {}

  void accept() {
    acceptor.async_accept(
        [self = shared_from_this()](const boost::system::error_code& ec, tcp::socket socket) {
          if (self->stopped || ec == asio::error::operation_aborted) return;
          if (!ec) {
            auto connection = std::make_shared<PolicyConnection>(std::move(socket), self->policy);
            self->connections.remove_if([](const auto& w) { return w.expired(); });
            self->connections.push_back(connection);
            connection->run();
          } else {
            JLOG(warn, "transport") << self->config.name << ": accept failed: " << ec.message();
          }
          self->accept();
        });
  }
};

FlashPolicyServer::FlashPolicyServer(asio::io_context& io, FlashPolicyConfig config)
    : impl_(std::make_shared<Impl>(io, std::move(config))) {}

FlashPolicyServer::~FlashPolicyServer() {
  stop();
}

void FlashPolicyServer::start() {
  auto& c = impl_->config;
  try {
    const tcp::endpoint endpoint(asio::ip::make_address(c.interface), c.port);
    impl_->acceptor.open(endpoint.protocol());
    impl_->acceptor.set_option(tcp::acceptor::reuse_address(true));
    impl_->acceptor.bind(endpoint);
    impl_->acceptor.listen(c.backlog);
    const auto local = impl_->acceptor.local_endpoint();
    impl_->bound = local.address().to_string() + ":" + std::to_string(local.port());
  } catch (const boost::system::system_error& e) {
    throw std::runtime_error(c.name + ": cannot listen on " + c.interface + ":" +
                             std::to_string(c.port) + ": " + e.code().message());
  }
  JLOG(info, "transport") << c.name << " (Flash policy) listening on " << impl_->bound;
  impl_->accept();
}

void FlashPolicyServer::stop() {
  if (impl_->stopped) return;
  impl_->stopped = true;
  boost::system::error_code ignored;
  impl_->acceptor.close(ignored);
  for (auto& w : impl_->connections) {
    if (auto connection = w.lock()) connection->close();
  }
  impl_->connections.clear();
}

std::string FlashPolicyServer::bound() const {
  return impl_->bound;
}

}  // namespace junction::node
