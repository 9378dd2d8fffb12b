#include "staffeln/coordination/etcd_gateway.h"

#include "staffeln/coordination/etcd_answer.h"

#include <fmt/format.h>

namespace staffeln::coordination {
namespace {

bool worth_another_endpoint(const Error& e, Idempotent idempotent) {
    if (e.kind != ErrorKind::unavailable && e.kind != ErrorKind::timeout) return false;
    return idempotent == Idempotent::yes || !e.maybe_applied;
}

}  // namespace

EtcdGateway::EtcdGateway(std::vector<std::string> endpoints, const net::TlsOptions& tls,
                         std::chrono::milliseconds request_timeout)
    : endpoints_(std::move(endpoints)), transport_(net::TransportOptions{request_timeout, request_timeout, tls}) {}

std::string EtcdGateway::describe() const {
    std::string list;
    for (const auto& e : endpoints_) list += (list.empty() ? "" : ", ") + e;
    return list;
}

Result<nlohmann::json> EtcdGateway::call(std::string_view rpc, const nlohmann::json& body,
                                         Idempotent idempotent) const {
    const std::string text = body.dump();
    std::size_t first = current_.load();
    std::optional<Error> last;
    for (std::size_t i = 0; i < endpoints_.size(); ++i) {
        std::size_t index = (first + i) % endpoints_.size();
        auto answer = call_one(endpoints_[index], rpc, text);
        if (answer || !worth_another_endpoint(answer.error(), idempotent)) {
            if (answer) current_.store(index);
            return answer;
        }
        last = answer.error();
        if (last->maybe_applied) break;
    }
    return *last;
}

Result<nlohmann::json> EtcdGateway::call_one(const std::string& endpoint, std::string_view rpc,
                                             const std::string& body) const {
    const std::string url = fmt::format("{}/{}", endpoint, rpc);
    net::HttpRequest request{"POST", url, {{"Content-Type", "application/json"}}, body};
    auto response = transport_.perform(request);
    if (!response) return response.error().context("etcd");
    return etcd_answer(url, response->status, response->body);
}

}  // namespace staffeln::coordination
