#include "staffeln/conductor/restore_original_run.h"

#include "staffeln/core/restore_original.h"
#include "staffeln/core/restore_step.h"
#include "staffeln/failpoint.h"
#include "staffeln/log.h"

#include <fmt/format.h>

#include <optional>
#include <thread>

namespace staffeln::conductor {
namespace {

TimePoint now() { return std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now()); }

class OriginalRun {
public:
    OriginalRun(openstack::Cinder& cinder, store::Database& db, Mutex& db_mutex, const store::StoredRestore& r,
                store::StoredRestoreVolume& v, const RestoreRunOptions& options)
        : cinder_(cinder), db_(db), db_mutex_(db_mutex), restore_(r), v_(v), options_(options) {}

    Status run() {
        const auto deadline = std::chrono::steady_clock::now() + options_.timeout;
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
                    if (auto s = start_restore(); !s) return s;
                    break;
                case core::OriginalStep::wait:
                    if (std::chrono::steady_clock::now() > deadline)
                        return fail(
                            fmt::format("volume {} still {} after {} s", id, shown->status, options_.timeout.count()));
                    std::this_thread::sleep_for(options_.poll);
                    break;
                case core::OriginalStep::tag:
                    if (auto s = tag(*shown); !s) return s;
                    break;
                case core::OriginalStep::done:
                    v_.state = store::VolumeState::done;
                    v_.last_error.clear();
                    return record();
                case core::OriginalStep::fail:
                    return fail(decision.reason);
            }
            if (v_.state == store::VolumeState::failed) return {};
        }
    }

private:
    Status record() {
        MutexLock lock(db_mutex_);
        return store::record_volume(db_, restore_.id, v_, now());
    }

    Status fail(const std::string& reason) {
        v_.state = store::VolumeState::failed;
        v_.last_error = reason;
        log::warning("restore", "restore {}: volume {}: {}", restore_.id, v_.plan.source_volume_id, reason);
        return record();
    }

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

    Status start_restore() {
        if (restore_unconfirmed_until_) {
            // A restore sent without an answer may still be applied: its effect (the mark gone,
            // the volume restoring-backup) is looked for until the window ends.
            if (std::chrono::steady_clock::now() < *restore_unconfirmed_until_) {
                std::this_thread::sleep_for(options_.poll);
                return {};
            }
            restore_unconfirmed_until_.reset();
        }
        failpoint::hit("restore.restore.before_call");
        auto started = cinder_.restore_backup(v_.plan.backup_id, v_.plan.source_volume_id, restore_.project_id);
        if (!started) {
            if (started.error().maybe_applied) {
                restore_unconfirmed_until_ = std::chrono::steady_clock::now() + options_.settle;
                return {};
            }
            return fail(started.error().message);
        }
        failpoint::hit("restore.restore.after_call");
        v_.state = store::VolumeState::restoring;
        return record();
    }

    // Cinder's restore replaced the metadata with the backup's: the restore's tags go on again.
    Status tag(const Volume& shown) {
        failpoint::hit("restore.tag.before_call");
        Metadata tags{{core::kRestoreTag, restore_.id}, {core::kRestoreSourceTag, v_.plan.source_volume_id}};
        if (auto s = cinder_.set_volume_metadata(v_.plan.source_volume_id, tags, restore_.project_id); !s)
            return fail(s.error().message);
        if (v_.plan.bootable && !shown.bootable)
            if (auto s = cinder_.set_bootable(v_.plan.source_volume_id, true, restore_.project_id); !s)
                return fail(s.error().message);
        return {};
    }

    openstack::Cinder& cinder_;
    store::Database& db_ GUARDED_BY(db_mutex_);
    Mutex& db_mutex_;
    const store::StoredRestore& restore_;
    store::StoredRestoreVolume& v_;
    const RestoreRunOptions& options_;
    std::optional<std::chrono::steady_clock::time_point> restore_unconfirmed_until_;
};

}  // namespace

Status run_original_volume(openstack::Cinder& cinder, store::Database& db, Mutex& db_mutex,
                           const store::StoredRestore& restore, store::StoredRestoreVolume& volume,
                           const RestoreRunOptions& options) {
    return OriginalRun(cinder, db, db_mutex, restore, volume, options).run();
}

}  // namespace staffeln::conductor
