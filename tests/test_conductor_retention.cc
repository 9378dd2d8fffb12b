// The conductor's retention cycle against the simulated cloud (issue 5). Old chains come from
// the scenario: backups dated days ago carrying staffeln's tag, exactly as staffeln leaves them,
// next to users' backups of the same volumes; run_retention_cycle deletes in-process, and the
// real `staffeln conductor --once` shows it waits for the deletions it issued.
#include "support/conductor_rig.h"
#include "support/process.h"

#include "staffeln/core/calendar_bucket.h"
#include "staffeln/core/retention_rules.h"

#include <doctest/doctest.h>
#include <fmt/chrono.h>

#include <algorithm>
#include <map>
#include <set>

using namespace staffeln;
using namespace staffeln::testing;
namespace d = staffeln::testing::demo;
using std::chrono::hours;
using std::chrono::seconds;

namespace {

std::string ago(hours h) {
    return fmt::format("{:%Y-%m-%dT%H:%M:%SZ}", std::chrono::time_point_cast<seconds>(Clock::now() - h));
}
hours days(int n) { return hours(24 * n); }

// A backup as staffeln leaves it in Cinder: tagged with a task id.
json ours(const std::string& id, const std::string& volume, hours age, bool incremental = false) {
    return {{"id", id},
            {"volume", volume},
            {"name", id},
            {"user", "admin"},
            {"created_at", ago(age)},
            {"incremental", incremental},
            {"description", "Backup by staffeln"},
            {"metadata", {{"staffeln:task", "task-" + id}}}};
}

json users(const std::string& id, const std::string& volume, hours age, bool incremental = false) {
    return {{"id", id},       {"volume", volume},       {"name", id},
            {"user", "demo"}, {"created_at", ago(age)}, {"incremental", incremental}};
}

json with_backups(std::vector<json> backups) {
    json scenario = fast_scenario();
    for (auto& b : backups) scenario["backups"].push_back(std::move(b));
    return scenario;
}

std::set<std::string> ids_of(const std::vector<json>& backups) {
    std::set<std::string> out;
    for (const auto& b : backups) out.insert(b["id"].get<std::string>());
    return out;
}

std::string all_of(const std::vector<std::string>& lines) {
    std::string out;
    for (const auto& l : lines) out += l + "\n";
    return out;
}

std::string dry_run(ConductorRig& rig) {
    TempDir dir;
    std::FILE* out = std::fopen((dir / "plan.txt").c_str(), "w+");
    rig.retention_cycle(true, out);
    std::fclose(out);
    return read_file(dir / "plan.txt");
}

// The uuids the scenario gives backups must be unique per test; these name them by role.
constexpr const char* kF1 = "00000000-0000-4000-8000-0000000000f1";
constexpr const char* kI1 = "00000000-0000-4000-8000-0000000000a1";
constexpr const char* kI2 = "00000000-0000-4000-8000-0000000000a2";
constexpr const char* kF2 = "00000000-0000-4000-8000-0000000000f2";
constexpr const char* kF3 = "00000000-0000-4000-8000-0000000000f3";
constexpr const char* kU1 = "00000000-0000-4000-8000-0000000000b1";

}  // namespace

TEST_CASE("retention deletes expired automated backups, incrementals before their full") {
    ConductorRig rig(with_backups({ours(kF1, d::kWebData, days(10)), ours(kI1, d::kWebData, days(9), true),
                                   ours(kI2, d::kWebData, days(8), true), ours(kF2, d::kWebData, days(2))}));
    rig.config.conductor.retention_time = days(7);

    std::string plan = dry_run(rig);
    INFO(plan);
    // Ages are checked to the day: the seconds depend on when the test runs.
    CHECK(plan.find(fmt::format("delete backup {} of volume {} (wave 0): age 1w1d", kI2, d::kWebData)) !=
          std::string::npos);
    CHECK(plan.find("exceeds retention 1w (retention_time)") != std::string::npos);
    CHECK(plan.find(fmt::format("delete backup {} of volume {} (wave 1)", kI1, d::kWebData)) != std::string::npos);
    CHECK(plan.find(fmt::format("delete backup {} of volume {} (wave 2)", kF1, d::kWebData)) != std::string::npos);
    CHECK(plan.find(fmt::format("keep backup {} of volume {}: age 2d", kF2, d::kWebData)) != std::string::npos);
    CHECK(plan.find("within retention 1w (retention_time)") != std::string::npos);
    CHECK(rig.staffeln_backups(d::kWebData).size() == 4);

    rig.reset_counters();
    auto outcome = rig.retention_cycle();
    CHECK_MESSAGE(outcome.problems.empty(), all_of(outcome.problems));
    CHECK(outcome.deleted == 3);
    CHECK(ids_of(rig.backups(d::kWebData)) == std::set<std::string>{kF2});
    CHECK(rig.counters()["requests"].value("DELETE /volume/v3/{project_id}/backups/{id}", 0) == 3);
}

