// Reads what the planners need from the cloud with listings only: every server, volume and
// backup of every project (all_tenants, every page), never one GET per object. The store's
// tasks are read before the backups are listed, so a create that lands in between is seen as
// a tagged backup, never as a task whose create was lost.
// The records keep what the planner, the executor and the store's index read, no more: a
// backup its ids, status, times, kind and tag (in the description's marker form), a volume
// only its skip flag of its metadata.
#pragma once

#include "staffeln/conductor/context.h"
#include "staffeln/core/backup_planner.h"

namespace staffeln::conductor {

Result<core::BackupSnapshot> read_snapshot(Context& ctx);

// Refreshes tasks, then backups, keeping the servers and volumes already read; for a plan of
// the settle scope, only the backups, volumes and servers that scope reads (backup_planner.h).
// The old tasks and backups are dropped before the new reads: on failure they are empty.
Status refresh_backups(Context& ctx, core::BackupSnapshot& snapshot, core::PlanScope scope);

Result<std::vector<core::TaskRecord>> read_tasks(Context& ctx);

}  // namespace staffeln::conductor
