// Per-server schedules against the simulated cloud (issue 21): a window keeps a server's backups
// from starting outside it, a server's own interval and depth replace the config's. Windows are
// computed from the rig's clock (or, for the real binary, the wall clock) with two hours to spare
// on either side, so the tests do not depend on the time of day they run at.
#include "support/conductor_rig.h"
#include "support/process.h"

#include "staffeln/config/time_zone.h"
#include "staffeln/core/backup_window.h"

#include <doctest/doctest.h>
#include <fmt/format.h>

#include <algorithm>
#include <set>

using namespace staffeln;
using namespace staffeln::testing;
namespace d = staffeln::testing::demo;
using namespace std::chrono_literals;

namespace {

std::string all_of(const std::vector<std::string>& lines) {
    std::string out;
    for (const auto& l : lines) out += l + "\n";
    return out;
}

// A window opening `from` after the local time of day at `now` in `zone` and lasting an hour.
std::string window_from(const core::TimeZone& zone, TimePoint now, std::chrono::minutes from) {
    int start = static_cast<int>(((zone.second_of_day(now) / 60 + from.count()) % 1440 + 1440) % 1440);
    return core::to_string(core::BackupWindow{start, (start + 60) % 1440});
}

std::set<std::string> volumes_backed_up(ConductorRig& rig) {
    std::set<std::string> out;
    for (const auto& b : rig.staffeln_backups()) out.insert(b["volume_id"].get<std::string>());
    return out;
}

std::string kinds(ConductorRig& rig, const std::string& volume_id) {
    auto list = rig.staffeln_backups(volume_id);
    std::reverse(list.begin(), list.end());
    std::string out;
    for (const auto& b : list) out += b["is_incremental"].get<bool>() ? 'I' : 'F';
    return out;
}

}  // namespace

TEST_CASE("a server with a backup window is not backed up outside it, and is once the window opens") {
    ConductorRig rig;
    core::TimeZone utc;
    rig.set_server_metadata(d::kWeb1, "__staffeln_backup_window", window_from(utc, rig.now(), 120min));
    auto before = rig.backup_cycle();
    INFO(all_of(before.outcome.problems));
    CHECK(before.outcome.succeeded == 2);
    CHECK(before.outcome.skipped == 2);
    CHECK(volumes_backed_up(rig) == std::set<std::string>{d::kDbRoot, d::kApiRoot});

    rig.travel(150min);  // inside web-1's window
    auto inside = rig.backup_cycle();
    CHECK(inside.outcome.succeeded == 4);
    CHECK(volumes_backed_up(rig) == std::set<std::string>{d::kWebRoot, d::kWebData, d::kDbRoot, d::kApiRoot});
}

TEST_CASE("the configured window in a named zone holds every server, and a server's own window overrides it") {
    ConductorRig rig;
    auto berlin = config::resolve_time_zone("Europe/Berlin");
    REQUIRE(berlin.ok());
    rig.config.conductor.timezone = "Europe/Berlin";
    rig.config.conductor.backup_window = window_from(*berlin, rig.now(), 120min);
    rig.set_server_metadata(d::kDb1, "__staffeln_backup_window", window_from(*berlin, rig.now(), -30min));
    auto first = rig.backup_cycle();
    CHECK(first.outcome.succeeded == 1);
    CHECK(volumes_backed_up(rig) == std::set<std::string>{d::kDbRoot});
    rig.travel(150min);
    auto second = rig.backup_cycle();
    CHECK(second.outcome.succeeded == 3);  // web-1 and api-1; db-1's window has closed
    CHECK(volumes_backed_up(rig) == std::set<std::string>{d::kWebRoot, d::kWebData, d::kDbRoot, d::kApiRoot});
    CHECK(rig.staffeln_backups(d::kDbRoot).size() == 1);
}

TEST_CASE("a server's own interval is waited out, longer or shorter than backup_min_interval") {
    ConductorRig rig;
    rig.config.conductor.backup_min_interval = 86400;
    rig.set_server_metadata(d::kWeb1, "__staffeln_backup_interval", "6h");
    rig.set_server_metadata(d::kDb1, "__staffeln_backup_interval", "0s");
    CHECK(rig.backup_cycle().outcome.succeeded == 4);

    ConductorRig::next_second();
    auto soon = rig.backup_cycle();
    CHECK(soon.outcome.succeeded == 1);  // db-1 alone: no interval
    CHECK(soon.outcome.skipped == 3);
    CHECK(rig.staffeln_backups(d::kDbRoot).size() == 2);

    rig.travel(6h + 1s);
    auto later = rig.backup_cycle();
    CHECK(later.outcome.succeeded == 3);  // web-1's two volumes and db-1; api-1 waits a day
    CHECK(rig.staffeln_backups(d::kWebData).size() == 2);
    CHECK(rig.staffeln_backups(d::kApiRoot).size() == 1);
}

