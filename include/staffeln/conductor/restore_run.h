// Runs a stored restore (store/restore_store.h) to its end: each volume on one of at most
// `workers` threads, taking the steps core/restore_step.h decides from the store and from what
// Cinder shows (create the tagged volume, restore the backup into it, wait, tag it again), until
// every volume is done or failed. Run again after a crash, it continues: nothing is made twice.
// A restore over the original volumes takes the steps of core/restore_original.h instead
// (conductor/restore_original_run.h). Several restores (a project's) share the same bound.
#pragma once

#include "staffeln/openstack/cinder.h"
#include "staffeln/store/restore_store.h"

#include <chrono>
#include <functional>
#include <string>
#include <vector>

namespace staffeln::conductor {

// Called from the worker running a volume each time it looks at it (after each step and poll),
// with the volume's status in Cinder ("" while none is known). Several workers call it at once.
using VolumeProgress = std::function<void(const store::StoredRestore&, const store::StoredRestoreVolume&,
                                          const std::string& cinder_status)>;

struct RestoreRunOptions {
    std::size_t workers = 1;                  // [conductor] backup_workers
    std::chrono::milliseconds poll{2000};     // between two looks at a volume being created or restored
    std::chrono::seconds timeout{24 * 3600};  // a volume still busy after this is failed (it may still finish)
    // After a create or restore that may have reached Cinder (no answer): how long its effect is
    // looked for before it is sent again. Twice the request timeout: Cinder may apply it that late.
    std::chrono::milliseconds settle{120'000};
    VolumeProgress progress;  // may be empty
    // A server is still to be booted from the volumes (restore_server.h): the restore stays
    // running when they are all done, so that a run after a crash continues it.
    bool server_follows = false;
};

// Called once per volume as it ends (done or failed), from the worker thread that ran it.
using VolumeEnded = std::function<void(const store::StoredRestoreVolume&)>;

// The restore as it ended: its status succeeded (every volume done) or failed, each volume's
// state, restored volume and, when failed, Cinder's reason. Errors only for the store.
Result<store::StoredRestore> run_restore(openstack::Cinder& cinder, store::Database& db, store::StoredRestore restore,
                                         const RestoreRunOptions& options, const VolumeEnded& ended);

// The same for several restores at once (a project's servers): their volumes together on at most
// `workers` threads, each restore's status set when all its volumes have ended. In their order.
Result<std::vector<store::StoredRestore>> run_restores(openstack::Cinder& cinder, store::Database& db,
                                                       std::vector<store::StoredRestore> restores,
                                                       const RestoreRunOptions& options, const VolumeEnded& ended);

}  // namespace staffeln::conductor
