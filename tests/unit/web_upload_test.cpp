// web/multipart and web/upload_store: the multipart/form-data parser (as browsers and
// resumable.js write it) and the upload store (chunks in any order, retries, limits, file names
// that try to leave the directory, temporary files cleaned, resuming after a restart).
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

#include "web/multipart.hpp"
#include "web/upload_store.hpp"

namespace junction {
namespace {

namespace fs = std::filesystem;

TEST(WebMultipart, Boundary) {
  EXPECT_EQ(web::multipart_boundary("multipart/form-data; boundary=----WebKitFormBoundaryX1"),
            "----WebKitFormBoundaryX1");
  EXPECT_EQ(web::multipart_boundary("Multipart/Form-Data;boundary=\"a b\""), "a b");
  EXPECT_EQ(web::multipart_boundary("multipart/form-data"), std::nullopt);
  EXPECT_EQ(web::multipart_boundary("multipart/mixed; boundary=x"), std::nullopt);
  EXPECT_EQ(web::multipart_boundary("application/octet-stream"), std::nullopt);
  EXPECT_EQ(web::multipart_boundary("multipart/form-data; boundary=" + std::string(71, 'a')),
            std::nullopt);
}

TEST(WebMultipart, PartsAsABrowserSendsThem) {
  using namespace std::string_literals;
  const std::string body =
      "preamble\r\n"
      "--XyZ\r\n"
      "Content-Disposition: form-data; name=\"resumableFilename\"\r\n\r\n"
      "a b.txt\r\n"
      "--XyZ\r\n"
      "content-disposition: form-data; name=\"file\"; filename=\"q\\\"uote.bin\"\r\n"
      "Content-Type: application/octet-stream\r\n\r\n"
      "\r\nx--XyZ is not a delimiter\r\n\0binary"
      "\r\n--XyZ--\r\n"s;  // "s": the NUL inside is part of it
  const std::string_view view(body.data(), body.size());
  const auto parts = web::parse_multipart(view, "XyZ");
  ASSERT_TRUE(parts.has_value());
  ASSERT_EQ(parts->size(), 2u);
  EXPECT_EQ((*parts)[0].name, "resumableFilename");
  EXPECT_EQ((*parts)[0].value, "a b.txt");
  EXPECT_FALSE((*parts)[0].filename.has_value());
  EXPECT_EQ((*parts)[1].name, "file");
  EXPECT_EQ((*parts)[1].filename, "q\"uote.bin");
  EXPECT_EQ((*parts)[1].content_type, "application/octet-stream");
  EXPECT_EQ((*parts)[1].value, std::string_view("\r\nx--XyZ is not a delimiter\r\n\0binary", 36));

  // Starting with the delimiter (no preamble) and an empty form.
  EXPECT_EQ(
      web::parse_multipart("--b\r\nContent-Disposition: form-data; name=a\r\n\r\n1\r\n--b--", "b")
          ->at(0)
          .value,
      "1");
  EXPECT_TRUE(web::parse_multipart("--b--\r\n", "b")->empty());
}

TEST(WebMultipart, MalformedBodies) {
  const auto bad = [](std::string_view body) { return !web::parse_multipart(body, "b"); };
  EXPECT_TRUE(bad(""));
  EXPECT_TRUE(bad("no delimiter at all"));
  EXPECT_TRUE(bad("--b\r\nContent-Disposition: form-data; name=a\r\n\r\nunterminated"));
  EXPECT_TRUE(bad("--b\r\nContent-Disposition: form-data; name=a\r\nno blank line"));
  EXPECT_TRUE(bad("--b\r\nContent-Disposition: attachment; name=a\r\n\r\nx\r\n--b--"));
  EXPECT_TRUE(bad("--b\r\nContent-Disposition: form-data\r\n\r\nx\r\n--b--"));  // no name
  EXPECT_TRUE(bad("--b\r\nX-Header-Without-Colon\r\n\r\nx\r\n--b--"));
  EXPECT_TRUE(bad("--bjunk\r\nContent-Disposition: form-data; name=a\r\n\r\nx\r\n--b--"));
  std::string many;
  for (int i = 0; i < 3; ++i)
    many += "--b\r\nContent-Disposition: form-data; name=a\r\n\r\nx\r\n";
  many += "--b--";
  EXPECT_EQ(web::parse_multipart(many, "b", 3)->size(), 3u);
  EXPECT_FALSE(web::parse_multipart(many, "b", 2).has_value());
}

TEST(WebUploadStore, FileNames) {
  std::string why;
  for (const char* good : {"a.txt", "report 2026.pdf", "%2e%2e%2fx", "ünïcödé.txt", "a..b"}) {
    EXPECT_TRUE(web::UploadStore::valid_file_name(good, why)) << good;
  }
  for (const std::string& bad :
       {std::string(""), std::string("."), std::string(".."), std::string("../x"),
        std::string("a/b"), std::string("a\\b"), std::string(".hidden"), std::string("a\nb"),
        std::string("a\x7f"), std::string("a\0b", 3), std::string("\xff\xfe"),
        std::string(256, 'a')}) {
    EXPECT_FALSE(web::UploadStore::valid_file_name(bad, why)) << bad;
    EXPECT_FALSE(why.empty());
  }
}

class UploadStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::temp_directory_path() /
            ("junction-upload-test-" + std::to_string(::getpid()) + "-" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(root_);
    fs::create_directories(root_ / "files");
    limits_.directory = root_ / "files";
    limits_.temp_directory = root_ / "temp";
    limits_.max_file_size = 1000;
  }
  void TearDown() override { fs::remove_all(root_); }

