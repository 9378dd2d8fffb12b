// Upstream Staffeln's duration grammar, shared by the config and server metadata:
// <Y>y<M>mon<W>w<D>d<H>h<M>min<S>s, each part optional but in this order, at least one
// part, e.g. "2w3d", "20min", "1y2mon10d5h30min10s". A year is 365 days, a month 30.
#pragma once

#include "staffeln/result.h"

#include <chrono>
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

}  // namespace staffeln
