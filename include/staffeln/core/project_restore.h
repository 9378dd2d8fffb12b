// A restore of every server of a project (`staffeln restore --project P`), decided from values
// (pure). Each server is planned as its own restore would be (restore_plan.h, and
// restore_original.h for `--into original`) from one listing of the project's volumes and backups;
// a server that cannot be restored (a partial point without allow_partial, a backup gone from
// Cinder, an original volume attached, an unfinished restore of its own) is refused by name with
// the reason, and the others go on.
#pragma once

#include "staffeln/core/restore_plan.h"

#include <map>
#include <string>
#include <vector>

namespace staffeln::core {

struct ServerRefusal {
    std::string server_id;
    std::string server_name;
    std::string reason;
};

struct ProjectRestorePlan {
    std::string project_id;
    TimePoint at{};
    RestoreInto into = RestoreInto::new_volumes;
    bool allow_partial = false;
    std::vector<RestorePlan> servers;    // in the histories' order
    std::vector<ServerRefusal> refused;  // in the histories' order
};

// `histories`: every server of the project the store knows; `running`: server id -> the id of
// its unfinished restore, for servers that have one (to be continued or cleaned up on its own).
ProjectRestorePlan plan_project_restore(const std::string& project_id, const std::vector<ServerHistory>& histories,
                                        const std::vector<SourceVolume>& volumes, const std::vector<Backup>& backups,
                                        const RestoreRequest& request, RestoreInto into,
                                        const std::map<std::string, std::string>& running);

// A project restore has succeeded when every server restore of it has and none was refused;
// `statuses`: its server restores' (running, succeeded, failed, cleaned).
const char* project_restore_status(const std::vector<std::string>& statuses, std::size_t refused);

}  // namespace staffeln::core
