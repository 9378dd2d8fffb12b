// etcd's v3 JSON gateway: POST {endpoint}/{rpc} with a JSON body, over libcurl. Endpoints are
// tried in order, moving on when one cannot be reached; a request that may have been applied
// is not re-sent unless it is idempotent. gRPC errors in the answer become staffeln Errors
// (etcd_answer.h).
#pragma once

#include "staffeln/coordination/etcd_url.h"
#include "staffeln/net/http_transport.h"

#include <nlohmann/json.hpp>

#include <atomic>
#include <optional>
#include <string_view>

namespace staffeln::coordination {

enum class Idempotent { no, yes };

class EtcdGateway {
public:
    EtcdGateway(std::vector<std::string> endpoints, const net::TlsOptions& tls,
                std::chrono::milliseconds request_timeout);
    // rpc as in the gateway's paths: "lease/grant", "kv/txn", ...
    Result<nlohmann::json> call(std::string_view rpc, const nlohmann::json& body, Idempotent idempotent) const;
    std::string describe() const;

private:
    Result<nlohmann::json> call_one(const std::string& endpoint, std::string_view rpc, const std::string& body) const;

    std::vector<std::string> endpoints_;
    net::Transport transport_;
    mutable std::atomic<std::size_t> current_{0};
};

}  // namespace staffeln::coordination
