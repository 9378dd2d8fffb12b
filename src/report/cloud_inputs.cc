#include "staffeln/report/cloud_inputs.h"

#include "staffeln/log.h"

#include <set>

namespace staffeln::report {

Result<ProjectFacts> CloudInputs::project(const std::string& project_id) {
    if (!names_) {
        auto projects = cloud_.keystone().list_projects();
        if (!projects) return projects.error().context("cannot list the projects for their names");
        names_.emplace();
        for (const auto& p : *projects) (*names_)[p.id] = p.name;
        // Its warnings are the conductor's to give, once a cycle.
        scope_ = core::resolve_project_scope(scope_lists_, *projects).scope;
    }
    ProjectFacts facts{project_id, std::nullopt, {}};
    if (auto scope = scope_.decide(project_id); !scope.in_scope) facts.out_of_scope = core::describe(scope);
    // A project deleted since its backups were made keeps its id as its name.
    if (auto found = names_->find(project_id); found != names_->end() && !found->second.empty())
        facts.name = found->second;
    auto quota = cloud_.cinder().backup_quota(project_id);
    if (quota)
        facts.backup_quota = quota->gigabytes;
    else
        log::warning("report", "backup quota of project {} unknown for its report: {}", project_id,
                     quota.error().message);
    return facts;
}

Result<std::vector<std::string>> CloudInputs::member_emails(const std::string& project_id) {
    auto assignments = cloud_.keystone().role_assignments(project_id);
    if (!assignments) return assignments.error();
    std::set<std::string> user_ids;
    for (const auto& a : *assignments) user_ids.insert(a.user_id);
    std::vector<std::string> emails;
    for (const auto& id : user_ids) {
        auto user = cloud_.keystone().get_user(id);
        if (!user && user.error().kind == ErrorKind::not_found) continue;  // deleted since it was assigned
        if (!user) return user.error();
        if (!user->email.empty()) emails.push_back(user->email);
    }
    return emails;
}

}  // namespace staffeln::report
