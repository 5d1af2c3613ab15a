// tests/unit/websocket_deflate_test: src/websocket/deflate — permessage-deflate negotiation
// (offers, parameters, malformed and multiple offers, our config's limits) and the zlib streams:
// the RFC 7692 §7.2.3 examples, round trips with and without context takeover, every window size,
// empty messages, garbage, and decompression bombs.
#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "websocket/deflate.hpp"

namespace {

using namespace junction::websocket;

std::string bytes(std::initializer_list<unsigned> list) {
  std::string out;
  for (unsigned b : list)
    out.push_back(static_cast<char>(b));
  return out;
}

// --- negotiation -------------------------------------------------------------------------------

std::optional<DeflateNegotiation> negotiate(std::string_view offers, DeflateConfig config = {}) {
  return negotiate_deflate(offers, config);
}

TEST(WebSocketDeflateNegotiation, NoOffer) {
  EXPECT_FALSE(negotiate(""));
  EXPECT_FALSE(negotiate("   "));
  EXPECT_FALSE(negotiate("x-webkit-deflate-frame"));
  EXPECT_FALSE(negotiate("permessage-deflate-x, deflate-frame"));
}

TEST(WebSocketDeflateNegotiation, PlainOffer) {
  const auto n = negotiate("permessage-deflate");
  ASSERT_TRUE(n);
  EXPECT_EQ(n->response, "permessage-deflate");
  EXPECT_FALSE(n->agreement.server_no_context_takeover);
  EXPECT_FALSE(n->agreement.client_no_context_takeover);
  EXPECT_EQ(n->agreement.server_max_window_bits, 15);
  EXPECT_EQ(n->agreement.client_max_window_bits, 15);
  ASSERT_TRUE(negotiate("  PerMessage-Deflate  "));
}

TEST(WebSocketDeflateNegotiation, BrowserOffer) {
  // What Chrome and Firefox send.
  const auto n = negotiate("permessage-deflate; client_max_window_bits");
  ASSERT_TRUE(n);
  EXPECT_EQ(n->response, "permessage-deflate");
  EXPECT_EQ(n->agreement.client_max_window_bits, 15);
}

TEST(WebSocketDeflateNegotiation, ContextTakeoverParameters) {
  const auto n =
      negotiate("permessage-deflate; server_no_context_takeover; client_no_context_takeover");
  ASSERT_TRUE(n);
  EXPECT_EQ(n->response,
            "permessage-deflate; server_no_context_takeover; client_no_context_takeover");
  EXPECT_TRUE(n->agreement.server_no_context_takeover);
  EXPECT_TRUE(n->agreement.client_no_context_takeover);

  const auto client_only = negotiate("permessage-deflate;client_no_context_takeover");
  ASSERT_TRUE(client_only);
  EXPECT_EQ(client_only->response, "permessage-deflate; client_no_context_takeover");
  EXPECT_FALSE(client_only->agreement.server_no_context_takeover);
}

TEST(WebSocketDeflateNegotiation, WindowBits) {
  for (int bits = 9; bits <= 15; ++bits) {
    const auto n = negotiate("permessage-deflate; server_max_window_bits=" + std::to_string(bits));
    ASSERT_TRUE(n) << bits;
    EXPECT_EQ(n->agreement.server_max_window_bits, bits);
    EXPECT_EQ(n->response, "permessage-deflate; server_max_window_bits=" + std::to_string(bits));
  }
  const auto quoted = negotiate("permessage-deflate; server_max_window_bits=\"12\"");
  ASSERT_TRUE(quoted);
  EXPECT_EQ(quoted->agreement.server_max_window_bits, 12);

  // client_max_window_bits is not answered, so the client may use any window: we inflate with 15.
  const auto client = negotiate("permessage-deflate; client_max_window_bits=10");
  ASSERT_TRUE(client);
  EXPECT_EQ(client->agreement.client_max_window_bits, 15);
  EXPECT_EQ(client->response, "permessage-deflate");
}

TEST(WebSocketDeflateNegotiation, ServerWindowOf8IsDeclined) {
  EXPECT_FALSE(negotiate("permessage-deflate; server_max_window_bits=8"));
  // ... and the next offer is tried.
  const auto n = negotiate(
      "permessage-deflate; server_max_window_bits=8, permessage-deflate; "
      "server_max_window_bits=9");
  ASSERT_TRUE(n);
  EXPECT_EQ(n->agreement.server_max_window_bits, 9);
  // The client's own window may be 8: only our inflater is concerned, and it uses 15.
  const auto client8 = negotiate("permessage-deflate; client_max_window_bits=8");
  ASSERT_TRUE(client8);
  EXPECT_EQ(client8->agreement.client_max_window_bits, 15);
}

TEST(WebSocketDeflateNegotiation, BadParametersDeclineTheOffer) {
  for (const char* offer : {
           "permessage-deflate; server_max_window_bits",        // value required
           "permessage-deflate; server_max_window_bits=7",      // out of range
           "permessage-deflate; server_max_window_bits=16",     //
           "permessage-deflate; server_max_window_bits=010",    // leading zero
           "permessage-deflate; server_max_window_bits=ten",    //
           "permessage-deflate; server_max_window_bits=\"\"",   //
           "permessage-deflate; client_max_window_bits=0",      //
           "permessage-deflate; client_max_window_bits=1x",     //
           "permessage-deflate; server_no_context_takeover=1",  // takes no value
           "permessage-deflate; client_no_context_takeover=\"\"",
           "permessage-deflate; server_no_context_takeover; server_no_context_takeover",
           "permessage-deflate; client_no_context_takeover; client_no_context_takeover",
           "permessage-deflate; server_max_window_bits=10; server_max_window_bits=10",
           "permessage-deflate; client_max_window_bits; client_max_window_bits=9",
           "permessage-deflate; mux",                           // unknown parameter
           "permessage-deflate; ; server_no_context_takeover",  // empty parameter
           "permessage-deflate; =9",                            //
           "permessage-deflate server_no_context_takeover",     // missing ';'
           "permessage-deflate; server_max_window_bits=\"10",   // unterminated quote
           "permessage-deflate; server_max_window_bits=",       //
       }) {
    EXPECT_FALSE(negotiate(offer)) << offer;
  }
}

TEST(WebSocketDeflateNegotiation, MultipleOffersFirstAcceptableWins) {
  const auto n = negotiate(
      "x-webkit-deflate-frame; no_context_takeover, permessage-deflate; unknown_param, "
      "permessage-deflate; client_no_context_takeover, permessage-deflate");
  ASSERT_TRUE(n);
  EXPECT_EQ(n->response, "permessage-deflate; client_no_context_takeover");

  // A comma inside a quoted value of another extension does not split the list.
  const auto quoted = negotiate("x-foo; bar=\"a, permessage-deflate\", permessage-deflate");
  ASSERT_TRUE(quoted);
  EXPECT_EQ(quoted->response, "permessage-deflate");

  // A malformed element only costs its own offer.
  const auto after_garbage = negotiate("oops=1, ;;, permessage-deflate; server_max_window_bits=11");
  ASSERT_TRUE(after_garbage);
  EXPECT_EQ(after_garbage->agreement.server_max_window_bits, 11);

  // Empty list elements are allowed.
  EXPECT_TRUE(negotiate(", ,permessage-deflate,"));
}

TEST(WebSocketDeflateNegotiation, ConfigLimits) {
  DeflateConfig config;
  config.max_window_bits = 10;
  const auto plain = negotiate("permessage-deflate", config);
  ASSERT_TRUE(plain);
  EXPECT_EQ(plain->agreement.server_max_window_bits, 10);
  EXPECT_EQ(plain->response, "permessage-deflate; server_max_window_bits=10");

  const auto larger = negotiate("permessage-deflate; server_max_window_bits=12", config);
  ASSERT_TRUE(larger);
  EXPECT_EQ(larger->agreement.server_max_window_bits, 10);
  EXPECT_EQ(larger->response, "permessage-deflate; server_max_window_bits=10");

  const auto smaller = negotiate("permessage-deflate; server_max_window_bits=9", config);
  ASSERT_TRUE(smaller);
  EXPECT_EQ(smaller->agreement.server_max_window_bits, 9);

  config.max_window_bits = 4;  // nonsense config is clamped to what zlib can do
  const auto clamped = negotiate("permessage-deflate", config);
  ASSERT_TRUE(clamped);
  EXPECT_EQ(clamped->agreement.server_max_window_bits, 9);

  DeflateConfig reset;
  reset.no_context_takeover = true;
  const auto n = negotiate("permessage-deflate", reset);
  ASSERT_TRUE(n);
  EXPECT_TRUE(n->agreement.server_no_context_takeover);
  EXPECT_EQ(n->response, "permessage-deflate; server_no_context_takeover");
}

// --- compression -------------------------------------------------------------------------------

std::string compress(Deflater& d, std::string_view message) {
  std::string out;
  d.compress(message, out);
  return out;
}

std::string decompress(Inflater& i, std::string_view message, std::size_t max_size = 1 << 24) {
  std::string out, error;
  bool too_big = true;
  EXPECT_TRUE(i.decompress(message, out, max_size, error, too_big)) << error;
  EXPECT_FALSE(too_big);
  return out;
}

std::string random_text(std::mt19937& rng, std::size_t size) {
  // Words from a small vocabulary: compressible like real JSON, not trivially.
  static const char* const kWords[] = {
      "call", "publish",           "\"args\"", "{", "}",        "[",    "]",
      "1234", "com.example.topic", "null",     ",", "\xce\xba", "true", "0.5"};
  std::string out;
  while (out.size() < size)
    out += kWords[rng() % std::size(kWords)];
  out.resize(size);
  return out;
}

TEST(WebSocketDeflate, Rfc7692HelloExample) {
  Deflater d(15, 8, 6, false);
  EXPECT_EQ(compress(d, "Hello"), bytes({0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00}));
  Inflater i(15, false);
  EXPECT_EQ(decompress(i, bytes({0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00})), "Hello");
}

TEST(WebSocketDeflate, Rfc7692SharedWindowExample) {
  // §7.2.3.2: the second "Hello" refers back into the first message.
  Inflater i(15, false);
  EXPECT_EQ(decompress(i, bytes({0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00})), "Hello");
  EXPECT_EQ(decompress(i, bytes({0xf2, 0x00, 0x11, 0x00, 0x00})), "Hello");
  Deflater d(15, 8, 6, false);
  compress(d, "Hello");
  EXPECT_EQ(compress(d, "Hello"), bytes({0xf2, 0x00, 0x11, 0x00, 0x00}));
}

TEST(WebSocketDeflate, Rfc7692StoredBlockExample) {
  // §7.2.3.3: "Hello" in a stored (uncompressed) block.
  Inflater i(15, false);
  EXPECT_EQ(
      decompress(i, bytes({0x00, 0x05, 0x00, 0xfa, 0xff, 0x48, 0x65, 0x6c, 0x6c, 0x6f, 0x00})),
      "Hello");
}

TEST(WebSocketDeflate, FinalBlockThenMoreMessages) {
  // §7.2.3.5: a sender may end each message with a BFINAL block instead of a sync flush. Both the
  // bare final block and one followed by padding are accepted, and the next message still works.
  for (bool takeover : {true, false}) {
    Inflater i(15, !takeover);
    EXPECT_EQ(decompress(i, bytes({0xf3, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00})), "Hello");
    EXPECT_EQ(decompress(i, bytes({0xf3, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00, 0x00})), "Hello");
    EXPECT_EQ(decompress(i, bytes({0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00})), "Hello");
  }
}

TEST(WebSocketDeflate, EmptyMessages) {
  Deflater d(15, 8, 6, false);
  const std::string empty = compress(d, "");
  EXPECT_EQ(empty, bytes({0x00}));
  Inflater i(15, false);
  EXPECT_EQ(decompress(i, empty), "");
  EXPECT_EQ(decompress(i, ""), "");  // an empty payload with RSV1 set
  // The stream is still in step afterwards.
  EXPECT_EQ(decompress(i, compress(d, "after")), "after");
  EXPECT_EQ(decompress(i, compress(d, "")), "");
  EXPECT_EQ(decompress(i, compress(d, "after")), "after");
}

TEST(WebSocketDeflate, RoundTripWithContextTakeover) {
  std::mt19937 rng(1);
  Deflater d(15, 8, 6, false);
  Inflater i(15, false);
  std::size_t first_size = 0;
  const std::string repeated = random_text(rng, 2000);
  for (int n = 0; n < 50; ++n) {
    const std::string message = n % 2 ? repeated : random_text(rng, rng() % 5000);
    const std::string c = compress(d, message);
    if (n == 1) first_size = c.size();
    if (n == 3) {
      EXPECT_LT(c.size(), first_size / 4) << "the window is kept between messages";
    }
    ASSERT_EQ(decompress(i, c), message) << n;
  }
}

TEST(WebSocketDeflate, RoundTripWithoutContextTakeover) {
  std::mt19937 rng(2);
  Deflater d(15, 8, 6, true);
  const std::string message = random_text(rng, 3000);
  const std::string first = compress(d, message);
  for (int n = 0; n < 5; ++n) {
    // Each message stands alone: the same bytes every time, readable by a fresh inflater.
    const std::string c = compress(d, message);
    EXPECT_EQ(c, first);
    Inflater fresh(15, true);
    EXPECT_EQ(decompress(fresh, c), message);
  }
  Inflater reused(15, true);
  for (int n = 0; n < 20; ++n) {
    const std::string m = random_text(rng, rng() % 3000);
    ASSERT_EQ(decompress(reused, compress(d, m)), m);
  }
}

TEST(WebSocketDeflate, EveryWindowSizeRoundTrips) {
  std::mt19937 rng(3);
  // Repeats 300..3000 bytes apart: back-references beyond small windows would be wrong there.
  std::string block = random_text(rng, 3000);
  std::string message;
  for (int k = 0; k < 20; ++k)
    message += block.substr(0, 300 + 100 * k) + random_text(rng, 50);
  for (int bits = 8; bits <= 15; ++bits) {
    for (bool reset : {false, true}) {
      Deflater d(bits, 8, 9, reset);
      Inflater i(bits, reset);  // an inflater no larger than the agreed window
      for (int n = 0; n < 3; ++n)
        ASSERT_EQ(decompress(i, compress(d, message)), message) << bits;
    }
  }
}

TEST(WebSocketDeflate, BinaryAndIncompressibleData) {
  std::mt19937 rng(4);
  std::string noise(100000, '\0');
  for (auto& c : noise)
    c = static_cast<char>(rng());
  Deflater d(15, 9, 1, false);
  Inflater i(15, false);
  const std::string c = compress(d, noise);
  EXPECT_LE(c.size(), noise.size() + 64);
  EXPECT_EQ(decompress(i, c), noise);
}

TEST(WebSocketDeflate, LargeMessageInOneCall) {
  std::mt19937 rng(5);
  const std::string big = random_text(rng, 5 << 20);
  Deflater d(15, 8, 6, false);
  Inflater i(15, false);
  EXPECT_EQ(decompress(i, compress(d, big)), big);
}

TEST(WebSocketDeflate, GarbageFails) {
  for (const std::string& garbage : {bytes({0xff, 0xff, 0xff, 0xff}), bytes({0x07}),
                                     std::string("not deflate at all"), bytes({0x06, 0x00})}) {
    Inflater i(15, false);
    std::string out, error;
    bool too_big = true;
    EXPECT_FALSE(i.decompress(garbage, out, 1 << 20, error, too_big))
        << testing::PrintToString(garbage);
    EXPECT_FALSE(too_big);
    EXPECT_FALSE(error.empty());
  }
}

TEST(WebSocketDeflate, TruncatedMessageFails) {
  std::mt19937 rng(6);
  Deflater d(15, 8, 6, true);
  const std::string c = compress(d, random_text(rng, 10000));
  Inflater i(15, true);
  std::string out, error;
  bool too_big = true;
  EXPECT_FALSE(
      i.decompress(std::string_view(c).substr(0, c.size() / 2), out, 1 << 20, error, too_big));
  EXPECT_FALSE(too_big);
}

TEST(WebSocketDeflate, ZipBombIsStoppedAtMaxSize) {
  const std::string zeros(10 << 20, '\0');
  Deflater d(15, 9, 9, true);
  const std::string bomb = compress(d, zeros);
  ASSERT_LT(bomb.size(), 20000u);

  Inflater i(15, true);
  std::string out, error;
  bool too_big = false;
  constexpr std::size_t kMax = 64 * 1024;
  EXPECT_FALSE(i.decompress(bomb, out, kMax, error, too_big));
  EXPECT_TRUE(too_big);
  EXPECT_FALSE(error.empty());
  // Never more than max_size plus one growth step held in memory.
  EXPECT_LE(out.capacity(), kMax + 16 * 1024 + 1);

  // The limit is inclusive: exactly max_size is fine, one byte less is too big.
  Inflater exact(15, true);
  EXPECT_EQ(decompress(exact, bomb, zeros.size()), zeros);
  Inflater one_less(15, true);
  EXPECT_FALSE(one_less.decompress(bomb, out, zeros.size() - 1, error, too_big));
  EXPECT_TRUE(too_big);
  Inflater zero_max(15, true);
  EXPECT_FALSE(zero_max.decompress(compress(d, "x"), out, 0, error, too_big));
  EXPECT_TRUE(too_big);
  EXPECT_EQ(decompress(zero_max, compress(d, ""), 0), "");
}

TEST(WebSocketDeflate, OutputBufferIsReplacedNotAppended) {
  Deflater d(15, 8, 6, false);
  Inflater i(15, false);
  std::string c = "stale", out = "stale", error;
  bool too_big = false;
  d.compress("fresh", c);
  ASSERT_TRUE(i.decompress(c, out, 100, error, too_big));
  EXPECT_EQ(out, "fresh");
}

}  // namespace