TEST_CASE("retention keeps an expired full backup while its incrementals are within retention") {
    // scratch is untagged: no safety floor, only the chain keeps the full.
    ConductorRig rig(with_backups({ours(kF1, d::kScratchRoot, days(10)), ours(kI1, d::kScratchRoot, days(9), true),
                                   ours(kI2, d::kScratchRoot, days(1), true)}));
    rig.config.conductor.retention_time = days(7);
    std::string plan = dry_run(rig);
    INFO(plan);
    CHECK(plan.find(fmt::format("keep backup {} of volume {}: age 1w3d", kF1, d::kScratchRoot)) != std::string::npos);
    CHECK(plan.find(fmt::format("exceeds retention 1w (retention_time), but kept backup {} depends on it", kI1)) !=
          std::string::npos);
    auto outcome = rig.retention_cycle();
    CHECK(outcome.deleted == 0);
    CHECK(outcome.kept == 3);
    CHECK(rig.staffeln_backups(d::kScratchRoot).size() == 3);
}

TEST_CASE("per-server retention metadata decides, and an invalid value warns naming the server and falls back") {
    auto scenario = with_backups({ours(kF1, d::kWebData, days(10)), ours(kF2, d::kWebData, hours(1)),
                                  ours(kI1, d::kDbRoot, days(10)), ours(kI2, d::kDbRoot, days(5)),
                                  ours(kF3, d::kDbRoot, hours(1)), ours(kU1, d::kApiRoot, days(5)),
                                  ours("00000000-0000-4000-8000-0000000000f4", d::kApiRoot, hours(1))});
    scenario["servers"][0]["metadata"]["__staffeln_retention"] = "2w";       // web-1
    scenario["servers"][3]["metadata"]["__staffeln_retention"] = "forever";  // api-1; db-1 has 7d
    ConductorRig rig(scenario);
    rig.config.conductor.retention_time = days(3);

    auto outcome = rig.retention_cycle();
    CHECK_MESSAGE(outcome.problems.empty(), all_of(outcome.problems));
    REQUIRE(outcome.warnings.size() == 1);
    CHECK(outcome.warnings[0].find("api-1") != std::string::npos);
    CHECK(outcome.warnings[0].find("__staffeln_retention='forever'") != std::string::npos);
    CHECK(outcome.warnings[0].find("using retention_time 3d") != std::string::npos);

    CHECK(ids_of(rig.staffeln_backups(d::kWebData)).contains(kF1));  // 10d < 2w
    auto db = ids_of(rig.staffeln_backups(d::kDbRoot));
    CHECK_FALSE(db.contains(kI1));                                         // 10d > 7d
    CHECK(db.contains(kI2));                                               // 5d < 7d
    CHECK_FALSE(ids_of(rig.staffeln_backups(d::kApiRoot)).contains(kU1));  // 5d > 3d, the fallback
    CHECK(outcome.deleted == 2);
}

TEST_CASE("retention never deletes a user's backup of a volume staffeln backs up, nor what it depends on") {
    // demo.json's manual backup of web-1-root (12 days old) is older than all of these.
    ConductorRig rig(with_backups(
        {ours(kF1, d::kWebRoot, days(6)), users(kU1, d::kWebRoot, days(5), true), ours(kF2, d::kWebRoot, days(1))}));
    rig.config.conductor.retention_time = hours(12);
    for (int cycle = 0; cycle < 2; ++cycle) {
        auto outcome = rig.retention_cycle();
        CHECK_MESSAGE(outcome.problems.empty(), all_of(outcome.problems));
        CHECK(outcome.deleted == 0);
    }
    CHECK(ids_of(rig.backups(d::kWebRoot)) == std::set<std::string>{d::kManualBackup, kF1, kU1, kF2});

    // Once the user deletes the incremental, staffeln's full is no longer needed.
    REQUIRE(rig.sim.call("DELETE", std::string("/_sim/backups/") + kU1).status == 204);
    CHECK(rig.retention_cycle().deleted == 1);
    CHECK(ids_of(rig.backups(d::kWebRoot)) == std::set<std::string>{d::kManualBackup, kF2});
}

