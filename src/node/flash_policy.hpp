// node/flash_policy: Crossbar's "flashpolicy" transport — a TCP listener that answers Flash
// Player's "<policy-file-request/>" with a socket policy file (the cross-domain policy older
// browsers' Flash WebSocket bridges need), then closes. Its own small acceptor on the routing
// thread's io_context: it carries no WAMP and shares nothing with transport::Server.
#pragma once

#include <memory>
#include <string>

#include <boost/asio/io_context.hpp>

#include "node/config.hpp"

namespace junction::node {

// The answer, byte for byte as Crossbar's FlashPolicyProtocol writes it.
std::string flash_policy_file(const FlashPolicyConfig& config);

class FlashPolicyServer {
 public:
  FlashPolicyServer(boost::asio::io_context& io, FlashPolicyConfig config);
  ~FlashPolicyServer();
  FlashPolicyServer(const FlashPolicyServer&) = delete;
  FlashPolicyServer& operator=(const FlashPolicyServer&) = delete;

  // Binds and listens (throws std::runtime_error naming the address), then serves: a client
  // that sends (after optional whitespace) "<policy-file-request/>" within 5 s and 200 bytes
  // gets the policy file and the connection closed; any other is dropped.
  void start();
  // Closes the listener and every open connection.
  void stop();
  std::string bound() const;  // "address:port" once started

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace junction::node
