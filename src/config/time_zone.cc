#include "staffeln/config/time_zone.h"

#include "staffeln/core/calendar_bucket.h"

#include <date/tz.h>
#include <fmt/format.h>

#include <exception>

namespace staffeln::config {
namespace {

using std::chrono::sys_days;
using namespace std::chrono_literals;

// The table covers what staffeln meets: backups made since 1970 and windows until 2100. Outside
// it the nearest offset applies (TimeZone's rule before the first transition, the last after).
constexpr sys_days kFrom{std::chrono::days{0}};
constexpr sys_days kUntil{std::chrono::days{47482}};  // 2100-01-01

std::vector<core::ZoneTransition> transitions(const date::time_zone& zone) {
    std::vector<core::ZoneTransition> out;
    date::sys_seconds t{kFrom.time_since_epoch()};
    const date::sys_seconds until{kUntil.time_since_epoch()};
    while (t < until) {
        auto info = zone.get_info(t);
        std::chrono::sys_seconds from{std::max(info.begin, t).time_since_epoch()};
        if (out.empty() || out.back().offset != info.offset) out.push_back({from, info.offset});
        if (info.end <= t) break;
        t = info.end;
    }
    return out;
}

}  // namespace

Result<core::TimeZone> resolve_time_zone(std::string_view text) {
    if (auto offset = core::parse_utc_offset(text); offset.ok())
        return core::TimeZone::fixed(std::string(text), *offset);
    // An offset-like text is never a zone name: its error says what is wrong with the offset.
    if (!text.empty() && (text[0] == '+' || text[0] == '-'))
        return make_error(ErrorKind::invalid_input, core::parse_utc_offset(text).error().message);
    const date::time_zone* zone = nullptr;
    std::string why;
    try {
        zone = date::locate_zone(std::string(text));
    } catch (const std::exception& e) {
        why = e.what();
    }
    // locate_zone's own text for a name it does not know adds nothing; any other is the database's.
    if (why.ends_with("not found in timezone database")) why.clear();
    if (!zone)
        return make_error(ErrorKind::invalid_input,
                          fmt::format("unknown timezone '{}' (expected UTC, a fixed offset from -14:00 to +14:00 such "
                                      "as +02:00, or a name from the system's time zone database (tzdata) such as "
                                      "Europe/Berlin){}",
                                      text, why.empty() ? "" : ": " + why));
    return core::TimeZone(std::string(text), transitions(*zone));
}

}  // namespace staffeln::config
