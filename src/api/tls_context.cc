#include "tls_context.h"

#include "staffeln/regular_file.h"

#include <fmt/format.h>
#include <openssl/err.h>
#include <openssl/pem.h>

#include <memory>

namespace staffeln::api {
namespace {

std::string openssl_reason() {
    unsigned long code = ERR_get_error();
    ERR_clear_error();
    if (code == 0) return "unknown OpenSSL error";
    char text[256];
    ERR_error_string_n(code, text, sizeof text);
    return text;
}

// The whole file, read once through the non-blocking reader (OpenSSL would wait for ever on a
// FIFO); OpenSSL is then given these bytes, never the name, so a file replaced between a check
// and a second open cannot be read as something else.
Result<std::string> read_pem(const char* option, const std::string& file) {
    if (file.empty())
        return make_error(ErrorKind::invalid_input, fmt::format("[api] enabled_ssl is true but {} is empty", option));
    auto text = read_regular_file(file, "PEM file");
    if (!text) return make_error(ErrorKind::invalid_input, fmt::format("[api] {}: {}", option, text.error().message));
    return text;
}

struct BioFree {
    void operator()(BIO* bio) const { BIO_free(bio); }
};
using Bio = std::unique_ptr<BIO, BioFree>;

Bio memory_bio(const std::string& text) { return Bio(BIO_new_mem_buf(text.data(), static_cast<int>(text.size()))); }

// As SSL_CTX_use_certificate_chain_file: the first certificate is the server's, the others its chain.
bool use_certificate_chain(SSL_CTX* ctx, const std::string& pem) {
    Bio bio = memory_bio(pem);
    if (!bio) return false;
    std::unique_ptr<X509, decltype(&X509_free)> leaf(PEM_read_bio_X509_AUX(bio.get(), nullptr, nullptr, nullptr),
                                                     &X509_free);
    if (!leaf || SSL_CTX_use_certificate(ctx, leaf.get()) != 1) return false;
    SSL_CTX_clear_chain_certs(ctx);
    while (X509* next = PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr)) {
        if (SSL_CTX_add0_chain_cert(ctx, next) != 1) {
            X509_free(next);
            return false;
        }
    }
    // The loop ends on "no start line" after the last certificate: that is the end, not an error.
    if (ERR_GET_REASON(ERR_peek_last_error()) == PEM_R_NO_START_LINE) ERR_clear_error();
    return ERR_peek_error() == 0;
}

bool use_private_key(SSL_CTX* ctx, const std::string& pem) {
    Bio bio = memory_bio(pem);
    if (!bio) return false;
    std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key(
        PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr), &EVP_PKEY_free);
    return key && SSL_CTX_use_PrivateKey(ctx, key.get()) == 1;
}

}  // namespace

Result<TlsContext> load_tls_context(const std::string& cert_file, const std::string& key_file) {
    auto cert = read_pem("ssl_cert_file", cert_file);
    if (!cert) return cert.error();
    auto key = read_pem("ssl_key_file", key_file);
    if (!key) return key.error();
    TlsContext ctx(SSL_CTX_new(TLS_server_method()));
    if (!ctx) return make_error(ErrorKind::internal, "cannot create a TLS context: " + openssl_reason());
    SSL_CTX_set_min_proto_version(ctx.get(), TLS1_2_VERSION);
    SSL_CTX_set_mode(ctx.get(), SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
    // The event loops read only when a request may come and write only when answers wait: a
    // renegotiation would make a read wait on a write.
    SSL_CTX_set_options(ctx.get(), SSL_OP_NO_RENEGOTIATION);
    if (!use_certificate_chain(ctx.get(), *cert))
        return make_error(
            ErrorKind::invalid_input,
            fmt::format("[api] ssl_cert_file = {}: not a usable PEM certificate: {}", cert_file, openssl_reason()));
    if (!use_private_key(ctx.get(), *key))
        return make_error(
            ErrorKind::invalid_input,
            fmt::format("[api] ssl_key_file = {}: not a usable PEM private key: {}", key_file, openssl_reason()));
    if (SSL_CTX_check_private_key(ctx.get()) != 1)
        return make_error(
            ErrorKind::invalid_input,
            fmt::format("[api] ssl_key_file = {} does not match ssl_cert_file = {}", key_file, cert_file));
    return ctx;
}

}  // namespace staffeln::api
