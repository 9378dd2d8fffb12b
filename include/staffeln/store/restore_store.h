// The store's record of restores (`staffeln restore`): each restore's plan, written whole before
// anything is made, and per volume how far it got (state, the id of the volume made for it).
// Cinder stays the record of what exists: a crash between a call and these writes is read back
// from the volumes' tags and statuses (core/restore_step.h). Prepared SQL only.
#pragma once

#include "staffeln/core/restore_plan.h"
#include "staffeln/store/database.h"

#include <optional>
#include <string>
#include <vector>

namespace staffeln::store {

enum class VolumeState { pending, created, restoring, done, failed };
const char* to_string(VolumeState state);

struct StoredRestoreVolume {
    core::VolumeRestore plan;
    std::string restored_volume_id;  // "" until Cinder answered the create
    VolumeState state = VolumeState::pending;
    std::string last_error;
};

struct StoredRestore {
    std::string id;
    std::string server_id;
    std::string server_name;
    std::string project_id;
    TimePoint at{};
    TimePoint point_time{};
    std::string status;  // running, succeeded, failed, cleaned
    TimePoint created_at{};
    std::vector<StoredRestoreVolume> volumes;  // in the plan's order
    core::RestoreInto into = core::RestoreInto::new_volumes;
    std::string project_restore_id{};  // the project restore it is part of; "" for none
};

// Writes the restore (status running) and its volumes (pending) in one transaction. Refused
// (conflict) while the server has a running restore: that one is to be continued.
Status insert_restore(Database& db, const std::string& id, const core::RestorePlan& plan, TimePoint now);

// The rows insert_restore writes, for a caller inside its own transaction (a project restore
// writes its servers' restores with it). Throws SQLite::Exception.
void write_restore_rows(Database& db, const std::string& id, const core::RestorePlan& plan, TimePoint now,
                        const std::string& project_restore_id);

// The server's running restore, if any.
Result<std::optional<StoredRestore>> running_restore(Database& db, const std::string& server_id);
// One restore by id (not_found naming it and the store), or every restore newest first.
Result<StoredRestore> load_restore(Database& db, const std::string& id);
Result<std::vector<StoredRestore>> load_restores(Database& db);
// The server restores of a project restore, by server name then id.
Result<std::vector<StoredRestore>> restores_of_project_restore(Database& db, const std::string& project_restore_id);

Status record_volume(Database& db, const std::string& restore_id, const StoredRestoreVolume& volume, TimePoint now);
Status set_restore_status(Database& db, const std::string& restore_id, const std::string& status, TimePoint now);

}  // namespace staffeln::store
