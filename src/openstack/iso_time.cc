#include "staffeln/openstack/iso_time.h"

#include <charconv>

namespace staffeln::openstack {
namespace {

// Reads exactly `digits` digits at `pos`.
std::optional<int> number(std::string_view text, std::size_t pos, std::size_t digits) {
    if (pos + digits > text.size()) return std::nullopt;
    int value = 0;
    auto [end, ec] = std::from_chars(text.data() + pos, text.data() + pos + digits, value);
    if (ec != std::errc() || end != text.data() + pos + digits) return std::nullopt;
    return value;
}

bool at(std::string_view text, std::size_t pos, char c) { return pos < text.size() && text[pos] == c; }

// The zone suffix as an offset east of UTC in seconds; nullopt when malformed.
std::optional<long> zone_offset(std::string_view zone) {
    if (zone.empty() || zone == "Z" || zone == "z") return 0L;
    if (zone.size() != 6 || (zone[0] != '+' && zone[0] != '-') || zone[3] != ':') return std::nullopt;
    auto hours = number(zone, 1, 2);
    auto minutes = number(zone, 4, 2);
    if (!hours || !minutes || *hours > 23 || *minutes > 59) return std::nullopt;
    const long offset = *hours * 3600L + *minutes * 60L;
    return zone[0] == '-' ? -offset : offset;
}

}  // namespace

std::optional<TimePoint> parse_iso_time(std::string_view text) {
    auto year = number(text, 0, 4), month = number(text, 5, 2), day = number(text, 8, 2);
    auto hour = number(text, 11, 2), minute = number(text, 14, 2), second = number(text, 17, 2);
    if (!year || !month || !day || !hour || !minute || !second) return std::nullopt;
    if (!at(text, 4, '-') || !at(text, 7, '-') || !(at(text, 10, 'T') || at(text, 10, ' ')) || !at(text, 13, ':') ||
        !at(text, 16, ':'))
        return std::nullopt;
    std::size_t pos = 19;
    if (at(text, pos, '.')) {
        ++pos;
        while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') ++pos;
    }
    const auto offset = zone_offset(text.substr(pos));
    const std::chrono::year_month_day date{std::chrono::year(*year), std::chrono::month(*month),
                                           std::chrono::day(*day)};
    if (!offset || !date.ok() || *hour > 23 || *minute > 59 || *second > 60) return std::nullopt;
    const auto local = std::chrono::sys_days(date) + std::chrono::hours(*hour) + std::chrono::minutes(*minute) +
                       std::chrono::seconds(*second);
    const TimePoint utc(local - std::chrono::seconds(*offset));
    const auto first = std::chrono::sys_days(std::chrono::year(kEarliestYear) / 1 / 1);
    const auto after_last = std::chrono::sys_days(std::chrono::year(kLatestYear + 1) / 1 / 1);
    if (utc < first || utc >= after_last) return std::nullopt;
    return utc;
}

}  // namespace staffeln::openstack
