// web/file_cache and the static service's use of it: an entry serves only the unchanged file it
// was made from, the bounds evict least recently used entries, and a path that now leads out of
// the tree (a symlink swapped in for a cached file) is refused, not served from the cache.
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <boost/beast/http/verb.hpp>

#include "transport/http_service.hpp"
#include "web/file_cache.hpp"
#include "web/static_files.hpp"

namespace junction {
namespace {

namespace fs = std::filesystem;
using web::Entity;
using web::FileCache;
using web::FileIdentity;

std::shared_ptr<const Entity> entity_of(std::size_t bytes) {
  auto e = std::make_shared<Entity>();
  e->content = std::make_shared<const std::string>(bytes, 'x');
  e->size = bytes;
  return e;
}

FileIdentity identity(std::uint64_t inode, std::int64_t mtime_ns = 1, std::int64_t ctime_ns = 1) {
  FileIdentity id;
  id.device = 1;
  id.inode = inode;
  id.size = 10;
  id.mtime_ns = mtime_ns;
  id.ctime_ns = ctime_ns;
  return id;
}

TEST(WebFileCache, HitsOnlyTheSameUnchangedFile) {
  FileCache cache(1 << 20, 16);
  cache.insert("a.txt", identity(7), entity_of(10));
  EXPECT_NE(cache.find("a.txt", identity(7)), nullptr);
  EXPECT_EQ(cache.find("b.txt", identity(7)), nullptr);
  // Another inode under the same path (replaced, or a symlink now leads elsewhere): a miss,
  // and the stale entry is gone.
  EXPECT_EQ(cache.find("a.txt", identity(8)), nullptr);
  EXPECT_EQ(cache.entries(), 0u);
  cache.insert("a.txt", identity(7), entity_of(10));
  EXPECT_EQ(cache.find("a.txt", identity(7, 2)), nullptr);  // written (mtime)
  cache.insert("a.txt", identity(7), entity_of(10));
  EXPECT_EQ(cache.find("a.txt", identity(7, 1, 2)), nullptr);  // renamed, chmod, linked (ctime)
  EXPECT_EQ(cache.bytes(), 0u);
}

TEST(WebFileCache, BoundsEvictLeastRecentlyUsed) {
  FileCache cache(100, 3);
  cache.insert("a", identity(1), entity_of(30));
  cache.insert("b", identity(2), entity_of(30));
  cache.insert("c", identity(3), entity_of(30));
  EXPECT_EQ(cache.entries(), 3u);
  ASSERT_NE(cache.find("a", identity(1)), nullptr);  // a is now the most recently used
  cache.insert("d", identity(4), entity_of(30));     // over 100 bytes: b goes
  EXPECT_EQ(cache.find("b", identity(2)), nullptr);
  EXPECT_NE(cache.find("a", identity(1)), nullptr);
  EXPECT_NE(cache.find("c", identity(3)), nullptr);
  EXPECT_NE(cache.find("d", identity(4)), nullptr);
  EXPECT_LE(cache.bytes(), 100u);
  // The entry bound: a fourth small entry pushes out the least recently used (a).
  cache.insert("e", identity(5), entity_of(1));
  EXPECT_EQ(cache.entries(), 3u);
  EXPECT_EQ(cache.find("a", identity(1)), nullptr);
  // Larger than the whole cache: not kept (and what the path had is dropped).
  cache.insert("c", identity(3), entity_of(500));
  EXPECT_EQ(cache.find("c", identity(3)), nullptr);
  EXPECT_EQ(cache.entries(), 2u);
}

// Drives a StaticService without sockets: the answers land here.
class Capture : public transport::HttpResponder {
 public:
  void deliver(std::uint64_t, transport::HttpResponse response) override {
    answers.push_back(std::move(response));
  }
  std::vector<transport::HttpResponse> answers;
};

struct Answer {
  unsigned status = 0;
  std::string body;
  std::string head_lines;
};

Answer get(web::StaticService& service, const std::string& target) {
  auto capture = std::make_shared<Capture>();
  transport::HttpRequest request{boost::beast::http::verb::get, target, 11};
  auto info = std::make_shared<transport::HttpConnectionInfo>();
  service.handle(transport::HttpExchange(capture, 1, std::move(request), info, "/", 1));
  EXPECT_EQ(capture->answers.size(), 1u);
  if (capture->answers.empty()) return {};
  auto& r = capture->answers.front();
  Answer a;
  a.status = static_cast<unsigned>(r.status);
  a.head_lines = r.head_lines;
  a.body = r.shared ? r.shared->substr(r.offset, r.length) : r.body;
  return a;
}

void write_file(const fs::path& path, const std::string& text) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << text;
}

class WebStaticCache : public ::testing::Test {
 protected:
  void SetUp() override {
    base_ = fs::temp_directory_path() /
            ("junction-static-cache-" + std::to_string(::getpid()) + "-" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(base_);
    fs::create_directories(base_ / "www");
    write_file(base_ / "secret.txt", "TOP SECRET");
    write_file(base_ / "www" / "a.txt", "public one");
    web::StaticOptions options;
    options.directory = base_ / "www";
    service_ = std::make_unique<web::StaticService>(options);
  }
  void TearDown() override { fs::remove_all(base_); }
  fs::path base_;
  std::unique_ptr<web::StaticService> service_;
};

TEST_F(WebStaticCache, AChangedFileIsServedNew) {
  EXPECT_EQ(get(*service_, "/a.txt").body, "public one");
  EXPECT_EQ(get(*service_, "/a.txt").body, "public one");  // from the cache
  // Same size, and the mtime set back to what it was: the ctime still moves.
  struct stat before {};
  ASSERT_EQ(::stat((base_ / "www" / "a.txt").c_str(), &before), 0);
  write_file(base_ / "www" / "a.txt", "PUBLIC TWO");
  const struct timespec times[2] = {before.st_atim, before.st_mtim};
  ASSERT_EQ(::utimensat(AT_FDCWD, (base_ / "www" / "a.txt").c_str(), times, 0), 0);
  EXPECT_EQ(get(*service_, "/a.txt").body, "PUBLIC TWO");
  fs::remove(base_ / "www" / "a.txt");
  EXPECT_EQ(get(*service_, "/a.txt").status, 404u);
}

TEST_F(WebStaticCache, ASymlinkSwappedInForACachedFileIsRefused) {
  EXPECT_EQ(get(*service_, "/a.txt").body, "public one");
  // The cached file is moved out of the tree and a symlink to it takes its place: the inode
  // is the cached one, but its ctime moved with the rename, and openat2 refuses the link.
  fs::rename(base_ / "www" / "a.txt", base_ / "moved.txt");
  fs::create_symlink(base_ / "moved.txt", base_ / "www" / "a.txt");
  auto answer = get(*service_, "/a.txt");
  EXPECT_EQ(answer.status, 404u);
  EXPECT_EQ(answer.body.find("public one"), std::string::npos);
  fs::remove(base_ / "www" / "a.txt");
  fs::create_symlink(base_ / "secret.txt", base_ / "www" / "a.txt");
  answer = get(*service_, "/a.txt");
  EXPECT_EQ(answer.status, 404u);
  EXPECT_EQ(answer.body.find("TOP SECRET"), std::string::npos);
}

TEST_F(WebStaticCache, HeaderLinesCarryTheEntity) {
  const auto answer = get(*service_, "/a.txt");
  EXPECT_EQ(answer.status, 200u);
  EXPECT_NE(answer.head_lines.find("\r\nETag: \""), std::string::npos);
  EXPECT_NE(answer.head_lines.find("Content-Type: text/plain"), std::string::npos);
  EXPECT_NE(answer.head_lines.find("Last-Modified: "), std::string::npos);
  EXPECT_NE(answer.head_lines.find("Cache-Control: max-age=43200, public\r\nExpires: "),
            std::string::npos);
  EXPECT_NE(answer.head_lines.find("Access-Control-Allow-Origin: *\r\n"), std::string::npos);
}

}  // namespace
}  // namespace junction
