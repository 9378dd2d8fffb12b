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

}  // namespace staffeln::openstack
