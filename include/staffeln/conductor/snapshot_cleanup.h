// Deletes staffeln's snapshots whose backups are finished, failed, cancelled or never sent
// (core/snapshot_cleanup.h decides), at the end of every backup cycle that has a server in
// snapshot mode or whose store still holds a set made in snapshot mode (a server since switched
// back may have left one in a crash): from the cycle's last listing of snapshots, or one listing
// when the cycle made none. Each delete is sent with a token of the snapshot's project, under the puller role; one
// that Cinder refuses (a backup still reading the snapshot) is tried again next cycle.
#pragma once

#include "staffeln/conductor/backup_executor.h"
#include "staffeln/conductor/context.h"

#include <vector>

namespace staffeln::conductor {

// backups: the tagged backups as listed after this cycle's backups were waited for.
void clean_up_snapshots(Context& ctx, SnapshotPass& pass, const std::vector<Backup>& backups, BackupOutcome& outcome);

}  // namespace staffeln::conductor
