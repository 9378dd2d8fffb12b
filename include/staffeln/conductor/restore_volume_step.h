// What the two ways of restoring one volume (into a new volume, restore_run.cc; over the original,
// restore_original_run.cc) share: recording the volume's state in the store under the shared
// mutex, failing it with a reason, waiting for Cinder until the deadline, and sending the backup's
// restore at most once per unconfirmed window (a request without an answer may still be applied).
#pragma once

#include "staffeln/conductor/restore_run.h"
#include "staffeln/thread_annotations.h"

#include <chrono>
#include <optional>
#include <string>

namespace staffeln::conductor {

class RestoreVolumeStep {
protected:
    using Clock = std::chrono::steady_clock;

    RestoreVolumeStep(openstack::Cinder& cinder, store::Database& db, Mutex& db_mutex,
                      const store::StoredRestore& restore, store::StoredRestoreVolume& v,
                      const RestoreRunOptions& options)
        : cinder_(cinder), db_(db), db_mutex_(db_mutex), restore_(restore), v_(v), options_(options) {}

    // The volume's state as it is now, written to the store. Status: the store's errors.
    Status record();
    // The volume failed for `reason` (logged, recorded); Cinder's errors end here.
    Status fail(const std::string& reason);
    // The volume is done: its error cleared, recorded.
    Status done();
    // One poll's sleep while `volume_id` is busy in `status`; failed once `deadline` has passed.
    Status wait(Clock::time_point deadline, const std::string& volume_id, const std::string& status);
    // True (after one poll's sleep) while a request that may have reached Cinder can still show
    // its effect; the window ends (and the request may be sent again) once `until` has passed.
    bool still_settling(std::optional<Clock::time_point>& until);
    // Restores the volume's backup into `volume_id` (the new volume or the original), unless an
    // earlier unanswered restore may still show its effect; on success the volume is restoring.
    Status start_restore(const std::string& volume_id);
    // The restore's tags set again on `volume_id` (Cinder's restore replaced its metadata with
    // the backup's), and the bootable flag when `set_bootable`.
    Status tag(const std::string& volume_id, bool set_bootable);
    // The tags a volume of this restore carries: the restore and the source volume.
    Metadata tags() const;

    openstack::Cinder& cinder_;
    store::Database& db_ GUARDED_BY(db_mutex_);
    Mutex& db_mutex_;
    const store::StoredRestore& restore_;
    store::StoredRestoreVolume& v_;
    const RestoreRunOptions& options_;

private:
    std::optional<Clock::time_point> restore_unconfirmed_until_;
};

}  // namespace staffeln::conductor
