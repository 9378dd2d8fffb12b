#include "staffeln/conductor/store_rebuild.h"

#include "staffeln/conductor/backup_executor.h"
#include "staffeln/conductor/cloud_reader.h"
#include "staffeln/conductor/task_ids.h"
#include "staffeln/core/backup_tag.h"
#include "staffeln/store/backup_index.h"

#include <algorithm>

namespace staffeln::conductor {
namespace {

// The plan's actions of one kind only: the rest would act on the cloud.
template <class Action>
core::BackupPlan only(const core::BackupPlan& plan) {
    core::BackupPlan kept;
    std::copy_if(plan.actions.begin(), plan.actions.end(), std::back_inserter(kept.actions),
                 [](const core::BackupAction& a) { return std::holds_alternative<Action>(a); });
    return kept;
}

}  // namespace

Result<RebuildOutcome> rebuild_store(Context& ctx) {
    auto snapshot = read_snapshot(ctx);
    if (!snapshot) return snapshot.error();
    auto policy = backup_policy(ctx.config);
    BackupOutcome outcome;
    auto adopt = only<core::AdoptBackup>(core::plan_backups(*snapshot, policy, ctx.now(), new_task_id));
    execute_backup_plan(ctx, *snapshot, adopt, Pass::settle, outcome);
    if (auto refreshed = refresh_backups(ctx, *snapshot); !refreshed) return refreshed.error();
    auto complete = only<core::CompleteTask>(core::plan_backups(*snapshot, policy, ctx.now(), new_task_id));
    execute_backup_plan(ctx, *snapshot, complete, Pass::settle, outcome);

    std::vector<Backup> tagged;
    std::copy_if(snapshot->backups.begin(), snapshot->backups.end(), std::back_inserter(tagged),
                 core::made_by_staffeln);
    std::lock_guard lock(ctx.db_mutex);
    if (auto synced = store::BackupIndex(ctx.db).sync(tagged, ctx.now()); !synced) return synced.error();
    return RebuildOutcome{outcome.adopted, tagged.size(), std::move(outcome.problems)};
}

}  // namespace staffeln::conductor
