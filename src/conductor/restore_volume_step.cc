#include "staffeln/conductor/restore_volume_step.h"

#include "staffeln/core/restore_step.h"
#include "staffeln/failpoint.h"
#include "staffeln/log.h"

#include <fmt/format.h>

#include <thread>

namespace staffeln::conductor {
namespace {

TimePoint now() { return std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now()); }

}  // namespace

Status RestoreVolumeStep::record() {
    MutexLock lock(db_mutex_);
    return store::record_volume(db_, restore_.id, v_, now());
}

Status RestoreVolumeStep::fail(const std::string& reason) {
    v_.state = store::VolumeState::failed;
    v_.last_error = reason;
    log::warning("restore", "restore {}: volume {}: {}", restore_.id, v_.plan.source_volume_id, reason);
    return record();
}

Status RestoreVolumeStep::done() {
    v_.state = store::VolumeState::done;
    v_.last_error.clear();
    return record();
}

Status RestoreVolumeStep::wait(Clock::time_point deadline, const std::string& volume_id, const std::string& status) {
    if (Clock::now() > deadline)
        return fail(fmt::format("volume {} still {} after {} s", volume_id, status, options_.timeout.count()));
    std::this_thread::sleep_for(options_.poll);
    return {};
}

bool RestoreVolumeStep::still_settling(std::optional<Clock::time_point>& until) {
    if (!until) return false;
    if (Clock::now() >= *until) {
        until.reset();
        return false;
    }
    std::this_thread::sleep_for(options_.poll);
    return true;
}

Status RestoreVolumeStep::start_restore(const std::string& volume_id) {
    if (still_settling(restore_unconfirmed_until_)) return {};
    failpoint::hit("restore.restore.before_call");
    auto started = cinder_.restore_backup(v_.plan.backup_id, volume_id, restore_.project_id);
    if (!started) {
        if (started.error().maybe_applied) {
            // Sent again at once, it would be refused (400: the backup is restoring) and fail the
            // volume while the first restore proceeds: its effect is looked for first.
            restore_unconfirmed_until_ = Clock::now() + options_.settle;
            return {};
        }
        return fail(started.error().message);
    }
    failpoint::hit("restore.restore.after_call");
    v_.state = store::VolumeState::restoring;
    return record();
}

Status RestoreVolumeStep::tag(const std::string& volume_id, bool set_bootable) {
    failpoint::hit("restore.tag.before_call");
    if (auto s = cinder_.set_volume_metadata(volume_id, tags(), restore_.project_id); !s)
        return fail(s.error().message);
    if (set_bootable)
        if (auto s = cinder_.set_bootable(volume_id, true, restore_.project_id); !s) return fail(s.error().message);
    return {};
}

Metadata RestoreVolumeStep::tags() const {
    return {{core::kRestoreTag, restore_.id}, {core::kRestoreSourceTag, v_.plan.source_volume_id}};
}

}  // namespace staffeln::conductor
