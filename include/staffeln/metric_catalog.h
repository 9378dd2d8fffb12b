// Every metric the process records, by Prometheus' conventions: the staffeln_ prefix, _total on
// counters, base units (_seconds). What each label holds is said in its help. The metrics derived
// from the store at each scrape are in core/store_metrics.h; docs/metrics.md lists them all.
#pragma once

#include "staffeln/metrics.h"

#include <array>

namespace staffeln::metrics {

using core::MetricType;

inline constexpr Definition kBackupsCreated{"staffeln_backups_created_total",
                                            "Backups whose create Cinder accepted, by project.", MetricType::counter};
inline constexpr Definition kBackupsSucceeded{"staffeln_backups_succeeded_total",
                                              "Backup tasks that ended with an available backup, by project.",
                                              MetricType::counter};
inline constexpr Definition kBackupsFailed{"staffeln_backups_failed_total",
                                           "Backup tasks or volumes that failed, by project.", MetricType::counter};
inline constexpr Definition kBackupsCancelled{"staffeln_backups_cancelled_total",
                                              "Backup tasks cancelled (backup_cycle_timeout), by project.",
                                              MetricType::counter};
inline constexpr Definition kBackupsDeleted{"staffeln_backups_deleted_total",
                                            "Automated backups deleted by retention, by project.", MetricType::counter};

inline constexpr Definition kCycles{"staffeln_cycles_total",
                                    "Conductor cycles run by this node, by kind (backup, retention, report) and "
                                    "outcome (success, failure).",
                                    MetricType::counter};
inline constexpr Definition kCycleDuration{"staffeln_cycle_duration_seconds",
                                           "How long this node's last cycle of each kind took.", MetricType::gauge};
inline constexpr Definition kCycleEnd{"staffeln_cycle_end_timestamp_seconds",
                                      "When this node's last cycle of each kind ended (unix time).", MetricType::gauge};
inline constexpr Definition kRoleHeld{
    "staffeln_role_held", "1 while this node holds the role (puller, retention), else 0.", MetricType::gauge};
inline constexpr Definition kBackupInterval{
    "staffeln_backup_interval_seconds",
    "The longest a protected volume should go without a backup: the larger of backup_min_interval and "
    "backup_service_period.",
    MetricType::gauge};

inline constexpr Definition kCloudRequests{
    "staffeln_cloud_requests_total",
    "HTTP requests sent to the cloud, each attempt, by service (keystone, nova, cinder), method and status class "
    "(2xx, 3xx, 4xx, 5xx, or error when no answer came).",
    MetricType::counter};

inline constexpr Definition kReportDeliveries{"staffeln_report_deliveries_total",
                                              "Due project reports, by outcome (sent, failed, skipped).",
                                              MetricType::counter};

inline constexpr Definition kApiAnswers{
    "staffeln_api_answers_total",
    "Policy answers, by answer (True, False) and reason (not_automated, automated, store_unavailable, "
    "cinder_unknown, lookups_overloaded).",
    MetricType::counter};
inline constexpr std::array kApiLatencyBuckets{0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                               0.1,    0.25,  0.5,    1.0,   2.5,  5.0,   10.0};
inline constexpr Definition kApiAnswerDuration{"staffeln_api_answer_duration_seconds",
                                               "Time from a policy request's first byte to its answer.",
                                               MetricType::histogram, kApiLatencyBuckets};

}  // namespace staffeln::metrics
