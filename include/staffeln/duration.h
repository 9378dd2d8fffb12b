// Upstream Staffeln's duration grammar, shared by the config and server metadata:
// <Y>y<M>mon<W>w<D>d<H>h<M>min<S>s, each part optional but in this order, at least one
// part, e.g. "2w3d", "20min", "1y2mon10d5h30min10s". As a length (parse_duration) a year is
// 365 days and a month 30; as a distance back from now (calendar_before) y and mon are calendar
// years and months, as upstream's retention counts them.
#pragma once

#include "staffeln/result.h"

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

namespace staffeln {

// The longest retention accepted from the config or server metadata: far beyond any sensible
// setting, and short enough that a clock's time point minus it stays in range.
inline constexpr std::chrono::seconds kMaxRetention{100LL * 365 * 86400};

// Returns the duration, or invalid_input naming the text and what was expected.
Result<std::chrono::seconds> parse_duration(std::string_view text);

// The shortest text in the same grammar that parses back to d ("0s" for zero).
std::string format_duration(std::chrono::seconds d);

// A duration read the calendar's way: months (12 per y) move the date, the rest is a fixed length.
// A plain length converts to one without months.
struct CalendarDuration {
    std::int64_t months = 0;
    std::chrono::seconds fixed{0};  // w, d, h, min, s

    constexpr CalendarDuration() = default;
    constexpr CalendarDuration(std::int64_t months_back, std::chrono::seconds fixed_length)
        : months(months_back), fixed(fixed_length) {}
    template <class Rep, class Period>
    constexpr CalendarDuration(std::chrono::duration<Rep, Period> length)  // NOLINT: a length is one
        : fixed(std::chrono::duration_cast<std::chrono::seconds>(length)) {}
    friend bool operator==(const CalendarDuration&, const CalendarDuration&) = default;
};

// The same grammar and errors as parse_duration.
Result<CalendarDuration> parse_calendar_duration(std::string_view text);

// Text in the same grammar that parse_calendar_duration reads back to d: y and mon for the
// months, the fixed part in w, d, h, min and s ("0s" for zero).
std::string format_calendar_duration(const CalendarDuration& d);

// now minus d as python-dateutil's relativedelta subtracts it (upstream's retention cutoff): the
// months first, the day clamped to the month's last (31 March - 1mon = 28 or 29 February, the
// time of day kept), then the fixed part. d's months must stay within a few thousand years.
std::chrono::sys_seconds calendar_before(std::chrono::sys_seconds now, const CalendarDuration& d);

}  // namespace staffeln
