#include "staffeln/core/backup_window.h"

#include <fmt/format.h>

namespace staffeln::core {
namespace {

// "HH:MM" with two digits each, as minutes since midnight; -1 when it is not.
int minutes_of(std::string_view text) {
    auto digit = [&](std::size_t i) { return text[i] >= '0' && text[i] <= '9'; };
    if (text.size() != 5 || !digit(0) || !digit(1) || text[2] != ':' || !digit(3) || !digit(4)) return -1;
    int hours = (text[0] - '0') * 10 + (text[1] - '0');
    int minutes = (text[3] - '0') * 10 + (text[4] - '0');
    if (minutes > 59 || hours > 24 || (hours == 24 && minutes != 0)) return -1;
    return hours * 60 + minutes;
}

}  // namespace

Result<BackupWindow> parse_backup_window(std::string_view text) {
    auto dash = text.find('-');
    int start = dash == std::string_view::npos ? -1 : minutes_of(text.substr(0, dash));
    int end = dash == std::string_view::npos ? -1 : minutes_of(text.substr(dash + 1));
    std::string_view why;
    if (start < 0 || end < 0)
        why = "expected HH:MM-HH:MM in 24-hour time, such as 01:00-05:00 or 22:00-04:00";
    else if (start == 24 * 60)
        why = "a window cannot start at 24:00 (write 00:00)";
    else if (start == end)
        why = "its start and end are the same time (leave it unset for no window)";
    if (!why.empty())
        return make_error(ErrorKind::invalid_input, fmt::format("invalid backup window '{}' ({})", text, why));
    return BackupWindow{start, end};
}

std::string to_string(const BackupWindow& window) {
    return fmt::format("{:02}:{:02}-{:02}:{:02}", window.start / 60, window.start % 60, window.end / 60,
                       window.end % 60);
}

bool window_contains(const BackupWindow& window, std::int64_t second_of_day) {
    std::int64_t start = window.start * 60LL;
    std::int64_t end = window.end * 60LL;
    if (start < end) return second_of_day >= start && second_of_day < end;
    return second_of_day >= start || second_of_day < end;
}

}  // namespace staffeln::core
