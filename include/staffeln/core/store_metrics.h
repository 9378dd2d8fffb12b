// What a scrape shows of the store, as a pure function: the store is shared knowledge (every
// node's is refilled from Cinder's tags), so these series survive restarts and agree between
// nodes, unlike the process's own counters (metrics.h). Given the facts read from the store, or
// nothing when it could not be read, returns the families to render.
#pragma once

#include "staffeln/core/metric_text.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace staffeln::core {

// The newest available automated backup of one volume.
struct VolumeLastBackup {
    std::string project_id;
    std::string server_id;
    std::string volume_id;
    std::int64_t data_timestamp = 0;  // unix seconds: the moment the backup's data is from
};

// A volume of a server the backup cycles protect that has no available automated backup: the
// RPO alert's input for a volume never backed up, which has no newest backup to be late.
struct VolumeWithoutBackup {
    std::string project_id;
    std::string server_id;
    std::string volume_id;
    std::int64_t since = 0;  // unix seconds: when the backup cycles first saw it on the server
};

// How many recorded restores of one project are in one status (running, succeeded, failed,
// cleaned: docs/restore.md).
struct RestoreCount {
    std::string project_id;
    std::string status;
    std::int64_t count = 0;
};

struct StoreFacts {
    std::vector<VolumeLastBackup> volumes;
    std::vector<VolumeWithoutBackup> without_backup;
    std::vector<std::pair<std::string, std::int64_t>> tasks_in_flight;  // project id, pending or in flight
    std::vector<RestoreCount> restores;
};

// staffeln_store_up (1 or 0), and with facts staffeln_volume_last_backup_timestamp_seconds
// {project,server,volume}, staffeln_volume_without_backup_since_timestamp_seconds
// {project,server,volume}, staffeln_tasks_in_flight{project} and staffeln_restores
// {project,status}, each sorted by its labels.
std::vector<MetricFamily> store_metric_families(const std::optional<StoreFacts>& facts);

}  // namespace staffeln::core
