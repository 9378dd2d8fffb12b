#include "staffeln/openstack/http_error.h"

#include "staffeln/url_password.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace staffeln::openstack {
namespace {

constexpr std::size_t max_quoted_body = 200;

ErrorKind kind_for(int status, const std::string& message) {
    switch (status) {
        case 400:
            // Cinder raises InvalidBackup/InvalidVolume/InvalidSnapshot for states that forbid the
            // call now ("Incremental backups exist for this backup.", "must use the force flag.",
            // a snapshot a backup is reading: "Snapshot status must be available or error ...").
            if (message.starts_with("Invalid backup:") || message.starts_with("Invalid volume:") ||
                message.starts_with("Invalid snapshot:"))
                return ErrorKind::conflict;
            return ErrorKind::invalid_input;
        case 401:
            return ErrorKind::unauthorized;
        case 403:
            return ErrorKind::forbidden;
        case 404:
            return ErrorKind::not_found;
        case 409:
            return ErrorKind::conflict;
        case 408:
            return ErrorKind::timeout;
        case 429:
            return ErrorKind::unavailable;
        default:
            return status >= 500 ? ErrorKind::unavailable : ErrorKind::invalid_input;
    }
}

}  // namespace

std::string fault_message(const std::string& body) {
    const auto json = nlohmann::json::parse(body, nullptr, false);
    if (json.is_object()) {
        if (json.contains("message") && json["message"].is_string()) return json["message"];
        for (const auto& [name, fault] : json.items()) {
            if (fault.is_object() && fault.contains("message") && fault["message"].is_string()) return fault["message"];
        }
    }
    std::string text = body.substr(0, max_quoted_body);
    while (!text.empty() && (text.back() == '\n' || text.back() == '\r' || text.back() == ' ')) text.pop_back();
    return text.empty() ? "no message" : text;
}

Error error_from_response(const net::HttpRequest& request, const net::HttpResponse& response) {
    const std::string message = fault_message(response.body);
    Error error = make_error(
        kind_for(response.status, message),
        fmt::format("{} {}: HTTP {}: {}", request.method, redact_url(request.url), response.status, message));
    error.http_status = response.status;
    error.request_id = response.header("x-openstack-request-id");
    return error;
}

}  // namespace staffeln::openstack
