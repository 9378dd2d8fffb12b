// What every simulated service shares: the parsed request (Call), the answer (Reply),
// OpenStack fault bodies, microversion negotiation, token checks and pagination arguments.
// Bodies and texts follow ../shared/openstack-api/transcript.md.
#pragma once

#include "simcloud/cloud.h"

#include <httplib.h>
#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

namespace staffeln::sim {

using nlohmann::json;

struct Call {
    const httplib::Request& req;
    std::vector<std::string> segs;  // path segments after the service prefix
    std::string base_url;           // http://127.0.0.1:PORT
    Micros now = 0;

    std::optional<std::string> param(const std::string& key) const;
};

struct Reply {
    int status = 200;
    std::string body;
    std::vector<std::pair<std::string, std::string>> headers;
};

Reply json_reply(int status, const json& body);
Reply empty_reply(int status);
Reply text_reply(int status, std::string json_text);
// Nova and Cinder faults: {"badRequest": {"code": 400, "message": "..."}}.
Reply fault(int status, const std::string& message);
std::string fault_name(int status);
// Keystone errors and keystonemiddleware rejections: {"error": {"code", "message", "title"}}.
Reply keystone_error(int status, const std::string& message);
Reply unauthorized();

struct Version {
    int major = 0, minor = 0;
};
bool operator<(Version a, Version b);
bool operator>=(Version a, Version b);
std::string to_string(Version v);

// Reads OpenStack-API-Version (and the legacy per-service header); a Reply when invalid.
std::variant<Version, Reply> negotiate(const httplib::Request& req, const std::string& service,
                                       const std::string& legacy_header, Version min, Version max);

struct Caller {
    Handle user = 0;
    std::optional<Handle> project;
    bool is_admin = false;
};
// Validates X-Auth-Token; the 401 reply of keystonemiddleware otherwise.
std::variant<Caller, Reply> authenticate(Cloud& cloud, const httplib::Request& req, Micros now) REQUIRES(cloud.mutex);

struct Page {
    size_t limit = 1000;
    bool limited = false;  // the caller sent limit=
    std::optional<std::string> marker;
};
// limit/marker as Nova and Cinder read them; max 1000. nullopt when limit is not a number >= 0.
std::optional<Page> page_params(const Call& call, bool default_to_max);

// The "next" link both services add when a page is full: same query, marker = last id.
json next_links(const Call& call, const std::string& collection_url, const std::string& last_id);

std::string python_repr(const nlohmann::ordered_json& value);

}  // namespace staffeln::sim
