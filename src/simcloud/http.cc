#include "simcloud/http.h"

#include <fmt/format.h>

#include <charconv>
#include <cctype>

namespace staffeln::sim {

std::optional<std::string> Call::param(const std::string& key) const {
    if (!req.has_param(key)) return std::nullopt;
    return req.get_param_value(key);
}

Reply json_reply(int status, const json& body) {
    Reply r;
    r.status = status;
    r.body = body.dump();
    r.headers.emplace_back("Content-Type", "application/json");
    return r;
}

Reply text_reply(int status, std::string json_text) {
    Reply r;
    r.status = status;
    r.body = std::move(json_text);
    r.headers.emplace_back("Content-Type", "application/json");
    return r;
}

Reply empty_reply(int status) {
    Reply r;
    r.status = status;
    return r;
}

std::string fault_name(int status) {
    switch (status) {
        case 400:
            return "badRequest";
        case 401:
            return "unauthorized";
        case 403:
            return "forbidden";
        case 404:
            return "itemNotFound";
        case 405:
            return "badMethod";
        case 409:
            return "conflictingRequest";
        case 413:
            return "overLimit";
        case 415:
            return "badMediaType";
        case 429:
            return "overLimit";
        case 501:
            return "notImplemented";
        case 503:
            return "serviceUnavailable";
        default:
            return "computeFault";
    }
}

Reply fault(int status, const std::string& message) {
    return json_reply(status, {{fault_name(status), {{"code", status}, {"message", message}}}});
}

Reply keystone_error(int status, const std::string& message) {
    std::string title = status == 401   ? "Unauthorized"
                        : status == 403 ? "Forbidden"
                        : status == 404 ? "Not Found"
                        : status == 400 ? "Bad Request"
                                        : "Internal Server Error";
    return json_reply(status, {{"error", {{"code", status}, {"message", message}, {"title", title}}}});
}

Reply unauthorized() {
    Reply r = keystone_error(401, "The request you have made requires authentication.");
    r.headers.emplace_back("WWW-Authenticate", "Keystone uri=\"/identity\"");
    return r;
}

bool operator<(Version a, Version b) { return a.major != b.major ? a.major < b.major : a.minor < b.minor; }
bool operator>=(Version a, Version b) { return !(a < b); }
std::string to_string(Version v) { return fmt::format("{}.{}", v.major, v.minor); }

namespace {

std::string trim(std::string s) {
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.erase(s.begin());
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.pop_back();
    return s;
}

std::optional<Version> parse_version(const std::string& text) {
    Version v;
    auto dot = text.find('.');
    if (dot == std::string::npos) return std::nullopt;
    const char* b = text.data();
    auto r1 = std::from_chars(b, b + dot, v.major);
    auto r2 = std::from_chars(b + dot + 1, b + text.size(), v.minor);
    if (r1.ec != std::errc{} || r1.ptr != b + dot || r2.ec != std::errc{} || r2.ptr != b + text.size())
        return std::nullopt;
    return v;
}

// The version requested for `service` in "OpenStack-API-Version: volume 3.43, compute 2.1".
std::optional<std::string> requested(const httplib::Request& req, const std::string& service) {
    for (size_t i = 0; i < req.get_header_value_count("OpenStack-API-Version"); ++i) {
        std::string value = req.get_header_value("OpenStack-API-Version", i);
        size_t start = 0;
        while (start <= value.size()) {
            size_t comma = value.find(',', start);
            std::string item =
                trim(value.substr(start, comma == std::string::npos ? std::string::npos : comma - start));
            auto space = item.find(' ');
            if (space != std::string::npos && item.substr(0, space) == service) return trim(item.substr(space + 1));
            if (comma == std::string::npos) break;
            start = comma + 1;
        }
    }
    return std::nullopt;
}

}  // namespace

std::variant<Version, Reply> negotiate(const httplib::Request& req, const std::string& service,
                                       const std::string& legacy_header, Version min, Version max) {
    std::optional<std::string> asked = requested(req, service);
    if (!asked && req.has_header(legacy_header.c_str())) asked = trim(req.get_header_value(legacy_header.c_str()));
    if (!asked) return min;
    if (*asked == "latest") return max;
    auto v = parse_version(*asked);
    if (!v)
        return fault(
            400,
            fmt::format("API Version String {} is of invalid format. Must be of format MajorNum.MinorNum.", *asked));
    if (*v < min || max < *v)
        return fault(406, fmt::format("Version {} is not supported by the API. Minimum is {} and maximum is {}.",
                                      *asked, to_string(min), to_string(max)));
    return *v;
}

std::variant<Caller, Reply> authenticate(Cloud& cloud, const httplib::Request& req, Micros now) REQUIRES(cloud.mutex) {
    if (!req.has_header("X-Auth-Token")) return unauthorized();
    auto it = cloud.tokens.find(req.get_header_value("X-Auth-Token"));
    if (it == cloud.tokens.end() || it->second.expires <= now) return unauthorized();
    const Token& t = it->second;
    return Caller{t.user, t.project, t.is_admin};
}

std::optional<Page> page_params(const Call& call, bool default_to_max) {
    Page page;
    page.limited = default_to_max;
    if (auto limit = call.param("limit")) {
        long long n = 0;
        auto r = std::from_chars(limit->data(), limit->data() + limit->size(), n);
        if (r.ec != std::errc{} || r.ptr != limit->data() + limit->size() || n < 0) return std::nullopt;
        page.limit = static_cast<size_t>(std::min<long long>(n, 1000));
        page.limited = true;
    }
    if (!page.limited) page.limit = SIZE_MAX;
    page.marker = call.param("marker");
    return page;
}

json next_links(const Call& call, const std::string& collection_url, const std::string& last_id) {
    std::string query;
    for (const auto& [key, value] : call.req.params) {
        if (key == "marker") continue;
        query +=
            fmt::format("{}={}&", httplib::detail::encode_query_param(key), httplib::detail::encode_query_param(value));
    }
    query += "marker=" + last_id;
    return json::array({{{"rel", "next"}, {"href", collection_url + "?" + query}}});
}

std::string python_repr(const nlohmann::ordered_json& value) {
    switch (value.type()) {
        case nlohmann::ordered_json::value_t::null:
            return "None";
        case nlohmann::ordered_json::value_t::boolean:
            return value.get<bool>() ? "True" : "False";
        case nlohmann::ordered_json::value_t::string: {
            std::string out = "'";
            for (char c : value.get<std::string>()) {
                if (c == '\'' || c == '\\') out.push_back('\\');
                out.push_back(c);
            }
            return out + "'";
        }
        case nlohmann::ordered_json::value_t::array: {
            std::string out = "[";
            for (size_t i = 0; i < value.size(); ++i) out += (i ? ", " : "") + python_repr(value[i]);
            return out + "]";
        }
        case nlohmann::ordered_json::value_t::object: {
            std::string out = "{";
            bool first = true;
            for (const auto& [k, v] : value.items()) {
                out += (first ? "'" : ", '") + k + "': " + python_repr(v);
                first = false;
            }
            return out + "}";
        }
        default:
            return value.dump();
    }
}

}  // namespace staffeln::sim
