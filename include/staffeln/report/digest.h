// The per-project backup digest: what one report says, built from the project's finished
// tasks (with the names the store keeps beside them), its name and its backup_gigabytes
// quota (core::quota_line: -1 or 0 is unlimited, coloured at 50 % and 80 %). Pure: no I/O,
// no clock; renderers turn a Digest into HTML, text or JSON, and nothing else decides content.
#pragma once

#include "staffeln/core/report_model.h"
#include "staffeln/core/server_set.h"
#include "staffeln/core/task.h"
#include "staffeln/model.h"

#include <optional>
#include <string>
#include <vector>

namespace staffeln::report {

// A tasks row that has finished (succeeded, failed or cancelled), as the store holds it.
struct FinishedTask {
    std::string id;
    std::string project_id;
    std::string volume_id;
    std::string volume_name;
    std::string server_id;
    std::string server_name;
    std::string backup_id;
    core::BackupKind kind = core::BackupKind::full;
    core::TaskStatus status = core::TaskStatus::succeeded;
    std::string last_error;
    TimePoint created_at{};
    TimePoint updated_at{};
    std::string set_id;                        // its server set, "" for none
    std::optional<core::BackupMode> set_mode;  // the set's, when recorded
    int set_volumes = 0;                       // the set's volume count, when recorded
    std::optional<TimePoint> data_time;        // its backup's data_timestamp, when the store lists the backup
};

// A backup of the project whose disaster-recovery record could not be fetched yet (dr_records).
struct MissingDrRecord {
    std::string backup_id;
    std::string volume_id;
    std::string volume_name;
    std::string last_error;
    int attempts = 0;
};

struct Digest {
    std::string project_id;
    std::string project_name;
    TimePoint generated_at{};
    std::optional<core::QuotaLine> quota;     // nothing: the cloud did not say
    std::vector<FinishedTask> succeeded;      // oldest first
    std::vector<FinishedTask> failed;         // failed and cancelled, oldest first
    std::vector<std::string> task_ids;        // every task the digest reports on: marked reported once delivered
    std::vector<core::ServerSet> sets;        // the finished tasks as server sets, one line per server and cycle
    std::vector<MissingDrRecord> dr_missing;  // shown while a fetch keeps failing; not what makes a report due
    std::string out_of_scope{};               // why include_projects/exclude_projects leave the project out; "" inside
};

// Keeps only project_id's tasks; a Digest without task_ids means there is nothing to report.
Digest build_digest(const std::string& project_id, const std::string& project_name,
                    const std::vector<FinishedTask>& tasks, const std::optional<QuotaUsage>& quota, TimePoint now,
                    std::vector<MissingDrRecord> dr_missing = {});

// "unknown", "unlimited", "ok", "warning", "critical"; the HTML colours by "quota-<level>".
std::string quota_level(const std::optional<core::QuotaLine>& quota);
// "2026-11-22 04:35:26 UTC"
std::string format_time(TimePoint t);

}  // namespace staffeln::report
