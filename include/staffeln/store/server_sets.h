// The server_sets table (core/server_set.h): one row per server and backup cycle, written by the
// conductor before the set's tasks, which name it in tasks.set_id. A crash after the row and
// before its tasks leaves a row no task names, which forget_unused_sets removes in time.
// Prepared SQL only; each function is one statement.
#pragma once

#include "staffeln/core/backup_mode.h"
#include "staffeln/store/database.h"

#include <string>

namespace staffeln::store {

struct ServerSetRow {
    std::string id;
    std::string server_id;
    std::string project_id;
    core::BackupMode mode = core::BackupMode::volume;
    int volumes = 0;  // tasks the cycle means to write for the set
    TimePoint created_at{};
};

Status record_server_set(Database& db, const ServerSetRow& set);

// Whether the store still holds a set made in snapshot mode. While it does, every backup cycle
// looks for staffeln's snapshots (one listing), also with no server in snapshot mode now: a crash
// may have left one of a server switched back to volume mode since.
Result<bool> holds_snapshot_sets(Database& db);

// Removes the sets made before `before` that no task names any longer (their tasks were
// reported and their backups are gone, or a crash came before the first task was written).
Status forget_unused_sets(Database& db, TimePoint before);

}  // namespace staffeln::store
