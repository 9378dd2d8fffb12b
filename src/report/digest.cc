#include "staffeln/report/digest.h"

#include <fmt/chrono.h>
#include <fmt/format.h>

#include <algorithm>

namespace staffeln::report {

Digest build_digest(const std::string& project_id, const std::string& project_name,
                    const std::vector<FinishedTask>& tasks, const std::optional<QuotaUsage>& quota,
                    TimePoint now) {
    Digest digest{project_id, project_name, now, describe_quota(quota), {}, {}, {}};
    for (const auto& task : tasks) {
        if (task.project_id != project_id) continue;
        auto& list = task.outcome == TaskOutcome::available ? digest.succeeded : digest.failed;
        list.push_back(task);
        digest.task_ids.push_back(task.id);
    }
    auto oldest_first = [](const FinishedTask& a, const FinishedTask& b) {
        return std::tie(a.updated_at, a.id) < std::tie(b.updated_at, b.id);
    };
    std::sort(digest.succeeded.begin(), digest.succeeded.end(), oldest_first);
    std::sort(digest.failed.begin(), digest.failed.end(), oldest_first);
    return digest;
}

const char* to_string(BackupKind kind) { return kind == BackupKind::full ? "full" : "incremental"; }

const char* to_string(TaskOutcome outcome) {
    switch (outcome) {
        case TaskOutcome::available: return "available";
        case TaskOutcome::failed: return "failed";
        case TaskOutcome::cancelled: return "cancelled";
    }
    return "failed";
}

std::string format_time(TimePoint t) { return fmt::format("{:%Y-%m-%d %H:%M:%S} UTC", t); }

}  // namespace staffeln::report
