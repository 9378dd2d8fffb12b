// The per-project digest a report (e-mail, terminal) is rendered from: a cycle's finished
// tasks, successes and failures with their reasons, and the project's backup quota usage.
// Pure: the shell passes the finished task records and the quota figures it read.
// A limit of -1 or 0 means unlimited: no ratio, no division by zero.
#pragma once

#include "staffeln/core/task.h"
#include "staffeln/model.h"

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace staffeln::core {

enum class QuotaLevel { unlimited, ok, warning, critical };  // critical at 80 %, warning at 50 %

inline constexpr double kQuotaWarningRatio = 0.5;
inline constexpr double kQuotaCriticalRatio = 0.8;

struct QuotaLine {
    QuotaUsage usage;
    std::optional<double> ratio;  // (in_use + reserved) / limit; none when unlimited
    QuotaLevel level = QuotaLevel::unlimited;
};
QuotaLine quota_line(const QuotaUsage& usage);

struct ProjectQuota {
    QuotaUsage backups;           // Cinder quota "backups" (a count)
    QuotaUsage backup_gigabytes;  // Cinder quota "backup_gigabytes"
};

struct ProjectDigest {
    std::string project_id;
    std::string project_name;                  // the id when Keystone did not name it
    std::vector<const TaskRecord*> succeeded;  // points into the records passed in
    std::vector<const TaskRecord*> failed;     // failed and cancelled, each with last_error
    std::optional<QuotaLine> backups;
    std::optional<QuotaLine> backup_gigabytes;
};

// One digest per project that has a finished task, ordered by project name then id. Open
// tasks (pending, in flight) are not in a digest. The records must outlive the result.
std::vector<ProjectDigest> build_digests(const std::vector<TaskRecord>& records,
                                         const std::map<std::string, Project>& projects_by_id,
                                         const std::map<std::string, ProjectQuota>& quotas_by_project);

}  // namespace staffeln::core
