// Nova calls staffeln makes: every server (all projects, or one) with its metadata and the
// volumes attached to it, following servers_links to the end; and setting one metadata key.
// Nova has no server-side metadata filter, so callers filter the returned servers. For a
// restore that recreates a server: the flavors, booting a server from volumes, reading one
// server's status and fault, deleting it (tests/e2e/recorded/server-boot.md).
#pragma once

#include "staffeln/core/server_recreate.h"
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

    // GET /flavors/detail?is_public=None: every flavor the caller may use (an admin: all).
    Result<std::vector<core::FlavorOffer>> list_flavors();
    // POST /servers in project_id (a token scoped to it): the new server's id. Not idempotent.
    Result<std::string> create_server(const core::BootRequest& request, const std::string& project_id);
    // GET /servers/{id}: its status and, when ERROR, the fault's message; not_found when gone.
    Result<core::TaggedServer> get_server(const std::string& server_id);
    // DELETE /servers/{id}; not_found when gone.
    Status delete_server(const std::string& server_id);

private:
    Session& session_;
};

}  // namespace staffeln::openstack
