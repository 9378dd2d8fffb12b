// What a restore shows of its progress (pure): a line per volume with its state, what Cinder
// shows of it, and the time since the command started. On a terminal the block of lines is
// redrawn in place; elsewhere each change is one plain line (what logs and tests read).
// Labels carry the cloud's names: the shell escapes each line before writing it (text_safety.h).
#pragma once

#include <chrono>
#include <string>
#include <vector>

namespace staffeln::core {

struct ProgressRow {
    std::string server;  // "web-1 (id)"
    std::string volume;  // "web-1-data (id)"
    std::string state;   // the store's: pending, created, restoring, done, failed
    std::string cinder;  // the volume's status in Cinder, "" when none is known yet
    std::chrono::seconds elapsed{0};
};

// "volume web-1-data (id) of server web-1 (id): restoring (restoring-backup) after 12 s"
std::string progress_line(const ProgressRow& row);

// The terminal's block: a header counting the volumes done, then one padded line per volume.
std::vector<std::string> progress_block(const std::vector<ProgressRow>& rows, std::chrono::seconds elapsed);

}  // namespace staffeln::core
