// Carries out a backup plan (core/backup_planner.h): creates run on at most backup_workers
// threads, each under its volume's lock, with the task written to the store before the call
// and the backup id after it; a task's success after its server's last-backup-time; the rest
// in plan order. Servers in snapshot mode (core/backup_mode.h) get tagged snapshots of all their
// volumes first, sent together; each backup is then made from its snapshot, or straight from
// the volume when the snapshot failed. Failures are recorded on their task and in the outcome,
// never thrown: one volume's trouble does not stop the rest.
#pragma once

#include "staffeln/conductor/context.h"
#include "staffeln/core/backup_planner.h"

#include <optional>
#include <string>
#include <unordered_map>
#include <unordered_set>
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
    // Done another way than asked, e.g. a snapshot-mode volume backed up straight from the volume,
    // or a server's schedule metadata ignored for an invalid value;
    // in --once's summary, not in its exit code.
    std::vector<std::string> warnings;
};

enum class Pass {
    start,   // the cycle's first plan: everything, creates included
    settle,  // after waiting: outcomes of the work in flight only; creates, skips and failed volumes were the start
             // pass's
};

// What the snapshot mode carries from the start pass to the settle pass and the clean-up.
struct SnapshotPass {
    std::unordered_set<std::string> snapshot_servers;    // ids of the servers backed up in snapshot mode
    std::optional<std::vector<Snapshot>> listed;         // the last listing of snapshots this cycle, if any
    std::unordered_map<std::string, std::string> notes;  // task id -> why its backup came from the volume
    // When the last backup was sent, after the wait for the snapshots: the wait for the backups
    // gives it its own backup_cycle_timeout from there.
    TimePoint last_backup_sent{};
};

void execute_backup_plan(Context& ctx, const core::BackupSnapshot& snapshot, const core::BackupPlan& plan, Pass pass,
                         BackupOutcome& outcome, SnapshotPass* snapshots = nullptr);

core::BackupPolicy backup_policy(const config::Config& config);

}  // namespace staffeln::conductor
