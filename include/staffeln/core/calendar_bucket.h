// Calendar buckets for retention rules, local to the UTC offset in force at the backup's time
// (TimeZone::offset_at, core/time_zone.h: `[conductor] timezone`, daylight saving time included).
// Pure: a bucket is a number, its label text.
#pragma once

#include "staffeln/core/retention_rules.h"
#include "staffeln/result.h"

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

namespace staffeln::core {

// `UTC` -> 0; `+02:00` -> 7200 s; `-05:30` -> -19800 s (at most 14 hours either way). Named
// zones are the config adapter's (config/time_zone.h).
Result<std::chrono::seconds> parse_utc_offset(std::string_view text);

// The bucket of a time point for a calendar rule (daily, weekly, monthly, yearly), local to
// offset: days since 1970-01-01, ISO weeks (Monday first) since the week of 1970-01-01,
// months since January 1970 (may be negative), or the year.
std::int64_t calendar_bucket(RuleKind kind, std::chrono::sys_seconds t, std::chrono::seconds offset);

// The bucket as people write it: "2026-12-03", "2026-W49" (ISO week-numbering year), "2026-12", "2026".
std::string bucket_label(RuleKind kind, std::int64_t bucket);

}  // namespace staffeln::core
