// A server's own schedule (core/server_schedule.h): interval, window and depth from its metadata
// or the config's defaults, each with its source, and one warning word for word per bad value.
#include "staffeln/core/server_schedule.h"

#include <doctest/doctest.h>

#include <map>
#include <string>

using namespace staffeln;
using namespace staffeln::core;
using namespace std::chrono_literals;

namespace {

Server server_with(std::map<std::string, std::string> metadata) {
    Server s;
    s.id = "srv-1";
    s.name = "web-1";
    s.metadata = std::move(metadata);
    return s;
}

BackupPolicy configured() {
    BackupPolicy p;
    p.backup_min_interval = 30min;
    p.full_backup_depth = 2;
    return p;
}

}  // namespace

TEST_CASE("without metadata a server's schedule is the config's, each value naming its option") {
    auto s = server_schedule(server_with({}), configured());
    CHECK(s.min_interval == 30min);
    CHECK(s.interval_source == "backup_min_interval");
    CHECK(!s.window);
    CHECK(s.window_source == "backup_window");
    CHECK(s.full_backup_depth == 2);
    CHECK(s.depth_source == "full_backup_depth");
    CHECK(s.warnings.empty());

    auto policy = configured();
    policy.backup_window = BackupWindow{60, 300};
    CHECK(server_schedule(server_with({}), policy).window == BackupWindow{60, 300});
}

TEST_CASE("a server's valid metadata overrides each default and names the key") {
    auto s = server_schedule(server_with({{"__staffeln_backup_interval", "6H"},
                                          {"__staffeln_backup_window", "22:00-04:00"},
                                          {"__staffeln_full_backup_depth", "7"}}),
                             configured());
    CHECK(s.min_interval == 6h);
    CHECK(s.interval_source == "server metadata __staffeln_backup_interval");
    CHECK(s.window == BackupWindow{22 * 60, 4 * 60});
    CHECK(s.window_source == "server metadata __staffeln_backup_window");
    CHECK(s.full_backup_depth == 7);
    CHECK(s.depth_source == "server metadata __staffeln_full_backup_depth");
    CHECK(s.warnings.empty());

    // Shorter than the config's, zero and a year are all a server's to choose.
    CHECK(server_schedule(server_with({{"__staffeln_backup_interval", "1min"}}), configured()).min_interval == 1min);
    CHECK(server_schedule(server_with({{"__staffeln_backup_interval", "0s"}}), configured()).min_interval == 0s);
    CHECK(server_schedule(server_with({{"__staffeln_backup_interval", "1y"}}), configured()).min_interval ==
          kMaxServerInterval);
    CHECK(server_schedule(server_with({{"__staffeln_full_backup_depth", "0"}}), configured()).full_backup_depth == 0);
    CHECK(server_schedule(server_with({{"__staffeln_full_backup_depth", "1000"}}), configured()).full_backup_depth ==
          1000);
}

TEST_CASE("renamed keys are read, and an empty key lets no server override") {
    auto policy = configured();
    policy.backup_interval_metadata_key = "interval";
    policy.backup_window_metadata_key = "";
    policy.full_backup_depth_metadata_key = "";
    auto s = server_schedule(server_with({{"interval", "2h"},
                                          {"__staffeln_backup_interval", "9h"},
                                          {"__staffeln_backup_window", "01:00-02:00"},
                                          {"", "01:00-02:00"},
                                          {"__staffeln_full_backup_depth", "9"}}),
                             policy);
    CHECK(s.min_interval == 2h);
    CHECK(s.interval_source == "server metadata interval");
    CHECK(!s.window);
    CHECK(s.full_backup_depth == 2);
    CHECK(s.warnings.empty());
}

TEST_CASE("an invalid value is a warning naming the server and the value, and the default applies") {
    struct Row {
        const char* key;
        const char* value;
        std::string warning;
    };
    const std::string who = "server web-1 (srv-1): ";
    for (const auto& [key, value, warning] : {
             Row{"__staffeln_backup_interval", "soon",
                 who + "backup interval metadata __staffeln_backup_interval='soon' is ignored (invalid duration "
                       "'soon': a number must come before 'soon' (expected e.g. 2w3d, 20min or 1y2mon10d5h30min10s)); "
                       "using "
                       "backup_min_interval 30min"},
             Row{"__staffeln_backup_interval", "1y1d",
                 who + "backup interval metadata __staffeln_backup_interval='1y1d' is ignored (it is longer than "
                       "1y); using backup_min_interval 30min"},
             Row{"__staffeln_backup_window", "nightly",
                 who + "backup window metadata __staffeln_backup_window='nightly' is ignored (invalid backup window "
                       "'nightly' (expected HH:MM-HH:MM in 24-hour time, such as 01:00-05:00 or 22:00-04:00)); "
                       "using no window"},
             Row{"__staffeln_full_backup_depth", "-1",
                 who + "full backup depth metadata __staffeln_full_backup_depth='-1' is ignored (expected a whole "
                       "number from 0 to 1000); using full_backup_depth 2"},
             Row{"__staffeln_full_backup_depth", "1001",
                 who + "full backup depth metadata __staffeln_full_backup_depth='1001' is ignored (expected a "
                       "whole number from 0 to 1000); using full_backup_depth 2"},
             Row{"__staffeln_full_backup_depth", "",
                 who + "full backup depth metadata __staffeln_full_backup_depth='' is ignored (expected a whole "
                       "number from 0 to 1000); using full_backup_depth 2"},
             Row{"__staffeln_full_backup_depth", "99999999999999999999",
                 who + "full backup depth metadata __staffeln_full_backup_depth='99999999999999999999' is ignored "
                       "(expected a whole number from 0 to 1000); using full_backup_depth 2"},
         }) {
        CAPTURE(value);
        auto s = server_schedule(server_with({{key, value}}), configured());
        REQUIRE(s.warnings.size() == 1);
        CHECK(s.warnings[0] == warning);
        CHECK(s.min_interval == 30min);
        CHECK(s.interval_source == "backup_min_interval");
        CHECK(!s.window);
        CHECK(s.full_backup_depth == 2);
        CHECK(s.depth_source == "full_backup_depth");
    }
    auto policy = configured();
    policy.backup_window = BackupWindow{60, 300};
    auto s = server_schedule(server_with({{"__staffeln_backup_window", "05:00-05:00"}}), policy);
    REQUIRE(s.warnings.size() == 1);
    CHECK(s.warnings[0] == who +
                               "backup window metadata __staffeln_backup_window='05:00-05:00' is ignored (invalid "
                               "backup window '05:00-05:00' (its start and end are the same time (leave it unset "
                               "for no window))); using backup_window 01:00-05:00");
    CHECK(s.window == BackupWindow{60, 300});
}
