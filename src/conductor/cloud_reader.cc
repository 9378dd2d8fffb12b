#include "staffeln/conductor/cloud_reader.h"

#include "staffeln/store/backup_index.h"
#include "staffeln/store/task_store.h"

namespace staffeln::conductor {

Result<std::vector<core::TaskRecord>> read_tasks(Context& ctx) {
    std::lock_guard lock(ctx.db_mutex);
    return store::TaskStore(ctx.db).load_all();
}

Status refresh_backups(Context& ctx, core::BackupSnapshot& snapshot) {
    auto tasks = read_tasks(ctx);
    if (!tasks) return tasks.error();
    auto indexed = [&] {
        std::lock_guard lock(ctx.db_mutex);
        return store::BackupIndex(ctx.db).backup_ids();
    }();
    if (!indexed) return indexed.error();
    // Dropped first: the old and the new listing together were the cycle's peak of memory.
    snapshot.backups = {};
    auto backups = ctx.cloud.cinder().list_backups({});
    if (!backups) return backups.error().context("listing backups of every project");
    snapshot.tasks = std::move(tasks).value();
    snapshot.indexed_backup_ids = std::move(indexed).value();
    snapshot.backups = std::move(backups).value();
    return {};
}

Result<core::BackupSnapshot> read_snapshot(Context& ctx) {
    core::BackupSnapshot snapshot;
    auto servers = ctx.cloud.nova().list_servers({});
    if (!servers) return servers.error().context("listing servers of every project");
    auto volumes = ctx.cloud.cinder().list_volumes({});
    if (!volumes) return volumes.error().context("listing volumes of every project");
    snapshot.servers = std::move(servers).value();
    for (auto& volume : *volumes) {
        std::string id = volume.id;
        snapshot.volumes.emplace(std::move(id), std::move(volume));
    }
    if (auto status = refresh_backups(ctx, snapshot); !status) return status.error();
    return snapshot;
}

}  // namespace staffeln::conductor
