// client/tls: the client's ssl::context (built once per set of TlsOptions), the per-connection
// set-up (SNI, host name check) and TLS failures worded for a client::Error. Files are read by
// us first, so that a missing file is reported with the OS's reason and its path, then parsed by
// OpenSSL, whose reason is given when the content is wrong.
#include "client/tls.hpp"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <map>
#include <mutex>
#include <sstream>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/sha.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <boost/asio/ip/address.hpp>
#include <boost/asio/ssl/error.hpp>

#include "client/error.hpp"
#include "client/framed_stream.hpp"

namespace junction::client {

namespace ssl = boost::asio::ssl;

namespace {

[[noreturn]] void fail(std::string why) {
  throw Error(std::string(errors::disconnected), wamp::Array{wamp::Value(std::move(why))});
}

// The reason of the most recent OpenSSL error (and clears the queue), or `fallback`.
std::string openssl_reason(const std::string& fallback) {
  const unsigned long code = ERR_peek_last_error();
  ERR_clear_error();
  if (code == 0) return fallback;
  const char* reason = ERR_reason_error_string(code);
  return reason != nullptr ? std::string(reason) : fallback;
}

// An OpenSSL object owned: std::unique_ptr<X509, Freed<X509_free>>.
template <auto Free>
struct Freed {
  template <class T>
  void operator()(T* object) const {
    Free(object);
  }
};
using Bio = std::unique_ptr<BIO, Freed<BIO_free_all>>;
using Certificate = std::unique_ptr<X509, Freed<X509_free>>;
using PrivateKey = std::unique_ptr<EVP_PKEY, Freed<EVP_PKEY_free>>;

std::string read_file(const std::string& what, const std::string& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) fail("TLS " + what + " '" + file + "': " + std::strerror(errno));
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

// Every certificate of a PEM file; at least one.
std::vector<Certificate> read_certificates(const std::string& what, const std::string& file) {
  const std::string pem = read_file(what, file);
  Bio bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  std::vector<Certificate> out;
  while (X509* cert = PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr))
    out.emplace_back(cert);
  ERR_clear_error();  // the read that ended the loop
  if (out.empty()) fail("TLS " + what + " '" + file + "': no PEM certificate in the file");
  return out;
}

std::shared_ptr<ssl::context> build_context(const TlsOptions& options) {
  ERR_clear_error();
  auto context = std::make_shared<ssl::context>(ssl::context::tls_client);
  SSL_CTX* ctx = context->native_handle();
  if (SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION) != 1) {
    fail("TLS: cannot set the minimum version: " + openssl_reason("unknown error"));
  }
  SSL_CTX_set_options(ctx, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION);
  if (options.verify_peer) {
    if (options.ca_files.empty()) {
      if (SSL_CTX_set_default_verify_paths(ctx) != 1) {
        fail("TLS: cannot load the system's default CA certificates: " +
             openssl_reason("unknown error"));
      }
    } else {
      X509_STORE* store = SSL_CTX_get_cert_store(ctx);
      for (const auto& file : options.ca_files) {
        for (const auto& cert : read_certificates("CA file", file)) {
          if (X509_STORE_add_cert(store, cert.get()) != 1) {
            fail("TLS CA file '" + file + "': " + openssl_reason("cannot add the certificate"));
          }
        }
      }
    }
  }
  if (!options.certificate_file.empty() || !options.key_file.empty()) {
    if (options.certificate_file.empty() || options.key_file.empty()) {
      fail("TLS: a client certificate needs both certificate_file and key_file");
    }
    const auto certs = read_certificates("client certificate", options.certificate_file);
    if (SSL_CTX_use_certificate(ctx, certs.front().get()) != 1) {
      fail("TLS client certificate '" + options.certificate_file +
           "': " + openssl_reason("not usable"));
    }
    for (std::size_t i = 1; i < certs.size(); ++i) {
      if (SSL_CTX_add1_chain_cert(ctx, certs[i].get()) != 1) {
        fail("TLS client certificate '" + options.certificate_file +
             "': " + openssl_reason("chain certificate not usable"));
      }
    }
    const std::string pem = read_file("client key", options.key_file);
    Bio bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
    PrivateKey key(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr));
    if (!key) {
      ERR_clear_error();
      fail("TLS client key '" + options.key_file + "': no unencrypted PEM private key in the file");
    }
    if (SSL_CTX_use_PrivateKey(ctx, key.get()) != 1 || SSL_CTX_check_private_key(ctx) != 1) {
      ERR_clear_error();
      fail("TLS client key '" + options.key_file + "': does not match the certificate '" +
           options.certificate_file + "'");
    }
  }
  ERR_clear_error();
  return context;
}

