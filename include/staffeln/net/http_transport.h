// One HTTP exchange over libcurl, with no retries and no authentication.
// Each thread reuses its own easy handle (and so its open connections). A response with any
// status is a success here; only failures to get one (refused, reset, timeout, TLS) are errors,
// and they name the method and URL. libcurl's codes are mapped in one function (the .cc).
// The TLS files are read for each request as regular files of bounded size (never a FIFO or a
// device, which would block) and given to libcurl as bytes; a file that cannot be so read is an
// invalid_input error naming it, and nothing is sent.
#pragma once

#include "staffeln/result.h"

#include <chrono>
#include <functional>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace staffeln::net {

struct TlsOptions {
    std::string cacert;     // CA bundle; empty: the system's
    bool insecure = false;  // skip server certificate verification
    std::string cert;       // client certificate (PEM)
    std::string key;        // its private key
};

struct TransportOptions {
    std::chrono::milliseconds connect_timeout{10'000};
    std::chrono::milliseconds total_timeout{60'000};
    TlsOptions tls;
};

struct HttpRequest {
    std::string method = "GET";
    std::string url;
    std::vector<std::pair<std::string, std::string>> headers;
    std::string body;
};

struct HttpResponse {
    int status = 0;
    std::map<std::string, std::string> headers;  // names in lower case
    std::string body;

    // The header's value, or "" when absent; name in any case.
    std::string header(std::string_view name) const;
};

// While one is alive on a thread, every request that thread sends is checked with `allowed`
// after its connection is up and just before its first byte goes out; a request refused
// there is never sent (ErrorKind::conflict). For a lock that can be lost mid-call (etcd).
class SendGuard {
public:
    explicit SendGuard(std::function<bool()> allowed);
    ~SendGuard();
    SendGuard(const SendGuard&) = delete;
    SendGuard& operator=(const SendGuard&) = delete;
    static const std::function<bool()>* current();

private:
    std::function<bool()> allowed_;
    const std::function<bool()>* outer_;
};

class Transport {
public:
    explicit Transport(TransportOptions options) : options_(std::move(options)) {}
    // Returns the response, or an Error (kind unavailable or timeout) with
    // Error::maybe_applied set when the request went out before the failure.
    Result<HttpResponse> perform(const HttpRequest& request) const;
    const TransportOptions& options() const { return options_; }

private:
    TransportOptions options_;
};

}  // namespace staffeln::net
