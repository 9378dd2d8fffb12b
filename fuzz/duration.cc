// The duration grammar (duration.h) on any text: no exception or undefined behaviour; a parsed
// duration is written back by format_duration / format_calendar_duration as text that parses to
// the same; both parsers accept and refuse the same texts with the same errors; and a bounded
// calendar duration subtracts from a date without overflow.
#include "fuzz_check.h"
#include "staffeln/duration.h"

#include <cstdint>

using namespace staffeln;
using staffeln::fuzz::check;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    const auto length = parse_duration(text);
    const auto calendar = parse_calendar_duration(text);
    check(length.ok() == calendar.ok(), "both parsers accept the same texts");
    if (!length.ok()) {
        check(length.error().message == calendar.error().message, "both parsers refuse with the same error");
        return 0;
    }
    check(length->count() >= 0, "a duration is not negative");
    const auto formatted = parse_duration(format_duration(*length));
    check(formatted.ok() && *formatted == *length, "format_duration writes what parses back to the same length");
    const auto calendar_again = parse_calendar_duration(format_calendar_duration(*calendar));
    check(calendar_again.ok() && *calendar_again == *calendar,
          "format_calendar_duration writes what parses back to the same calendar duration");
    if (*length <= kMaxRetention) {
        const std::chrono::sys_seconds now{std::chrono::sys_days(std::chrono::year(2026) / 12 / 6)};
        check(calendar_before(now, *calendar) <= now, "a duration back from now is not after now");
    }
    return 0;
}
