// A restore of one server into new volumes, decided from values (pure). From the server's history
// (restore_points.h picks the backups: the newest usable one of each volume at or before the time),
// its volumes and the picked backups as Cinder shows them now, it names per volume the backup to
// read and the volume to make for it; a point a volume has no backup at is refused unless partial.
#pragma once

#include "staffeln/core/restore_points.h"
#include "staffeln/model.h"
#include "staffeln/result.h"

#include <cstdint>
#include <string>
#include <vector>

namespace staffeln::core {

// Where a restore writes: new volumes beside the originals (the default), or over the original
// volumes themselves (`--into original`, core/restore_original.h).
enum class RestoreInto { new_volumes, original };

struct RestoreRequest {
    TimePoint at{};
    bool allow_partial = false;
    RestorePolicy policy;
};

// A volume of the server as Cinder shows it now (what the new volume copies of it).
struct SourceVolume {
    std::string id;
    std::string name;
    std::int64_t size_gb = 0;
    std::string volume_type;  // "" when Cinder shows none
    bool bootable = false;
    std::string status{};  // Cinder's: a restore over the original needs it `available`
};

// One volume to restore: the backup it reads and the new volume made for it.
struct VolumeRestore {
    std::string source_volume_id;
    std::string source_name;  // as Cinder or, for a deleted volume, the store last knew it; may be empty
    std::string backup_id;
    std::string new_name;      // restored_volume_name(source name or id, point time)
    std::int64_t size_gb = 0;  // the source's size, and at least the backup's (Cinder refuses smaller)
    std::string volume_type;   // the source's; "" (the cloud's default) when the source is gone
    bool bootable = false;     // the source's; false when the source is gone
};

struct RestorePlan {
    std::string server_id;
    std::string server_name;
    std::string project_id;               // the new volumes are made here
    TimePoint at{};                       // the time asked for
    TimePoint point_time{};               // the newest data time among the backups read
    std::vector<VolumeRestore> volumes;   // in the history's volume order
    std::vector<HistoryVolume> left_out;  // no usable backup at or before `at` (allowed partial)
    RestoreInto into = RestoreInto::new_volumes;
};

// Errors: those of plan_restore; invalid_input naming the volume and backup when a picked backup
// is no longer in Cinder (`backups`: Cinder's view of the picked ones) or not `available` there.
Result<RestorePlan> plan_server_restore(const ServerHistory& history, const std::vector<SourceVolume>& volumes,
                                        const std::vector<Backup>& backups, const RestoreRequest& request);

// "<original>-restored-<point time>", the original cut so that the name fits Cinder's 255 characters.
std::string restored_volume_name(const std::string& original, TimePoint point_time);

}  // namespace staffeln::core
