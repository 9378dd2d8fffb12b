// Restore points of one server, from the store's record of its automated backups (pure: the
// shell reads the store, store/restore_history.h). A point is one backup cycle of the server:
// its time is the newest data time of the cycle, and for each volume it names the newest usable
// backup at or before that time. plan_restore picks the same way at any time and refuses a
// point where a volume has no backup, unless a partial restore is allowed.
#pragma once

#include "staffeln/core/task.h"
#include "staffeln/model.h"
#include "staffeln/result.h"

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace staffeln::core {

// One automated backup as the store's backups table records it (Cinder's status as last listed).
struct RecordedBackup {
    std::string id;
    std::string volume_id;
    BackupKind kind = BackupKind::full;
    std::string status;
    TimePoint created_at{};
    TimePoint data_timestamp{};  // the time of the data it holds: points are measured by it
};

struct HistoryVolume {
    std::string id;
    std::string name;  // as the last task recorded it; may be empty
};

// What staffeln knows of one server: every volume it backed up or tried to (tasks and backups
// naming the server), and the automated backups of those volumes, any status.
struct ServerHistory {
    std::string server_id;
    std::string server_name;
    std::string project_id;
    std::vector<HistoryVolume> volumes;  // in the order a point lists them
    std::vector<RecordedBackup> backups;
};

struct PointVolume {
    HistoryVolume volume;
    std::optional<RecordedBackup> backup;  // none: no usable backup at or before the point
};

struct RestorePoint {
    TimePoint time{};
    std::vector<PointVolume> volumes;  // one per volume of the history, in its order
    bool complete = false;             // every volume has a backup
    bool consistent = false;           // complete, and the backups' data times lie within cycle_span
};

// Backups whose data times lie within cycle_span of the first of them form one backup cycle
// (the conductor makes a cycle's creates within seconds or minutes; cycles are a backup period apart).
struct RestorePolicy {
    std::chrono::seconds cycle_span{900};
};

// A backup is usable when it counts as available (backup_chain.h) and so does every ancestor of
// its incremental chain down to its full, inferred from the recorded backups of its volume.
// For each volume, the newest usable backup at or before `at` (by data time, Cinder's order).
RestorePoint pick_at(const ServerHistory& history, TimePoint at, const RestorePolicy& policy);

// One point per backup cycle that left a usable backup, newest first.
std::vector<RestorePoint> restore_points(const ServerHistory& history, const RestorePolicy& policy);

// The backups a restore of the server to `at` reads. Error (not_found) naming each volume
// without a usable backup at or before `at`, unless allow_partial; also when no volume has one.
Result<RestorePoint> plan_restore(const ServerHistory& history, TimePoint at, bool allow_partial,
                                  const RestorePolicy& policy);

// "2026-12-05T05:20:00Z"
std::string format_point_time(TimePoint t);

}  // namespace staffeln::core
