// `[conductor] timezone` as the core's plain data (core/time_zone.h): `UTC` or a fixed offset
// such as `+02:00`, or an IANA name such as `Europe/Berlin`, read from the system's time zone
// database (Debian's tzdata, through libdate-tz) into its UTC offsets from 1970 to 2100, daylight
// saving time included. Only this adapter links the database; the core sees the table.
#pragma once

#include "staffeln/core/time_zone.h"
#include "staffeln/result.h"

#include <string_view>

namespace staffeln::config {

// invalid_input naming the value and what is accepted when it is neither an offset nor a zone
// the database knows (or the database cannot be read).
Result<core::TimeZone> resolve_time_zone(std::string_view text);

}  // namespace staffeln::config
