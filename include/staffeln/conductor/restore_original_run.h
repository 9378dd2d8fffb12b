// One volume of a restore over the original volumes (`--into original`), run to its end: the
// steps core/restore_original.h decides from the store and from what Cinder shows of the volume
// (mark it, restore the backup into it, wait, tag it again). Nothing is created or deleted; run
// again after a crash, it reads from the volume's metadata whether the restore was applied.
#pragma once

#include "staffeln/conductor/restore_run.h"
#include "staffeln/thread_annotations.h"

namespace staffeln::conductor {

// Status: the store's errors only; Cinder's end the volume as failed. `db_mutex` guards `db`,
// which the restore's other volumes share.
Status run_original_volume(openstack::Cinder& cinder, store::Database& db, Mutex& db_mutex,
                           const store::StoredRestore& restore, store::StoredRestoreVolume& volume,
                           const RestoreRunOptions& options);

}  // namespace staffeln::conductor