TEST_CASE("a delete that Cinder refuses or that fails on the first try is retried next cycle") {
    ConductorRig rig(with_backups({ours(kF1, d::kWebData, days(10)), ours(kF2, d::kWebData, hours(1)),
                                   ours(kI1, d::kDbRoot, days(10)), ours(kF3, d::kDbRoot, hours(1))}));
    rig.config.conductor.retention_time = days(7);
    auto path = [](const char* id) { return std::string("/volume/v3/") + d::kDemoProject + "/backups/" + id; };
    rig.fault({{"method", "DELETE"}, {"path_prefix", path(kF1)}, {"status", 500}, {"count", 1}});
    rig.fault({{"method", "DELETE"}, {"path_prefix", path(kI1)}, {"status", 400}, {"count", 1}});

    auto first = rig.retention_cycle();
    CHECK(first.deleted == 0);
    REQUIRE(first.problems.size() == 2);
    CHECK(all_of(first.problems).find(fmt::format("cannot delete backup {} of volume {} yet", kF1, d::kWebData)) !=
          std::string::npos);
    CHECK(all_of(first.problems).find("retried next cycle") != std::string::npos);
    CHECK(ids_of(rig.staffeln_backups()) == std::set<std::string>{kF1, kF2, kI1, kF3});

    auto second = rig.retention_cycle();
    CHECK_MESSAGE(second.problems.empty(), all_of(second.problems));
    CHECK(second.deleted == 2);
    CHECK(ids_of(rig.staffeln_backups()) == std::set<std::string>{kF2, kF3});
}

TEST_CASE("a backup removed behind staffeln's back is dropped from the store") {
    ConductorRig rig;
    REQUIRE(rig.backup_cycle().outcome.succeeded == 4);
    auto gone = rig.staffeln_backups(d::kWebData);
    REQUIRE(gone.size() == 1);
    REQUIRE(rig.sim.call("DELETE", "/_sim/backups/" + gone[0]["id"].get<std::string>()).status == 204);

    auto outcome = rig.retention_cycle();
    CHECK(outcome.problems.empty());
    for (const auto& t : rig.tasks()) {
        CHECK(t.status == core::TaskStatus::succeeded);
        CHECK(t.backup_id.empty() == (t.volume_id == d::kWebData));
    }
    // The store's index of automated backups forgets it too.
    auto indexed = [&](const std::string& id) {
        SQLite::Statement q(rig.db.sql(), "SELECT count(*) FROM backups WHERE backup_id = ?1");
        q.bind(1, id);
        q.executeStep();
        return q.getColumn(0).getInt();
    };
    CHECK(indexed(gone[0]["id"]) == 0);
}

TEST_CASE("retention deletes the backups of failed and cancelled tasks whose first delete failed") {
    ConductorRig rig;
    rig.sim_config({{"backup_error_rate", 1.0}});
    rig.fault({{"method", "DELETE"}, {"path_prefix", "/volume/v3/"}, {"status", 500}, {"count", 4}});
    auto failed = rig.backup_cycle();
    REQUIRE(failed.outcome.failed == 4);
    REQUIRE(rig.staffeln_backups().size() == 4);  // in error, their deletes refused
    for (const auto& t : rig.tasks()) CHECK_FALSE(t.backup_id.empty());

    auto outcome = rig.retention_cycle();
    CHECK_MESSAGE(outcome.problems.empty(), all_of(outcome.problems));
    CHECK(outcome.deleted == 4);
    CHECK(rig.staffeln_backups().empty());

    // Cancelled: still creating past backup_cycle_timeout, and the force-delete refused once.
    rig.sim_config({{"backup_error_rate", 0.0}, {"backup_create_seconds", 600}});
    rig.config.conductor.backup_cycle_timeout = seconds(1);
    rig.fault({{"method", "POST"},
               {"path_prefix", "/volume/v3/a2425abc42da456eae8e8d8ac24de1f7/backups/"},
               {"status", 500},
               {"count", 4}});
    auto cancelled = rig.backup_cycle();
    REQUIRE(cancelled.outcome.cancelled == 4);
    REQUIRE(rig.staffeln_backups().size() == 4);
    auto again = rig.retention_cycle();
    CHECK_MESSAGE(again.problems.empty(), all_of(again.problems));
    CHECK(again.deleted == 4);
    CHECK(rig.staffeln_backups().empty());
}

