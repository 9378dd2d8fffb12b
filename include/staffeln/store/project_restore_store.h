// The store's record of project restores (`staffeln restore --project P`): the project restore,
// the servers it refused with the reasons, and its server restores (store/restore_store.h rows
// naming it), all written in one transaction before anything is made. Prepared SQL only.
#pragma once

#include "staffeln/core/project_restore.h"
#include "staffeln/store/database.h"
#include "staffeln/store/restore_store.h"

#include <optional>
#include <string>
#include <vector>

namespace staffeln::store {

struct StoredProjectRestore {
    std::string id;
    std::string project_id;
    TimePoint at{};
    core::RestoreInto into = core::RestoreInto::new_volumes;
    bool allow_partial = false;
    std::string status;  // running, succeeded, failed, cleaned
    TimePoint created_at{};
    std::vector<core::ServerRefusal> refused;
    std::vector<StoredRestore> servers;  // by server name then id
};

// Writes the project restore (running), its refusals and a server restore per planned server,
// `server_restore_ids[i]` for plan.servers[i]. Refused (conflict) while the project has a running
// restore, or a planned server one of its own.
Status insert_project_restore(Database& db, const std::string& id, const core::ProjectRestorePlan& plan,
                              const std::vector<std::string>& server_restore_ids, TimePoint now);

Result<std::optional<StoredProjectRestore>> running_project_restore(Database& db, const std::string& project_id);
// One by id (not_found naming it and the store), or every one newest first.
Result<StoredProjectRestore> load_project_restore(Database& db, const std::string& id);
Result<std::vector<StoredProjectRestore>> load_project_restores(Database& db);

Status set_project_restore_status(Database& db, const std::string& id, const std::string& status, TimePoint now);

}  // namespace staffeln::store
