// A server's own schedule: the shortest time between two backups of its volumes, the window in
// which they may start and its full_backup_depth, each from the server's metadata (the policy's
// *_metadata_key) when the value is valid, else the config's default. An invalid value is a
// warning naming the server and the value, and the default applies. Pure.
#pragma once

#include "staffeln/core/backup_planner.h"
#include "staffeln/model.h"

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace staffeln::core {

struct ServerSchedule {
    std::chrono::seconds min_interval{0};  // 0: no check
    std::string interval_source;           // "backup_min_interval" or "server metadata KEY"
    std::optional<BackupWindow> window;    // none: any time
    std::string window_source;             // "backup_window" or "server metadata KEY"
    int full_backup_depth = 0;
    std::string depth_source;  // "full_backup_depth" or "server metadata KEY"
    std::vector<std::string> warnings;
};

// Bounds of a server's values, as the config's: an interval of at most a year, a depth of 0 to 1000.
inline constexpr std::chrono::seconds kMaxServerInterval{365LL * 86400};
inline constexpr int kMaxServerDepth = 1000;

ServerSchedule server_schedule(const Server& server, const BackupPolicy& policy);

}  // namespace staffeln::core
