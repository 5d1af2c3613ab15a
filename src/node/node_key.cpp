// node/node_key: see the header.
#include "node/node_key.hpp"

#include <cerrno>
#include <cstring>
#include <ctime>
#include <fstream>
#include <map>
#include <sstream>
#include <stdexcept>

#include <fcntl.h>
#include <sodium.h>
#include <unistd.h>

namespace junction::node {

namespace {

namespace fs = std::filesystem;

std::string to_hex(const unsigned char* data, std::size_t size) {
  std::string out(size * 2 + 1, '\0');
  sodium_bin2hex(out.data(), out.size(), data, size);
  out.pop_back();
  return out;
}

std::string header(const char* what) {
  char host[256] = "localhost";
  ::gethostname(host, sizeof host - 1);
  const std::time_t now = std::time(nullptr);
  std::tm tm{};
  ::gmtime_r(&now, &tm);
  char when[32];
  std::strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return std::string("# Junction node key - ") + what + "\n\ncreator: junction@" + host +
         "\ncreated-at: " + when + "\n";
}

void write_new(const fs::path& file, const std::string& text, mode_t mode) {
  const int fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
  if (fd < 0) {
    throw std::runtime_error(file.string() + ": " +
                             (errno == EEXIST ? std::string("already exists; a node key is never "
                                                            "replaced")
                                              : std::string(std::strerror(errno))));
  }
  const bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
  ::close(fd);
  if (!ok) throw std::runtime_error(file.string() + ": cannot write");
}

std::map<std::string, std::string> read_tags(const fs::path& file) {
  std::ifstream in(file);
  if (!in) throw std::runtime_error(file.string() + ": cannot open (run `junction keygen`)");
  std::map<std::string, std::string> tags;
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    const auto colon = line.find(": ");
    if (colon == std::string::npos) continue;
    tags[line.substr(0, colon)] = line.substr(colon + 2);
  }
  return tags;
}

void init_sodium() {
  if (sodium_init() < 0) throw std::runtime_error("libsodium failed to initialise");
}

}  // namespace

NodeKey generate_node_key(const fs::path& dir) {
  init_sodium();
  const fs::path priv = dir / "key.priv";
  const fs::path pub = dir / "key.pub";
  std::error_code ec;
  if (fs::exists(pub, ec)) {
    throw std::runtime_error(pub.string() + ": already exists; a node key is never replaced");
  }
  unsigned char pk[crypto_sign_PUBLICKEYBYTES];
  unsigned char sk[crypto_sign_SECRETKEYBYTES];  // seed (32) followed by the public key
  crypto_sign_keypair(pk, sk);
  const std::string pub_hex = to_hex(pk, sizeof pk);
  const std::string seed_hex = to_hex(sk, crypto_sign_SEEDBYTES);
  sodium_memzero(sk, sizeof sk);
  write_new(priv,
            header("KEEP THIS SECRET!") + "public-key-ed25519: " + pub_hex +
                "\nprivate-key-ed25519: " + seed_hex + "\n",
            0600);
  write_new(pub, header("public") + "public-key-ed25519: " + pub_hex + "\n", 0644);
  return {pub_hex};
}

NodeKey load_node_key(const fs::path& dir) {
  init_sodium();
  const fs::path priv = dir / "key.priv";
  auto tags = read_tags(priv);
  const std::string seed_hex = tags["private-key-ed25519"];
  unsigned char seed[crypto_sign_SEEDBYTES];
  std::size_t len = 0;
  if (sodium_hex2bin(seed, sizeof seed, seed_hex.data(), seed_hex.size(), nullptr, &len, nullptr) !=
          0 ||
      len != sizeof seed) {
    throw std::runtime_error(priv.string() + ": 'private-key-ed25519' is not 64 hex digits");
  }
  unsigned char pk[crypto_sign_PUBLICKEYBYTES];
  unsigned char sk[crypto_sign_SECRETKEYBYTES];
  crypto_sign_seed_keypair(pk, sk, seed);
  sodium_memzero(seed, sizeof seed);
  sodium_memzero(sk, sizeof sk);
  const std::string pub_hex = to_hex(pk, sizeof pk);
  if (tags["public-key-ed25519"] != pub_hex) {
    throw std::runtime_error(priv.string() +
                             ": 'public-key-ed25519' does not belong to its private key");
  }
  std::error_code ec;
  if (fs::exists(dir / "key.pub", ec) &&
      read_tags(dir / "key.pub")["public-key-ed25519"] != pub_hex) {
    throw std::runtime_error((dir / "key.pub").string() + ": does not match key.priv");
  }
  return {pub_hex};
}

}  // namespace junction::node
