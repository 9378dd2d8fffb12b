#include "staffeln/conductor/snapshot_cleanup.h"

#include "staffeln/conductor/worker_pool.h"
#include "staffeln/core/snapshot_cleanup.h"
#include "staffeln/failpoint.h"
#include "staffeln/log.h"
#include "staffeln/net/http_transport.h"

#include <fmt/format.h>

#include <mutex>

namespace staffeln::conductor {
namespace {

constexpr std::string_view kLog = "conductor";

}  // namespace

void clean_up_snapshots(Context& ctx, SnapshotPass& pass, const std::vector<Backup>& backups, BackupOutcome& outcome) {
    if (!pass.listed) {
        auto listed = ctx.cloud.cinder().list_snapshots({});
        if (!listed) {
            std::string line = "cannot list snapshots to delete staffeln's: " + listed.error().message;
            log::warning(kLog, "{}", line);
            outcome.warnings.push_back(std::move(line));
            return;
        }
        pass.listed = std::move(*listed);
    }
    std::vector<core::SnapshotVerdict> deletes;
    for (auto& verdict : core::plan_snapshot_cleanup(*pass.listed, backups)) {
        if (verdict.delete_it)
            deletes.push_back(std::move(verdict));
        else
            log::info(kLog, "snapshot {} of volume {} kept for now: {}", verdict.snapshot_id, verdict.volume_id,
                      verdict.reason);
    }
    std::mutex mutex;
    for_each_bounded(
        static_cast<std::size_t>(ctx.config.conductor.backup_workers), deletes.size(),
        [&](std::size_t i) {
            const auto& d = deletes[i];
            if (!ctx.role_held()) {
                log::warning(kLog, "snapshot {} not deleted: the puller role was lost; its new holder sees to it",
                             d.snapshot_id);
                return;
            }
            failpoint::hit("snapshot.delete.before_call");
            net::SendGuard guard([&] { return ctx.role_held(); });
            Status deleted = ctx.cloud.cinder().delete_snapshot(d.snapshot_id, d.project_id);
            failpoint::hit("snapshot.delete.after_call");
            if (deleted || deleted.error().kind == ErrorKind::not_found) {
                log::info(kLog, "deleting snapshot {} of volume {}: {}", d.snapshot_id, d.volume_id, d.reason);
                return;
            }
            std::string line = fmt::format("cannot delete snapshot {} of volume {} yet ({}); tried again next cycle",
                                           d.snapshot_id, d.volume_id, deleted.error().message);
            log::warning(kLog, "{}", line);
            std::lock_guard lock(mutex);
            outcome.warnings.push_back(std::move(line));
        },
        ctx.stop.flag());
}

}  // namespace staffeln::conductor
