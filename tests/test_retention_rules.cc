// The retention policy grammar (retention_rules.h) and its calendar buckets (calendar_bucket.h).
#include "staffeln/core/calendar_bucket.h"
#include "staffeln/core/retention_rules.h"

#include <doctest/doctest.h>

using namespace staffeln;
using namespace staffeln::core;
using std::chrono::seconds;
using std::chrono::sys_days;
using namespace std::chrono_literals;

namespace {

RetentionRules rules(std::uint32_t last, std::uint32_t daily, std::uint32_t weekly, std::uint32_t monthly,
                     std::uint32_t yearly) {
    RetentionRules r;
    r.count = {last, daily, weekly, monthly, yearly};
    return r;
}

std::chrono::sys_seconds at(std::chrono::year_month_day day, seconds time = 0s) { return sys_days{day} + time; }

}  // namespace

TEST_CASE("a retention policy is any subset of the five rules, in any order") {
    struct Row {
        const char* text;
        RetentionRules expected;
    };
    const Row rows[] = {
        {"last=3,daily=7,weekly=4,monthly=12,yearly=2", rules(3, 7, 4, 12, 2)},
        {"yearly=2,last=3", rules(3, 0, 0, 0, 2)},
        {"daily=7", rules(0, 7, 0, 0, 0)},
        {" weekly = 4 , monthly=12 ", rules(0, 0, 4, 12, 0)},
        {"last=1", rules(1, 0, 0, 0, 0)},
        {"daily=100000", rules(0, 100000, 0, 0, 0)},
        {"monthly=007", rules(0, 0, 0, 7, 0)},
    };
    for (const auto& row : rows) {
        CAPTURE(row.text);
        auto parsed = parse_retention_rules(row.text);
        REQUIRE(parsed.ok());
        CHECK(*parsed == row.expected);
        CHECK(!parsed->empty());
    }
    CHECK(format_retention_rules(rules(3, 7, 4, 12, 2)) == "last=3,daily=7,weekly=4,monthly=12,yearly=2");
    CHECK(format_retention_rules(rules(0, 0, 4, 0, 1)) == "weekly=4,yearly=1");
    CHECK(RetentionRules{}.empty());
}

TEST_CASE("an invalid retention policy names the part at fault") {
    struct Row {
        const char* text;
        const char* why;
    };
    const Row rows[] = {
        {"", "no rule (expected e.g. last=3,daily=7,weekly=4)"},
        {"  ", "no rule (expected e.g. last=3,daily=7,weekly=4)"},
        {"daily=7,hourly=2", "unknown rule 'hourly' (expected last, daily, weekly, monthly or yearly)"},
        {"Daily=7", "unknown rule 'Daily' (expected last, daily, weekly, monthly or yearly)"},
        {"=7", "unknown rule '' (expected last, daily, weekly, monthly or yearly)"},
        {"daily=7,daily=3", "rule 'daily' is repeated"},
        {"last=1,weekly=2,last=1", "rule 'last' is repeated"},
        {"daily=0", "rule 'daily' has count '0' (expected an integer from 1 to 100000)"},
        {"daily=-1", "rule 'daily' has count '-1' (expected an integer from 1 to 100000)"},
        {"daily=+1", "rule 'daily' has count '+1' (expected an integer from 1 to 100000)"},
        {"daily=7d", "rule 'daily' has count '7d' (expected an integer from 1 to 100000)"},
        {"daily=", "rule 'daily' has count '' (expected an integer from 1 to 100000)"},
        {"daily=100001", "rule 'daily' has count '100001' (expected an integer from 1 to 100000)"},
        {"yearly=99999999999999999999",
         "rule 'yearly' has count '99999999999999999999' (expected an integer from 1 to 100000)"},
        {"daily", "rule 'daily' has no '=' (expected e.g. daily=7)"},
        {"daily=7,", "empty rule between commas"},
        {",daily=7", "empty rule between commas"},
        {"daily=7,,weekly=1", "empty rule between commas"},
        {"daily=7;weekly=1", "rule 'daily' has count '7;weekly=1' (expected an integer from 1 to 100000)"},
    };
    for (const auto& row : rows) {
        CAPTURE(row.text);
        auto parsed = parse_retention_rules(row.text);
        REQUIRE(!parsed.ok());
        CHECK(parsed.error().kind == ErrorKind::invalid_input);
        CHECK(parsed.error().message == std::string("retention policy '") + row.text + "': " + row.why);
    }
}

