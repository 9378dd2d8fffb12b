// Timestamps as OpenStack writes them: "2026-11-22T03:49:35.000000" (Cinder, UTC without a
// zone), "2026-11-22T03:38:06Z" (Nova), "2026-11-22T04:37:56.000000Z" (Keystone) and with an
// offset ("+02:00"). Fractions are dropped; the result is UTC seconds. Only times from 1970 to
// 2200 (UTC) are read: beyond 2262 a system_clock time point in nanoseconds overflows, and no
// OpenStack timestamp is before 1970; others are nullopt, as malformed text is.
#pragma once

#include "staffeln/model.h"

#include <optional>
#include <string_view>

namespace staffeln::openstack {

inline constexpr int kEarliestYear = 1970;
inline constexpr int kLatestYear = 2200;

std::optional<TimePoint> parse_iso_time(std::string_view text);

}  // namespace staffeln::openstack
