// What a report needs from the cloud, per project: its name and backup_gigabytes quota
// (Keystone, Cinder) and, only when no receiver or domain is configured, its members'
// e-mail addresses (Keystone role assignments), and whether [conductor] include_projects and
// exclude_projects leave the project out (core/project_scope.h). The OpenStack client implements ReportInputs;
// StoreOnlyInputs answers from what the store knows (id as name, quota unknown, no members).
#pragma once

#include "staffeln/model.h"
#include "staffeln/result.h"

#include <optional>
#include <string>
#include <vector>

namespace staffeln::report {

struct ProjectFacts {
    std::string name;
    std::optional<QuotaUsage> backup_quota;  // nothing: shown as unknown
    std::string out_of_scope{};              // why the project is outside the project scope; "" inside
};

class ReportInputs {
public:
    virtual ~ReportInputs() = default;
    // An error skips the project this time; it is reported again next cycle.
    virtual Result<ProjectFacts> project(const std::string& project_id) = 0;
    virtual Result<std::vector<std::string>> member_emails(const std::string& project_id) = 0;
};

class StoreOnlyInputs final : public ReportInputs {
public:
    Result<ProjectFacts> project(const std::string& project_id) override { return ProjectFacts{project_id, {}}; }
    Result<std::vector<std::string>> member_emails(const std::string&) override { return std::vector<std::string>{}; }
};

}  // namespace staffeln::report
