#include "staffeln/coordination/etcd_gateway.h"

#include <fmt/format.h>

namespace staffeln::coordination {
namespace {

ErrorKind kind_of_grpc_code(int code) {
    switch (code) {
        case 3:
            return ErrorKind::invalid_input;
        case 5:
            return ErrorKind::not_found;
        case 7:
            return ErrorKind::forbidden;
        case 16:
            return ErrorKind::unauthorized;
        default:
            return ErrorKind::unavailable;
    }
}

bool worth_another_endpoint(const Error& e, Idempotent idempotent) {
    if (e.kind != ErrorKind::unavailable && e.kind != ErrorKind::timeout) return false;
    return idempotent == Idempotent::yes || !e.maybe_applied;
}

}  // namespace

EtcdGateway::EtcdGateway(std::vector<std::string> endpoints, const openstack::TlsOptions& tls,
                         std::chrono::milliseconds request_timeout)
    : endpoints_(std::move(endpoints)),
      transport_(openstack::TransportOptions{request_timeout, request_timeout, tls}) {}

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
    openstack::HttpRequest request{"POST", url, {{"Content-Type", "application/json"}}, body};
    auto response = transport_.perform(request);
    if (!response) return response.error().context("etcd");
    auto json = nlohmann::json::parse(response->body, nullptr, false);
    if (response->status == 200 && json.is_object()) return json;
    if (json.is_object() && json.contains("code")) {
        std::string message = json.value("message", json.value("error", std::string("no message")));
        return make_error(kind_of_grpc_code(json["code"].is_number() ? json["code"].get<int>() : 2),
                          fmt::format("etcd POST {}: {}", url, message));
    }
    std::string excerpt = response->body.substr(0, 200);
    return make_error(response->status == 404 ? ErrorKind::invalid_input : ErrorKind::unavailable,
                      fmt::format("etcd POST {}: HTTP {} '{}' (is this etcd's v3 gateway, with the right "
                                  "api_version?)",
                                  url, response->status, excerpt));
}

long long int64_field(const nlohmann::json& object, const char* name) {
    auto it = object.find(name);
    if (it == object.end()) return 0;
    if (it->is_number_integer()) return it->get<long long>();
    if (!it->is_string()) return 0;
    try {
        return std::stoll(it->get<std::string>());
    } catch (const std::exception&) {
        return 0;
    }
}

}  // namespace staffeln::coordination