TEST_CASE("a server's own full_backup_depth gives its volumes their chains") {
    ConductorRig rig;
    rig.config.conductor.full_backup_depth = 2;
    rig.set_server_metadata(d::kWeb1, "__staffeln_full_backup_depth", "0");
    rig.set_server_metadata(d::kDb1, "__staffeln_full_backup_depth", "3");
    for (int cycle = 0; cycle < 5; ++cycle) {
        if (cycle > 0) ConductorRig::next_second();
        auto result = rig.backup_cycle();
        REQUIRE_MESSAGE(result.outcome.succeeded == 4, all_of(result.outcome.problems));
    }
    CHECK(kinds(rig, d::kWebData) == "FFFFF");
    CHECK(kinds(rig, d::kDbRoot) == "FIIIF");
    CHECK(kinds(rig, d::kApiRoot) == "FIIFI");
}

TEST_CASE("staffeln conductor --dry-run says which servers are outside their window, and warns of a bad value") {
    ConductorRig rig;
    auto berlin = config::resolve_time_zone("Europe/Berlin");
    REQUIRE(berlin.ok());
    auto now = std::chrono::time_point_cast<std::chrono::seconds>(Clock::now());
    auto window = window_from(*berlin, now, 120min);
    rig.set_server_metadata(d::kApi1, "__staffeln_backup_window", "nightly");
    auto conf = rig.write_conf(fmt::format("timezone = Europe/Berlin\nbackup_window = {}", window));
    auto run = run_staffeln({"--config-file", conf.string(), "conductor", "--dry-run"}, rig.os_env());
    INFO(run.out, run.err);
    CHECK(run.exit_code == 0);
    for (const char* volume : {d::kWebRoot, d::kWebData, d::kDbRoot, d::kApiRoot})
        CHECK(run.out.find(fmt::format("skip volume {}: outside backup window {} (backup_window): it is ", volume,
                                       window)) != std::string::npos);
    CHECK(run.out.find(" in Europe/Berlin\n") != std::string::npos);
    CHECK(run.out.find(fmt::format("warning: server api-1 ({}): backup window metadata __staffeln_backup_window="
                                   "'nightly' is ignored (invalid backup window 'nightly' (expected HH:MM-HH:MM in "
                                   "24-hour time, such as 01:00-05:00 or 22:00-04:00)); using backup_window {}\n",
                                   d::kApi1, window)) != std::string::npos);
    CHECK(run.out.find("create ") == std::string::npos);
    CHECK(rig.staffeln_backups().empty());
}

TEST_CASE("an unknown timezone or a bad window in the config exits 2 naming file, line, option and value") {
    ConductorRig rig;
    auto zone = rig.write_conf("timezone = Europe/Atlantis");
    auto bad_zone = run_staffeln({"--config-file", zone.string(), "conductor", "--dry-run"}, rig.os_env());
    CHECK(bad_zone.exit_code == 2);
    CHECK(bad_zone.err.find(zone.string() +
                            ":6: [conductor] timezone = Europe/Atlantis: unknown timezone 'Europe/Atlantis' "
                            "(expected UTC, a fixed offset from -14:00 to +14:00 such as +02:00, or a name from the "
                            "system's time zone database (tzdata) such as Europe/Berlin)") != std::string::npos);
    auto window = rig.write_conf("backup_window = 01:00-25:00");
    auto bad_window = run_staffeln({"--config-file", window.string(), "conductor", "--dry-run"}, rig.os_env());
    CHECK(bad_window.exit_code == 2);
    CHECK(bad_window.err.find(window.string() +
                              ":6: [conductor] backup_window = 01:00-25:00: invalid backup window '01:00-25:00' "
                              "(expected HH:MM-HH:MM in 24-hour time, such as 01:00-05:00 or 22:00-04:00)") !=
          std::string::npos);
}
