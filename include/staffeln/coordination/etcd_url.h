// tooz's etcd3 URL read into settings: "etcd3+http://HOST:PORT" or "etcd3+https://...", several
// endpoints as "HOST:PORT,HOST:PORT", options as query parameters: ca_cert, cert_cert, cert_key
// (TLS), timeout (seconds per request, default 30), lock_timeout (the lease TTL in seconds,
// default timeout), api_version (v3, v3beta or v3alpha; default v3). Pure: no I/O. An error
// says what is wrong without quoting the URL, which may carry a password.
#pragma once

#include "staffeln/net/http_transport.h"
#include "staffeln/result.h"

#include <chrono>
#include <string>
#include <vector>

namespace staffeln::coordination {

struct EtcdSettings {
    std::vector<std::string> endpoints;  // "http://127.0.0.1:2379/v3", tried in order
    net::TlsOptions tls;
    std::chrono::seconds request_timeout{30};
    std::chrono::seconds lease_ttl{30};
};

bool is_etcd_url(const std::string& url);
Result<EtcdSettings> parse_etcd_url(const std::string& url);

}  // namespace staffeln::coordination
