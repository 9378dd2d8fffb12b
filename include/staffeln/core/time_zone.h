// A time zone as plain data: its name and the UTC offset in force from each transition on
// (daylight saving time included), as the shell read them from the system's time zone database
// (config/time_zone.h) or made them from a fixed offset. Pure: the core asks it for the offset at
// a time point, and never reads a clock or a file.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

namespace staffeln::core {

struct ZoneTransition {
    std::chrono::sys_seconds from;  // the offset applies from here until the next transition
    std::chrono::seconds offset;    // local time minus UTC
    friend bool operator==(const ZoneTransition&, const ZoneTransition&) = default;
};

class TimeZone {
public:
    TimeZone() = default;  // UTC
    // One offset for all time: `UTC`, `+02:00`.
    static TimeZone fixed(std::string name, std::chrono::seconds offset);
    // transitions sorted by from, at least one; before the first, the first's offset applies.
    TimeZone(std::string name, std::vector<ZoneTransition> transitions);

    std::chrono::seconds offset_at(std::chrono::sys_seconds t) const;
    // Seconds since local midnight at t, 0 to 86399.
    std::int64_t second_of_day(std::chrono::sys_seconds t) const;
    const std::string& name() const { return name_; }
    const std::vector<ZoneTransition>& transitions() const { return transitions_; }

private:
    std::string name_ = "UTC";
    std::vector<ZoneTransition> transitions_{{std::chrono::sys_seconds{}, std::chrono::seconds{0}}};
};

}  // namespace staffeln::core
