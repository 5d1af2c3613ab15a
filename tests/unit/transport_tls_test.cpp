// transport_tls_test: building the TLS server context (transport/tls_context) from TlsOptions —
// good files load, and every bad one (missing, not PEM, a key for another certificate, a cipher
// list matching nothing) fails naming the file —, replacing a listener's context (SIGHUP) under
// an existing connection, and the node config's endpoint "tls" (paths
// relative to the node directory, validated at load time). Certificates are made with the
// openssl command line in a temp dir. No sockets.
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include <gtest/gtest.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "node/config.hpp"
#include "transport/tls_context.hpp"

namespace junction::transport {
namespace {

namespace fs = std::filesystem;

class TlsContextTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = fs::temp_directory_path() / ("junction-tls-unit-" + std::to_string(::getpid()));
    fs::create_directories(dir_);
    const std::string ec = " -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes ";
    const std::string cd = "cd '" + dir_.string() + "' && ";
    const std::string quiet = " >/dev/null 2>&1";
    ASSERT_EQ(std::system((cd + "openssl req -x509" + ec +
                           "-keyout server.key -out server.pem -days 2 -subj /CN=localhost" + quiet)
                              .c_str()),
              0);
    ASSERT_EQ(std::system((cd + "openssl req -x509" + ec +
                           "-keyout other.key -out other.pem -days 2 -subj /CN=other" + quiet)
                              .c_str()),
              0);
    std::ofstream(dir_ / "garbage.pem") << "not a certificate\n";
  }
  static void TearDownTestSuite() {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
  static std::string file(const char* name) { return (dir_ / name).string(); }
  static TlsOptions good() {
    TlsOptions o;
    o.key = file("server.key");
    o.certificate = file("server.pem");
    return o;
  }
  static std::string error_of(const TlsOptions& o) {
    try {
      make_tls_context(o, "transport 't'");
    } catch (const std::runtime_error& e) {
      return e.what();
    }
    return "";
  }

  static fs::path dir_;
};
fs::path TlsContextTest::dir_;

TEST_F(TlsContextTest, GoodFilesLoad) {
  EXPECT_EQ(error_of(good()), "");
  TlsOptions o = good();
  o.ca_certificates = {file("other.pem")};
  o.chain_certificates = {file("other.pem")};
  EXPECT_EQ(error_of(o), "");
}

TEST_F(TlsContextTest, MissingFileIsNamed) {
  TlsOptions o = good();
  o.key = file("nope.key");
  EXPECT_EQ(error_of(o),
            "transport 't': TLS key '" + file("nope.key") + "': No such file or directory");
  o = good();
  o.ca_certificates = {file("nope-ca.pem")};
  EXPECT_EQ(error_of(o), "transport 't': TLS CA certificate '" + file("nope-ca.pem") +
                             "': No such file or directory");
}

TEST_F(TlsContextTest, NotPemIsNamed) {
  TlsOptions o = good();
  o.certificate = file("garbage.pem");
  EXPECT_EQ(error_of(o), "transport 't': TLS certificate '" + file("garbage.pem") +
                             "': no PEM certificate in the file");
  o = good();
  o.key = file("garbage.pem");
  EXPECT_EQ(error_of(o), "transport 't': TLS key '" + file("garbage.pem") +
                             "': no unencrypted PEM private key in the file");
}

TEST_F(TlsContextTest, KeyNotMatchingCertificate) {
  TlsOptions o = good();
  o.key = file("other.key");
  EXPECT_EQ(error_of(o), "transport 't': TLS key '" + file("other.key") +
                             "': does not match the certificate '" + file("server.pem") + "'");
}

TEST_F(TlsContextTest, CiphersMatchingNothing) {
  TlsOptions o = good();
  o.ciphers = "NO-SUCH-CIPHER";
  EXPECT_EQ(error_of(o),
            "transport 't': TLS ciphers 'NO-SUCH-CIPHER': OpenSSL knows no cipher in this list");
}

// The common name of the certificate an SSL object would present.
std::string served_common_name(SSL* ssl) {
  X509* cert = SSL_get_certificate(ssl);
  if (cert == nullptr) return "";
  char name[256] = {};
  X509_NAME_get_text_by_NID(X509_get_subject_name(cert), NID_commonName, name, sizeof name);
  return name;
}

// SIGHUP's replacement (TlsContextSlot): an SSL made before it keeps its certificate, even once
// the old context object is gone (OpenSSL's SSL holds the SSL_CTX); one made after gets the new.
TEST_F(TlsContextTest, SlotReplacementLeavesEstablishedConnectionsAlone) {
  TlsContextSlot slot(make_tls_context(good(), "transport 't'"));
  SSL* before = SSL_new(slot.current()->native_handle());
  ASSERT_NE(before, nullptr);
  EXPECT_EQ(served_common_name(before), "localhost");

  TlsOptions other;
  other.key = file("other.key");
  other.certificate = file("other.pem");
  std::weak_ptr<asio::ssl::context> old = slot.current();
  slot.replace(make_tls_context(other, "transport 't'"));
  EXPECT_TRUE(old.expired());  // nobody held it: destroyed, its SSL_CTX only referenced by `before`
  SSL* after = SSL_new(slot.current()->native_handle());
  ASSERT_NE(after, nullptr);
  EXPECT_EQ(served_common_name(after), "other");
  EXPECT_EQ(served_common_name(before), "localhost");
  SSL_free(after);
  SSL_free(before);
}

TEST_F(TlsContextTest, ConfigReadsTlsRelativeToNodeDirectory) {
  const fs::path config = dir_ / "config.json";
  std::ofstream(config) << R"({"version": 2, "workers": [{"type": "router",
    "realms": [{"name": "realm1", "roles": []}],
    "transports": [{"type": "rawsocket", "id": "rs1",
      "endpoint": {"type": "tcp", "port": 0, "tls": {"key": "server.key",
        "certificate": "server.pem", "ca_certificates": ["other.pem"],
        "ciphers": "ECDHE-ECDSA-AES128-GCM-SHA256"}}}]}]})";
  const auto node = node::load_config_file(config);
  ASSERT_EQ(node.listeners.size(), 1u);
  ASSERT_TRUE(node.listeners[0].tls.has_value());
  const TlsOptions& tls = *node.listeners[0].tls;
  EXPECT_EQ(fs::path(tls.key), fs::absolute(dir_ / "server.key"));
  EXPECT_EQ(fs::path(tls.certificate), fs::absolute(dir_ / "server.pem"));
  ASSERT_EQ(tls.ca_certificates.size(), 1u);
  EXPECT_EQ(fs::path(tls.ca_certificates[0]), fs::absolute(dir_ / "other.pem"));
  EXPECT_TRUE(tls.require_client_certificate);  // Crossbar: ca_certificates means required
  EXPECT_EQ(tls.ciphers, "ECDHE-ECDSA-AES128-GCM-SHA256");

  std::ofstream(config) << R"({"version": 2, "workers": [{"type": "router",
    "realms": [{"name": "realm1", "roles": []}],
    "transports": [{"type": "rawsocket", "id": "rs1",
      "endpoint": {"type": "tcp", "port": 0, "tls": {"key": "other.key",
        "certificate": "server.pem"}}}]}]})";
  try {
    node::load_config_file(config);
    FAIL() << "a key for another certificate must not load";
  } catch (const node::ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("does not match the certificate"), std::string::npos)
        << e.what();
    EXPECT_NE(std::string(e.what()).find("other.key"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace junction::transport
