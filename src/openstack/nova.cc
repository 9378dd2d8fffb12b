#include "staffeln/openstack/nova.h"

#include "staffeln/openstack/query.h"
#include "staffeln/openstack/resource_json.h"

namespace staffeln::openstack {
Result<std::vector<Server>> Nova::list_servers(const ServerQuery& query) {
    const std::string path = "/servers/detail" + query_string({{"all_tenants", query.all_tenants ? "1" : ""},
                                                               {"project_id", query.project_id},
                                                               {"limit", std::to_string(query.page_size)}});
    std::vector<Server> servers;
    Status status = session_.get_all(
        {Service::compute, "GET", path, {}, {}, Idempotency::idempotent}, "servers_links", "nova GET /servers/detail",
        [&](const Json& page) {
            for (const Json& s : array_field(page, "servers")) servers.push_back(parse_server(s));
        },
        kServerItems);
    if (!status) return status.error();
    return servers;
}

Status Nova::set_server_metadata(const std::string& server_id, const std::string& key, const std::string& value) {
    const Json body{{"meta", {{key, value}}}};
    auto response = session_.call({Service::compute,
                                   "PUT",
                                   "/servers/" + percent_encode(server_id) + "/metadata/" + percent_encode(key),
                                   body.dump(),
                                   {},
                                   Idempotency::idempotent});
    if (!response) return response.error();
    return {};
}

Result<std::vector<core::FlavorOffer>> Nova::list_flavors() {
    std::vector<core::FlavorOffer> flavors;
    Status status = session_.get_all(
        {Service::compute, "GET", "/flavors/detail?is_public=None", {}, {}, Idempotency::idempotent}, "flavors_links",
        "nova GET /flavors/detail", [&](const Json& page) {
            for (const Json& f : array_field(page, "flavors"))
                flavors.push_back({string_field(f, "id"), optional_string(f, "name"), optional_int(f, "vcpus"),
                                   optional_int(f, "ram"), optional_int(f, "disk")});
        });
    if (!status) return status.error();
    return flavors;
}

Result<std::string> Nova::create_server(const core::BootRequest& request, const std::string& project_id) {
    Json devices = Json::array();
    for (const auto& v : request.volumes) {
        Json d{{"uuid", v.volume_id},
               {"source_type", "volume"},
               {"destination_type", "volume"},
               {"boot_index", v.boot_index},
               {"delete_on_termination", v.delete_on_termination}};
        if (!v.device.empty()) d["device_name"] = v.device;
        devices.push_back(std::move(d));
    }
    Json server{{"name", request.name},
                {"flavorRef", request.flavor_id},
                {"networks", "none"},
                {"metadata", request.metadata},
                {"block_device_mapping_v2", devices}};
    if (!request.image_id.empty()) server["imageRef"] = request.image_id;
    if (!request.availability_zone.empty()) server["availability_zone"] = request.availability_zone;
    if (!request.key_name.empty()) server["key_name"] = request.key_name;
    if (!request.security_groups.empty()) {
        Json groups = Json::array();
        for (const auto& name : request.security_groups) groups.push_back({{"name", name}});
        server["security_groups"] = groups;
    }
    auto response = session_.call({Service::compute, "POST", "/servers", Json{{"server", server}}.dump(), project_id,
                                   Idempotency::not_idempotent});
    if (!response) return response.error();
    return parse_response("nova POST /servers", response->body,
                          [](const Json& body) { return string_field(object_field(body, "server"), "id"); });
}

Result<core::TaggedServer> Nova::get_server(const std::string& server_id) {
    const std::string path = "/servers/" + percent_encode(server_id);
    auto response = session_.call({Service::compute, "GET", path, {}, {}, Idempotency::idempotent});
    if (!response) return response.error();
    return parse_response("nova GET " + path, response->body, [](const Json& body) {
        const Json& s = object_field(body, "server");
        core::TaggedServer out{string_field(s, "id"), string_field(s, "status"), ""};
        if (s.contains("fault") && s["fault"].is_object()) out.fault = optional_string(s["fault"], "message");
        return out;
    });
}

Status Nova::delete_server(const std::string& server_id) {
    auto response = session_.call(
        {Service::compute, "DELETE", "/servers/" + percent_encode(server_id), {}, {}, Idempotency::idempotent});
    if (!response) return response.error();
    return {};
}

}  // namespace staffeln::openstack
