// The server's TLS context from [api] ssl_cert_file and ssl_key_file (PEM). Errors name the
// option and the file, so a start-up failure says which file to fix and why.
#pragma once

#include "staffeln/result.h"

#include <openssl/ssl.h>

#include <memory>
#include <string>

namespace staffeln::api {

struct SslCtxFree {
    void operator()(SSL_CTX* ctx) const { SSL_CTX_free(ctx); }
};
using TlsContext = std::unique_ptr<SSL_CTX, SslCtxFree>;

Result<TlsContext> load_tls_context(const std::string& cert_file, const std::string& key_file);

}  // namespace staffeln::api
