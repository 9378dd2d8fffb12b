// The disaster-recovery pass, after the backup cycle's index refresh: fetches the export
// record (one admin GET each, on at most backup_workers threads) of each backup that
// core::dr_records_to_fetch names and stores it, or the failure, which the next cycle retries.
// A failure is a warning of the cycle: it never fails a backup or its task.
#pragma once

#include "staffeln/conductor/context.h"
#include "staffeln/core/dr_record.h"

#include <string>
#include <unordered_set>
#include <vector>

namespace staffeln::conductor {

struct DrOutcome {
    int fetched = 0;
    int failed = 0;
    std::vector<std::string> warnings;  // one line per failed fetch or store error
};

// The store's record states, for core::dr_origins at the start of a cycle.
Result<core::DrStates> read_dr_states(Context& ctx);

// tagged: the refreshed listing's tagged backups; origins: core::dr_origins of the cycle's start;
// indexed: the store's index of staffeln's backups as the cycle read it (the backfill's backups).
DrOutcome fetch_dr_records(Context& ctx, const std::vector<Backup>& tagged, const std::vector<core::DrOrigin>& origins,
                           const std::unordered_set<std::string>& indexed);

}  // namespace staffeln::conductor
