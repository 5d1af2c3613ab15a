// web/archive_download: URL handling; the limits (timeouts, size, redirects, https -> http)
// against a scripted fake origin on a loopback port, with limits small enough to hit in
// milliseconds; and a pending "archive" service (download: true, no file yet). Downloads from a
// real HTTP server (Python's http.server, plain and HTTPS) are in
// tests/e2e/python/test_web_archive_download.py.
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/streambuf.hpp>
#include <boost/asio/write.hpp>

#include "web/archive.hpp"
#include "web/archive_download.hpp"

namespace junction {
namespace {

TEST(WebArchiveDownload, ParsesHttpUrls) {
  auto u =
      web::parse_http_url("https://github.com/crossbario/autobahn-js-browser/archive/master.zip");
  ASSERT_TRUE(u);
  EXPECT_TRUE(u->tls);
  EXPECT_EQ(u->host, "github.com");
  EXPECT_EQ(u->port, 443);
  EXPECT_EQ(u->target, "/crossbario/autobahn-js-browser/archive/master.zip");
  EXPECT_EQ(u->text(), "https://github.com/crossbario/autobahn-js-browser/archive/master.zip");

  u = web::parse_http_url("HTTP://127.0.0.1:8000?x=1#frag");
  ASSERT_TRUE(u);
  EXPECT_FALSE(u->tls);
  EXPECT_EQ(u->host, "127.0.0.1");
  EXPECT_EQ(u->port, 8000);
  EXPECT_EQ(u->target, "/?x=1");
  EXPECT_EQ(u->text(), "http://127.0.0.1:8000/?x=1");

  u = web::parse_http_url("http://[::1]:9000/a.zip");
  ASSERT_TRUE(u);
  EXPECT_EQ(u->host, "::1");
  EXPECT_EQ(u->port, 9000);
  EXPECT_EQ(u->text(), "http://[::1]:9000/a.zip");

  u = web::parse_http_url("http://example.com");
  ASSERT_TRUE(u);
  EXPECT_EQ(u->port, 80);
  EXPECT_EQ(u->target, "/");

  for (const char* bad :
       {"", "example.com/a.zip", "ftp://example.com/a.zip", "file:///etc/passwd", "http://",
        "http:///a.zip", "http://user:pw@example.com/a.zip", "http://example.com:0/",
        "http://example.com:65536/", "http://example.com:8x/", "http://[::1/a.zip",
        "http://exa mple.com/", "http://example.com/a b.zip"}) {
    EXPECT_FALSE(web::parse_http_url(bad)) << bad;
  }
}

TEST(WebArchiveDownload, ResolvesRedirects) {
  const auto base = *web::parse_http_url("https://github.com/o/r/archive/master.zip?x=1");
  auto target = [&](const char* location) {
    const auto u = web::redirect_target(base, location);
    return u ? u->text() : std::string("(none)");
  };
  EXPECT_EQ(target("https://codeload.github.com/o/r/zip/refs/heads/master"),
            "https://codeload.github.com/o/r/zip/refs/heads/master");
  EXPECT_EQ(target("http://mirror.example:8080/a.zip"), "http://mirror.example:8080/a.zip");
  EXPECT_EQ(target("//cdn.example/a.zip"), "https://cdn.example/a.zip");
  EXPECT_EQ(target("/b/c.zip"), "https://github.com/b/c.zip");
  EXPECT_EQ(target("other.zip"), "https://github.com/o/r/archive/other.zip");
  EXPECT_EQ(target("../../x/y.zip?v=2"), "https://github.com/o/x/y.zip?v=2");
  EXPECT_EQ(target("../../../../../z.zip"), "https://github.com/z.zip");
  EXPECT_EQ(target("./"), "https://github.com/o/r/archive/");
  EXPECT_EQ(target("?y=2"), "https://github.com/o/r/archive/master.zip?y=2");
  EXPECT_EQ(target("ftp://example.com/a.zip"), "(none)");
  EXPECT_EQ(target("javascript:alert(1)"), "(none)");
  EXPECT_EQ(target("/a b"), "(none)");
}

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using namespace std::chrono_literals;

// A loopback HTTP origin on its own thread: each connection's request head is read, then
// `answer(target, socket)` writes what the test wants (or holds the connection open).
class FakeOrigin {
 public:
  using Answer = std::function<void(const std::string& target, tcp::socket& socket)>;
  explicit FakeOrigin(Answer answer)
      : acceptor_(io_, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)),
        answer_(std::move(answer)) {
    thread_ = std::thread([this] {
      for (;;) {
        tcp::socket socket(io_);
        boost::system::error_code ec;
        acceptor_.accept(socket, ec);
        if (ec || stopping_) return;
        asio::streambuf head;
        asio::read_until(socket, head, "\r\n\r\n", ec);
        if (ec) continue;
        std::string line(asio::buffers_begin(head.data()), asio::buffers_end(head.data()));
        const auto first = line.find(' ');
        const auto target = line.substr(first + 1, line.find(' ', first + 1) - first - 1);
        answer_(target, socket);
      }
    });
  }
  ~FakeOrigin() {
    stopping_ = true;
    boost::system::error_code ec;
    tcp::socket poke(io_);
    poke.connect(acceptor_.local_endpoint(), ec);  // wakes accept()
    thread_.join();
  }
  std::string url(const std::string& path) const {
    return "http://127.0.0.1:" + std::to_string(acceptor_.local_endpoint().port()) + path;
  }

