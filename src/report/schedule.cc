#include "staffeln/report/schedule.h"

namespace staffeln::report {

bool is_report_due(const std::optional<TimePoint>& last_report, TimePoint now, std::chrono::seconds period) {
    return !last_report || now - *last_report >= period;
}

TimePoint purge_timestamps_before(TimePoint now, std::chrono::seconds period) { return now - kKeptPeriods * period; }

}  // namespace staffeln::report