bool is_ip_address(const std::string& host) {
  boost::system::error_code ec;
  boost::asio::ip::make_address(host, ec);
  return !ec;
}

}  // namespace

std::shared_ptr<ssl::context> tls_context(const TlsOptions& options) {
  // The key: every option, each followed by a separator no path contains.
  std::string key = options.verify_peer ? "verify" : "noverify";
  for (const auto& file : options.ca_files)
    key += '\0' + file;
  key += std::string(1, '\0') + '\1' + options.certificate_file + '\0' + options.key_file;
  static std::mutex mutex;
  static std::map<std::string, std::shared_ptr<ssl::context>> cache;
  std::lock_guard lock(mutex);
  auto& entry = cache[key];
  if (!entry) {
    try {
      entry = build_context(options);
    } catch (...) {
      cache.erase(key);  // a file fixed later is read again
      throw;
    }
  }
  return entry;
}

HostNameCheck::HostNameCheck(const std::string& host) : check_(host), ip_(is_ip_address(host)) {}

bool HostNameCheck::operator()(bool preverified, ssl::verify_context& context) const {
  if (!preverified) return false;  // OpenSSL's reason is already recorded
  if (check_(preverified, context)) return true;
  X509_STORE_CTX_set_error(context.native_handle(),
                           ip_ ? X509_V_ERR_IP_ADDRESS_MISMATCH : X509_V_ERR_HOSTNAME_MISMATCH);
  return false;
}

void prepare_tls(SSL* ssl, const std::string& host) {
  // RFC 6066: SNI carries host names only.
  if (!is_ip_address(host)) SSL_set_tlsext_host_name(ssl, host.c_str());
}

std::string describe_tls_failure(const boost::system::error_code& ec, const SSL* ssl,
                                 const std::string& where, bool in_handshake) {
  std::string reason;
  if (in_handshake && (ec == boost::asio::error::eof || ec == ssl::error::stream_truncated)) {
    reason = "the router closed the connection (not a TLS port?)";
  } else if (ec.category() == boost::asio::error::get_ssl_category()) {
    const char* text = ERR_reason_error_string(static_cast<unsigned long>(ec.value()));
    reason = text != nullptr ? text : ec.message();
    const long verify = ssl != nullptr ? SSL_get_verify_result(ssl) : X509_V_OK;
    if (verify != X509_V_OK)
      reason += std::string(" (") + X509_verify_cert_error_string(verify) + ")";
  } else if (ec == ssl::error::stream_truncated) {
    reason = "the router closed the connection without a TLS close_notify";
  } else if (in_handshake) {
    reason = ec.message();
  } else {
    return {};
  }
  return (in_handshake ? "TLS handshake with " : "TLS connection to ") + where +
         " failed: " + reason;
}

std::string tls_unique_channel_id(SSL* ssl) {
  // The client's own Finished message: what the router reads as its peer's (transport/
  // tls_context.cpp) and what Autobahn's clients hash (get_finished / get_channel_binding).
  unsigned char finished[EVP_MAX_MD_SIZE];
  const std::size_t n = SSL_get_finished(ssl, finished, sizeof finished);
  if (n == 0) return {};
  std::string out(SHA256_DIGEST_LENGTH, '\0');
  SHA256(finished, n, reinterpret_cast<unsigned char*>(out.data()));
  return out;
}

}  // namespace junction::client
