#include "staffeln/core/time_zone.h"

#include <algorithm>

namespace staffeln::core {

TimeZone TimeZone::fixed(std::string name, std::chrono::seconds offset) {
    return TimeZone(std::move(name), {{std::chrono::sys_seconds{}, offset}});
}

TimeZone::TimeZone(std::string name, std::vector<ZoneTransition> transitions)
    : name_(std::move(name)), transitions_(std::move(transitions)) {
    if (transitions_.empty()) transitions_.push_back({std::chrono::sys_seconds{}, std::chrono::seconds{0}});
}

std::chrono::seconds TimeZone::offset_at(std::chrono::sys_seconds t) const {
    auto after = std::upper_bound(transitions_.begin(), transitions_.end(), t,
                                  [](std::chrono::sys_seconds at, const ZoneTransition& z) { return at < z.from; });
    return after == transitions_.begin() ? transitions_.front().offset : std::prev(after)->offset;
}

std::int64_t TimeZone::second_of_day(std::chrono::sys_seconds t) const {
    std::int64_t local = (t.time_since_epoch() + offset_at(t)).count();
    return ((local % 86400) + 86400) % 86400;
}

}  // namespace staffeln::core
