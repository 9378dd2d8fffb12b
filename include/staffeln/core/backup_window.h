// A daily window in local time (`[conductor] timezone`) inside which a server's backups may
// start: `HH:MM-HH:MM`, from the start (included) to the end (excluded). An end before the start
// crosses midnight (`22:00-04:00` is open from 22:00 to 04:00 the next morning); `24:00` may end
// a window (`00:00-24:00` is the whole day); start and end may not be equal. Pure.
#pragma once

#include "staffeln/result.h"

#include <cstdint>
#include <string>
#include <string_view>

namespace staffeln::core {

struct BackupWindow {
    int start = 0;  // minutes since local midnight, 0 to 1439
    int end = 0;    // minutes since local midnight, 0 to 1440
    friend bool operator==(const BackupWindow&, const BackupWindow&) = default;
};

// Returns the window, or invalid_input naming the text and what was expected.
Result<BackupWindow> parse_backup_window(std::string_view text);

// `01:00-05:00`: what parse_backup_window reads back to the same window.
std::string to_string(const BackupWindow& window);

// Whether a backup may start at second_of_day (0 to 86399, local).
bool window_contains(const BackupWindow& window, std::int64_t second_of_day);

}  // namespace staffeln::core