  static web::ChunkRequest chunk(std::string name, std::uint64_t total_size,
                                 std::uint64_t total_chunks, std::uint64_t number,
                                 std::string_view content) {
    return web::ChunkRequest{std::move(name), total_size, total_chunks, number, content};
  }
  std::string read(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
  }
  std::size_t entries(const fs::path& dir) {
    std::error_code ec;
    return static_cast<std::size_t>(
        std::distance(fs::directory_iterator(dir, ec), fs::directory_iterator()));
  }

  fs::path root_;
  web::UploadLimits limits_;
};

TEST_F(UploadStoreTest, ChunksInAnyOrderAssembleOnce) {
  web::UploadStore store(limits_);
  store.open();
  EXPECT_TRUE(fs::is_directory(limits_.temp_directory));  // created
  auto out = store.put(chunk("f.txt", 10, 3, 3, "ghij"));
  EXPECT_EQ(out.status, 200u);
  EXPECT_TRUE(out.started);
  EXPECT_FALSE(out.finished);
  EXPECT_EQ(out.received, 4u);
  EXPECT_TRUE(store.has_chunk("f.txt", 3));
  EXPECT_FALSE(store.has_chunk("f.txt", 1));
  out = store.put(chunk("f.txt", 10, 3, 1, "abc"));
  EXPECT_FALSE(out.started);
  EXPECT_EQ(out.received, 7u);
  EXPECT_FALSE(fs::exists(limits_.directory / "f.txt"));  // never a partial file there
  out = store.put(chunk("f.txt", 10, 3, 1, "abc"));       // a retry replaces the chunk
  EXPECT_EQ(out.received, 7u);
  out = store.put(chunk("f.txt", 10, 3, 2, "def"));
  EXPECT_EQ(out.status, 200u);
  EXPECT_TRUE(out.finished);
  EXPECT_EQ(out.received, 10u);
  EXPECT_EQ(read(limits_.directory / "f.txt"), "abcdefghij");
  EXPECT_EQ(fs::status(limits_.directory / "f.txt").permissions(),
            fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read |
                fs::perms::others_read);  // 0644 by default, whatever the umask
  EXPECT_EQ(store.pending(), 0u);
  EXPECT_EQ(entries(limits_.temp_directory), 0u);  // temporary files gone
  EXPECT_FALSE(store.has_chunk("f.txt", 1));
}

TEST_F(UploadStoreTest, LimitsAndRefusals) {
  limits_.file_types = {".txt"};
  limits_.file_permissions = 0600;
  web::UploadStore store(limits_);
  store.open();
  EXPECT_EQ(store.put(chunk("../x.txt", 1, 1, 1, "x")).status, 400u);
  EXPECT_EQ(store.put(chunk("x.png", 1, 1, 1, "x")).status, 415u);
  EXPECT_EQ(store.put(chunk("x", 1, 1, 1, "x")).status, 415u);
  EXPECT_EQ(store.put(chunk("x.txt", 1001, 2, 1, "x")).status, 413u);  // over max_file_size
  EXPECT_EQ(store.put(chunk("x.txt", 10, 0, 1, "x")).status, 400u);
  EXPECT_EQ(store.put(chunk("x.txt", 10, 11, 1, "x")).status, 400u);  // more chunks than bytes
  EXPECT_EQ(store.put(chunk("x.txt", 10, 2, 3, "x")).status, 400u);
  EXPECT_EQ(store.put(chunk("x.txt", 10, 2, 0, "x")).status, 400u);
  EXPECT_EQ(store.put(chunk("x.txt", 2, 1, 1, "xyz")).status, 413u);  // chunk larger than file
  EXPECT_EQ(store.pending(), 0u);
  EXPECT_EQ(entries(limits_.temp_directory), 0u);

  EXPECT_EQ(store.put(chunk("y.txt", 10, 2, 1, "12345")).status, 200u);
  const auto other = store.put(chunk("y.txt", 12, 2, 2, "12345"));  // another size: conflict
  EXPECT_EQ(other.status, 409u);
  EXPECT_EQ(store.put(chunk("y.txt", 10, 2, 2, "123456")).status, 413u);  // adds up to 11
  EXPECT_TRUE(store.has_chunk("y.txt", 1));                               // still resumable
  const auto done = store.put(chunk("y.txt", 10, 2, 2, "67890"));
  EXPECT_TRUE(done.finished);
  EXPECT_EQ(read(limits_.directory / "y.txt"), "1234567890");
  EXPECT_EQ(fs::status(limits_.directory / "y.txt").permissions(),
            fs::perms::owner_read | fs::perms::owner_write);

  // All chunks there but short of the declared size: discarded, nothing in the directory.
  EXPECT_EQ(store.put(chunk("z.txt", 10, 2, 1, "123")).status, 200u);
  const auto short_file = store.put(chunk("z.txt", 10, 2, 2, "45"));
  EXPECT_EQ(short_file.status, 400u);
  EXPECT_FALSE(fs::exists(limits_.directory / "z.txt"));
  EXPECT_EQ(store.pending(), 0u);
  EXPECT_EQ(entries(limits_.temp_directory), 0u);
}

TEST_F(UploadStoreTest, EmptyFile) {
  web::UploadStore store(limits_);
  store.open();
  const auto out = store.put(chunk("empty.txt", 0, 1, 1, ""));
  EXPECT_TRUE(out.finished);
  EXPECT_TRUE(fs::exists(limits_.directory / "empty.txt"));
  EXPECT_EQ(fs::file_size(limits_.directory / "empty.txt"), 0u);
}

TEST_F(UploadStoreTest, ResumesAfterARestartAndTouchesNothingElse) {
  {
    web::UploadStore store(limits_);
    store.open();
    ASSERT_EQ(store.put(chunk("r.txt", 9, 3, 1, "abc")).status, 200u);
    ASSERT_EQ(store.put(chunk("r.txt", 9, 3, 3, "ghi")).status, 200u);
  }
  // What a crash leaves behind, and things that are not ours.
  std::ofstream(limits_.temp_directory / "r.txt" / ".chunk_2.partial") << "de";
  std::ofstream(limits_.temp_directory / "someone-elses-file") << "keep";
  fs::create_directories(limits_.temp_directory / "other-dir");
  std::ofstream(limits_.temp_directory / "other-dir" / "notes") << "keep";
  fs::create_directories(limits_.temp_directory / "empty-dir");

  web::UploadStore store(limits_);
  store.open();
  EXPECT_EQ(store.pending(), 1u);
  EXPECT_TRUE(store.has_chunk("r.txt", 1));
  EXPECT_TRUE(store.has_chunk("r.txt", 3));
  EXPECT_FALSE(store.has_chunk("r.txt", 2));
  EXPECT_FALSE(fs::exists(limits_.temp_directory / "r.txt" / ".chunk_2.partial"));
  EXPECT_TRUE(fs::exists(limits_.temp_directory / "someone-elses-file"));
  EXPECT_TRUE(fs::exists(limits_.temp_directory / "other-dir" / "notes"));
  EXPECT_FALSE(fs::exists(limits_.temp_directory / "empty-dir"));  // empty: removed

  const auto out = store.put(chunk("r.txt", 9, 3, 2, "def"));
  EXPECT_FALSE(out.started);
  EXPECT_TRUE(out.finished);
  EXPECT_EQ(read(limits_.directory / "r.txt"), "abcdefghi");
  EXPECT_FALSE(fs::exists(limits_.temp_directory / "r.txt"));

  // Stored chunks that cannot belong to the upload resumed: discarded (409), start again.
  {
    web::UploadStore first(limits_);
    first.open();
    ASSERT_EQ(first.put(chunk("s.txt", 9, 3, 3, "ghi")).status, 200u);
  }
  web::UploadStore again(limits_);
  again.open();
  EXPECT_EQ(again.put(chunk("s.txt", 4, 2, 1, "ab")).status, 409u);
  EXPECT_FALSE(fs::exists(limits_.temp_directory / "s.txt"));
  EXPECT_EQ(again.put(chunk("s.txt", 4, 2, 1, "ab")).status, 200u);
}

TEST_F(UploadStoreTest, StaleUploadsAreRemoved) {
  limits_.stale_after = std::chrono::seconds(0);
  web::UploadStore store(limits_);
  store.open();
  ASSERT_EQ(store.put(chunk("old.txt", 4, 2, 1, "ab")).status, 200u);
  ASSERT_EQ(store.put(chunk("new.txt", 4, 2, 1, "ab")).status, 200u);  // a new upload cleans up
  EXPECT_FALSE(store.has_chunk("old.txt", 1));
  EXPECT_FALSE(fs::exists(limits_.temp_directory / "old.txt"));
  EXPECT_TRUE(store.has_chunk("new.txt", 1));
}

TEST_F(UploadStoreTest, UnusableDirectories) {
  limits_.directory = root_ / "missing";
  web::UploadStore store(limits_);
  EXPECT_THROW(store.open(), std::runtime_error);
}

}  // namespace
}  // namespace junction
