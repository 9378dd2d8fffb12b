#include "simcloud/nova.h"

#include "simcloud/ids.h"
#include "simcloud/json_out.h"

#include <fmt/format.h>

#include <functional>

namespace staffeln::sim {
namespace {

constexpr Version kMin{2, 1};
constexpr Version kMax{2, 93};

// Nova's refusals of a boot (tests/e2e/recorded/server-boot.md).
// Nova quotes the request body as Python shows it; this shows the names it lacks only.
constexpr const char* kNetworksRequired =
    "Invalid input for field/attribute server. Value: {{...}}. 'networks' is a required property";
constexpr const char* kFlavorNotFound = "Flavor {} could not be found.";
constexpr const char* kVolumeNotFound = "Block Device Mapping is Invalid: failed to get volume {}.";
constexpr const char* kVolumeNotAvailable =
    "Invalid volume: Invalid input received: Invalid volume: Volume {} status must be available or downloading to "
    "reserve, but the current status is {}. (HTTP 400) (Request-ID: {})";

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

void write_links(JsonOut& w, const Call& call, const std::string& id) {
    w.begin_array();
    w.begin_object()
        .key("rel")
        .str("self")
        .key("href")
        .str_parts({call.base_url, "/compute/v2.1/servers/", id})
        .end_object();
    w.begin_object()
        .key("rel")
        .str("bookmark")
        .key("href")
        .str_parts({call.base_url, "/compute/servers/", id})
        .end_object();
    w.end_array();
}

// Nova's hostId is a sha224 of project and host: 56 hex digits, stable per project.
std::string host_id(const Project& p) {
    std::uint64_t h = std::hash<std::string>{}(p.id);
    auto mix = [&h] {
        h += 0x9e3779b97f4a7c15ULL;
        std::uint64_t z = h;
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
        return z ^ (z >> 31);
    };
    return fmt::format("{:016x}{:016x}{:016x}{:08x}", mix(), mix(), mix(), static_cast<std::uint32_t>(mix()));
}

void write_volumes_attached(JsonOut& w, const Ctx& c, const Server& s) REQUIRES(c.cloud.mutex) {
    w.begin_array();
    for (std::size_t i = 0; i < s.volumes.size(); ++i) {
        w.begin_object().key("id").str(c.cloud.volumes[s.volumes[i]].id);
        if (c.at(3))
            w.key("delete_on_termination").boolean(i < s.delete_on_termination.size() && s.delete_on_termination[i]);
        w.end_object();
    }
    w.end_array();
}

void write_flavor(JsonOut& w, const Ctx& c, const Server& s) REQUIRES(c.cloud.mutex) {
    const Flavor& f = c.cloud.flavors[s.flavor];
    if (c.at(47)) {
        w.begin_object()
            .key("vcpus")
            .num(f.vcpus)
            .key("ram")
            .num(f.ram)
            .key("disk")
            .num(f.disk)
            .key("ephemeral")
            .num(0);
        w.key("swap").num(0).key("original_name").str(f.name).key("extra_specs").object(f.extra_specs);
        w.end_object();
        return;
    }
    const std::string& id = f.id;
    w.begin_object().key("id").str(id).key("links").begin_array();
    w.begin_object()
        .key("rel")
        .str("bookmark")
        .key("href")
        .str_parts({c.call.base_url, "/compute/flavors/", id})
        .end_object();
    w.end_array().end_object();
}

void write_server(JsonOut& w, const Ctx& c, const Server& s, bool show) REQUIRES(c.cloud.mutex) {
    const Project& p = c.cloud.projects[s.project];
    // Not on a host (yet): BUILD while scheduling, ERROR when no host took it (as recorded).
    const bool hosted = s.status != "BUILD" && s.status != "ERROR";
    w.begin_object();
    w.key("id").str(s.id).key("name").str(s.name).key("status").str(s.status).key("tenant_id").str(p.id);
    w.key("user_id").str(c.cloud.users[s.user].id).key("metadata").object(s.metadata);
    w.key("hostId").str(hosted ? host_id(p) : "").key("image").str("").key("flavor");
    write_flavor(w, c, s);
    w.key("created").str(nova_time(s.created)).key("updated").str(nova_time(s.updated));
    w.key("addresses").begin_object().end_object().key("accessIPv4").str("").key("accessIPv6").str("");
    w.key("links");
    write_links(w, c.call, s.id);
    w.key("OS-DCF:diskConfig").str("MANUAL");
    if (s.status != "ERROR") w.key("progress").num(0);  // an ERROR server shows none (recorded)
    w.key("OS-EXT-AZ:availability_zone").str(s.availability_zone);
    w.key("config_drive").str("").key("key_name");
    if (s.key_name)
        w.str(*s.key_name);
    else
        w.null();
    w.key("OS-SRV-USG:launched_at");
    if (hosted)
        w.str(cinder_time(s.created));
    else
        w.null();
    w.key("OS-SRV-USG:terminated_at").null();
    const bool building = s.status == "BUILD", error = s.status == "ERROR";
    w.key("OS-EXT-STS:task_state");
    if (building)
        w.str("scheduling");
    else
        w.null();
    w.key("OS-EXT-STS:vm_state").str(building ? "building" : error ? "error" : "active");
    w.key("OS-EXT-STS:power_state").num(building || error ? 0 : 1);
    w.key("os-extended-volumes:volumes_attached");
    write_volumes_attached(w, c, s);
    if (c.caller.is_admin) {
        w.key("OS-EXT-SRV-ATTR:host");
        if (hosted)
            w.str("simcloud");
        else
            w.null();
        w.key("OS-EXT-SRV-ATTR:instance_name").str(fmt::format("instance-{:08x}", s.instance_number));
        w.key("OS-EXT-SRV-ATTR:hypervisor_hostname");
        if (hosted)
            w.str("simcloud");
        else
            w.null();
        if (c.at(3)) {
            w.key("OS-EXT-SRV-ATTR:reservation_id").str(fmt::format("r-{:08x}", s.instance_number));
            w.key("OS-EXT-SRV-ATTR:launch_index").num(0).key("OS-EXT-SRV-ATTR:hostname").str(s.name);
            w.key("OS-EXT-SRV-ATTR:kernel_id").str("").key("OS-EXT-SRV-ATTR:ramdisk_id").str("");
            // The first attached volume's device (real Nova: the boot volume's); null until built.
            w.key("OS-EXT-SRV-ATTR:root_device_name");
            if (s.status == "BUILD" || s.status == "ERROR")
                w.null();
            else
                w.str(s.volumes.empty() ? std::string("/dev/sda") : c.cloud.volumes[s.volumes[0]].device);
            w.key("OS-EXT-SRV-ATTR:user_data").null();
        }
        if (c.at(16)) w.key("host_status").str(hosted ? "UP" : "");
    }
    if (c.at(9)) w.key("locked").boolean(false);
    if (c.at(19)) w.key("description").null();
    if (c.at(26)) w.key("tags").begin_array().end_array();
    if (c.at(63)) w.key("trusted_image_certificates").null();
    if (c.at(73)) w.key("locked_reason").null();
    if (show && c.at(71)) w.key("server_groups").begin_array().end_array();
    if (s.status == "ERROR") {
        w.key("fault").begin_object().key("code").num(500).key("created").str(nova_time(s.updated));
        w.key("message").str(s.fault);
        if (c.caller.is_admin) w.key("details").str("");
        w.end_object();
    }
    w.end_object();
}

bool truthy(const std::string& v) {
    return !(v == "0" || v == "false" || v == "False" || v == "off" || v == "no" || v == "f" || v == "n");
}

// The servers a list may show: the caller's project, or with all_tenants every project or the
// one named by project_id/tenant_id; nullopt when that project does not exist.
std::optional<const OrderedIndex<Server>*> servers_in_scope(const Ctx& c, bool all_tenants) REQUIRES(c.cloud.mutex) {
    static const OrderedIndex<Server> kEmpty{NewestFirst<Server>{nullptr}};
    auto in_project = [&](Handle p) {
        c.cloud.mutex.assert_held();
        auto it = c.cloud.servers_by_project.find(p);
        return it == c.cloud.servers_by_project.end() ? &kEmpty : &it->second;
    };
    if (!all_tenants) return c.caller.project ? in_project(*c.caller.project) : &kEmpty;
    auto wanted = c.call.param("project_id");
    if (!wanted) wanted = c.call.param("tenant_id");
    if (!wanted) return &c.cloud.all_servers;
    auto project = c.cloud.project(*wanted);
    if (!project || c.cloud.projects[*project].id != *wanted) return std::nullopt;
    return in_project(*project);
}

Reply list_servers(const Ctx& c, bool detail) REQUIRES(c.cloud.mutex) {
    const Call& call = c.call;
    auto all = call.param("all_tenants");
    bool all_tenants = all && truthy(*all);
    if (all_tenants && !c.caller.is_admin)
        return fault(403, fmt::format("Policy doesn't allow os_compute_api:servers:{}:get_all_tenants to be performed.",
                                      detail ? "detail" : "index"));
    auto page = page_params(call, true);
    if (!page)
        return fault(
            400, fmt::format("Invalid input for query parameters limit. Value: {}.", call.param("limit").value_or("")));
    auto index = servers_in_scope(c, all_tenants);
    if (!index) return json_reply(200, {{"servers", json::array()}});
    auto it = (*index)->begin();
    if (page->marker) {
        auto m = c.cloud.server(*page->marker);
        if (!m) return fault(400, fmt::format("marker [{}] not found", *page->marker));
        it = (*index)->upper_bound(*m);
    }
    auto name = call.param("name");
    JsonOut w;
    w.text().reserve(page->limit * 1800);
    w.begin_object().key("servers").begin_array();
    size_t count = 0;
    const std::string* last = nullptr;
    for (; it != (*index)->end() && count < page->limit; ++it) {
        const Server& s = c.cloud.servers[*it];
        if (name && s.name.find(*name) == std::string::npos) continue;
        if (detail) {
            write_server(w, c, s, false);
        } else {
            w.begin_object().key("id").str(s.id).key("name").str(s.name).key("links");
            write_links(w, call, s.id);
            w.end_object();
        }
        last = &s.id;
        ++count;
    }
    w.end_array();
    if (page->limit > 0 && count == page->limit)
        w.key("servers_links")
            .raw(next_links(call, fmt::format("{}/compute/v2.1/servers{}", call.base_url, detail ? "/detail" : ""),
                            *last));
    w.end_object();
    return text_reply(200, std::move(w.text()));
}

std::optional<Handle> visible_server(const Ctx& c, const std::string& id) REQUIRES(c.cloud.mutex) {
    auto s = c.cloud.server(id);
    if (!s) return std::nullopt;
    if (!c.caller.is_admin && c.cloud.servers[*s].project != c.caller.project) return std::nullopt;
    return s;
}

Reply not_found(const std::string& id) { return fault(404, fmt::format("Instance {} could not be found.", id)); }

std::optional<std::string> invalid_metadata(const json& meta) {
    if (!meta.is_object())
        return fmt::format("Invalid input for field/attribute metadata. Value: {0}. {0} is not of type 'object'",
                           meta.dump());
    for (const auto& [k, v] : meta.items()) {
        if (k.empty() || k.size() > 255)
            return fmt::format(
                "Invalid input for field/attribute metadata. Value: {}. Additional properties are not "
                "allowed ('{}' was unexpected)",
                meta.dump(), k);
        if (!v.is_string() || v.get<std::string>().size() > 255)
            return fmt::format("Invalid input for field/attribute {0}. Value: {1}. {1} is not of type 'string'", k,
                               v.dump());
    }
    return std::nullopt;
}

Reply server_metadata(const Ctx& c, Server& s, const std::vector<std::string>& segs) REQUIRES(c.cloud.mutex) {
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

void write_flavor_links(JsonOut& w, const Call& call, const std::string& id) {
    w.begin_array();
    w.begin_object().key("rel").str("self").key("href").str_parts({call.base_url, "/compute/v2.1/flavors/", id});
    w.end_object();
    w.begin_object().key("rel").str("bookmark").key("href").str_parts({call.base_url, "/compute/flavors/", id});
    w.end_object();
    w.end_array();
}

// GET /flavors/detail: every flavor (all public here), as the recording shows them.
Reply list_flavors(const Ctx& c) REQUIRES(c.cloud.mutex) {
    JsonOut w;
    w.begin_object().key("flavors").begin_array();
    for (const Flavor& f : c.cloud.flavors) {
        w.begin_object().key("id").str(f.id).key("name").str(f.name).key("ram").num(f.ram).key("disk").num(f.disk);
        w.key("swap").str("").key("OS-FLV-EXT-DATA:ephemeral").num(0).key("OS-FLV-DISABLED:disabled").boolean(false);
        w.key("vcpus").num(f.vcpus).key("os-flavor-access:is_public").boolean(true).key("rxtx_factor").num(1.0);
        w.key("links");
        write_flavor_links(w, c.call, f.id);
        if (c.at(55)) w.key("description").null();
        if (c.at(61)) w.key("extra_specs").object(f.extra_specs);
        w.end_object();
    }
    w.end_array().end_object();
    return text_reply(200, std::move(w.text()));
}

std::optional<Handle> flavor_of(const Cloud& cloud, const std::string& ref) REQUIRES(cloud.mutex) {
    for (Handle h = 0; h < cloud.flavors.size(); ++h)
        if (cloud.flavors[h].id == ref || ref.ends_with("/flavors/" + cloud.flavors[h].id)) return h;
    return std::nullopt;
}

// POST /servers from volumes (block_device_mapping_v2 of source and destination "volume"): BUILD
// at once, the volumes reserved; ACTIVE with them attached after server_boot_seconds, or ERROR
// with a fault (server_error_rate). Refusals as tests/e2e/recorded/server-boot.md shows them.
Reply create_server(const Ctx& c) REQUIRES(c.cloud.mutex) {
    Cloud& cloud = c.cloud;
    cloud.mutex.assert_held();  // the same mutex, by the alias's name
    if (!c.caller.project) return fault(403, "Policy doesn't allow os_compute_api:servers:create to be performed.");
    json body = json::parse(c.call.req.body, nullptr, false);
    if (body.is_discarded() || !body.is_object() || !body.contains("server") || !body["server"].is_object())
        return fault(400, "Invalid input for field/attribute server. Value: None. None is not of type 'object'");
    const json& in = body["server"];
    if (!in.contains("name") || !in["name"].is_string())
        return fault(400, "Invalid input for field/attribute server. Value: {}. 'name' is a required property");
    if (!in.contains("flavorRef") || !in["flavorRef"].is_string())
        return fault(400, "Invalid input for field/attribute server. Value: {}. 'flavorRef' is a required property");
    if (c.at(37) && !in.contains("networks")) return fault(400, fmt::format(fmt::runtime(kNetworksRequired)));
    auto flavor = flavor_of(cloud, in["flavorRef"].get<std::string>());
    if (!flavor) return fault(400, fmt::format(fmt::runtime(kFlavorNotFound), in["flavorRef"].get<std::string>()));
    if (in.contains("metadata"))
        if (auto why = invalid_metadata(in["metadata"])) return fault(400, *why);
    std::vector<BootDevice> devices;
    std::size_t slot = 0;
    for (const json& d : in.value("block_device_mapping_v2", json::array())) {
        const std::string id = d.value("uuid", "");
        auto v = cloud.volume(id);
        if (!v || cloud.volumes[*v].project != *c.caller.project)
            return fault(400, fmt::format(fmt::runtime(kVolumeNotFound), id));
        const Volume& volume = cloud.volumes[*v];
        if (volume.status != "available")
            return fault(400, fmt::format(fmt::runtime(kVolumeNotAvailable), id, volume.status, new_request_id()));
        std::string device = d.value("device_name", "");
        if (device.empty()) device = fmt::format("/dev/sd{}", char('a' + slot));
        ++slot;
        devices.push_back({*v, device, d.value("delete_on_termination", false)});
    }
    Server server;
    server.name = in["name"].get<std::string>();
    server.project = *c.caller.project;
    server.user = c.caller.user;
    server.created = server.updated = c.call.now;
    if (in.contains("metadata"))
        for (const auto& [k, v] : in["metadata"].items()) server.metadata[k] = v.get<std::string>();
    server.status = "BUILD";
    server.flavor = *flavor;
    server.availability_zone = in.value("availability_zone", "nova");
    if (in.contains("key_name") && in["key_name"].is_string()) server.key_name = in["key_name"].get<std::string>();
    for (const auto& d : devices) cloud.volumes[d.volume].status = "reserved";
    server.booting = std::move(devices);
    Handle h = cloud.add_server(std::move(server));
    cloud.schedule_server(h, c.call.now + static_cast<Micros>(cloud.settings.server_boot_s * 1e6));
    const Server& made = cloud.servers[h];
    JsonOut w;
    w.begin_object().key("server").begin_object().key("id").str(made.id).key("links");
    write_links(w, c.call, made.id);
    w.key("OS-DCF:diskConfig").str("MANUAL").key("security_groups").begin_array();
    w.begin_object().key("name").str("default").end_object().end_array();
    w.key("adminPass").str(new_uuid().substr(0, 12)).end_object().end_object();
    Reply r = text_reply(202, std::move(w.text()));
    r.headers.emplace_back("Location", fmt::format("{}/compute/v2.1/servers/{}", c.call.base_url, made.id));
    return r;
}

Reply route(const Ctx& c) REQUIRES(c.cloud.mutex) {
    const auto& s = c.call.segs;
    const std::string& m = c.call.req.method;
    if (s.size() == 3 && s[1] == "flavors" && s[2] == "detail" && m == "GET") return list_flavors(c);
    if (s.size() >= 2 && s[1] == "servers") {
        if (s.size() == 2 && m == "POST") return create_server(c);
        if (s.size() == 2 && m == "GET") return list_servers(c, false);
        if (s.size() == 3 && s[2] == "detail" && m == "GET") return list_servers(c, true);
        if (s.size() < 3) return fault(405, "The method specified is not allowed for this resource.");
        auto h = visible_server(c, s[2]);
        if (!h) return not_found(s[2]);
        if (s.size() == 3 && m == "DELETE") {
            c.cloud.remove_server(*h, c.call.now);
            Reply r = empty_reply(204);
            r.headers.emplace_back("Content-Type", "application/json");  // as recorded, with no body
            return r;
        }
        if (s.size() == 3 && m == "GET") {
            JsonOut w;
            w.begin_object().key("server");
            write_server(w, c, c.cloud.servers[*h], true);
            w.end_object();
            return text_reply(200, std::move(w.text()));
        }
        if (s.size() >= 4 && s.size() <= 5 && s[3] == "metadata") return server_metadata(c, c.cloud.servers[*h], s);
    }
    return fault(404, "The resource could not be found.");
}

}  // namespace

Reply handle_nova(Cloud& cloud, const Call& call) REQUIRES(cloud.mutex) {
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
            Ctx c{cloud, call, std::get<Caller>(who), std::get<Version>(negotiated)};
            c.cloud.mutex.assert_held();  // it is cloud.mutex
            r = route(c);
        }
    }
    Version v = std::holds_alternative<Version>(negotiated) ? std::get<Version>(negotiated) : kMin;
    r.headers.emplace_back("OpenStack-API-Version", "compute " + to_string(v));
    r.headers.emplace_back("X-OpenStack-Request-Id", request_id);
    r.headers.emplace_back("X-Compute-Request-Id", request_id);
    return r;
}

}  // namespace staffeln::sim
