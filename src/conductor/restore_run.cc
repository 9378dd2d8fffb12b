#include "staffeln/conductor/restore_run.h"

#include "staffeln/conductor/restore_original_run.h"
#include "staffeln/conductor/restore_volume_step.h"
#include "staffeln/conductor/worker_pool.h"
#include "staffeln/core/restore_step.h"
#include "staffeln/failpoint.h"
#include "staffeln/thread_annotations.h"

#include <atomic>
#include <mutex>

namespace staffeln::conductor {
namespace {

TimePoint now() { return std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now()); }

// A restore into a new volume: created tagged, adopted by its tags when a crashed run made it.
class VolumeRun : RestoreVolumeStep {
public:
    VolumeRun(openstack::Cinder& cinder, store::Database& db, Mutex& db_mutex, const store::StoredRestore& r,
              store::StoredRestoreVolume& v, const RestoreRunOptions& options)
        : RestoreVolumeStep(cinder, db, db_mutex, r, v, options),
          target_{r.id, v.plan.source_volume_id, v.plan.backup_id, v.plan.bootable} {}

    // Status: the store's errors only; Cinder's end the volume as failed.
    Status run() {
        const auto deadline = Clock::now() + options_.timeout;
        while (true) {
            std::optional<Volume> made;
            if (!v_.restored_volume_id.empty()) {
                auto got = cinder_.get_volume(v_.restored_volume_id, restore_.project_id);
                if (got)
                    made = std::move(got).value();
                else if (got.error().kind != ErrorKind::not_found)
                    return fail(got.error().message);
                else
                    v_.restored_volume_id.clear();  // gone: a new one may be made
            }
            if (options_.progress) options_.progress(restore_, v_, made ? made->status : "");
            core::RestoreStep step = core::next_restore_step(target_, made);
            switch (step.step) {
                case core::NextStep::find_or_create:
                    if (auto s = find_or_create(); !s) return s;
                    break;
                case core::NextStep::wait:
                    if (auto s = wait(deadline, made->id, made->status); !s) return s;
                    break;
                case core::NextStep::start_restore:
                    if (auto s = start_restore(v_.restored_volume_id); !s) return s;
                    break;
                case core::NextStep::tag:
                    if (auto s = tag(v_.restored_volume_id, v_.plan.bootable); !s) return s;
                    break;
                case core::NextStep::done:
                    return done();
                case core::NextStep::fail:
                    return fail(step.reason);
            }
            if (v_.state == store::VolumeState::failed) return {};
        }
    }

private:
    // A volume tagged for this restore and source is the one a crashed run made: adopted, not made again.
    Status find_or_create() {
        openstack::VolumeQuery query;
        query.project_id = restore_.project_id;
        query.metadata = tags();
        auto tagged = cinder_.list_volumes(query);
        if (!tagged) return fail(tagged.error().message);
        for (const auto& existing : *tagged) {
            // A restored copy of a volume that itself came from this restore carries its tags
            // until they are set again; it has the restore's src_backup_id and is not ours to adopt.
            auto src = existing.metadata.find(core::kSourceBackupKey);
            if (src != existing.metadata.end() && src->second != v_.plan.backup_id) continue;
            v_.restored_volume_id = existing.id;
            v_.state = store::VolumeState::created;
            create_unconfirmed_until_.reset();
            return record();
        }
        if (still_settling(create_unconfirmed_until_)) return {};
        failpoint::hit("restore.create.before_call");
        auto created = cinder_.create_volume(
            {restore_.project_id, v_.plan.size_gb, v_.plan.new_name, v_.plan.volume_type, tags()});
        if (!created) {
            if (created.error().maybe_applied) {
                // Cinder may not show it yet: it is looked for by its tags for a while before
                // another is made.
                create_unconfirmed_until_ = Clock::now() + options_.settle;
                return {};
            }
            return fail(created.error().message);
        }
        failpoint::hit("restore.create.after_call");
        v_.restored_volume_id = created->id;
        v_.state = store::VolumeState::created;
        return record();
    }

    core::VolumeTarget target_;
    std::optional<Clock::time_point> create_unconfirmed_until_;
};

}  // namespace

Result<store::StoredRestore> run_restore(openstack::Cinder& cinder, store::Database& db, store::StoredRestore restore,
                                         const RestoreRunOptions& options, const VolumeEnded& ended) {
    std::vector<store::StoredRestore> one;
    one.push_back(std::move(restore));
    auto ran = run_restores(cinder, db, std::move(one), options, ended);
    if (!ran) return ran.error();
    return std::move(ran->front());
}

Result<std::vector<store::StoredRestore>> run_restores(openstack::Cinder& cinder, store::Database& db,
                                                       std::vector<store::StoredRestore> restores,
                                                       const RestoreRunOptions& options, const VolumeEnded& ended) {
    Mutex db_mutex;  // the volumes' runs share the store's one connection
    std::mutex errors_mutex;
    std::optional<Error> store_error;
    std::atomic<bool> stop{false};
    std::vector<std::pair<std::size_t, std::size_t>> work;  // (restore, volume)
    for (std::size_t r = 0; r < restores.size(); ++r)
        for (std::size_t v = 0; v < restores[r].volumes.size(); ++v) work.emplace_back(r, v);
    for_each_bounded(
        std::max<std::size_t>(options.workers, 1), work.size(),
        [&](std::size_t i) {
            const store::StoredRestore& restore = restores[work[i].first];
            store::StoredRestoreVolume& v = restores[work[i].first].volumes[work[i].second];
            if (v.state == store::VolumeState::done || v.state == store::VolumeState::failed) {
                ended(v);
                return;
            }
            Status s = restore.into == core::RestoreInto::original
                           ? run_original_volume(cinder, db, db_mutex, restore, v, options)
                           : VolumeRun(cinder, db, db_mutex, restore, v, options).run();
            if (!s) {
                std::lock_guard lock(errors_mutex);
                if (!store_error) store_error = s.error();
                stop = true;
                return;
            }
            if (options.progress) options.progress(restore, v, "");
            ended(v);
        },
        stop);
    if (store_error) return *store_error;
    for (auto& restore : restores) {
        bool all_done = true;
        for (const auto& v : restore.volumes) all_done = all_done && v.state == store::VolumeState::done;
        restore.status = all_done ? (options.server_follows ? "running" : "succeeded") : "failed";
        if (auto s = store::set_restore_status(db, restore.id, restore.status, now()); !s) return s.error();
    }
    return restores;
}

}  // namespace staffeln::conductor
