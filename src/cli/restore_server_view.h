// What `staffeln restore` shows of servers' definitions and of the server it boots
// (--recreate-server): the recorded definition as text lines and JSON, the boot plan of a dry
// run, and the definition a restore boots from (the one in effect at its point).
#pragma once

#include "staffeln/core/server_recreate.h"
#include "staffeln/store/database.h"

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

namespace staffeln::cli {

// "flavor m1.small (1 vCPU, ...); image none (boots from a volume); zone nova; ...", then a
// line per volume, each prefixed with indent.
std::vector<std::string> definition_lines(const core::ServerDefinition& definition, const std::string& indent);
nlohmann::json definition_to_json(const core::ServerDefinition& definition);

// The definition of server_id in effect at point_time; not_found saying so when none is recorded.
Result<core::ServerDefinition> recorded_definition(store::Database& db, const std::string& server_id,
                                                   TimePoint point_time);

// A dry run's view of the boot: {"name", "flavor", "volumes": [{"volume", "device", "boot_index",
// "delete_on_termination"}], "metadata", ...}, or {"refused": why}.
nlohmann::json boot_plan_json(const core::BootPlan& plan);
std::vector<std::string> boot_plan_lines(const core::BootPlan& plan);

}  // namespace staffeln::cli
