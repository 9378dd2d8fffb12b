// The retention plan of a few volumes, for `staffeln retention explain`: the planner's input as
// the retention cycle reads it, restricted to those volumes (Cinder's backups of each volume,
// every server Nova lists with its metadata, the store's closed tasks), with the same policy
// (retention_cycle.h) and project scope. Changes nothing; the plan of a volume does not depend
// on the backups of other volumes, so it is the one the next retention cycle makes at `now`.
#pragma once

#include "staffeln/config/config.h"
#include "staffeln/conductor/project_scope_reader.h"
#include "staffeln/core/retention_planner.h"
#include "staffeln/openstack/cloud.h"
#include "staffeln/store/database.h"

#include <string>
#include <vector>

namespace staffeln::conductor {

struct VolumesPlan {
    core::RetentionInput input;
    core::RetentionPlan plan;
    CycleScope scope;
};

// servers: Nova's listing of every project (the caller has it to find the server asked for).
Result<VolumesPlan> plan_retention_of_volumes(const config::Config& config, openstack::Cloud& cloud,
                                              store::Database& db, std::vector<Server> servers,
                                              const std::vector<std::string>& volume_ids, TimePoint now);

}  // namespace staffeln::conductor
