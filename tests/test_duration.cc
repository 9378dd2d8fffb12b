#include "staffeln/duration.h"

#include <doctest/doctest.h>

using namespace staffeln;
using std::chrono::seconds;

TEST_CASE("durations in upstream's grammar parse to seconds") {
    struct Row {
        const char* text;
        long long secs;
    };
    const Row rows[] = {
        {"0s", 0},
        {"20min", 1200},
        {"5min", 300},
        {"2w3d", 17 * 86400},
        {"1y", 365 * 86400},
        {"2mon", 60 * 86400},
        {"12h", 43200},
        {"90s", 90},
        {"1y2mon10d5h30min10s", 365 * 86400 + 60 * 86400 + 10 * 86400 + 5 * 3600 + 30 * 60 + 10},
        {"1d1s", 86401},
    };
    for (const auto& row : rows) {
        CAPTURE(row.text);
        auto d = parse_duration(row.text);
        REQUIRE(d.ok());
        CHECK(d->count() == row.secs);
    }
}

TEST_CASE("malformed durations are refused with the text and the reason") {
    struct Row {
        const char* text;
        const char* why;
    };
    const Row rows[] = {
        {"", "it is empty"},
        {"20", "the last number has no unit"},
        {"min", "a number must come before 'min'"},
        {"3d2w", "units must appear in the order y, mon, w, d, h, min, s, each once"},
        {"1d1d", "units must appear in the order y, mon, w, d, h, min, s, each once"},
        {"5m", "unknown unit at 'm'"},
        {"2 w", "unknown unit at ' w'"},
        {"-1d", "a number must come before '-1d'"},
        {"99999999999999999999s", "the number is too large"},
        {"9999999999999999999s", "the number is too large"},
        {"99999999999999y", "it is too long"},
        {"292471208678y", "it is too long"},
        {"292471208677y7mon", "it is too long"},
    };
    for (const auto& row : rows) {
        CAPTURE(row.text);
        auto d = parse_duration(row.text);
        REQUIRE_FALSE(d.ok());
        CHECK(d.error().kind == ErrorKind::invalid_input);
        CHECK(d.error().message == std::string("invalid duration '") + row.text + "': " + row.why +
                                       " (expected e.g. 2w3d, 20min or 1y2mon10d5h30min10s)");
    }
}

TEST_CASE("formatting a duration gives text that parses back to it") {
    for (long long s : {0LL, 1LL, 59LL, 60LL, 1200LL, 86401LL, 17LL * 86400, 400LL * 86400 + 7}) {
        auto text = format_duration(seconds(s));
        CAPTURE(text);
        auto back = parse_duration(text);
        REQUIRE(back.ok());
        CHECK(back->count() == s);
    }
    CHECK(format_duration(seconds(17 * 86400)) == "2w3d");
}

// Expected values computed with python-dateutil 2.9 as upstream computes its retention cutoff
// (common/time.py): now - relativedelta(years=, months=, weeks=, days=, hours=, minutes=, seconds=).
TEST_CASE("calendar_before counts y and mon back as python-dateutil's relativedelta, clamping to the month's end") {
    struct Row {
        long long now;
        const char* text;
        long long expected;
        const char* what;
    };
    const Row rows[] = {
        {1774958400, "1mon", 1772280000, "2026-03-31 12:00 -> 2026-02-28 12:00"},
        {1711886400, "1mon", 1709208000, "2024-03-31 12:00 -> 2024-02-29 12:00 (leap year)"},
        {1774915200, "1mon1d", 1772150400, "2026-03-31 -> 2026-02-27: the month first, then the day"},
        {1709188200, "1y", 1677565800, "2024-02-29 06:30 -> 2023-02-28 06:30"},
        {1796522400, "12mon", 1764986400, "2026-12-06 02:00 -> 2025-12-06 02:00, 365 days, not 360"},
        {1796522400, "1y", 1764986400, "2026-12-06 02:00 -> 2025-12-06 02:00"},
        {1780271999, "3mon", 1772323199, "2026-05-31 23:59:59 -> 2026-02-28 23:59:59"},
        {1768435200, "13mon", 1734220800, "2026-01-15 -> 2024-12-15"},
        {1785492000, "1y2mon10d5h30min10s", 1747801790, "2026-07-31 10:00 -> 2025-05-21 04:29:50"},
        {1796522400, "2w3d", 1795053600, "2026-12-06 02:00 -> 2026-11-19 02:00"},
        {1796522400, "20min", 1796521200, "2026-12-06 02:00 -> 2026-12-06 01:40"},
        {1772323200, "1mon", 1769904000, "2026-03-01 -> 2026-02-01"},
    };
    for (const auto& row : rows) {
        CAPTURE(row.what);
        auto d = parse_calendar_duration(row.text);
        REQUIRE(d.ok());
        auto now = std::chrono::sys_seconds(seconds(row.now));
        CHECK(calendar_before(now, *d).time_since_epoch().count() == row.expected);
    }
}

TEST_CASE("a calendar duration splits into months (12 per y) and a fixed rest, with parse_duration's errors") {
    auto d = parse_calendar_duration("1y2mon10d5h30min10s");
    REQUIRE(d.ok());
    CHECK(d->months == 14);
    CHECK(d->fixed == seconds(10 * 86400 + 5 * 3600 + 30 * 60 + 10));
    auto bad = parse_calendar_duration("2mon1y");
    REQUIRE_FALSE(bad.ok());
    CHECK(bad.error().message == parse_duration("2mon1y").error().message);
}
