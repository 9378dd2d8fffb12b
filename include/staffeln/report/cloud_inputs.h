// ReportInputs read from the cloud: project names from Keystone's project list (read once,
// on first use, as is the project scope of `scope_lists`), backup_gigabytes from Cinder's quota usage, and the members'
// e-mail addresses from Keystone's role assignments and users. A quota that cannot be read is shown as unknown and
// logged; a project list or member lookup that fails skips the project this time.
#pragma once

#include "staffeln/core/project_scope.h"
#include "staffeln/openstack/cloud.h"
#include "staffeln/report/inputs.h"

#include <map>
#include <optional>
#include <string>

namespace staffeln::report {

class CloudInputs final : public ReportInputs {
public:
    explicit CloudInputs(openstack::Cloud& cloud, core::ProjectScopeLists scope_lists = {})
        : cloud_(cloud), scope_lists_(std::move(scope_lists)) {}

    Result<ProjectFacts> project(const std::string& project_id) override;
    Result<std::vector<std::string>> member_emails(const std::string& project_id) override;

private:
    openstack::Cloud& cloud_;
    core::ProjectScopeLists scope_lists_;
    std::optional<std::map<std::string, std::string>> names_;  // project id -> name
    core::ProjectScope scope_;                                 // resolved with names_
};

}  // namespace staffeln::report
