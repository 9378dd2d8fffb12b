// Which of staffeln's snapshots to delete. In snapshot mode every snapshot staffeln makes carries
// its task's tag in its metadata ({"staffeln:task": "<task id>"}, every volume microversion takes
// snapshot metadata); a snapshot without it is a user's and is never touched. A tagged snapshot is
// deleted once no backup of its task is still creating: the backup is finished, failed, cancelled
// or was never sent (a crash, a fallback to the volume). Pure: the conductor lists and deletes.
#pragma once

#include "staffeln/model.h"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace staffeln::core {

// The task id a snapshot was tagged with; nullopt for a snapshot staffeln did not make.
std::optional<std::string_view> snapshot_task_id(const Snapshot& snapshot);

struct SnapshotVerdict {
    std::string snapshot_id;
    std::string project_id;  // delete with a token of the snapshot's project
    std::string volume_id;
    bool delete_it = false;
    std::string reason;
};

// One verdict per tagged snapshot not already deleting, in the order listed. backups: the
// tagged backups as listed after the snapshots' backups were waited for (others are ignored).
std::vector<SnapshotVerdict> plan_snapshot_cleanup(const std::vector<Snapshot>& snapshots,
                                                   const std::vector<Backup>& backups);

}  // namespace staffeln::core
