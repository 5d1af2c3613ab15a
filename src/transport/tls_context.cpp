// transport/tls_context: see the header. Files are read by us first (so a missing or unreadable
// file is reported with the OS's reason and its path) and then parsed by OpenSSL (whose reason
// is appended when the content is wrong).
#include "transport/tls_context.hpp"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <vector>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/sha.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "base/log.hpp"

namespace junction::transport {

namespace {

namespace ssl = asio::ssl;

// The reason of the most recent OpenSSL error (and clears the queue), or `fallback`.
std::string openssl_reason(const std::string& fallback = "invalid content") {
  const unsigned long code = ERR_peek_last_error();
  ERR_clear_error();
  if (code == 0) return fallback;
  char text[256];
  ERR_error_string_n(code, text, sizeof text);
  const char* reason = ERR_reason_error_string(code);
  return reason != nullptr ? std::string(reason) : std::string(text);
}

struct BioDeleter {
  void operator()(BIO* bio) const { BIO_free(bio); }
};
struct X509Deleter {
  void operator()(X509* cert) const { X509_free(cert); }
};
struct PkeyDeleter {
  void operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }
};

class Loader {
 public:
  Loader(ssl::context& context, std::string who) : ctx_(context), who_(std::move(who)) {}

  [[noreturn]] void fail(const std::string& what, const std::string& file,
                         const std::string& reason) const {
    throw std::runtime_error(who_ + ": TLS " + what + " '" + file + "': " + reason);
  }

  // The whole file, or a failure naming it.
  std::string read(const std::string& what, const std::string& file) const {
    if (file.empty()) throw std::runtime_error(who_ + ": TLS " + what + ": no file given");
    std::ifstream in(file, std::ios::binary);
    if (!in) fail(what, file, std::strerror(errno));
    std::ostringstream out;
    out << in.rdbuf();
    if (in.bad()) fail(what, file, std::strerror(errno));
    return out.str();
  }

  // Every certificate in a PEM file (at least one).
  std::vector<std::unique_ptr<X509, X509Deleter>> certificates(const std::string& what,
                                                               const std::string& file) const {
    const std::string pem = read(what, file);
    std::unique_ptr<BIO, BioDeleter> bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
    std::vector<std::unique_ptr<X509, X509Deleter>> out;
    while (X509* cert = PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr))
      out.emplace_back(cert);
    ERR_clear_error();  // the read that ended the loop
    if (out.empty()) fail(what, file, "no PEM certificate in the file");
    return out;
  }

  void load_key_and_certificate(const TlsOptions& options) {
    SSL_CTX* ctx = ctx_.native_handle();
    // Certificate (and any chain following it in the same file).
    const auto certs = certificates("certificate", options.certificate);
    if (SSL_CTX_use_certificate(ctx, certs.front().get()) != 1) {
      fail("certificate", options.certificate, openssl_reason());
    }
    for (std::size_t i = 1; i < certs.size(); ++i) {
      if (SSL_CTX_add1_chain_cert(ctx, certs[i].get()) != 1) {
        fail("certificate", options.certificate, openssl_reason());
      }
    }
    for (const auto& file : options.chain_certificates) {
      for (const auto& cert : certificates("chain certificate", file)) {
        if (SSL_CTX_add1_chain_cert(ctx, cert.get()) != 1) {
          fail("chain certificate", file, openssl_reason());
        }
      }
    }
    // Private key.
    const std::string pem = read("key", options.key);
    std::unique_ptr<BIO, BioDeleter> bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
    std::unique_ptr<EVP_PKEY, PkeyDeleter> key(
        PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr));
    if (!key) fail("key", options.key, "no unencrypted PEM private key in the file");
    if (SSL_CTX_use_PrivateKey(ctx, key.get()) != 1) {
      ERR_clear_error();
      fail("key", options.key, "does not match the certificate '" + options.certificate + "'");
    }
    if (SSL_CTX_check_private_key(ctx) != 1) {
      ERR_clear_error();
      fail("key", options.key, "does not match the certificate '" + options.certificate + "'");
    }
  }

  void load_client_cas(const TlsOptions& options) {
    if (options.ca_certificates.empty()) return;
    SSL_CTX* ctx = ctx_.native_handle();
    X509_STORE* store = SSL_CTX_get_cert_store(ctx);
    for (const auto& file : options.ca_certificates) {
      for (const auto& cert : certificates("CA certificate", file)) {
        if (X509_STORE_add_cert(store, cert.get()) != 1) {
          fail("CA certificate", file, openssl_reason());
        }
        // Named in the CertificateRequest, so clients pick a matching certificate.
        if (SSL_CTX_add_client_CA(ctx, cert.get()) != 1) {
          fail("CA certificate", file, openssl_reason());
        }
      }
    }
    int mode = SSL_VERIFY_PEER | SSL_VERIFY_CLIENT_ONCE;
    if (options.require_client_certificate) mode |= SSL_VERIFY_FAIL_IF_NO_PEER_CERT;
    SSL_CTX_set_verify(ctx, mode, nullptr);
  }

  void load_dhparam(const TlsOptions& options) {
    if (options.dhparam.empty()) return;
    const std::string pem = read("dhparam", options.dhparam);
    std::unique_ptr<BIO, BioDeleter> bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
    EVP_PKEY* params = PEM_read_bio_Parameters(bio.get(), nullptr);
    if (params == nullptr) fail("dhparam", options.dhparam, "no PEM DH parameters in the file");
    // Takes ownership on success.
    if (SSL_CTX_set0_tmp_dh_pkey(ctx_.native_handle(), params) != 1) {
      EVP_PKEY_free(params);
      fail("dhparam", options.dhparam, openssl_reason());
    }
  }

 private:
  ssl::context& ctx_;
  std::string who_;
};

