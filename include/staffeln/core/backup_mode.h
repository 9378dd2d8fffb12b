// How a server's volumes are backed up: straight from each volume (volume mode, upstream's way)
// or from snapshots of all of them taken together (snapshot mode: one moment per server).
// decide_backup_mode picks it from the server's metadata and the configured default, and says
// why; a metadata value that is neither mode is a warning naming the server and the value.
#pragma once

#include "staffeln/model.h"

#include <optional>
#include <string>
#include <string_view>

namespace staffeln::core {

enum class BackupMode { volume, snapshot };

const char* to_string(BackupMode mode);
// "volume" or "snapshot" in any letter case; nullopt for anything else.
std::optional<BackupMode> parse_backup_mode(std::string_view text);

struct BackupModeDecision {
    BackupMode mode = BackupMode::volume;
    std::string reason;
    std::string warning;  // empty unless the server's value was not a mode
};

// metadata_key "": the server cannot override the configured mode.
BackupModeDecision decide_backup_mode(const Server& server, std::string_view metadata_key, BackupMode configured);

}  // namespace staffeln::core