TEST_CASE("the safety floor keeps the newest chain of a still-tagged server's volume, and is an option") {
    ConductorRig rig(with_backups({ours(kF1, d::kWebData, days(10)), ours(kI1, d::kWebData, days(9), true)}));
    rig.config.conductor.retention_time = days(7);
    CHECK(dry_run(rig).find(fmt::format("keep backup {} of volume {}: safety floor", kI1, d::kWebData)) !=
          std::string::npos);
    auto kept = rig.retention_cycle();
    CHECK(kept.deleted == 0);
    CHECK(rig.staffeln_backups(d::kWebData).size() == 2);

    rig.config.conductor.retention_safety_floor = false;
    auto off = rig.retention_cycle();
    CHECK(off.deleted == 2);
    CHECK(rig.staffeln_backups(d::kWebData).empty());
}

TEST_CASE(
    "an untagged server's retention value still applies, as upstream's, and a detached volume's backups expire by "
    "retention_time") {
    auto scenario = with_backups({ours(kF1, d::kScratchRoot, days(10)),
                                  ours(kF2, "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d", days(10)),  // detached-archive
                                  ours(kF3, d::kDbRoot, days(10))});
    scenario["servers"][2]["metadata"]["__staffeln_retention"] = "30D";  // scratch: untagged, its value counts
    ConductorRig rig(scenario);
    rig.config.conductor.retention_time = days(7);
    auto outcome = rig.retention_cycle();
    CHECK_MESSAGE(outcome.problems.empty(), all_of(outcome.problems));
    CHECK(outcome.deleted == 1);
    // scratch keeps its 10-day backup by its own 30d; db-1 is tagged: the floor keeps it.
    CHECK(ids_of(rig.staffeln_backups()) == std::set<std::string>{kF1, kF3});
}

TEST_CASE("staffeln conductor --once waits for the deletions it issued and finishes a chain within the run") {
    ConductorRig rig(with_backups({ours(kF1, d::kScratchRoot, days(10)), ours(kI1, d::kScratchRoot, days(9), true),
                                   ours(kI2, d::kScratchRoot, days(8), true)}));
    auto conf = rig.write_conf("retention_time = 7d");
    auto run = run_staffeln({"--config-file", conf.string(), "conductor", "--once"}, rig.os_env());
    INFO(run.out, run.err);
    CHECK(run.exit_code == 0);
    CHECK(run.out.find("retention: 3 deleted") != std::string::npos);
    CHECK(rig.backups(d::kScratchRoot).empty());
}

TEST_CASE("staffeln conductor --once whose backup cycle cannot read the servers still keeps the safety floor") {
    ConductorRig rig(with_backups({ours(kF1, d::kWebData, days(10)), ours(kI1, d::kWebData, days(9), true)}));
    auto conf = rig.write_conf("retention_time = 7d");
    rig.fault({{"method", "GET"}, {"path_prefix", "/compute/v2.1/servers/detail"}, {"status", 403}, {"count", 1}});
    auto run = run_staffeln({"--config-file", conf.string(), "conductor", "--once"}, rig.os_env());
    INFO(run.out, run.err);
    CHECK(run.exit_code == 1);
    CHECK(run.out.find("problem: backup cycle skipped: listing servers of every project") != std::string::npos);
    CHECK(run.out.find("retention: 0 deleted, 2 kept") != std::string::npos);
    CHECK(rig.staffeln_backups(d::kWebData).size() == 2);
}

