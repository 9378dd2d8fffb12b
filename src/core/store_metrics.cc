#include "staffeln/core/store_metrics.h"

#include <algorithm>
#include <tuple>

namespace staffeln::core {

std::vector<MetricFamily> store_metric_families(const std::optional<StoreFacts>& facts) {
    std::vector<MetricFamily> out;
    out.push_back({"staffeln_store_up",
                   "1 when this node's store could be read for this scrape, else 0.",
                   MetricType::gauge,
                   {{"", {}, facts ? 1.0 : 0.0}}});
    if (!facts) return out;

    MetricFamily last{"staffeln_volume_last_backup_timestamp_seconds",
                      "When the data of each protected volume's newest available automated backup was taken "
                      "(unix time).",
                      MetricType::gauge,
                      {}};
    auto volumes = facts->volumes;
    std::sort(volumes.begin(), volumes.end(), [](const auto& a, const auto& b) {
        return std::tie(a.project_id, a.server_id, a.volume_id) < std::tie(b.project_id, b.server_id, b.volume_id);
    });
    for (const auto& v : volumes)
        last.samples.push_back({"",
                                {{"project", v.project_id}, {"server", v.server_id}, {"volume", v.volume_id}},
                                static_cast<double>(v.data_timestamp)});
    out.push_back(std::move(last));

    MetricFamily without{"staffeln_volume_without_backup_since_timestamp_seconds",
                         "Each volume of a protected server with no available automated backup: when the backup "
                         "cycles first saw it on the server (unix time).",
                         MetricType::gauge,
                         {}};
    auto unbacked = facts->without_backup;
    std::sort(unbacked.begin(), unbacked.end(), [](const auto& a, const auto& b) {
        return std::tie(a.project_id, a.server_id, a.volume_id) < std::tie(b.project_id, b.server_id, b.volume_id);
    });
    for (const auto& v : unbacked)
        without.samples.push_back({"",
                                   {{"project", v.project_id}, {"server", v.server_id}, {"volume", v.volume_id}},
                                   static_cast<double>(v.since)});
    out.push_back(std::move(without));

    MetricFamily tasks{
        "staffeln_tasks_in_flight", "Backup tasks pending or in flight, by project.", MetricType::gauge, {}};
    auto counts = facts->tasks_in_flight;
    std::sort(counts.begin(), counts.end());
    for (const auto& [project, count] : counts)
        tasks.samples.push_back({"", {{"project", project}}, static_cast<double>(count)});
    out.push_back(std::move(tasks));

    // A gauge, not a counter: `restore cleanup` turns a failed restore into a cleaned one.
    MetricFamily restores{"staffeln_restores",
                          "Restores recorded in this node's store, by project and status (running, succeeded, "
                          "failed, cleaned).",
                          MetricType::gauge,
                          {}};
    auto recorded = facts->restores;
    std::sort(recorded.begin(), recorded.end(), [](const auto& a, const auto& b) {
        return std::tie(a.project_id, a.status) < std::tie(b.project_id, b.status);
    });
    for (const auto& r : recorded)
        restores.samples.push_back(
            {"", {{"project", r.project_id}, {"status", r.status}}, static_cast<double>(r.count)});
    out.push_back(std::move(restores));
    return out;
}

}  // namespace staffeln::core
