// One backup cycle, as a list of passes: read the cloud and the store; plan (reconciling
// tagged backups with tasks); start the creates; wait, with one listing of creating backups
// per round, until Cinder has finished them or they time out; read again and settle each
// task (a success after its server's last-backup-time); refresh the store's index of
// automated backups; fetch the disaster-recovery records of backups that became available.
#pragma once

#include "staffeln/conductor/backup_executor.h"
#include "staffeln/conductor/context.h"
#include "staffeln/conductor/dr_fetch.h"

#include <cstdio>
#include <string>
#include <vector>

namespace staffeln::conductor {

struct BackupCycleResult {
    BackupOutcome outcome;
    DrOutcome dr;
    bool cloud_readable = true;  // false: the cycle could not read the cloud at all
    // Projects outside [conductor] include_projects / exclude_projects that have servers tagged
    // for backup, one line each (core::describe(ExcludedProject)): left out of this cycle.
    std::vector<std::string> excluded_projects;
};

// Servers of projects outside the project scope are left out before the plan. With dry_run, prints the plan (one line
// per action) to out and changes nothing.
BackupCycleResult run_backup_cycle(Context& ctx, bool dry_run, std::FILE* out);

}  // namespace staffeln::conductor
