// A task is staffeln's record of one backup it means to make, as the store keeps it.
// It is written before the create call, so a crash between the call and the commit is
// found again through the backup's tag (backup_tag.h) and never yields a second backup.
#pragma once

#include "staffeln/model.h"

#include <functional>
#include <string>
#include <string_view>

namespace staffeln::core {

enum class BackupKind { full, incremental };

enum class TaskStatus {
    pending,    // written; Cinder has not confirmed the create (no backup id yet)
    in_flight,  // Cinder accepted the create; the backup is being made
    succeeded,  // the backup became available
    failed,     // never made, or ended in error (its backup, if any, is still to delete)
    cancelled,  // still creating past backup_cycle_timeout (its backup is still to delete)
};

const char* to_string(BackupKind kind);
const char* to_string(TaskStatus status);

struct TaskRecord {
    std::string task_id;
    std::string volume_id;
    std::string project_id;  // the volume's project: the create runs there
    std::string server_id;
    std::string backup_id;  // empty until Cinder accepted the create
    BackupKind kind = BackupKind::full;
    TaskStatus status = TaskStatus::pending;
    TimePoint created_at{};  // when the task was written, before the create call
    std::string last_error;  // Cinder's or the conductor's last message, empty when none
};

// Task ids are made by the shell (e.g. random UUIDs) and handed to the planners through this.
// Contract: every call returns an id never returned before, on any node, that satisfies
// is_valid_task_id (backup_tag.h). The planners call it once per task they open.
using TaskIdSource = std::function<std::string()>;

}  // namespace staffeln::core
