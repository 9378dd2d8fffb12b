// A restore over the original volumes (`staffeln restore --into original`), decided from values
// (pure). Cinder restores a backup into an existing volume only while it is `available`
// (detached) and at least the backup's size (tests/e2e/recorded/restore.md, dr-import.md), and
// the restore replaces the volume's metadata: so staffeln refuses the whole plan up front,
// naming each volume that is not so, and marks each volume before sending its restore, which
// tells a restore not yet applied from one applied, when the command runs again after a crash.
#pragma once

#include "staffeln/core/restore_plan.h"
#include "staffeln/model.h"
#include "staffeln/result.h"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace staffeln::core {

// Set on an original volume before its restore is sent, with the restore's id as value. Cinder's
// restore replaces the metadata: while the key is there, the backup has not been read into it.
inline constexpr const char* kRestorePendingTag = "staffeln:restore_pending";

const char* to_string(RestoreInto into);                         // "new", "original"
std::optional<RestoreInto> restore_into_from(std::string_view);  // nullopt for anything else

// The plan of a restore into new volumes turned into one over the originals: each volume's
// target is its source. Error (invalid_input) naming every volume that Cinder no longer has, that
// is not `available` (with its status: attached volumes are `in-use`), or that is smaller than
// its backup; `volumes` and `backups`: the project's, as Cinder shows them now.
Result<RestorePlan> over_originals(RestorePlan plan, const std::vector<SourceVolume>& volumes,
                                   const std::vector<Backup>& backups);

enum class OriginalStep {
    mark,           // set kRestorePendingTag (then record the volume marked)
    start_restore,  // marked and available: send the restore
    wait,           // restoring-backup
    tag,            // restored: set the restore's tags (and the bootable flag) again
    done,
    fail,  // Cinder shows it in an error state, or in one a restore over it cannot go on from
};

struct OriginalDecision {
    OriginalStep step = OriginalStep::mark;
    std::string reason;  // for fail: what Cinder shows
};

struct OriginalTarget {
    std::string restore_id;
    std::string volume_id;
    std::string backup_id;
    bool bootable = false;
    bool marked = false;  // the store recorded the mark (state created or restoring)
};

// `shown`: the original volume as Cinder shows it now.
OriginalDecision next_original_step(const OriginalTarget& target, const Volume& shown);

const char* to_string(OriginalStep step);

}  // namespace staffeln::core
