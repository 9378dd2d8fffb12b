#include "staffeln/core/project_restore.h"

#include "staffeln/core/restore_original.h"

#include <fmt/format.h>

#include <algorithm>

namespace staffeln::core {

ProjectRestorePlan plan_project_restore(const std::string& project_id, const std::vector<ServerHistory>& histories,
                                        const std::vector<SourceVolume>& volumes, const std::vector<Backup>& backups,
                                        const RestoreRequest& request, RestoreInto into,
                                        const std::map<std::string, std::string>& running) {
    ProjectRestorePlan out{project_id, request.at, into, request.allow_partial, {}, {}};
    for (const auto& history : histories) {
        if (auto it = running.find(history.server_id); it != running.end()) {
            out.refused.push_back(
                {history.server_id, history.server_name,
                 fmt::format("restore {} of it is unfinished: continue it with `staffeln restore "
                             "--server {}`, or delete what it made with `staffeln restore cleanup {}`",
                             it->second, history.server_id, it->second)});
            continue;
        }
        auto plan = plan_server_restore(history, volumes, backups, request);
        if (plan && into == RestoreInto::original) plan = over_originals(std::move(plan).value(), volumes, backups);
        if (!plan) {
            out.refused.push_back({history.server_id, history.server_name, plan.error().message});
            continue;
        }
        out.servers.push_back(std::move(plan).value());
    }
    return out;
}

const char* project_restore_status(const std::vector<std::string>& statuses, std::size_t refused) {
    if (std::any_of(statuses.begin(), statuses.end(), [](const std::string& s) { return s == "running"; }))
        return "running";
    const bool all =
        std::all_of(statuses.begin(), statuses.end(), [](const std::string& s) { return s == "succeeded"; });
    return all && refused == 0 ? "succeeded" : "failed";
}

}  // namespace staffeln::core
