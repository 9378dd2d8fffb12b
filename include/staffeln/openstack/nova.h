// Nova calls staffeln makes: every server (all projects, or one) with its metadata and the
// volumes attached to it, following servers_links to the end; and setting one metadata key.
// Nova has no server-side metadata filter, so callers filter the returned servers.
#pragma once

#include "staffeln/model.h"
#include "staffeln/openstack/session.h"

#include <string>
#include <vector>

namespace staffeln::openstack {

struct ServerQuery {
    bool all_tenants = true;   // needs an admin token
    std::string project_id{};  // with all_tenants: only this project's servers
    int page_size = 1000;      // Nova's default [api] max_limit
};

class Nova {
public:
    explicit Nova(Session& session) : session_(session) {}

    Result<std::vector<Server>> list_servers(const ServerQuery& query);
    // PUT /servers/{id}/metadata/{key}; not_found when the server is gone.
    Status set_server_metadata(const std::string& server_id, const std::string& key, const std::string& value);

private:
    Session& session_;
};

}  // namespace staffeln::openstack
