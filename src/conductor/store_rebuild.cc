#include "staffeln/conductor/store_rebuild.h"

#include "staffeln/conductor/backup_executor.h"
#include "staffeln/conductor/cloud_reader.h"
#include "staffeln/conductor/task_ids.h"
#include "staffeln/core/backup_tag.h"
#include "staffeln/store/backup_index.h"

#include <algorithm>
#include <set>

namespace staffeln::conductor {
namespace {

// Adoptions of backups still being created only: a finished task is dropped from the store
// once reported, so adopting a finished backup would report it a second time.
core::BackupPlan in_flight_adoptions(const core::BackupPlan& plan, const std::vector<Backup>& backups) {
    std::set<std::string> creating;
    for (const auto& b : backups)
        if (b.status == "creating") creating.insert(b.id);
    core::BackupPlan kept;
    for (const auto& action : plan.actions)
        if (const auto* a = std::get_if<core::AdoptBackup>(&action); a && creating.contains(a->backup_id))
            kept.actions.push_back(action);
    return kept;
}

}  // namespace

Result<RebuildOutcome> rebuild_store(Context& ctx) {
    auto snapshot = read_snapshot(ctx);
    if (!snapshot) return snapshot.error();
    auto policy = backup_policy(ctx.config);
    BackupOutcome outcome;
    auto plan = core::plan_backups(*snapshot, policy, ctx.now(), new_task_id);
    execute_backup_plan(ctx, *snapshot, in_flight_adoptions(plan, snapshot->backups), Pass::settle, outcome);

    std::vector<Backup> tagged;
    std::copy_if(snapshot->backups.begin(), snapshot->backups.end(), std::back_inserter(tagged),
                 core::made_by_staffeln);
    MutexLock lock(ctx.db_mutex);
    if (auto synced = store::BackupIndex(ctx.db).sync(tagged, ctx.now()); !synced) return synced.error();
    return RebuildOutcome{outcome.adopted, tagged.size(), std::move(outcome.problems)};
}

}  // namespace staffeln::conductor
