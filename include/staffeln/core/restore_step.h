// What to do next for one volume of a restore (pure), from what the store recorded and what
// Cinder shows of the volume made for it. Cinder is the record: a crash between a call and the
// store's write is read back from the volume's status and metadata (Cinder's restore leaves
// src_backup_id there), so running the restore again neither makes a second volume nor restores twice.
#pragma once

#include "staffeln/model.h"

#include <optional>
#include <string>

namespace staffeln::core {

// The metadata key every volume a restore makes carries, with the restore's id as value, and
// the key naming the source volume it is the copy of. Cinder's restore replaces the volume's
// metadata, so both are set again once the restore has ended.
inline constexpr const char* kRestoreTag = "staffeln:restore";
inline constexpr const char* kRestoreSourceTag = "staffeln:restore_source";
// What Cinder's restore adds to the restored volume's metadata: the backup it read.
inline constexpr const char* kSourceBackupKey = "src_backup_id";

enum class NextStep {
    find_or_create,  // no volume known: look for one tagged with the restore and source, else create it
    wait,            // creating or restoring-backup
    start_restore,   // available, the backup not read into it yet
    tag,             // restored: set the tags (and the bootable flag) again
    done,
    fail,  // Cinder left the volume in an error state, or in one a restore cannot go on from
};

struct RestoreStep {
    NextStep step = NextStep::find_or_create;
    std::string reason;  // for fail: what Cinder shows
};

struct VolumeTarget {
    std::string restore_id;
    std::string source_volume_id;
    std::string backup_id;
    bool bootable = false;
};

// `made`: the volume made for this source as Cinder shows it now; nullopt when none is known
// (no id recorded, or Cinder answers 404 for it: gone, so a new one may be made).
RestoreStep next_restore_step(const VolumeTarget& target, const std::optional<Volume>& made);

const char* to_string(NextStep step);

}  // namespace staffeln::core