// --- bounded inflation (issue 13) ---------------------------------------------------------------

// Runs begin()/step() to the end; returns the status, the number of `more` steps and the largest
// output growth of one step.
struct Stepped {
  Inflater::Status status;
  int steps = 0;
  std::size_t largest_step = 0;
  std::string error;
};
Stepped inflate_in_steps(Inflater& i, std::string_view message, std::string& out,
                         const InflateLimits& limits, std::size_t budget) {
  Stepped r;
  i.begin(message, out, limits);
  std::size_t before = 0;
  do {
    r.status = i.step(budget, r.error);
    ++r.steps;
    if (r.status == Inflater::Status::more) {
      r.largest_step = std::max(r.largest_step, out.size() - before);
      before = out.size();
    }
  } while (r.status == Inflater::Status::more);
  return r;
}

TEST(WebSocketDeflate, InflatesInBoundedSteps) {
  std::mt19937 rng(7);
  const std::string text = random_text(rng, 1 << 20);
  Deflater d(15, 8, 6, false);
  const std::string compressed = compress(d, text);
  Inflater i(15, false);
  std::string out;
  InflateLimits limits;
  limits.max_ratio = 256;
  const auto r = inflate_in_steps(i, compressed, out, limits, 64 * 1024);
  ASSERT_EQ(r.status, Inflater::Status::done) << r.error;
  EXPECT_EQ(out, text);
  // 1 MiB in 64 KiB steps: about 16 of them, none much bigger than the budget (zlib's output is
  // handed over 64 KiB at a time; the buffer grows ahead of it).
  EXPECT_GE(r.steps, 12);
  // The stream carries on with the next message (context takeover) as with decompress().
  const std::string again = compress(d, text.substr(0, 1000));
  const auto r2 = inflate_in_steps(i, again, out, limits, 64 * 1024);
  ASSERT_EQ(r2.status, Inflater::Status::done) << r2.error;
  EXPECT_EQ(out, text.substr(0, 1000));
}

