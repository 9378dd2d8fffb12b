#include "staffeln/openstack/nova.h"

#include "staffeln/openstack/query.h"

namespace staffeln::openstack {
namespace {

// What parse_server reads.
constexpr std::string_view kServerFields[] = {"id",     "name",     "tenant_id",
                                              "status", "metadata", "os-extended-volumes:volumes_attached"};

Server parse_server(const Json& s) {
    Server server{string_field(s, "id"),     optional_string(s, "name"),    string_field(s, "tenant_id"),
                  string_field(s, "status"), metadata_field(s, "metadata"), {}};
    if (s.contains("os-extended-volumes:volumes_attached") && !s["os-extended-volumes:volumes_attached"].is_null())
        for (const Json& v : array_field(s, "os-extended-volumes:volumes_attached"))
            server.volume_ids.push_back(string_field(v, "id"));
    return server;
}

}  // namespace

Result<std::vector<Server>> Nova::list_servers(const ServerQuery& query) {
    const std::string path = "/servers/detail" + query_string({{"all_tenants", query.all_tenants ? "1" : ""},
                                                               {"project_id", query.project_id},
                                                               {"limit", std::to_string(query.page_size)}});
    std::vector<Server> servers;
    Status status = session_.get_all({Service::compute, "GET", path, {}, {}, Idempotency::idempotent}, "servers_links",
                                     "nova GET /servers/detail",
                                     [&](const Json& page) {
                                         for (const Json& s : array_field(page, "servers"))
                                             servers.push_back(parse_server(s));
                                     },
                                     {"servers", kServerFields});
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
