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
