// Builds a Cloud from a scenario (JSON): settings, projects, users with roles and e-mails,
// application credentials, servers with attached volumes, volumes, snapshots, backups, and a
// "generate" block for bulk data. The format is documented in docs/simcloud.md.
#pragma once

#include "simcloud/cloud.h"
#include "staffeln/result.h"

#include <nlohmann/json.hpp>

#include <string>

namespace staffeln::sim {

// Fills an empty cloud; `origin` names the scenario in error messages.
Status load_scenario(Cloud& cloud, const nlohmann::json& scenario, const std::string& origin, Micros now);
Status load_scenario_file(Cloud& cloud, const std::string& path, Micros now);

}  // namespace staffeln::sim
