// The per-project backup digest: what one report says, built from the project's finished
// tasks, its name and its backup_gigabytes quota. Pure: no I/O, no clock; renderers turn a
// Digest into HTML, text or JSON, and nothing else decides what a report contains.
#pragma once

#include "staffeln/model.h"
#include "staffeln/report/quota.h"

#include <optional>
#include <string>
#include <vector>

namespace staffeln::report {

enum class BackupKind { full, incremental };
enum class TaskOutcome { available, failed, cancelled };

// A tasks row whose backup has finished one way or another, as the store holds it.
struct FinishedTask {
    std::string id;
    std::string project_id;
    std::string volume_id;
    std::string volume_name;
    std::string server_id;
    std::string server_name;
    std::string backup_id;
    BackupKind kind = BackupKind::full;
    TaskOutcome outcome = TaskOutcome::available;
    std::string reason;
    TimePoint created_at{};
    TimePoint updated_at{};
};

struct Digest {
    std::string project_id;
    std::string project_name;
    TimePoint generated_at{};
    QuotaView quota;
    std::vector<FinishedTask> succeeded;  // outcome available, oldest first
    std::vector<FinishedTask> failed;     // outcome failed or cancelled, oldest first
    std::vector<std::string> task_ids;    // every task the digest reports on: purged once delivered
};

// Keeps only project_id's tasks; an empty Digest (no task) means there is nothing to report.
Digest build_digest(const std::string& project_id, const std::string& project_name,
                    const std::vector<FinishedTask>& tasks, const std::optional<QuotaUsage>& quota,
                    TimePoint now);

const char* to_string(BackupKind kind);
const char* to_string(TaskOutcome outcome);
// "2026-11-22 04:35:26 UTC"
std::string format_time(TimePoint t);

}  // namespace staffeln::report
