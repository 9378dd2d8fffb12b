// Carries out a backup plan (core/backup_planner.h): creates run on at most backup_workers
// threads, each under its volume's lock, with the task written to the store before the call
// and the backup id after it; a task's success after its server's last-backup-time; the rest
// in plan order. Failures are recorded on their task and in the outcome, never thrown: one
// volume's trouble does not stop the rest.
#pragma once

#include "staffeln/conductor/context.h"
#include "staffeln/core/backup_planner.h"

#include <string>
#include <vector>

namespace staffeln::conductor {

struct BackupOutcome {
    int created = 0;
    int succeeded = 0;
    int failed = 0;
    int cancelled = 0;
    int skipped = 0;
    int adopted = 0;
    std::vector<std::string> problems;  // one line each, for the log and --once's summary
};

enum class Pass {
    start,   // the cycle's first plan: everything, creates included
    settle,  // after waiting: outcomes of the work in flight only; creates, skips and failed volumes were the start
             // pass's
};

void execute_backup_plan(Context& ctx, const core::BackupSnapshot& snapshot, const core::BackupPlan& plan, Pass pass,
                         BackupOutcome& outcome);

core::BackupPolicy backup_policy(const config::Config& config);

}  // namespace staffeln::conductor
