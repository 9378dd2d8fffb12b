// `staffeln retention explain` (the real binary) against the simulated cloud, around the
// conductor's retention cycle: one full backup a day for 400 days on web-1's data volume and a
// GFS policy; the explanation names each backup's rule before the cycle and, after it, lists
// exactly the backups the calendar keeps, each with its rule.
#include "support/conductor_rig.h"
#include "support/process.h"

#include <doctest/doctest.h>
#include <fmt/chrono.h>

#include <map>
#include <set>

using namespace staffeln;
using namespace staffeln::testing;
namespace d = staffeln::testing::demo;
using namespace std::chrono;

namespace {

// The conductor's "now" and the explanation's --at: Monday 2026-06-15, 11:00 UTC.
const TimePoint kNow = sys_days{2026y / June / 15} + 11h;
constexpr const char* kAt = "2026-06-15T11:00:00Z";
constexpr const char* kPolicy = "last=3,daily=7,weekly=4,monthly=12,yearly=2";

struct Daily {
    json scenario = fast_scenario();
    std::map<std::string, std::string> id_of;  // "2026-06-15" -> backup id

    // One full backup a day at 10:00 UTC (12:00 at +02:00, the same date), the newest on 2026-06-15.
    Daily() {
        for (int k = 0; k < 400; ++k) {
            TimePoint t = sys_days{2026y / June / 15} + 10h - days(k);
            auto id = fmt::format("00000000-0000-4000-8000-{:012}", 500000 + k);
            id_of[fmt::format("{:%Y-%m-%d}", t)] = id;
            scenario["backups"].push_back({{"id", id},
                                           {"volume", d::kWebData},
                                           {"name", id},
                                           {"user", "admin"},
                                           {"created_at", fmt::format("{:%Y-%m-%dT%H:%M:%SZ}", t)},
                                           {"incremental", false},
                                           {"description", "Backup by staffeln"},
                                           {"metadata", {{"staffeln:task", "task-" + id}}}});
        }
    }
    std::string line(const std::string& day, const std::string& verdict, const std::string& why) {
        return fmt::format("  {} 10:00  full         available  {}  {:<7}  {}\n", day, id_of.at(day), verdict, why);
    }
};

// What the calendar keeps of the 400 days, worked out by hand: the age limit (1d) the newest;
// last=3 06-15..06-13; daily=7 06-15..06-09; weekly=4 the newest of ISO weeks 25 (06-15), 24
// (06-14), 23 (06-07) and 22 (05-31); monthly=12 the last day of each month back to July 2025
// (06-15 for June); yearly=2 06-15 and 2025-12-31. The reason is the first rule in the order
// last, daily, weekly, monthly, yearly that keeps it; the age limit comes before them all.
const std::vector<std::pair<std::string, std::string>> kKept = {
    {"2026-06-15", "within 1d (retention_time)"},
    {"2026-06-14", "last 2"},
    {"2026-06-13", "last 3"},
    {"2026-06-12", "daily 2026-06-12"},
    {"2026-06-11", "daily 2026-06-11"},
    {"2026-06-10", "daily 2026-06-10"},
    {"2026-06-09", "daily 2026-06-09"},
    {"2026-06-07", "weekly 2026-W23"},
    {"2026-05-31", "weekly 2026-W22"},
    {"2026-04-30", "monthly 2026-04"},
    {"2026-03-31", "monthly 2026-03"},
    {"2026-02-28", "monthly 2026-02"},
    {"2026-01-31", "monthly 2026-01"},
    {"2025-12-31", "monthly 2025-12"},
    {"2025-11-30", "monthly 2025-11"},
    {"2025-10-31", "monthly 2025-10"},
    {"2025-09-30", "monthly 2025-09"},
    {"2025-08-31", "monthly 2025-08"},
    {"2025-07-31", "monthly 2025-07"},
};

std::set<std::string> ids_of(const std::vector<json>& backups) {
    std::set<std::string> out;
    for (const auto& b : backups) out.insert(b["id"].get<std::string>());
    return out;
}

}  // namespace

