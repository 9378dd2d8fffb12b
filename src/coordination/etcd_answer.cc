#include "staffeln/coordination/etcd_answer.h"

#include "staffeln/base64.h"

#include <fmt/format.h>

#include <charconv>
#include <limits>

namespace staffeln::coordination {
namespace {

using nlohmann::json;

ErrorKind kind_of_grpc_code(long long code) {
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

Error bad_field(std::string_view name, std::string_view problem) {
    return make_error(ErrorKind::unavailable, fmt::format("etcd answer field '{}' {}", name, problem));
}

// The member `name` when object has it and it is not null, else nullptr.
const json* member(const json& object, std::string_view name) {
    auto it = object.find(name);
    return it == object.end() || it->is_null() ? nullptr : &*it;
}

// A member of the given kind ("object" or "array"), or an empty one of that kind when absent.
Result<const json*> nested(const json& object, std::string_view name, json::value_t kind) {
    static const json empty_object = json::object();
    static const json empty_array = json::array();
    const json* value = member(object, name);
    if (value == nullptr) return kind == json::value_t::object ? &empty_object : &empty_array;
    if (value->type() != kind) return bad_field(name, fmt::format("is not an {}", json(kind).type_name()));
    return value;
}

}  // namespace

Result<nlohmann::json> etcd_answer(const std::string& url, int http_status, const std::string& body) {
    auto answer = json::parse(body, nullptr, false);
    if (http_status == 200 && answer.is_object()) return answer;
    if (answer.is_object() && answer.contains("code")) {
        const json& code = answer["code"];
        const json* message = member(answer, "message");
        if (message == nullptr || !message->is_string()) message = member(answer, "error");
        std::string text = message != nullptr && message->is_string() ? message->get<std::string>() : "no message";
        return make_error(kind_of_grpc_code(code.is_number_integer() ? code.get<long long>() : 2),
                          fmt::format("etcd POST {}: {}", url, text));
    }
    return make_error(http_status == 404 ? ErrorKind::invalid_input : ErrorKind::unavailable,
                      fmt::format("etcd POST {}: HTTP {} '{}' (is this etcd's v3 gateway, with the right "
                                  "api_version?)",
                                  url, http_status, body.substr(0, 200)));
}

Result<long long> int64_field(const nlohmann::json& object, std::string_view name) {
    if (!object.is_object()) return bad_field(name, "is in something that is not an object");
    const json* value = member(object, name);
    if (value == nullptr) return 0LL;
    if (value->is_number_unsigned() &&
        value->get<unsigned long long>() > static_cast<unsigned long long>(std::numeric_limits<long long>::max()))
        return bad_field(name, "is beyond int64");
    if (value->is_number_integer()) return value->get<long long>();
    if (!value->is_string()) return bad_field(name, "is neither an int64 string nor an integer");
    const auto& text = value->get_ref<const std::string&>();
    long long n = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
    if (text.empty() || ec != std::errc() || end != text.data() + text.size())
        return bad_field(name, fmt::format("is not an int64: '{}'", text.substr(0, 40)));
    return n;
}

Result<LeaseGrant> lease_grant(const nlohmann::json& answer) {
    auto id = int64_field(answer, "ID");
    if (!id) return id.error();
    auto ttl = int64_field(answer, "TTL");
    if (!ttl) return ttl.error();
    return LeaseGrant{*id, *ttl};
}

Result<long long> keepalive_ttl(const nlohmann::json& answer) {
    if (!answer.is_object()) return bad_field("result", "is in something that is not an object");
    auto result = nested(answer, "result", json::value_t::object);
    if (!result) return result.error();
    return int64_field(**result, "TTL");
}

Result<TxnOutcome> txn_outcome(const nlohmann::json& answer) {
    if (!answer.is_object()) return bad_field("succeeded", "is in something that is not an object");
    TxnOutcome out;
    if (const json* succeeded = member(answer, "succeeded")) {
        if (!succeeded->is_boolean()) return bad_field("succeeded", "is not a boolean");
        out.succeeded = succeeded->get<bool>();
    }
    auto header = nested(answer, "header", json::value_t::object);
    if (!header) return header.error();
    auto revision = int64_field(**header, "revision");
    if (!revision) return revision.error();
    out.revision = *revision;
    auto responses = nested(answer, "responses", json::value_t::array);
    if (!responses) return responses.error();
    for (const json& response : **responses) {
        if (!response.is_object()) return bad_field("responses[]", "is not an object");
        auto range = nested(response, "response_range", json::value_t::object);
        if (!range) return range.error();
        auto kvs = nested(**range, "kvs", json::value_t::array);
        if (!kvs) return kvs.error();
        for (const json& kv : **kvs) {
            if (!kv.is_object()) return bad_field("kvs[]", "is not an object");
            const json* value = member(kv, "value");
            if (value == nullptr) continue;
            if (!value->is_string()) return bad_field("kvs[].value", "is not a string");
            if (auto holder = base64_decode(value->get<std::string>())) out.holder = *holder;
        }
    }
    return out;
}

}  // namespace staffeln::coordination
