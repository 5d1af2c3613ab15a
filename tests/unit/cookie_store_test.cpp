// Unit tests of src/cookie: the cookie store's IDs, Cookie header parsing, expiry, the login it
// remembers, the connections a logout closes, the bound on its size, and its append-only file
// (reloaded and compacted).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "cookie/cookie_store.hpp"

namespace junction::cookie {
namespace {

using namespace std::chrono_literals;

// A clock the test moves by hand.
struct FakeClock {
  std::chrono::system_clock::time_point t{std::chrono::seconds(1'700'000'000)};
  CookieStore::Clock fn() {
    return [this] { return t; };
  }
};

CookieAuth login(std::string authid) {
  return CookieAuth{std::move(authid), "user", "ticket", "realm1", wamp::Object{{"team", "blue"}}};
}

std::filesystem::path temp_file(const std::string& name) {
  const auto dir = std::filesystem::temp_directory_path() /
                   ("junction-cookie-test-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const auto file = dir / name;
  std::filesystem::remove(file);
  return file;
}

std::size_t line_count(const std::filesystem::path& file) {
  std::ifstream in(file);
  std::size_t n = 0;
  for (std::string line; std::getline(in, line);)
    n += !line.empty();
  return n;
}

TEST(CookieStore, CreatesRandomIdsOfTheConfiguredLengthAndAlphabet) {
  CookieConfig config;
  config.length = 32;
  CookieStore store(config);
  const std::string a = store.create();
  const std::string b = store.create();
  EXPECT_EQ(a.size(), 32u);
  EXPECT_NE(a, b);
  for (char c : a)
    EXPECT_TRUE(std::isalnum(static_cast<unsigned char>(c))) << a;
  EXPECT_EQ(store.size(), 2u);
}

TEST(CookieStore, FindsAKnownCookieInTheHeaderAndIgnoresOthers) {
  CookieStore store(CookieConfig{});
  const std::string id = store.create();
  EXPECT_EQ(store.find("cbtid=" + id), id);
  EXPECT_EQ(store.find("a=1; cbtid=" + id + "; b=2"), id);
  EXPECT_EQ(store.find("a=1;cbtid=\"" + id + "\""), id);
  EXPECT_EQ(store.find("xcbtid=" + id), "");
  EXPECT_EQ(store.find("cbtid=" + std::string(24, 'A')), "");  // well-formed, unknown
  EXPECT_EQ(store.find("cbtid=" + id + "x"), "");              // wrong length
  EXPECT_EQ(store.find("cbtid"), "");
  EXPECT_EQ(store.find(""), "");
}

TEST(CookieStore, SetCookieCarriesMaxAgeAndIsHttpOnly) {
  CookieConfig config;
  config.name = "sid";
  config.max_age = 3600s;
  CookieStore store(config);
  EXPECT_EQ(store.set_cookie("ABC", false), "sid=ABC; Max-Age=3600; Path=/; HttpOnly");
  EXPECT_EQ(store.set_cookie("ABC", true),
            "sid=ABC; Max-Age=3600; Path=/; HttpOnly; Secure; SameSite=None");
}

TEST(CookieStore, ExpiredCookiesAreNotFoundAndCarryNoLogin) {
  FakeClock clock;
  CookieConfig config;
  config.max_age = 100s;
  CookieStore store(config, clock.fn());
  const std::string id = store.create();
  store.set_auth(id, login("joe"));
  clock.t += 99s;
  EXPECT_EQ(store.find("cbtid=" + id), id);
  EXPECT_TRUE(store.auth(id).has_value());
  clock.t += 1s;
  EXPECT_EQ(store.find("cbtid=" + id), "");
  EXPECT_FALSE(store.auth(id).has_value());
}

TEST(CookieStore, RemembersALoginUntilLogout) {
  CookieStore store(CookieConfig{});
  const std::string id = store.create();
  EXPECT_FALSE(store.auth(id).has_value());
  store.set_auth(id, login("joe"));
  auto a = store.auth(id);
  ASSERT_TRUE(a.has_value());
  EXPECT_EQ(a->authid, "joe");
  EXPECT_EQ(a->authrole, "user");
  EXPECT_EQ(a->authmethod, "ticket");
  EXPECT_EQ(a->realm, "realm1");
  EXPECT_EQ(*wamp::get_string(a->authextra, "team"), "blue");
  store.logout(id);
  EXPECT_FALSE(store.auth(id).has_value());
  EXPECT_EQ(store.find("cbtid=" + id), id);  // the cookie still tracks
  store.set_auth("unknown", login("eve"));   // an unknown cookie gets nothing
  EXPECT_FALSE(store.auth("unknown").has_value());
}

TEST(CookieStore, LogoutClosesEveryConnectionOfTheCookieAndOnlyThose) {
  CookieStore store(CookieConfig{});
  const std::string mine = store.create();
  const std::string other = store.create();
  store.set_auth(mine, login("joe"));
  int closed_mine = 0, closed_other = 0, closed_gone = 0;
  store.attach(mine, [&] { ++closed_mine; });
  store.attach(mine, [&] { ++closed_mine; });
  const auto gone = store.attach(mine, [&] { ++closed_gone; });
  store.attach(other, [&] { ++closed_other; });
  store.detach(mine, gone);  // that connection went away before
  store.logout(mine);
  EXPECT_EQ(closed_mine, 2);
  EXPECT_EQ(closed_gone, 0);
  EXPECT_EQ(closed_other, 0);
  EXPECT_FALSE(store.auth(mine).has_value());
  // A closer may detach its connection at once (it runs outside the store's lock).
  std::uint64_t self = 0;
  self = store.attach(other, [&] {
    ++closed_other;
    store.detach(other, self);
  });
  store.logout(other);  // no login on it: its connections are closed all the same (Crossbar)
  EXPECT_EQ(closed_other, 2);
  store.logout(other);
  EXPECT_EQ(closed_other, 3);  // the first one never detached
}

TEST(CookieStore, IsBoundedExpiredFirstThenOldest) {
  FakeClock clock;
  CookieConfig config;
  config.max_entries = 10;
  config.max_age = 50s;
  CookieStore store(config, clock.fn());
  std::vector<std::string> ids;
  for (int i = 0; i < 5; ++i)
    ids.push_back(store.create());
  clock.t += 40s;
  for (int i = 0; i < 5; ++i)
    ids.push_back(store.create());
  clock.t += 20s;  // the first five have expired
  const std::string next = store.create();
  EXPECT_EQ(store.size(), 6u);
  for (int i = 5; i < 10; ++i)
    EXPECT_EQ(store.find("cbtid=" + ids[i]), ids[i]);
  for (int i = 0; i < 5; ++i)
    ids.push_back(store.create());  // full again: oldest go
  EXPECT_LE(store.size(), 10u);
  EXPECT_EQ(store.find("cbtid=" + ids[5]), "");
  EXPECT_EQ(store.find("cbtid=" + next), next);
  EXPECT_EQ(store.find("cbtid=" + ids.back()), ids.back());
}

TEST(CookieStore, FileStoreReloadsLoginsAndLogoutsAndCompacts) {
  const auto file = temp_file("cookies.dat");
  FakeClock clock;
  CookieConfig config;
  config.file = file.string();
  config.max_age = 100s;
  std::string joe, ann, old;
  {
    CookieStore store(config, clock.fn());
    EXPECT_FALSE(std::filesystem::exists(file));  // nothing written before the first cookie
    old = store.create();
    clock.t += 60s;
    joe = store.create();
    ann = store.create();
    store.set_auth(joe, login("joe"));
    store.set_auth(ann, login("ann"));
    store.logout(ann);
    EXPECT_EQ(line_count(file), 6u);  // append-only: 3 created, 2 logins, 1 logout
  }
  { std::ofstream(file, std::ios::app) << "{\"id\": \"torn"; }  // a torn last write
  clock.t += 50s;                                               // `old` has expired
  CookieStore store(config, clock.fn());
  EXPECT_EQ(store.size(), 2u);
  EXPECT_EQ(store.find("cbtid=" + old), "");
  EXPECT_EQ(store.find("cbtid=" + joe), joe);
  ASSERT_TRUE(store.auth(joe).has_value());
  EXPECT_EQ(store.auth(joe)->authid, "joe");
  EXPECT_EQ(*wamp::get_string(store.auth(joe)->authextra, "team"), "blue");
  EXPECT_FALSE(store.auth(ann).has_value());
  EXPECT_EQ(line_count(file), 2u);  // compacted: one line per live cookie
  std::filesystem::remove_all(file.parent_path());
}

TEST(CookieStore, UnreadableFileIsAnError) {
  const auto dir = temp_file("a-directory");
  std::filesystem::create_directories(dir);
  CookieConfig config;
  config.file = dir.string();
  EXPECT_THROW(
      {
        CookieStore store(config);
        store.create();
      },
      std::runtime_error);
  std::filesystem::remove_all(dir.parent_path());
}

}  // namespace
}  // namespace junction::cookie
