#include "staffeln/conductor/restore_original_run.h"

#include "staffeln/conductor/restore_volume_step.h"
#include "staffeln/core/restore_original.h"
#include "staffeln/core/restore_step.h"
#include "staffeln/failpoint.h"

#include <fmt/format.h>

namespace staffeln::conductor {
namespace {

// A restore over the original volume: nothing is created; a mark in its metadata says, to a run
// after a crash, whether the restore was applied yet.
class OriginalRun : RestoreVolumeStep {
public:
    OriginalRun(openstack::Cinder& cinder, store::Database& db, Mutex& db_mutex, const store::StoredRestore& r,
                store::StoredRestoreVolume& v, const RestoreRunOptions& options)
        : RestoreVolumeStep(cinder, db, db_mutex, r, v, options) {}

    Status run() {
        const auto deadline = Clock::now() + options_.timeout;
        const std::string& id = v_.plan.source_volume_id;
        while (true) {
            auto shown = cinder_.get_volume(id, restore_.project_id);
            if (!shown) {
                if (shown.error().kind == ErrorKind::not_found)
                    return fail(fmt::format("volume {} is no longer in Cinder", id));
                return fail(shown.error().message);
            }
            if (options_.progress) options_.progress(restore_, v_, shown->status);
            const bool marked = v_.state == store::VolumeState::created || v_.state == store::VolumeState::restoring;
            auto decision =
                core::next_original_step({restore_.id, id, v_.plan.backup_id, v_.plan.bootable, marked}, *shown);
            switch (decision.step) {
                case core::OriginalStep::mark:
                    if (auto s = mark(); !s) return s;
                    break;
                case core::OriginalStep::start_restore:
                    if (auto s = start_restore(id); !s) return s;
                    break;
                case core::OriginalStep::wait:
                    if (auto s = wait(deadline, id, shown->status); !s) return s;
                    break;
                case core::OriginalStep::tag:
                    if (auto s = tag(id, v_.plan.bootable && !shown->bootable); !s) return s;
                    break;
                case core::OriginalStep::done:
                    return done();
                case core::OriginalStep::fail:
                    return fail(decision.reason);
            }
            if (v_.state == store::VolumeState::failed) return {};
        }
    }

private:
    // The mark tells, once the command runs again, a restore not applied yet (the mark is still
    // there) from one applied (Cinder's restore replaced the metadata, the mark with it).
    Status mark() {
        Metadata pending{{core::kRestorePendingTag, restore_.id}};
        if (auto s = cinder_.set_volume_metadata(v_.plan.source_volume_id, pending, restore_.project_id); !s)
            return fail(s.error().message);
        failpoint::hit("restore.original.mark.after_call");
        v_.state = store::VolumeState::created;
        return record();
    }
};

}  // namespace

Status run_original_volume(openstack::Cinder& cinder, store::Database& db, Mutex& db_mutex,
                           const store::StoredRestore& restore, store::StoredRestoreVolume& volume,
                           const RestoreRunOptions& options) {
    return OriginalRun(cinder, db, db_mutex, restore, volume, options).run();
}

}  // namespace staffeln::conductor
