// Reads what the planners need from the cloud with listings only: every server, volume and
// backup of every project (all_tenants, every page), never one GET per object. The store's
// tasks are read before the backups are listed, so a create that lands in between is seen as
// a tagged backup, never as a task whose create was lost.
#pragma once

#include "staffeln/conductor/context.h"
#include "staffeln/core/backup_planner.h"

namespace staffeln::conductor {

Result<core::BackupSnapshot> read_snapshot(Context& ctx);

// Refreshes tasks, then backups, keeping the servers and volumes already read. The old backups
// are dropped before the new listing: on failure snapshot.backups is empty.
Status refresh_backups(Context& ctx, core::BackupSnapshot& snapshot);

Result<std::vector<core::TaskRecord>> read_tasks(Context& ctx);

}  // namespace staffeln::conductor
