// Server sets (pure): the backups staffeln made of one server's volumes in one backup cycle form a
// set with one data time, the range of its backups' data times (in snapshot mode the snapshots'
// created_at, which Cinder gives each backup as its data_timestamp). The report lists a set as
// one line per server with its volumes and says when it is partial, with why for each volume.
//
// A set is partial when a volume of it has no backup of the set's moment: its backup failed or
// was cancelled, in snapshot mode it fell back to a backup straight from the volume (another
// moment), or the conductor recorded more volumes for the set than have a finished backup here.
// This is restore_points.h's notion from the other side: a complete set is a restore point that
// is complete, and in snapshot mode also consistent (one data time, within Cinder's second).
//
// The conductor records each set before its tasks (store: server_sets, tasks.set_id). A task
// without a recorded set (written before schema version 7, or adopted from Cinder's tags into a
// rebuilt store, whose tags name the task only) is grouped with the other such tasks of its
// server whose start lies within cycle_span of the first: mode and volume count are then unknown.
#pragma once

#include "staffeln/core/backup_mode.h"
#include "staffeln/core/task.h"
#include "staffeln/model.h"

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace staffeln::core {

// One finished task (succeeded, failed or cancelled) with what the store knows of its set and backup.
struct SetMember {
    std::string set_id;              // "" when no set was recorded for it
    std::optional<BackupMode> mode;  // the set's, as recorded; none without a record
    int set_volumes = 0;             // volumes the conductor recorded for the set; 0 without a record
    std::string server_id;
    std::string server_name;
    std::string volume_id;
    std::string volume_name;
    TaskStatus status = TaskStatus::succeeded;
    // Failed or cancelled: why. Succeeded: why the backup came another way than asked (in
    // snapshot mode: straight from the volume), "" when it came as asked.
    std::string note;
    TimePoint started_at{};              // when the task was written
    std::optional<TimePoint> data_time;  // its backup's data_timestamp, when the store lists the backup
};

struct SetVolume {
    std::string volume_id;
    std::string volume_name;
    TaskStatus status = TaskStatus::succeeded;
    std::optional<TimePoint> data_time;  // succeeded and listed only
    std::string gap;                     // why this volume breaks the set's moment; "" when it does not
};

struct ServerSet {
    std::string set_id;  // "" when grouped by time
    std::string server_id;
    std::string server_name;
    std::optional<BackupMode> mode;
    TimePoint started_at{};              // its first task's
    std::vector<SetVolume> volumes;      // by volume name, then id
    std::optional<TimePoint> data_from;  // oldest and newest data time of its succeeded backups
    std::optional<TimePoint> data_to;
    int unaccounted = 0;  // volumes recorded for the set without a finished task among the members
    bool partial = false;
    std::vector<std::string> reasons;  // why partial: one line per volume with a gap, then the unaccounted
};

// Every set the members form, by server name, server id, then start. Members of one set must
// agree on mode and set_volumes (the store gives them one row's values).
std::vector<ServerSet> server_sets(const std::vector<SetMember>& members, std::chrono::seconds cycle_span);

// data_to - data_from in whole seconds; none when the set has no data time.
std::optional<std::chrono::seconds> data_spread(const ServerSet& set);

}  // namespace staffeln::core
