#include "staffeln/core/server_schedule.h"

#include "staffeln/core/server_metadata.h"
#include "staffeln/duration.h"

#include <fmt/format.h>

namespace staffeln::core {
namespace {

std::string warning(const Server& server, std::string_view what, const std::string& key, const std::string& value,
                    std::string_view why, std::string_view fallback) {
    return fmt::format("server {} ({}): {} metadata {}='{}' is ignored ({}); using {}", server.name, server.id, what,
                       key, value, why, fallback);
}

// A decimal count from 0 to kMaxServerDepth; -1 for anything else.
int parse_depth(const std::string& text) {
    if (text.empty() || text.size() > 4 || text.find_first_not_of("0123456789") != std::string::npos) return -1;
    int depth = std::stoi(text);
    return depth <= kMaxServerDepth ? depth : -1;
}

}  // namespace

ServerSchedule server_schedule(const Server& server, const BackupPolicy& policy) {
    ServerSchedule out;
    out.min_interval = policy.backup_min_interval;
    out.interval_source = "backup_min_interval";
    if (const auto* value = server_metadata_value(server, policy.backup_interval_metadata_key)) {
        auto interval = parse_duration(ascii_lower(*value));
        if (interval && *interval <= kMaxServerInterval) {
            out.min_interval = *interval;
            out.interval_source = "server metadata " + policy.backup_interval_metadata_key;
        } else {
            out.warnings.push_back(
                warning(server, "backup interval", policy.backup_interval_metadata_key, *value,
                        interval ? fmt::format("it is longer than {}", format_duration(kMaxServerInterval))
                                 : interval.error().message,
                        fmt::format("backup_min_interval {}", format_duration(policy.backup_min_interval))));
        }
    }

    out.window = policy.backup_window;
    out.window_source = "backup_window";
    if (const auto* value = server_metadata_value(server, policy.backup_window_metadata_key)) {
        if (auto window = parse_backup_window(*value)) {
            out.window = *window;
            out.window_source = "server metadata " + policy.backup_window_metadata_key;
        } else {
            out.warnings.push_back(
                warning(server, "backup window", policy.backup_window_metadata_key, *value, window.error().message,
                        policy.backup_window ? "backup_window " + to_string(*policy.backup_window) : "no window"));
        }
    }

    out.full_backup_depth = policy.full_backup_depth;
    out.depth_source = "full_backup_depth";
    if (const auto* value = server_metadata_value(server, policy.full_backup_depth_metadata_key)) {
        if (int depth = parse_depth(*value); depth >= 0) {
            out.full_backup_depth = depth;
            out.depth_source = "server metadata " + policy.full_backup_depth_metadata_key;
        } else {
            out.warnings.push_back(warning(server, "full backup depth", policy.full_backup_depth_metadata_key, *value,
                                           "expected a whole number from 0 to 1000",
                                           fmt::format("full_backup_depth {}", policy.full_backup_depth)));
        }
    }
    return out;
}

}  // namespace staffeln::core
