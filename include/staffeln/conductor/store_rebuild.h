// Rebuilds a node's store from Cinder, the system of record: the backups index is synced with
// every backup carrying staffeln's tag, and those still being created become in-flight tasks
// again (adopted by their tag; finished tasks are not kept once reported, so neither here). For a lost or corrupt
// database file, or a node taking over from another. Reads the cloud only: no create, delete or metadata change.
#pragma once

#include "staffeln/conductor/context.h"

namespace staffeln::conductor {

struct RebuildOutcome {
    int tasks = 0;            // in-flight tasks adopted from tags
    std::size_t backups = 0;  // tagged backups now in the index
    std::vector<std::string> problems;
};

Result<RebuildOutcome> rebuild_store(Context& ctx);

}  // namespace staffeln::conductor