TEST_CASE("retention explain around one GFS retention cycle of 400 daily backups: exactly the calendar's set") {
    Daily daily;
    ConductorRig rig(daily.scenario);
    rig.offset = (kNow - time_point_cast<seconds>(Clock::now())).count();
    rig.config.conductor.retention_time = days(1);
    rig.config.conductor.retention_policy = kPolicy;
    rig.config.conductor.timezone = "+02:00";
    auto conf = rig.write_conf(fmt::format("retention_time = 1d\nretention_policy = {}\ntimezone = +02:00", kPolicy));
    const std::string head = fmt::format(
        "now: 2026-06-15 11:00:00 UTC (--at)\n"
        "policy: retention_time 1d, retention_policy {} (timezone +02:00), safety floor on; a server's metadata "
        "__staffeln_retention and __staffeln_retention_policy override them\n",
        kPolicy);

    auto before = run_staffeln(
        {"--config-file", conf.string(), "retention", "explain", "--volume", d::kWebData, "--at", kAt}, rig.os_env());
    INFO(before.out, before.err);
    REQUIRE(before.exit_code == 0);
    CHECK(before.out.starts_with(
        head +
        fmt::format("volume {} in project {}: 400 backups, 19 kept, 381 deleted\n", d::kWebData, d::kDemoProject) +
        daily.line("2026-06-15", "kept", "within 1d (retention_time)") + daily.line("2026-06-14", "kept", "last 2")));
    CHECK(before.out.find(daily.line("2026-06-08", "deleted", "expired: older than 1d (retention_time)")) !=
          std::string::npos);
    CHECK(before.out.ends_with(daily.line("2025-05-12", "deleted", "expired: older than 1d (retention_time)")));

    auto outcome = rig.retention_cycle();
    CHECK(outcome.problems.empty());
    CHECK(outcome.deleted == 381);
    std::set<std::string> expected;
    for (const auto& [day, why] : kKept) expected.insert(daily.id_of.at(day));
    CHECK(ids_of(rig.staffeln_backups(d::kWebData)) == expected);

    auto after = run_staffeln(
        {"--config-file", conf.string(), "retention", "explain", "--volume", d::kWebData, "--at", kAt}, rig.os_env());
    INFO(after.out, after.err);
    REQUIRE(after.exit_code == 0);
    std::string want =
        head + fmt::format("volume {} in project {}: 19 backups, 19 kept, 0 deleted\n", d::kWebData, d::kDemoProject);
    for (const auto& [day, why] : kKept) want += daily.line(day, "kept", why);
    CHECK(after.out == want);
}

TEST_CASE("retention explain --server: each of its volumes, unknown names exit 1, bad usage exits 2 naming the flag") {
    ConductorRig rig;
    auto conf = rig.write_conf("retention_time = 7d");
    auto run = [&](std::vector<std::string> args) {
        std::vector<std::string> all{"--config-file", conf.string(), "retention", "explain"};
        all.insert(all.end(), args.begin(), args.end());
        return run_staffeln(all, rig.os_env());
    };
    auto web = run({"--server", "web-1", "--at", kAt});
    INFO(web.out, web.err);
    CHECK(web.exit_code == 0);
    CHECK(
        web.out.starts_with(fmt::format("server web-1 ({}) in project {}: 2 volumes\nnow: 2026-06-15 11:00:00 UTC "
                                        "(--at)\n",
                                        d::kWeb1, d::kDemoProject)));
    CHECK(
        web.out.ends_with(fmt::format("volume {} in project {}: 1 backup, 1 kept, 0 deleted\n"
                                      "  2026-11-10 12:00  full         available  {}  kept     not staffeln's: "
                                      "never deleted\nvolume {}: no backups\n",
                                      d::kWebRoot, d::kDemoProject, d::kManualBackup, d::kWebData)));

    auto unknown = run({"--server", "nosuch"});
    CHECK(unknown.exit_code == 1);
    CHECK(unknown.err.ends_with(
        "staffeln retention explain: server nosuch: Nova lists no server with this ID or name\n"));
    auto no_volume = run({"--volume", "no-such-volume"});
    CHECK(no_volume.exit_code == 1);
    CHECK(
        no_volume.err.ends_with("staffeln retention explain: volume no-such-volume: Cinder lists no backup of it "
                                "and no server Nova lists has it attached\n"));
    auto both = run({"--server", "web-1", "--volume", d::kWebData});
    CHECK(both.exit_code == 2);
    CHECK(both.err == "staffeln retention explain: give --server or --volume, not both\n");
    auto neither = run({});
    CHECK(neither.exit_code == 2);
    CHECK(neither.err == "staffeln retention explain: give --server S or --volume V\n");
    auto bad_at = run({"--server", "web-1", "--at", "yesterday"});
    CHECK(bad_at.exit_code == 2);
    CHECK(bad_at.err.starts_with("staffeln retention explain: --at yesterday: not a time"));
    auto bad_flag = run({"--servers", "web-1"});
    CHECK(bad_flag.exit_code == 2);
    CHECK(bad_flag.err.find("--servers") != std::string::npos);
    auto help = run_staffeln({"retention", "explain", "--help"});
    CHECK(help.exit_code == 0);
    CHECK(help.out.find("--volume") != std::string::npos);
    CHECK(run_staffeln({"retention"}).exit_code == 2);
}
