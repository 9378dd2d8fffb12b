// When reports go out: a project is due when no report for it (or for every project, an
// empty project_id) went out in the last report_period seconds. Report timestamps older than
// ten periods are purged. Pure: the caller passes the time and the stored timestamps.
#pragma once

#include "staffeln/model.h"

#include <chrono>
#include <optional>

namespace staffeln::report {

inline constexpr int kKeptPeriods = 10;

bool is_report_due(const std::optional<TimePoint>& last_report, TimePoint now, std::chrono::seconds period);

// Timestamps created before this instant are purged.
TimePoint purge_timestamps_before(TimePoint now, std::chrono::seconds period);

}  // namespace staffeln::report
