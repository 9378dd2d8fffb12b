#include "staffeln/core/report_model.h"

#include <algorithm>
#include <tuple>

namespace staffeln::core {

QuotaLine quota_line(const QuotaUsage& usage) {
    QuotaLine line{usage, std::nullopt, QuotaLevel::unlimited};
    if (usage.limit <= 0) return line;
    // Reserved space is already promised to requests in progress, so it counts as used.
    double ratio = static_cast<double>(usage.in_use + usage.reserved) / static_cast<double>(usage.limit);
    line.ratio = ratio;
    line.level = ratio >= kQuotaCriticalRatio  ? QuotaLevel::critical
                 : ratio >= kQuotaWarningRatio ? QuotaLevel::warning
                                               : QuotaLevel::ok;
    return line;
}

std::vector<ProjectDigest> build_digests(const std::vector<TaskRecord>& records,
                                         const std::map<std::string, Project>& projects_by_id,
                                         const std::map<std::string, ProjectQuota>& quotas_by_project) {
    std::map<std::string, ProjectDigest> by_project;
    for (const auto& r : records) {
        if (r.status == TaskStatus::pending || r.status == TaskStatus::in_flight) continue;
        auto& digest = by_project[r.project_id];
        (r.status == TaskStatus::succeeded ? digest.succeeded : digest.failed).push_back(&r);
    }
    std::vector<ProjectDigest> out;
    for (auto& [project_id, digest] : by_project) {
        digest.project_id = project_id;
        auto p = projects_by_id.find(project_id);
        digest.project_name = p != projects_by_id.end() && !p->second.name.empty() ? p->second.name : project_id;
        if (auto q = quotas_by_project.find(project_id); q != quotas_by_project.end()) {
            digest.backups = quota_line(q->second.backups);
            digest.backup_gigabytes = quota_line(q->second.backup_gigabytes);
        }
        out.push_back(std::move(digest));
    }
    std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) {
        return std::tie(a.project_name, a.project_id) < std::tie(b.project_name, b.project_id);
    });
    return out;
}

}  // namespace staffeln::core
