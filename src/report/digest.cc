#include "staffeln/report/digest.h"

#include "staffeln/core/restore_points.h"

#include <fmt/chrono.h>
#include <fmt/format.h>

#include <algorithm>
#include <tuple>

namespace staffeln::report {

Digest build_digest(const std::string& project_id, const std::string& project_name,
                    const std::vector<FinishedTask>& tasks, const std::optional<QuotaUsage>& quota, TimePoint now,
                    std::vector<MissingDrRecord> dr_missing) {
    Digest digest{project_id, project_name, now, std::nullopt, {}, {}, {}, {}, std::move(dr_missing)};
    if (quota) digest.quota = core::quota_line(*quota);
    for (const auto& task : tasks) {
        if (task.project_id != project_id) continue;
        auto& list = task.status == core::TaskStatus::succeeded ? digest.succeeded : digest.failed;
        list.push_back(task);
        digest.task_ids.push_back(task.id);
    }
    auto oldest_first = [](const FinishedTask& a, const FinishedTask& b) {
        return std::tie(a.updated_at, a.id) < std::tie(b.updated_at, b.id);
    };
    std::sort(digest.succeeded.begin(), digest.succeeded.end(), oldest_first);
    std::sort(digest.failed.begin(), digest.failed.end(), oldest_first);
    std::vector<core::SetMember> members;
    for (const auto* list : {&digest.succeeded, &digest.failed})
        for (const auto& task : *list)
            members.push_back({task.set_id, task.set_mode, task.set_volumes, task.server_id, task.server_name,
                               task.volume_id, task.volume_name, task.status, task.last_error, task.created_at,
                               task.data_time});
    // Tasks without a recorded set are grouped as restore points group backups into cycles.
    digest.sets = core::server_sets(members, core::RestorePolicy{}.cycle_span);
    return digest;
}

std::string quota_level(const std::optional<core::QuotaLine>& quota) {
    if (!quota) return "unknown";
    switch (quota->level) {
        case core::QuotaLevel::unlimited:
            return "unlimited";
        case core::QuotaLevel::ok:
            return "ok";
        case core::QuotaLevel::warning:
            return "warning";
        case core::QuotaLevel::critical:
            return "critical";
    }
    return "unknown";
}

std::string format_time(TimePoint t) { return fmt::format("{:%Y-%m-%d %H:%M:%S} UTC", t); }

}  // namespace staffeln::report
