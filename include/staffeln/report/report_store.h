// What reports read from and write to the store. Reading: the finished tasks not yet
// reported (status succeeded, failed or cancelled), and when each project was last reported.
// Writing, after a delivery: that report's tasks marked reported (purged when their backup is
// gone) and a report timestamp recorded, in one transaction, with timestamps older than ten
// periods purged; then the server sets as old that no task names any more. Nothing is written
// otherwise. Each finished task comes with its server set's record and its backup's data time.
#pragma once

#include "staffeln/report/digest.h"
#include "staffeln/store/database.h"

#include <optional>
#include <string>
#include <vector>

namespace staffeln::report {

// project_id empty: every project's.
Result<std::vector<FinishedTask>> unreported_tasks(store::Database& db, const std::string& project_id = {});
// The projects unreported_tasks would return tasks of, in order.
Result<std::vector<std::string>> unreported_projects(store::Database& db, const std::string& project_id = {});

// The project's backups whose disaster-recovery record could not be fetched yet, by backup id.
Result<std::vector<MissingDrRecord>> missing_dr_records(store::Database& db, const std::string& project_id);

// The newest report for project_id or for every project (empty project_id) not after now;
// later timestamps (a clock stepped back) are ignored so they cannot silence reports.
Result<std::optional<TimePoint>> last_report_time(store::Database& db, const std::string& project_id, TimePoint now);

struct Delivered {
    std::string project_id;
    std::vector<std::string> task_ids;  // Digest::task_ids
    std::string sender;                 // sender_email, or "RecordInLog" as upstream writes
    TimePoint at{};
    TimePoint purge_timestamps_before{};
};

Status record_delivery(store::Database& db, const Delivered& delivered);

}  // namespace staffeln::report
