#include "staffeln/conductor/project_scope_reader.h"

namespace staffeln::conductor {

core::ProjectScopeLists project_scope_lists(const config::Config& config) {
    return {config.conductor.include_projects, config.conductor.exclude_projects};
}

Result<CycleScope> read_project_scope(const config::Config& config, openstack::Cloud& cloud) {
    auto lists = project_scope_lists(config);
    CycleScope out;
    if (lists.empty()) return out;
    auto projects = cloud.keystone().list_projects();
    if (!projects)
        return projects.error().context(
            "cannot list the projects for [conductor] include_projects and exclude_projects");
    out.projects = std::move(projects).value();
    auto resolved = core::resolve_project_scope(lists, out.projects);
    out.scope = std::move(resolved.scope);
    out.warnings = std::move(resolved.warnings);
    return out;
}

}  // namespace staffeln::conductor