TEST_CASE("a GFS retention policy keeps exactly the newest backup of each bucket of 400 daily backups") {
    // One full backup a day for 400 days on web-1's data volume, the newest an hour old.
    const auto newest = std::chrono::time_point_cast<seconds>(Clock::now()) - hours(1);
    std::vector<json> made;
    std::vector<std::pair<TimePoint, std::string>> history;  // newest first
    for (int k = 0; k < 400; ++k) {
        auto id = fmt::format("00000000-0000-4000-8000-{:012}", 400000 + k);
        TimePoint t = newest - days(k);
        history.emplace_back(t, id);
        made.push_back({{"id", id},
                        {"volume", d::kWebData},
                        {"name", id},
                        {"user", "admin"},
                        {"created_at", fmt::format("{:%Y-%m-%dT%H:%M:%SZ}", t)},
                        {"incremental", false},
                        {"description", "Backup by staffeln"},
                        {"metadata", {{"staffeln:task", "task-" + id}}}});
    }
    ConductorRig rig(with_backups(made));
    rig.config.conductor.retention_time = days(1);
    rig.config.conductor.retention_policy = "last=3,daily=7,weekly=4,monthly=12,yearly=2";
    rig.config.conductor.timezone = "+02:00";

    // The expected set, from a map of buckets: the age limit keeps the newest; each calendar
    // rule the newest backup of each of its newest buckets.
    std::set<std::string> expected{history[0].second, history[1].second, history[2].second};
    auto rules = core::parse_retention_rules(rig.config.conductor.retention_policy).value();
    for (auto kind : {core::RuleKind::daily, core::RuleKind::weekly, core::RuleKind::monthly, core::RuleKind::yearly}) {
        std::map<std::int64_t, std::string, std::greater<>> newest_of;
        for (const auto& [t, id] : history) newest_of.try_emplace(core::calendar_bucket(kind, t, hours(2)), id);
        std::uint32_t taken = 0;
        for (const auto& [bucket, id] : newest_of)
            if (taken++ < rules[kind]) expected.insert(id);
    }
    CHECK(expected.size() >= 7 + 12);  // 7 days, at least 11 more months and a year before those
    CHECK(expected.size() <= 7 + 4 + 12 + 2);

    std::string plan = dry_run(rig);
    INFO(plan);
    CHECK(plan.find(fmt::format("keep backup {} of volume {}: last 2 (retention_policy); age 1d1h", history[1].second,
                                d::kWebData)) != std::string::npos);
    CHECK(plan.find("exceeds retention 1d (retention_time)") != std::string::npos);
    CHECK(plan.find(fmt::format("keep backup {} of volume {}: daily ", history[6].second, d::kWebData)) !=
          std::string::npos);
    CHECK(plan.find(fmt::format("delete backup {} of volume {} (wave 0): age ", history[399].second, d::kWebData)) !=
          std::string::npos);

    auto outcome = rig.retention_cycle();
    CHECK_MESSAGE(outcome.problems.empty(), all_of(outcome.problems));
    CHECK(outcome.deleted == static_cast<int>(400 - expected.size()));
    CHECK(ids_of(rig.staffeln_backups(d::kWebData)) == expected);
}

TEST_CASE("a server's retention policy metadata keeps its backups, and an invalid one warns naming the server") {
    auto scenario = with_backups(
        {ours(kF1, d::kWebData, days(10)), ours(kF2, d::kWebData, days(9)), ours(kF3, d::kWebData, days(8))});
    scenario["servers"][0]["metadata"]["__staffeln_retention_policy"] = "last=2";    // web-1
    scenario["servers"][3]["metadata"]["__staffeln_retention_policy"] = "hourly=2";  // api-1
    ConductorRig rig(scenario);
    rig.config.conductor.retention_time = days(7);

    std::string plan = dry_run(rig);
    INFO(plan);
    CHECK(plan.find(fmt::format("keep backup {} of volume {}: last 1 (server web-1's retention policy metadata); "
                                "age 1w1d",
                                kF3, d::kWebData)) != std::string::npos);
    auto outcome = rig.retention_cycle();
    CHECK_MESSAGE(outcome.problems.empty(), all_of(outcome.problems));
    REQUIRE(outcome.warnings.size() == 1);
    CHECK(outcome.warnings[0].find("server api-1 (") != std::string::npos);
    CHECK(outcome.warnings[0].find("__staffeln_retention_policy='hourly=2' is ignored") != std::string::npos);
    CHECK(outcome.warnings[0].ends_with("; using no retention policy"));
    CHECK(outcome.deleted == 1);
    CHECK(ids_of(rig.staffeln_backups(d::kWebData)) == std::set<std::string>{kF2, kF3});
}