TEST(WebSocketDeflate, RatioBoundStopsABombEarly) {
  // 16 MiB of zeros compress to about 16 KB (about 1000:1).
  Deflater d(15, 8, 6, true);
  const std::string zeros(16 << 20, '\0');
  const std::string bomb = compress(d, zeros);
  ASSERT_LT(bomb.size(), 20000u);
  InflateLimits limits;
  limits.max_size = (16 << 20) - 1;  // one byte short: the bomb is too big either way
  limits.max_ratio = 100;
  limits.ratio_free_bytes = 64 * 1024;
  Inflater i(15, true);
  std::string out;
  const auto r = inflate_in_steps(i, bomb, out, limits, SIZE_MAX);
  EXPECT_EQ(r.status, Inflater::Status::too_big);
  EXPECT_NE(r.error.find("compression ratio above 100:1"), std::string::npos) << r.error;
  // Stopped just past the ratio-free bytes, not at max_size: the buffer never grew far.
  EXPECT_LE(out.capacity(), 512u * 1024);
  // Without the ratio bound the same bomb runs into max_size (the old behaviour).
  limits.max_ratio = 0;
  Inflater j(15, true);
  const auto r2 = inflate_in_steps(j, bomb, out, limits, SIZE_MAX);
  EXPECT_EQ(r2.status, Inflater::Status::too_big);
  EXPECT_EQ(r2.error.find("ratio"), std::string::npos) << r2.error;
}

TEST(WebSocketDeflate, RatioBoundLetsOrdinaryAndSmallMessagesThrough) {
  std::mt19937 rng(11);
  InflateLimits limits;
  limits.max_ratio = 64;
  limits.ratio_free_bytes = 64 * 1024;
  Deflater d(15, 8, 6, true);
  Inflater i(15, true);
  std::string out;
  // JSON-like text compresses a few times over: far below 64:1.
  const std::string text = random_text(rng, 4 << 20);
  auto r = inflate_in_steps(i, compress(d, text), out, limits, SIZE_MAX);
  ASSERT_EQ(r.status, Inflater::Status::done) << r.error;
  EXPECT_EQ(out, text);
  // Highly compressible but within the ratio-free bytes: accepted whatever the ratio.
  const std::string zeros(64 * 1024, '\0');
  r = inflate_in_steps(i, compress(d, zeros), out, limits, SIZE_MAX);
  ASSERT_EQ(r.status, Inflater::Status::done) << r.error;
  EXPECT_EQ(out, zeros);
  // One byte more of it is over the ratio.
  r = inflate_in_steps(i, compress(d, zeros + '\0'), out, limits, SIZE_MAX);
  EXPECT_EQ(r.status, Inflater::Status::too_big);
}
