// ReportInputs read from the cloud: project names from Keystone's project list (read once,
// on first use), backup_gigabytes from Cinder's quota usage, and the members' e-mail addresses
// from Keystone's role assignments and users. A quota that cannot be read is shown as unknown
// and logged; a project list or member lookup that fails skips the project this time.
#pragma once

#include "staffeln/openstack/cloud.h"
#include "staffeln/report/inputs.h"

#include <map>
#include <optional>
#include <string>

namespace staffeln::report {

class CloudInputs final : public ReportInputs {
public:
    explicit CloudInputs(openstack::Cloud& cloud) : cloud_(cloud) {}

    Result<ProjectFacts> project(const std::string& project_id) override;
    Result<std::vector<std::string>> member_emails(const std::string& project_id) override;

private:
    openstack::Cloud& cloud_;
    std::optional<std::map<std::string, std::string>> names_;  // project id -> name
};

}  // namespace staffeln::report
