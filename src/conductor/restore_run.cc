#include "staffeln/conductor/restore_run.h"

#include "staffeln/conductor/restore_original_run.h"
#include "staffeln/conductor/worker_pool.h"
#include "staffeln/core/restore_step.h"
#include "staffeln/failpoint.h"
#include "staffeln/log.h"
#include "staffeln/thread_annotations.h"

#include <fmt/format.h>

#include <atomic>
#include <mutex>
#include <thread>

namespace staffeln::conductor {
namespace {

TimePoint now() { return std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now()); }

class VolumeRun {
public:
    VolumeRun(openstack::Cinder& cinder, store::Database& db, Mutex& db_mutex, const store::StoredRestore& r,
              store::StoredRestoreVolume& v, const RestoreRunOptions& options)
        : cinder_(cinder),
          db_(db),
          db_mutex_(db_mutex),
          restore_(r),
          v_(v),
          options_(options),
          target_{r.id, v.plan.source_volume_id, v.plan.backup_id, v.plan.bootable} {}

    // Status: the store's errors only; Cinder's end the volume as failed.
    Status run() {
        const auto deadline = std::chrono::steady_clock::now() + options_.timeout;
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
                    if (std::chrono::steady_clock::now() > deadline)
                        return fail(fmt::format("volume {} still {} after {} s", made->id, made->status,
                                                options_.timeout.count()));
                    std::this_thread::sleep_for(options_.poll);
                    break;
                case core::NextStep::start_restore:
                    if (auto s = start_restore(); !s) return s;
                    break;
                case core::NextStep::tag:
                    if (auto s = tag(); !s) return s;
                    break;
                case core::NextStep::done:
                    v_.state = store::VolumeState::done;
                    v_.last_error.clear();
                    return record();
                case core::NextStep::fail:
                    return fail(step.reason);
            }
            if (v_.state == store::VolumeState::failed) return {};
        }
    }

private:
    // True (after one poll's sleep) while a request that may have reached Cinder can still show
    // its effect; the window ends (and the request may be sent again) once `until` has passed.
    bool still_settling(std::optional<std::chrono::steady_clock::time_point>& until) {
        if (!until) return false;
        if (std::chrono::steady_clock::now() >= *until) {
            until.reset();
            return false;
        }
        std::this_thread::sleep_for(options_.poll);
        return true;
    }

    Metadata tags() const {
        return {{core::kRestoreTag, restore_.id}, {core::kRestoreSourceTag, v_.plan.source_volume_id}};
    }

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
                create_unconfirmed_until_ = std::chrono::steady_clock::now() + options_.settle;
                return {};
            }
            return fail(created.error().message);
        }
        failpoint::hit("restore.create.after_call");
        v_.restored_volume_id = created->id;
        v_.state = store::VolumeState::created;
        return record();
    }

    Status start_restore() {
        if (still_settling(restore_unconfirmed_until_)) return {};
        failpoint::hit("restore.restore.before_call");
        auto started = cinder_.restore_backup(v_.plan.backup_id, v_.restored_volume_id, restore_.project_id);
        if (!started) {
            if (started.error().maybe_applied) {
                // Sent again at once, it would be refused (400: the backup is restoring) and fail
                // the volume while the first restore proceeds: the volume's status is read first.
                restore_unconfirmed_until_ = std::chrono::steady_clock::now() + options_.settle;
                return {};
            }
            return fail(started.error().message);
        }
        failpoint::hit("restore.restore.after_call");
        v_.state = store::VolumeState::restoring;
        return record();
    }

    // Cinder's restore replaced the volume's metadata with the source's: the tags go on again.
    Status tag() {
        failpoint::hit("restore.tag.before_call");
        if (auto s = cinder_.set_volume_metadata(v_.restored_volume_id, tags(), restore_.project_id); !s)
            return fail(s.error().message);
        if (v_.plan.bootable)
            if (auto s = cinder_.set_bootable(v_.restored_volume_id, true, restore_.project_id); !s)
                return fail(s.error().message);
        return {};
    }

    openstack::Cinder& cinder_;
    store::Database& db_ GUARDED_BY(db_mutex_);
    Mutex& db_mutex_;
    const store::StoredRestore& restore_;
    store::StoredRestoreVolume& v_;
    const RestoreRunOptions& options_;
    core::VolumeTarget target_;
    std::optional<std::chrono::steady_clock::time_point> create_unconfirmed_until_;
    std::optional<std::chrono::steady_clock::time_point> restore_unconfirmed_until_;
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
