// Which I/O thread a listener hands its next connection to: a listener offering
// permessage-deflate leaves the routing thread (thread 0) out when there are other I/O threads,
// so that inflating a peer's messages never runs where every session's messages are routed.
#include <gtest/gtest.h>

#include <vector>

#include "transport/listener.hpp"

namespace junction::transport {
namespace {

std::vector<std::size_t> turns(std::size_t count, std::size_t first, int n) {
  std::vector<std::size_t> out;
  std::size_t current = 0;
  for (int i = 0; i < n; ++i) {
    current = next_io_thread(current, count, first);
    out.push_back(current);
  }
  return out;
}

TEST(ListenerThreads, EveryThreadInTurnWithoutCompression) {
  EXPECT_EQ(turns(1, 0, 3), (std::vector<std::size_t>{0, 0, 0}));
  EXPECT_EQ(turns(3, 0, 6), (std::vector<std::size_t>{1, 2, 0, 1, 2, 0}));
}

TEST(ListenerThreads, TheRoutingThreadIsLeftOutWhenAsked) {
  EXPECT_EQ(turns(2, 1, 4), (std::vector<std::size_t>{1, 1, 1, 1}));
  EXPECT_EQ(turns(3, 1, 6), (std::vector<std::size_t>{1, 2, 1, 2, 1, 2}));
  // One thread only: it is the routing thread, and it must take the connection.
  EXPECT_EQ(turns(1, 1, 2), (std::vector<std::size_t>{0, 0}));
}

TEST(ListenerThreads, CompressionOfferedOnAnyWebSocketPath) {
  ListenerConfig plain;
  plain.websocket_on_any_path.emplace();
  EXPECT_FALSE(offers_compression(plain));
  plain.websocket_on_any_path->compression.enabled = true;
  EXPECT_TRUE(offers_compression(plain));

  ListenerConfig web;
  web.paths["/"].kind = PathService::Kind::http;
  web.paths["/ws"].kind = PathService::Kind::websocket;
  EXPECT_FALSE(offers_compression(web));
  web.paths["/ws"].websocket.compression.enabled = true;
  EXPECT_TRUE(offers_compression(web));

  ListenerConfig rawsocket;
  rawsocket.rawsocket.emplace();
  EXPECT_FALSE(offers_compression(rawsocket));
}

}  // namespace
}  // namespace junction::transport
