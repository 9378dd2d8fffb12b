// Runs a stored restore (store/restore_store.h) to its end: each volume on one of at most
// `workers` threads, taking the steps core/restore_step.h decides from the store and from what
// Cinder shows (create the tagged volume, restore the backup into it, wait, tag it again), until
// every volume is done or failed. Run again after a crash, it continues: nothing is made twice.
#pragma once

#include "staffeln/openstack/cinder.h"
#include "staffeln/store/restore_store.h"

#include <chrono>
#include <functional>

namespace staffeln::conductor {

struct RestoreRunOptions {
    std::size_t workers = 1;                  // [conductor] backup_workers
    std::chrono::milliseconds poll{2000};     // between two looks at a volume being created or restored
    std::chrono::seconds timeout{24 * 3600};  // a volume still busy after this is failed (it may still finish)
    // After a create or restore that may have reached Cinder (no answer): how long its effect is
    // looked for before it is sent again. Twice the request timeout: Cinder may apply it that late.
    std::chrono::milliseconds settle{120'000};
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

}  // namespace staffeln::conductor