TEST_CASE("merging rule sets takes the larger count of each rule") {
    CHECK(merge(rules(3, 0, 4, 0, 1), rules(1, 7, 0, 0, 2)) == rules(3, 7, 4, 0, 2));
    CHECK(merge(RetentionRules{}, rules(0, 1, 0, 0, 0)) == rules(0, 1, 0, 0, 0));
}

TEST_CASE("the timezone is UTC or a fixed offset") {
    CHECK(*parse_utc_offset("UTC") == 0s);
    CHECK(*parse_utc_offset("+02:00") == 2h);
    CHECK(*parse_utc_offset("-05:30") == -(5h + 30min));
    CHECK(*parse_utc_offset("+14:00") == 14h);
    CHECK(*parse_utc_offset("-00:00") == 0s);
    for (const char* bad :
         {"", "utc", "Europe/Berlin", "+2:00", "+02", "+0200", "+14:01", "-15:00", "+02:60", "02:00", "+02:00 "}) {
        CAPTURE(bad);
        auto parsed = parse_utc_offset(bad);
        REQUIRE(!parsed.ok());
        CHECK(parsed.error().message == std::string("invalid timezone '") + bad +
                                            "' (expected UTC or a fixed offset from -14:00 to +14:00 such as +02:00)");
    }
}

TEST_CASE("calendar buckets: days, ISO weeks, months and years, local to the offset") {
    using std::chrono::December;
    using std::chrono::January;
    auto t = at(2026y / December / 3, 23h + 30min);
    CHECK(bucket_label(RuleKind::daily, calendar_bucket(RuleKind::daily, t, 0s)) == "2026-12-03");
    CHECK(bucket_label(RuleKind::daily, calendar_bucket(RuleKind::daily, t, 1h)) == "2026-12-04");
    CHECK(bucket_label(RuleKind::daily, calendar_bucket(RuleKind::daily, at(2026y / December / 4), -1h)) ==
          "2026-12-03");
    CHECK(bucket_label(RuleKind::weekly, calendar_bucket(RuleKind::weekly, t, 0s)) == "2026-W49");
    CHECK(bucket_label(RuleKind::monthly, calendar_bucket(RuleKind::monthly, t, 0s)) == "2026-12");
    CHECK(bucket_label(RuleKind::monthly, calendar_bucket(RuleKind::monthly, t, 1h)) == "2026-12");
    CHECK(bucket_label(RuleKind::monthly, calendar_bucket(RuleKind::monthly, at(2026y / December / 31, 23h), 2h)) ==
          "2027-01");
    CHECK(bucket_label(RuleKind::yearly, calendar_bucket(RuleKind::yearly, at(2026y / December / 31, 23h), 2h)) ==
          "2027");
    CHECK(bucket_label(RuleKind::monthly, calendar_bucket(RuleKind::monthly, at(1969y / December / 31), 0s)) ==
          "1969-12");
    // ISO weeks begin on Monday; a week belongs to the year of its Thursday.
    auto week = [](std::chrono::year_month_day d) {
        return bucket_label(RuleKind::weekly, calendar_bucket(RuleKind::weekly, at(d), 0s));
    };
    CHECK(week(2026y / December / 6) == "2026-W49");   // Sunday
    CHECK(week(2026y / December / 7) == "2026-W50");   // Monday
    CHECK(week(2027y / January / 1) == "2026-W53");    // Friday: 2026 has 53 ISO weeks
    CHECK(week(2027y / January / 4) == "2027-W01");    // Monday
    CHECK(week(2024y / December / 30) == "2025-W01");  // Monday of the week of 2025-01-02
    CHECK(week(1970y / January / 1) == "1970-W01");
    CHECK(week(1969y / December / 29) == "1970-W01");
    CHECK(week(1969y / December / 28) == "1969-W52");
    CHECK(calendar_bucket(RuleKind::weekly, at(2026y / December / 7), 0s) -
              calendar_bucket(RuleKind::weekly, at(2026y / December / 6), 0s) ==
          1);
}
