// One retention cycle: list every backup, plan (core/retention_planner.h), then delete wave by
// wave on at most rotation_workers threads, each delete in the backup's own project, waiting
// between waves (with one listing of deleting backups per round) because Cinder refuses a
// parent while a dependent exists. A delete Cinder refuses is logged and retried next cycle.
#pragma once

#include "staffeln/conductor/context.h"
#include "staffeln/core/retention_planner.h"

#include <cstdio>
#include <string>
#include <vector>

namespace staffeln::conductor {

struct RetentionOutcome {
    int deleted = 0;
    int kept = 0;
    std::vector<std::string> problems;
    std::vector<std::string> warnings;  // invalid retention metadata, for the report
};

// The policy the planner applies, from the configuration (validated when it was loaded), for
// every project: the cycle adds the project scope of its own listing. `retention explain` uses it too.
core::RetentionPolicy retention_policy(const config::Config& config);

// The store's task records the planner reads (RetentionInput::closed_tasks): closed, naming a backup.
std::vector<core::TaskRecord> closed_with_backup(std::vector<core::TaskRecord> tasks);

// Lists servers and backups itself: the backup cycle before it holds only what its settle
// pass reads. With dry_run, prints every decision (delete or keep, and why) to out and
// changes nothing.
RetentionOutcome run_retention_cycle(Context& ctx, bool dry_run, std::FILE* out);

}  // namespace staffeln::conductor
