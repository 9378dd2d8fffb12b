#include "staffeln/core/snapshot_cleanup.h"

#include "staffeln/core/backup_tag.h"

#include <fmt/format.h>

#include <unordered_map>

namespace staffeln::core {

std::optional<std::string_view> snapshot_task_id(const Snapshot& snapshot) {
    auto it = snapshot.metadata.find(std::string(kTaskMetadataKey));
    if (it == snapshot.metadata.end() || !is_valid_task_id(it->second)) return std::nullopt;
    return std::string_view(it->second);
}

std::vector<SnapshotVerdict> plan_snapshot_cleanup(const std::vector<Snapshot>& snapshots,
                                                   const std::vector<Backup>& backups) {
    // Per task: a backup still creating (it may be reading the snapshot) wins over finished ones.
    std::unordered_map<std::string_view, const Backup*> backup_of_task;
    for (const auto& backup : backups) {
        auto task = task_id_view(backup);
        if (!task) continue;
        auto [it, fresh] = backup_of_task.try_emplace(*task, &backup);
        if (!fresh && backup.status == "creating") it->second = &backup;
    }
    std::vector<SnapshotVerdict> out;
    for (const auto& snapshot : snapshots) {
        auto task = snapshot_task_id(snapshot);
        if (!task || snapshot.status == "deleting") continue;
        SnapshotVerdict v{snapshot.id, snapshot.project_id, snapshot.volume_id, false, ""};
        auto it = backup_of_task.find(*task);
        const Backup* backup = it == backup_of_task.end() ? nullptr : it->second;
        if (snapshot.status == "creating") {
            v.reason = fmt::format("snapshot of task {} is still creating", *task);
        } else if (backup && backup->status == "creating") {
            v.reason = fmt::format("backup {} of task {} is still creating", backup->id, *task);
        } else if (!backup) {
            v.delete_it = true;
            v.reason = fmt::format("no backup of task {} was made from it", *task);
        } else {
            v.delete_it = true;
            v.reason = fmt::format("backup {} of task {} is {}", backup->id, *task, backup->status);
        }
        out.push_back(std::move(v));
    }
    return out;
}

}  // namespace staffeln::core
