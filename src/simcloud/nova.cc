#include "simcloud/nova.h"

#include "simcloud/ids.h"

#include <fmt/format.h>

#include <functional>

namespace staffeln::sim {
namespace {

constexpr Version kMin{2, 1};
constexpr Version kMax{2, 93};

struct Ctx {
    Cloud& cloud;
    const Call& call;
    const Caller& caller;
    Version version;
    bool at(int minor) const { return version >= Version{2, minor}; }
};

json v21_document(const std::string& base, bool with_media) {
    json doc = {{"id", "v2.1"},
                {"status", "CURRENT"},
                {"version", to_string(kMax)},
                {"min_version", to_string(kMin)},
                {"updated", "2013-07-23T11:33:21Z"},
                {"links", json::array({{{"rel", "self"}, {"href", base + "/compute/v2.1/"}}})}};
    if (with_media) {
        doc["links"].push_back({{"rel", "describedby"}, {"type", "text/html"}, {"href", "http://docs.openstack.org/"}});
        doc["media-types"] = json::array(
            {{{"base", "application/json"}, {"type", "application/vnd.openstack.compute+json;version=2.1"}}});
    }
    return doc;
}

Reply versions(const Call& call) {
    json v20 = {{"id", "v2.0"},
                {"status", "SUPPORTED"},
                {"version", ""},
                {"min_version", ""},
                {"updated", "2011-01-21T11:33:21Z"},
                {"links", json::array({{{"rel", "self"}, {"href", call.base_url + "/compute/v2/"}}})}};
    return json_reply(200, {{"versions", json::array({v20, v21_document(call.base_url, false)})}});
}

json links(const Call& call, const std::string& id) {
    return json::array({{{"rel", "self"}, {"href", call.base_url + "/compute/v2.1/servers/" + id}},
                        {{"rel", "bookmark"}, {"href", call.base_url + "/compute/servers/" + id}}});
}

std::string host_id(const Project& p) {
    std::string out;
    for (int i = 0; out.size() < 56; ++i) out += fmt::format("{:016x}", std::hash<std::string>{}(p.id + "oslab" + std::to_string(i)));
    return out.substr(0, 56);
}

json volumes_attached(const Ctx& c, const Server& s) {
    json out = json::array();
    for (Handle v : s.volumes) {
        json item = {{"id", c.cloud.volumes[v].id}};
        if (c.at(3)) item["delete_on_termination"] = false;
        out.push_back(item);
    }
    return out;
}

json flavor(const Ctx& c) {
    if (c.at(47))
        return {{"vcpus", 1}, {"ram", 256}, {"disk", 0}, {"ephemeral", 0}, {"swap", 0},
                {"original_name", "sim.tiny"}, {"extra_specs", json::object()}};
    std::string id = "b0a1c2d3-0000-4000-8000-000000000001";
    return {{"id", id},
            {"links", json::array({{{"rel", "bookmark"}, {"href", c.call.base_url + "/compute/flavors/" + id}}})}};
}

json server_json(const Ctx& c, const Server& s, bool show) {
    const Project& p = c.cloud.projects[s.project];
    json j = {{"id", s.id},
              {"name", s.name},
              {"status", s.status},
              {"tenant_id", p.id},
              {"user_id", c.cloud.users[s.user].id},
              {"metadata", s.metadata},
              {"hostId", host_id(p)},
              {"image", ""},
              {"flavor", flavor(c)},
              {"created", nova_time(s.created)},
              {"updated", nova_time(s.updated)},
              {"addresses", json::object()},
              {"accessIPv4", ""},
              {"accessIPv6", ""},
              {"links", links(c.call, s.id)},
              {"OS-DCF:diskConfig", "MANUAL"},
              {"progress", 0},
              {"OS-EXT-AZ:availability_zone", "nova"},
              {"config_drive", ""},
              {"key_name", nullptr},
              {"OS-SRV-USG:launched_at", cinder_time(s.created)},
              {"OS-SRV-USG:terminated_at", nullptr},
              {"OS-EXT-STS:task_state", nullptr},
              {"OS-EXT-STS:vm_state", "active"},
              {"OS-EXT-STS:power_state", 1},
              {"os-extended-volumes:volumes_attached", volumes_attached(c, s)}};
    if (c.caller.is_admin) {
        j["OS-EXT-SRV-ATTR:host"] = "simcloud";
        j["OS-EXT-SRV-ATTR:instance_name"] = fmt::format("instance-{:08x}", s.instance_number);
        j["OS-EXT-SRV-ATTR:hypervisor_hostname"] = "simcloud";
        if (c.at(3)) {
            j["OS-EXT-SRV-ATTR:reservation_id"] = fmt::format("r-{:08x}", s.instance_number);
            j["OS-EXT-SRV-ATTR:launch_index"] = 0;
            j["OS-EXT-SRV-ATTR:hostname"] = s.name;
            j["OS-EXT-SRV-ATTR:kernel_id"] = "";
            j["OS-EXT-SRV-ATTR:ramdisk_id"] = "";
            j["OS-EXT-SRV-ATTR:root_device_name"] = "/dev/sda";
            j["OS-EXT-SRV-ATTR:user_data"] = nullptr;
        }
        if (c.at(16)) j["host_status"] = "UP";
    }
    if (c.at(9)) j["locked"] = false;
    if (c.at(19)) j["description"] = nullptr;
    if (c.at(26)) j["tags"] = json::array();
    if (c.at(63)) j["trusted_image_certificates"] = nullptr;
    if (c.at(73)) j["locked_reason"] = nullptr;
    if (show && c.at(71)) j["server_groups"] = json::array();
    return j;
}

bool truthy(const std::string& v) {
    return !(v == "0" || v == "false" || v == "False" || v == "off" || v == "no" || v == "f" || v == "n");
}

Reply list_servers(const Ctx& c, bool detail) {
    const Call& call = c.call;
    auto all = call.param("all_tenants");
    bool all_tenants = all && truthy(*all);
    if (all_tenants && !c.caller.is_admin)
        return fault(403, fmt::format("Policy doesn't allow os_compute_api:servers:{}:get_all_tenants to be performed.",
                                      detail ? "detail" : "index"));
    auto page = page_params(call, true);
    if (!page) return fault(400, fmt::format("Invalid input for query parameters limit. Value: {}.",
                                             call.param("limit").value_or("")));
    std::optional<Handle> project = c.caller.project;
    if (all_tenants) {
        project.reset();
        auto wanted = call.param("project_id");
        if (!wanted) wanted = call.param("tenant_id");
        if (wanted) {
            project = c.cloud.project(*wanted);
            if (!project || c.cloud.projects[*project].id != *wanted)
                return json_reply(200, {{"servers", json::array()}});
        }
    }
    const OrderedIndex<Server>* index = &c.cloud.all_servers;
    static const OrderedIndex<Server> kEmpty{NewestFirst<Server>{nullptr}};
    if (project) {
        auto it = c.cloud.servers_by_project.find(*project);
        index = it == c.cloud.servers_by_project.end() ? &kEmpty : &it->second;
    }
    auto it = index->begin();
    if (page->marker) {
        auto m = c.cloud.server(*page->marker);
        if (!m) return fault(400, fmt::format("marker [{}] not found", *page->marker));
        it = index->upper_bound(*m);
    }
    auto name = call.param("name");
    json items = json::array();
    std::string last;
    for (; it != index->end() && items.size() < page->limit; ++it) {
        const Server& s = c.cloud.servers[*it];
        if (name && s.name.find(*name) == std::string::npos) continue;
        items.push_back(detail ? server_json(c, s, false)
                               : json{{"id", s.id}, {"name", s.name}, {"links", links(call, s.id)}});
        last = s.id;
    }
    json body = {{"servers", items}};
    if (page->limit > 0 && items.size() == page->limit)
        body["servers_links"] = next_links(call, call.base_url + "/compute/v2.1/servers" + (detail ? "/detail" : ""), last);
    return json_reply(200, body);
}

std::optional<Handle> visible_server(const Ctx& c, const std::string& id) {
    auto s = c.cloud.server(id);
    if (!s) return std::nullopt;
    if (!c.caller.is_admin && c.cloud.servers[*s].project != c.caller.project) return std::nullopt;
    return s;
}

Reply not_found(const std::string& id) { return fault(404, fmt::format("Instance {} could not be found.", id)); }

std::optional<std::string> invalid_metadata(const json& meta) {
    if (!meta.is_object()) return "Invalid input for field/attribute metadata. Value: " + meta.dump() + ". " +
                                  meta.dump() + " is not of type 'object'";
    for (const auto& [k, v] : meta.items()) {
        if (k.empty() || k.size() > 255)
            return "Invalid input for field/attribute metadata. Value: " + meta.dump() +
                   ". Additional properties are not allowed ('" + k + "' was unexpected)";
        if (!v.is_string() || v.get<std::string>().size() > 255)
            return "Invalid input for field/attribute " + k + ". Value: " + v.dump() + ". " + v.dump() +
                   " is not of type 'string'";
    }
    return std::nullopt;
}

Reply server_metadata(const Ctx& c, Server& s, const std::vector<std::string>& segs) {
    const std::string& m = c.call.req.method;
    if (segs.size() == 4) {
        if (m == "GET") return json_reply(200, {{"metadata", s.metadata}});
        if (m != "POST" && m != "PUT") return fault(405, "The method specified is not allowed for this resource.");
        json body = json::parse(c.call.req.body, nullptr, false);
        if (body.is_discarded() || !body.is_object() || !body.contains("metadata"))
            return fault(400, "Invalid input for field/attribute metadata. 'metadata' is a required property");
        if (auto why = invalid_metadata(body["metadata"])) return fault(400, *why);
        if (m == "PUT") s.metadata.clear();
        for (const auto& [k, v] : body["metadata"].items()) s.metadata[k] = v.get<std::string>();
        s.updated = c.call.now;
        return json_reply(200, {{"metadata", s.metadata}});
    }
    const std::string& key = segs[4];
    if (m == "GET") {
        auto it = s.metadata.find(key);
        if (it == s.metadata.end()) return fault(404, "Metadata item was not found");
        return json_reply(200, {{"meta", {{key, it->second}}}});
    }
    if (m == "DELETE") {
        if (s.metadata.erase(key) == 0) return fault(404, "Metadata item was not found");
        s.updated = c.call.now;
        return empty_reply(204);
    }
    if (m != "PUT") return fault(405, "The method specified is not allowed for this resource.");
    json body = json::parse(c.call.req.body, nullptr, false);
    if (body.is_discarded() || !body.is_object() || !body.contains("meta"))
        return fault(400, "Invalid input for field/attribute meta. 'meta' is a required property");
    if (auto why = invalid_metadata(body["meta"])) return fault(400, *why);
    if (body["meta"].size() > 1) return fault(400, "Request body contains too many items");
    if (!body["meta"].contains(key)) return fault(400, "Request body and URI mismatch");
    s.metadata[key] = body["meta"][key].get<std::string>();
    s.updated = c.call.now;
    return json_reply(200, {{"meta", {{key, s.metadata[key]}}}});
}

Reply route(const Ctx& c) {
    const auto& s = c.call.segs;
    const std::string& m = c.call.req.method;
    if (s.size() >= 2 && s[1] == "servers") {
        if (s.size() == 2 && m == "GET") return list_servers(c, false);
        if (s.size() == 3 && s[2] == "detail" && m == "GET") return list_servers(c, true);
        if (s.size() < 3) return fault(405, "The method specified is not allowed for this resource.");
        auto h = visible_server(c, s[2]);
        if (!h) return not_found(s[2]);
        if (s.size() == 3 && m == "GET") return json_reply(200, {{"server", server_json(c, c.cloud.servers[*h], true)}});
        if (s.size() >= 4 && s.size() <= 5 && s[3] == "metadata") return server_metadata(c, c.cloud.servers[*h], s);
    }
    return fault(404, "The resource could not be found.");
}

}  // namespace

Reply handle_nova(Cloud& cloud, const Call& call) {
    const auto& s = call.segs;
    if (s.empty() && call.req.method == "GET") return versions(call);
    if (s.empty() || s[0] != "v2.1") return fault(404, "The resource could not be found.");
    auto negotiated = negotiate(call.req, "compute", "X-OpenStack-Nova-API-Version", kMin, kMax);
    Reply r;
    std::string request_id = new_request_id();
    if (auto* bad = std::get_if<Reply>(&negotiated)) {
        r = *bad;
    } else if (s.size() == 1 && call.req.method == "GET") {
        r = json_reply(200, {{"version", v21_document(call.base_url, true)}});
    } else {
        auto who = authenticate(cloud, call.req, call.now);
        if (auto* denied = std::get_if<Reply>(&who)) {
            r = *denied;
        } else {
            r = route(Ctx{cloud, call, std::get<Caller>(who), std::get<Version>(negotiated)});
        }
    }
    Version v = std::holds_alternative<Version>(negotiated) ? std::get<Version>(negotiated) : kMin;
    r.headers.emplace_back("OpenStack-API-Version", "compute " + to_string(v));
    r.headers.emplace_back("X-OpenStack-Request-Id", request_id);
    r.headers.emplace_back("X-Compute-Request-Id", request_id);
    return r;
}

}  // namespace staffeln::sim
