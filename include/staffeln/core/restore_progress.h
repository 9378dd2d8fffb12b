// What a restore shows of its progress (pure): a line per volume with its state, what Cinder
// shows of it, and the time since the command started. On a terminal the block of lines is
// redrawn in place; elsewhere each change is one plain line (what logs and tests read).
// Names are the cloud's: the shell escapes each line before writing it (text_safety.h).
#pragma once

#include <chrono>
#include <cstddef>
#include <string>
#include <vector>

namespace staffeln::core {

struct ProgressRow {
    std::string server_id;
    std::string server_name;  // may be empty
    std::string volume_id;
    std::string volume_name;  // may be empty
    std::string state;        // the store's: pending, created, restoring, done, failed
    std::string cinder;       // the volume's status in Cinder, "" when none is known yet
    std::chrono::seconds elapsed{0};
};

// "volume web-1-data (id) of server web-1 (id): restoring (restoring-backup) after 12 s"
std::string progress_line(const ProgressRow& row);

// The terminal's block: a header counting the volumes ended, then one aligned line per volume by
// name (the id when it has none). Past `max_rows` volumes, the unfinished ones first, then a line
// counting those left out: the block keeps the same height at every redraw, and fits a screen.
std::vector<std::string> progress_block(const std::vector<ProgressRow>& rows, std::chrono::seconds elapsed,
                                        std::size_t max_rows = 20);

}  // namespace staffeln::core