std::string hex_fingerprint(const unsigned char* bytes, unsigned int size) {
  constexpr char kDigits[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned int i = 0; i < size; ++i) {
    if (i != 0) out += ':';
    out += kDigits[bytes[i] >> 4];
    out += kDigits[bytes[i] & 0x0F];
  }
  return out;
}

}  // namespace

std::shared_ptr<asio::ssl::context> make_tls_context(const TlsOptions& options,
                                                     const std::string& who) {
  ERR_clear_error();
  auto context = std::make_shared<ssl::context>(ssl::context::tls_server);
  SSL_CTX* ctx = context->native_handle();
  if (SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION) != 1) {
    throw std::runtime_error(who + ": TLS: cannot set the minimum version: " + openssl_reason());
  }
  SSL_CTX_set_options(ctx, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION |
                               SSL_OP_CIPHER_SERVER_PREFERENCE | SSL_OP_SINGLE_DH_USE |
                               SSL_OP_SINGLE_ECDH_USE);
  const std::string ciphers = options.ciphers.empty() ? kDefaultTls12Ciphers : options.ciphers;
  if (SSL_CTX_set_cipher_list(ctx, ciphers.c_str()) != 1) {
    ERR_clear_error();
    throw std::runtime_error(who + ": TLS ciphers '" + ciphers +
                             "': OpenSSL knows no cipher in this list");
  }
  Loader loader(*context, who);
  loader.load_key_and_certificate(options);
  loader.load_client_cas(options);
  loader.load_dhparam(options);
  ERR_clear_error();
  return context;
}

std::string tls_unique_channel_id(const SSL* ssl) {
  unsigned char finished[EVP_MAX_MD_SIZE];
  const std::size_t n = SSL_get_peer_finished(ssl, finished, sizeof finished);
  if (n == 0) return {};
  std::string out(SHA256_DIGEST_LENGTH, '\0');
  SHA256(finished, n, reinterpret_cast<unsigned char*>(out.data()));
  return out;
}

std::optional<router::TransportInfo::PeerCertificate> peer_certificate(const SSL* ssl) {
  if (ssl == nullptr) return std::nullopt;
  X509* cert = SSL_get0_peer_certificate(ssl);
  if (cert == nullptr || SSL_get_verify_result(ssl) != X509_V_OK) return std::nullopt;
  router::TransportInfo::PeerCertificate out;
  const X509_NAME* subject = X509_get_subject_name(cert);
  if (subject != nullptr) {
    std::unique_ptr<BIO, BioDeleter> bio(BIO_new(BIO_s_mem()));
    if (X509_NAME_print_ex(bio.get(), subject, 0, XN_FLAG_RFC2253) >= 0) {
      char* data = nullptr;
      const long size = BIO_get_mem_data(bio.get(), &data);
      if (size > 0) out.subject.assign(data, static_cast<std::size_t>(size));
    }
    const int index = X509_NAME_get_index_by_NID(subject, NID_commonName, -1);
    if (index >= 0) {
      const ASN1_STRING* value = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(subject, index));
      unsigned char* utf8 = nullptr;
      const int size = ASN1_STRING_to_UTF8(&utf8, value);
      if (size >= 0) {
        out.common_name.assign(reinterpret_cast<const char*>(utf8), static_cast<std::size_t>(size));
        OPENSSL_free(utf8);
      }
    }
  }
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  if (X509_digest(cert, EVP_sha256(), digest, &length) == 1) {
    out.sha256_fingerprint = hex_fingerprint(digest, length);
  }
  if (X509_digest(cert, EVP_sha1(), digest, &length) == 1) {
    out.sha1_fingerprint = hex_fingerprint(digest, length);
  }
  ERR_clear_error();
  return out;
}

}  // namespace junction::transport
