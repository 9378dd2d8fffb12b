#include "staffeln/duration.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdint>
#include <limits>

namespace staffeln {
namespace {

struct Unit {
    std::string_view suffix;
    std::int64_t seconds;
};

// Order matters twice: parts must appear in this order, and "mon"/"min" must be tried
// before a shorter suffix could match their first letter.
constexpr std::array<Unit, 7> kUnits{{
    {"y", 365 * 86400},
    {"mon", 30 * 86400},
    {"w", 7 * 86400},
    {"d", 86400},
    {"h", 3600},
    {"min", 60},
    {"s", 1},
}};

Error bad(std::string_view text, std::string_view why) {
    return make_error(ErrorKind::invalid_input, fmt::format("invalid duration '{}': {} (expected e.g. 2w3d, 20min or "
                                                            "1y2mon10d5h30min10s)",
                                                            text, why));
}

// Each unit's count, in kUnits order; checks that the total in seconds fits.
Result<std::array<std::int64_t, kUnits.size()>> parse_parts(std::string_view text) {
    if (text.empty()) return bad(text, "it is empty");
    std::array<std::int64_t, kUnits.size()> parts{};
    std::int64_t total = 0;
    std::size_t pos = 0;
    std::size_t next_unit = 0;
    while (pos < text.size()) {
        if (!std::isdigit(static_cast<unsigned char>(text[pos])))
            return bad(text, fmt::format("a number must come before '{}'", text.substr(pos)));
        std::int64_t n = 0;
        while (pos < text.size() && std::isdigit(static_cast<unsigned char>(text[pos]))) {
            if (n > (std::numeric_limits<std::int64_t>::max() - 9) / 10) return bad(text, "the number is too large");
            n = n * 10 + (text[pos++] - '0');
        }
        std::string_view rest = text.substr(pos);
        std::size_t u = next_unit;
        while (u < kUnits.size() && !rest.starts_with(kUnits[u].suffix)) ++u;
        if (u == kUnits.size()) {
            bool known = false;
            for (const auto& unit : kUnits) known = known || rest.starts_with(unit.suffix);
            if (rest.empty()) return bad(text, "the last number has no unit");
            return bad(text, known ? "units must appear in the order y, mon, w, d, h, min, s, each once"
                                   : fmt::format("unknown unit at '{}'", rest));
        }
        if (n > (std::numeric_limits<std::int64_t>::max() - total) / kUnits[u].seconds)
            return bad(text, "it is too long");
        total += n * kUnits[u].seconds;
        parts[u] = n;
        pos += kUnits[u].suffix.size();
        next_unit = u + 1;
    }
    return parts;
}

}  // namespace

Result<std::chrono::seconds> parse_duration(std::string_view text) {
    auto parts = parse_parts(text);
    if (!parts) return parts.error();
    std::int64_t total = 0;
    for (std::size_t u = 0; u < kUnits.size(); ++u) total += (*parts)[u] * kUnits[u].seconds;
    return std::chrono::seconds(total);
}

Result<CalendarDuration> parse_calendar_duration(std::string_view text) {
    auto parts = parse_parts(text);
    if (!parts) return parts.error();
    CalendarDuration d;
    d.months = (*parts)[0] * 12 + (*parts)[1];  // fits: the total in seconds did
    for (std::size_t u = 2; u < kUnits.size(); ++u) d.fixed += std::chrono::seconds((*parts)[u] * kUnits[u].seconds);
    return d;
}

std::string format_calendar_duration(const CalendarDuration& d) {
    std::string out;
    if (d.months / 12 > 0) out += fmt::format("{}y", d.months / 12);
    if (d.months % 12 > 0) out += fmt::format("{}mon", d.months % 12);
    std::int64_t left = d.fixed.count();
    for (std::size_t u = 2; u < kUnits.size() && left > 0; ++u) {  // from w: never a 30-day mon here
        if (left >= kUnits[u].seconds) {
            out += fmt::format("{}{}", left / kUnits[u].seconds, kUnits[u].suffix);
            left %= kUnits[u].seconds;
        }
    }
    return out.empty() ? "0s" : out;
}

std::chrono::sys_seconds calendar_before(std::chrono::sys_seconds now, const CalendarDuration& d) {
    using namespace std::chrono;
    const auto today = floor<days>(now);
    const year_month_day date{today};
    const year_month month = year_month{date.year(), date.month()} - months(d.months);
    const day last = year_month_day_last{month.year(), month_day_last{month.month()}}.day();
    const sys_days moved{month / std::min(date.day(), last)};
    return moved + (now - today) - d.fixed;
}

std::string format_duration(std::chrono::seconds d) {
    std::int64_t left = d.count();
    if (left <= 0) return "0s";
    std::string out;
    for (const auto& unit : kUnits) {
        if (left >= unit.seconds) {
            out += fmt::format("{}{}", left / unit.seconds, unit.suffix);
            left %= unit.seconds;
        }
    }
    return out;
}

}  // namespace staffeln
