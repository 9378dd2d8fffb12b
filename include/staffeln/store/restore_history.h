// What the store knows of a server's automated backups, for its restore points
// (core/restore_points.h). A server is known by the tasks that name it; its volumes are those
// its tasks name; its backups are the backups table's rows of those volumes made for it (or for
// no recorded server). Read-only. Statuses are Cinder's as the last backup cycle listed them.
#pragma once

#include "staffeln/core/restore_points.h"
#include "staffeln/store/database.h"

#include <string>
#include <string_view>
#include <vector>

namespace staffeln::store {

struct KnownServer {
    std::string id;
    std::string name;  // as its newest task recorded it
    std::string project_id;
};

// The servers whose id, or recorded name, is `server`: none when the store has no task of it,
// several when a name was given to several servers.
Result<std::vector<KnownServer>> find_servers(Database& db, std::string_view server);

// Every server with a task in the project (by id), by name then id.
Result<std::vector<KnownServer>> servers_of_project(Database& db, std::string_view project_id);

Result<core::ServerHistory> load_history(Database& db, const KnownServer& server);

}  // namespace staffeln::store
