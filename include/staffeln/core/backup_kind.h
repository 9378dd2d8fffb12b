// Full or incremental, by full_backup_depth: a full, then that many incrementals, then a full
// again; 0 means always full. Cinder, not staffeln, picks an incremental's parent (the newest
// available backup of the volume in the project, by data time, whoever made it), so staffeln
// asks for an incremental only when that whole chain is its own; otherwise a full, so that a
// user's manual backup never becomes the parent of staffeln's chain (upstream's bug). A backup
// being restored counts as available (counts_as_available), but Cinder chains onto it only
// once the restore has ended: while it is the newest, the next backup is a full.
#pragma once

#include "staffeln/core/task.h"
#include "staffeln/model.h"

#include <span>
#include <string>

namespace staffeln::core {

struct KindDecision {
    BackupKind kind = BackupKind::full;
    std::string reason;
    std::string parent_id;  // the backup Cinder should chain an incremental to
};

// volume_backups: every backup Cinder lists for one volume in one project, any creator or status.
KindDecision decide_kind(std::span<const Backup* const> volume_backups, int full_backup_depth);

}  // namespace staffeln::core
