// The project scope of one cycle (core/project_scope.h): Keystone's project list, read only when
// `[conductor] include_projects` or `exclude_projects` is set (otherwise every project is in
// scope and nothing is read), resolved against the two lists. An error when Keystone cannot
// list the projects: the cycle is then skipped rather than run on a scope it cannot know.
#pragma once

#include "staffeln/config/config.h"
#include "staffeln/core/project_scope.h"
#include "staffeln/openstack/cloud.h"

#include <string>
#include <vector>

namespace staffeln::conductor {

struct CycleScope {
    core::ProjectScope scope;
    std::vector<Project> projects;      // empty when no list is set
    std::vector<std::string> warnings;  // core::resolve_project_scope's
};

core::ProjectScopeLists project_scope_lists(const config::Config& config);

Result<CycleScope> read_project_scope(const config::Config& config, openstack::Cloud& cloud);

}  // namespace staffeln::conductor
