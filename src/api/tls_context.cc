#include "tls_context.h"

#include "staffeln/regular_file.h"

#include <fmt/format.h>
#include <openssl/err.h>

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

Status require_readable(const char* option, const std::string& file) {
    if (file.empty())
        return make_error(ErrorKind::invalid_input, fmt::format("[api] enabled_ssl is true but {} is empty", option));
    // Through the non-blocking reader first: OpenSSL would wait forever on a FIFO.
    if (auto text = read_regular_file(file, "PEM file"); !text)
        return make_error(ErrorKind::invalid_input, fmt::format("[api] {}: {}", option, text.error().message));
    return {};
}

}  // namespace

Result<TlsContext> load_tls_context(const std::string& cert_file, const std::string& key_file) {
    if (auto ok = require_readable("ssl_cert_file", cert_file); !ok) return ok.error();
    if (auto ok = require_readable("ssl_key_file", key_file); !ok) return ok.error();
    TlsContext ctx(SSL_CTX_new(TLS_server_method()));
    if (!ctx) return make_error(ErrorKind::internal, "cannot create a TLS context: " + openssl_reason());
    SSL_CTX_set_min_proto_version(ctx.get(), TLS1_2_VERSION);
    SSL_CTX_set_mode(ctx.get(), SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
    // The event loops read only when a request may come and write only when answers wait: a
    // renegotiation would make a read wait on a write.
    SSL_CTX_set_options(ctx.get(), SSL_OP_NO_RENEGOTIATION);
    if (SSL_CTX_use_certificate_chain_file(ctx.get(), cert_file.c_str()) != 1)
        return make_error(
            ErrorKind::invalid_input,
            fmt::format("[api] ssl_cert_file = {}: not a usable PEM certificate: {}", cert_file, openssl_reason()));
    if (SSL_CTX_use_PrivateKey_file(ctx.get(), key_file.c_str(), SSL_FILETYPE_PEM) != 1)
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
