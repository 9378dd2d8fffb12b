#include "staffeln/core/backup_mode.h"

#include <fmt/format.h>

#include <cctype>

namespace staffeln::core {
namespace {

bool equals_any_case(std::string_view text, std::string_view lower) {
    if (text.size() != lower.size()) return false;
    for (std::size_t i = 0; i < text.size(); ++i)
        if (std::tolower(static_cast<unsigned char>(text[i])) != lower[i]) return false;
    return true;
}

}  // namespace

const char* to_string(BackupMode mode) { return mode == BackupMode::snapshot ? "snapshot" : "volume"; }

std::optional<BackupMode> parse_backup_mode(std::string_view text) {
    if (equals_any_case(text, "volume")) return BackupMode::volume;
    if (equals_any_case(text, "snapshot")) return BackupMode::snapshot;
    return std::nullopt;
}

BackupModeDecision decide_backup_mode(const Server& server, std::string_view metadata_key, BackupMode configured) {
    BackupModeDecision out{configured, fmt::format("backup_mode is {}", to_string(configured)), ""};
    if (metadata_key.empty()) return out;
    auto it = server.metadata.find(std::string(metadata_key));
    if (it == server.metadata.end()) {
        out.reason += fmt::format(" and the server has no {} metadata", metadata_key);
        return out;
    }
    if (auto mode = parse_backup_mode(it->second)) {
        out.mode = *mode;
        out.reason = fmt::format("server metadata {}='{}'", metadata_key, it->second);
        return out;
    }
    out.reason += fmt::format(" and the server's {}='{}' is not a mode", metadata_key, it->second);
    out.warning = fmt::format(
        "server {} ({}): backup mode metadata {}='{}' is ignored (neither volume nor snapshot); using "
        "backup_mode {}",
        server.name, server.id, metadata_key, it->second, to_string(configured));
    return out;
}

}  // namespace staffeln::core
