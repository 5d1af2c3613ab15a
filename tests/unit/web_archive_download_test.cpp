// web/archive_download's URL handling (no sockets: the downloads themselves are exercised by
// tests/e2e/python/test_web_archive_download.py against a real HTTP server), and a pending
// "archive" service (download: true, no file yet).
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include <gtest/gtest.h>

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
