// Time zones: the core's table of offsets (core/time_zone.h) with plain values, and the config
// adapter that fills it from the system's tzdata (config/time_zone.h) across Europe/Berlin's and
// America/New_York's daylight saving changes of 2026, with its errors word for word.
#include "staffeln/config/time_zone.h"
#include "staffeln/core/time_zone.h"

#include <doctest/doctest.h>

#include <string>

using namespace staffeln;
using namespace std::chrono;
using core::TimeZone;

TEST_CASE("a time zone is UTC by default, or one fixed offset, or a table of transitions") {
    TimeZone utc;
    CHECK(utc.name() == "UTC");
    CHECK(utc.offset_at(sys_seconds{}) == 0s);
    CHECK(utc.second_of_day(sys_days{2026y / March / 29} + 1h + 2min + 3s) == 3723);

    auto minus = TimeZone::fixed("-05:30", -(5h + 30min));
    CHECK(minus.offset_at(sys_days{1900y / January / 1}) == -(5h + 30min));
    CHECK(minus.second_of_day(sys_days{2026y / March / 29}) == 86400 - (5 * 3600 + 1800));

    sys_seconds t0 = sys_days{2026y / January / 1};
    TimeZone table("zone", {{t0, 1h}, {t0 + 100s, 2h}, {t0 + 200s, 1h}});
    CHECK(table.offset_at(t0 - 1s) == 1h);  // before the first: the first's
    CHECK(table.offset_at(t0) == 1h);
    CHECK(table.offset_at(t0 + 99s) == 1h);
    CHECK(table.offset_at(t0 + 100s) == 2h);
    CHECK(table.offset_at(t0 + 199s) == 2h);
    CHECK(table.offset_at(t0 + 200s) == 1h);
    CHECK(table.offset_at(sys_days{2200y / January / 1}) == 1h);  // after the last: the last's
    CHECK(TimeZone("empty", {}).offset_at(t0) == 0s);
}

TEST_CASE("the timezone option reads UTC and fixed offsets as before") {
    auto utc = config::resolve_time_zone("UTC");
    REQUIRE(utc.ok());
    CHECK(utc->name() == "UTC");
    CHECK(utc->offset_at(sys_days{2026y / July / 1}) == 0s);
    auto plus = config::resolve_time_zone("+02:00");
    REQUIRE(plus.ok());
    CHECK(plus->offset_at(sys_days{2026y / January / 1}) == 2h);
    CHECK(plus->offset_at(sys_days{2026y / July / 1}) == 2h);
}

TEST_CASE("a named zone follows daylight saving time from the system's tzdata") {
    auto berlin = config::resolve_time_zone("Europe/Berlin");
    REQUIRE(berlin.ok());
    CHECK(berlin->name() == "Europe/Berlin");
    sys_seconds spring = sys_days{2026y / March / 29} + 1h;  // 02:00 CET becomes 03:00 CEST
    CHECK(berlin->offset_at(spring - 1s) == 1h);
    CHECK(berlin->offset_at(spring) == 2h);
    sys_seconds autumn = sys_days{2026y / October / 25} + 1h;  // 03:00 CEST becomes 02:00 CET
    CHECK(berlin->offset_at(autumn - 1s) == 2h);
    CHECK(berlin->offset_at(autumn) == 1h);
    CHECK(berlin->second_of_day(spring - 1s) == 2 * 3600 - 1);  // 01:59:59 CET
    CHECK(berlin->second_of_day(spring) == 3 * 3600);           // 03:00:00 CEST
    CHECK(berlin->second_of_day(autumn - 1s) == 3 * 3600 - 1);  // 02:59:59 CEST
    CHECK(berlin->second_of_day(autumn) == 2 * 3600);           // 02:00:00 CET, again
    CHECK(berlin->offset_at(sys_days{1970y / January / 1}) == 1h);

    auto new_york = config::resolve_time_zone("America/New_York");
    REQUIRE(new_york.ok());
    sys_seconds march = sys_days{2026y / March / 8} + 7h;
    CHECK(new_york->offset_at(march - 1s) == -5h);
    CHECK(new_york->offset_at(march) == -4h);
    sys_seconds november = sys_days{2026y / November / 1} + 6h;
    CHECK(new_york->offset_at(november - 1s) == -4h);
    CHECK(new_york->offset_at(november) == -5h);
}

TEST_CASE("an unknown zone or a bad offset is refused naming the value") {
    const std::string expected =
        "(expected UTC, a fixed offset from -14:00 to +14:00 such as +02:00, or a name from the system's time zone "
        "database (tzdata) such as Europe/Berlin)";
    for (const char* bad : {"Mars/Olympus", "europe/berlin", "", "../../etc/passwd", "CEST2"}) {
        CAPTURE(bad);
        auto zone = config::resolve_time_zone(bad);
        REQUIRE(!zone.ok());
        CHECK(zone.error().message == "unknown timezone '" + std::string(bad) + "' " + expected);
    }
    auto offset = config::resolve_time_zone("+2:00");
    REQUIRE(!offset.ok());
    CHECK(offset.error().message ==
          "invalid timezone '+2:00' (expected UTC or a fixed offset from -14:00 to +14:00 such as +02:00)");
}
