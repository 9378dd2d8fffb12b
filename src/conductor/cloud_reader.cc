#include "staffeln/conductor/cloud_reader.h"

#include "staffeln/core/backup_tag.h"
#include "staffeln/store/backup_index.h"
#include "staffeln/store/task_store.h"

#include <malloc.h>

#include <algorithm>
#include <functional>
#include <iterator>
#include <string_view>
#include <unordered_set>

namespace staffeln::conductor {
namespace {

// What the planner, the executor and the index read of a backup. The rest (name, snapshot,
// size, other metadata) is dropped as each one is listed: the settle pass holds 40,000
// backups through the wait at 10,000 servers. The tag is kept in its shortest form.
Backup for_planning(Backup&& b) {
    Backup out;
    if (auto tag = core::task_id_view(b)) out.description = std::string(core::kTaskDescriptionMarker).append(*tag);
    out.id = std::move(b.id);
    out.project_id = std::move(b.project_id);
    out.volume_id = std::move(b.volume_id);
    out.status = std::move(b.status);
    if (out.status == "error") out.fail_reason = std::move(b.fail_reason);
    out.is_incremental = b.is_incremental;
    out.created_at = b.created_at;
    out.data_timestamp = b.data_timestamp;
    return out;
}

// A vector grown by doubling holds up to twice its elements, and three times while it moves
// them; collected in blocks, the listing ends in one vector of the exact size.
Result<std::vector<Backup>> list_backups_for_planning(Context& ctx, const std::function<bool(const Backup&)>& wanted) {
    constexpr std::size_t kBlock = 1000;
    std::vector<std::vector<Backup>> blocks;
    std::size_t total = 0;
    auto status = ctx.cloud.cinder().for_each_backup({}, [&](Backup&& b) {
        if (!wanted(b)) return;
        if (blocks.empty() || blocks.back().size() == kBlock) blocks.emplace_back().reserve(kBlock);
        blocks.back().push_back(for_planning(std::move(b)));
        ++total;
    });
    if (!status) return status.error();
    std::vector<Backup> backups;
    backups.reserve(total);
    for (auto& block : blocks) {
        std::move(block.begin(), block.end(), std::back_inserter(backups));
        block = {};
    }
    return backups;
}

// The settle scope reads the volumes of pending tasks and the servers they are attached to
// only; the others are dropped before its listing, the pass's peak. (A backup the settle pass
// adopts for a task the store never knew, which only a race with another node could make, is
// then recorded without its volume's and server's names and stamps no server.)
void keep_settle_volumes_and_servers(core::BackupSnapshot& snapshot) {
    std::unordered_set<std::string_view> needed;
    for (const auto& task : snapshot.tasks)
        if (task.status == core::TaskStatus::pending) needed.insert(task.volume_id);
    std::erase_if(snapshot.servers, [&](const Server& server) {
        return std::none_of(server.volume_ids.begin(), server.volume_ids.end(),
                            [&](const std::string& id) { return needed.contains(id); });
    });
    snapshot.servers.shrink_to_fit();
    std::erase_if(snapshot.volumes, [&](const auto& entry) { return !needed.contains(entry.first); });
}

}  // namespace

Result<std::vector<core::TaskRecord>> read_tasks(Context& ctx) {
    MutexLock lock(ctx.db_mutex);
    return store::TaskStore(ctx.db).load_all();
}

Status refresh_backups(Context& ctx, core::BackupSnapshot& snapshot, core::PlanScope scope) {
    // Dropped first: the old and the new reads together were the cycle's peak of memory.
    snapshot.backups = {};
    snapshot.tasks = {};
    snapshot.indexed_backup_ids = {};
    auto tasks = read_tasks(ctx);
    if (!tasks) return tasks.error();
    snapshot.tasks = std::move(tasks).value();
    if (scope == core::PlanScope::settle) {
        keep_settle_volumes_and_servers(snapshot);
        // What the start pass freed stays in the heap's pages; given back before the listing,
        // the settle pass's listing, plan and workers do not come on top of it. Trimmed after
        // the listing instead, the peak was 2.6 MB higher at 10,000 servers.
        malloc_trim(0);
    }
    auto indexed = [&] {
        MutexLock lock(ctx.db_mutex);
        return store::BackupIndex(ctx.db).backup_ids();
    }();
    if (!indexed) return indexed.error();
    snapshot.indexed_backup_ids = std::move(indexed).value();
    // The settle scope reads tagged backups and the backups of tasks only (backup_planner.h).
    std::unordered_set<std::string_view> of_tasks;
    if (scope == core::PlanScope::settle)
        for (const auto& task : snapshot.tasks)
            if (!task.backup_id.empty()) of_tasks.insert(task.backup_id);
    auto backups = list_backups_for_planning(ctx, [&](const Backup& b) {
        return scope == core::PlanScope::cycle || of_tasks.contains(b.id) || core::made_by_staffeln(b);
    });
    if (!backups) return backups.error().context("listing backups of every project");
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
    snapshot.servers.shrink_to_fit();  // held through the start pass; grown by doubling
    const std::string& skip_key = ctx.config.conductor.skip_volume_metadata_key;
    snapshot.volumes.reserve(volumes->size());
    for (auto& volume : *volumes) {
        // Only the skip flag of a volume's metadata is read.
        auto flag = volume.metadata.extract(skip_key);
        volume.metadata.clear();
        if (!flag.empty()) volume.metadata.insert(std::move(flag));
        std::string id = volume.id;
        snapshot.volumes.emplace(std::move(id), std::move(volume));
    }
    if (auto status = refresh_backups(ctx, snapshot, core::PlanScope::cycle); !status) return status.error();
    return snapshot;
}

}  // namespace staffeln::conductor