 private:
  asio::io_context io_;
  tcp::acceptor acceptor_;
  Answer answer_;
  std::atomic<bool> stopping_{false};
  std::thread thread_;
};

void send(tcp::socket& socket, const std::string& data) {
  boost::system::error_code ec;
  asio::write(socket, asio::buffer(data), ec);
}

// The DownloadError's message, or "" when the download succeeded.
std::string download_error(const std::string& url, const std::filesystem::path& file,
                           const web::DownloadLimits& limits) {
  try {
    web::download_to_file(url, file, limits);
    return "";
  } catch (const web::DownloadError& e) {
    return e.what();
  }
}

class WebArchiveDownloadLimits : public ::testing::Test {
 protected:
  void SetUp() override {
    file_ = std::filesystem::temp_directory_path() /
            ("junction-download-" + std::to_string(::getpid()) + "-" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name());
    // Generous where a test does not wait for the limit (a loaded machine, a sanitizer build).
    limits_.connect_timeout = 5s;
    limits_.idle_timeout = 5s;
    limits_.total_timeout = 10s;
    limits_.max_bytes = 1000;
    limits_.max_redirects = 3;
  }
  void TearDown() override { std::filesystem::remove(file_); }
  std::string contents() const {
    std::ifstream in(file_, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
  }
  std::filesystem::path file_;
  web::DownloadLimits limits_;
};

TEST_F(WebArchiveDownloadLimits, FollowsRedirectsAndReadsChunkedBodies) {
  FakeOrigin origin([](const std::string& target, tcp::socket& socket) {
    if (target == "/a") return send(socket, "HTTP/1.1 301 Moved\r\nLocation: /b?x=1\r\n\r\n");
    if (target == "/b?x=1") {
      return send(socket,
                  "HTTP/1.1 307 Temporary\r\nLocation: c.zip\r\nContent-Length: 5\r\n\r\nmoved");
    }
    if (target == "/c.zip") {
      return send(socket,
                  "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n"
                  "6\r\n world\r\n0\r\n\r\n");
    }
    send(socket, "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n");
  });
  const auto result = web::download_to_file(origin.url("/a"), file_, limits_);
  EXPECT_EQ(result.bytes, 11u);
  EXPECT_EQ(result.redirects, 2);
  EXPECT_EQ(result.final_url, origin.url("/c.zip"));
  EXPECT_EQ(contents(), "hello world");
  EXPECT_EQ(download_error(origin.url("/missing"), file_, limits_),
            "HTTP 404 Not Found from " + origin.url("/missing"));
}

TEST_F(WebArchiveDownloadLimits, RedirectLoopsAndBadTargetsStop) {
  FakeOrigin origin([&](const std::string& target, tcp::socket& socket) {
    if (target == "/loop") return send(socket, "HTTP/1.1 302 Found\r\nLocation: /loop\r\n\r\n");
    if (target == "/ftp") {
      return send(socket, "HTTP/1.1 302 Found\r\nLocation: ftp://127.0.0.1/a.zip\r\n\r\n");
    }
    send(socket, "HTTP/1.1 302 Found\r\n\r\n");  // no Location
  });
  EXPECT_EQ(download_error(origin.url("/loop"), file_, limits_),
            "more than 3 redirects (the last to /loop)");
  EXPECT_EQ(
      download_error(origin.url("/ftp"), file_, limits_),
      origin.url("/ftp") + " redirects to \"ftp://127.0.0.1/a.zip\", which is no http(s) URL");
  EXPECT_EQ(download_error(origin.url("/none"), file_, limits_),
            "HTTP 302 Found from " + origin.url("/none"));
}

TEST_F(WebArchiveDownloadLimits, SizeBound) {
  FakeOrigin origin([](const std::string& target, tcp::socket& socket) {
    if (target == "/announced") {
      return send(socket, "HTTP/1.1 200 OK\r\nContent-Length: 1001\r\n\r\n");
    }
    // No length announced: the bound is found while reading.
    send(socket, "HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n" + std::string(1500, 'x'));
  });
  EXPECT_EQ(download_error(origin.url("/announced"), file_, limits_),
            "the archive at " + origin.url("/announced") + " is larger than 1000 bytes");
  EXPECT_EQ(download_error(origin.url("/streamed"), file_, limits_),
            "the archive at " + origin.url("/streamed") + " is larger than 1000 bytes");
}

TEST_F(WebArchiveDownloadLimits, Timeouts) {
  std::mutex mutex;
  std::vector<std::shared_ptr<tcp::socket>> held;  // kept open, silent
  auto origin = std::make_unique<FakeOrigin>([&](const std::string& target, tcp::socket& socket) {
    if (target == "/stall-body") {
      send(socket, "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n0123456789");
    }
    std::lock_guard lock(mutex);
    held.push_back(std::make_shared<tcp::socket>(std::move(socket)));
  });
  const auto started = std::chrono::steady_clock::now();
  const std::string where = "127.0.0.1:" + origin->url("").substr(17);
  auto limits = limits_;  // 5 s each: a limit that did not work would cost that much
  limits.connect_timeout = 300ms;
  EXPECT_EQ(download_error(origin->url("/stall-head"), file_, limits),
            "reading the answer from " + where + ": nothing within 300 ms");
  limits = limits_;
  limits.idle_timeout = 300ms;
  EXPECT_EQ(download_error(origin->url("/stall-body"), file_, limits),
            "reading the archive from " + where + ": nothing within 300 ms");
  limits = limits_;
  limits.total_timeout = 200ms;
  EXPECT_EQ(download_error(origin->url("/stall-head"), file_, limits),
            "reading the answer from " + where + ": the download took longer than 200 ms");
  EXPECT_LT(std::chrono::steady_clock::now() - started, 4s);
  std::lock_guard lock(mutex);
  held.clear();  // before their io_context goes with the origin
}

TEST(WebArchiveDownload, RefusesWhatIsNoUrlBeforeTouchingTheFile) {
  const auto file = std::filesystem::temp_directory_path() /
                    ("junction-download-test-" + std::to_string(::getpid()));
  EXPECT_THROW(web::download_to_file("ftp://example.com/a.zip", file), web::DownloadError);
  EXPECT_FALSE(std::filesystem::exists(file));
}

TEST(WebArchiveDownload, PendingArchive) {
  const auto dir = std::filesystem::temp_directory_path() /
                   ("junction-archive-pending-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  web::ArchiveOptions options;
  options.archive = dir / "later.tar";
  options.download = true;
  // No origin: nothing to download from.
  EXPECT_THROW(web::ArchiveService{options}, web::ArchiveError);
  // With one, the service waits for download() (junction check never calls it).
  options.origin = "http://127.0.0.1:9/later.tar";
  web::ArchiveService service(options);
  EXPECT_TRUE(service.pending());
  EXPECT_EQ(service.member_count(), 0u);
  EXPECT_FALSE(std::filesystem::exists(options.archive));
  // The file appeared meanwhile (another path of the config downloaded it): it is read, not
  // downloaded again. An empty tar: two zero blocks.
  {
    std::ofstream out(options.archive, std::ios::binary);
    out << std::string(1024, '\0');
  }
  service.download();
  EXPECT_FALSE(service.pending());
  EXPECT_EQ(service.member_count(), 0u);
  // Without download, a missing file is refused as before.
  options.archive = dir / "missing.tar";
  options.download = false;
  EXPECT_THROW(web::ArchiveService{options}, web::ArchiveError);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace junction
