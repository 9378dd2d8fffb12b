// Snapshot mode against the simulated cloud (issue 14): a server's volumes snapshotted together
// and backed up from the snapshots, in-process through run_backup_cycle. One data time per
// server, incrementals chained onto the previous snapshot backup, a quota-refused snapshot
// backed up straight from its volume, and no snapshot of staffeln's left after a cycle.
#include "staffeln/report/digest.h"
#include "staffeln/report/report_store.h"
#include "support/conductor_rig.h"

#include <doctest/doctest.h>
#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <set>

using namespace staffeln;
using namespace staffeln::testing;
namespace d = staffeln::testing::demo;

namespace {

constexpr const char* kWebLogs = "7e8f9a0b-1c2d-4e3f-8a4b-5c6d7e8f9a0b";
const std::vector<std::string> kWebVolumes = {d::kWebRoot, d::kWebData, kWebLogs};

// demo.json with a third volume on web-1, quick snapshots, and snapshot_quota for demo.
json snapshot_scenario(std::optional<int> demo_snapshot_quota = std::nullopt) {
    json s = fast_scenario();
    s["settings"]["snapshot_create_seconds"] = 0.1;
    s["settings"]["snapshot_delete_seconds"] = 0.1;
    for (auto& server : s["servers"])
        if (server["name"] == "web-1")
            server["volumes"].push_back({{"id", kWebLogs}, {"name", "web-1-logs"}, {"size", 1}});
    if (demo_snapshot_quota)
        for (auto& project : s["projects"])
            if (project["name"] == "demo") project["quota"] = {{"snapshots", *demo_snapshot_quota}};
    return s;
}

std::string all_of(const std::vector<std::string>& lines) {
    std::string out;
    for (const auto& l : lines) out += l + "\n";
    return out;
}

// Snapshots still there and not being deleted, per the simulated cloud's own state.
std::vector<json> live_snapshots(ConductorRig& rig) {
    auto a = rig.sim.call("GET", "/_sim/snapshots");
    REQUIRE(a.status == 200);
    std::vector<json> out;
    for (const auto& s : a.body["snapshots"])
        if (s["status"] != "deleting") out.push_back(s);
    return out;
}

// The server sets the next report of demo would show, by server name.
std::map<std::string, core::ServerSet> report_sets(ConductorRig& rig) {
    auto tasks = report::unreported_tasks(rig.db);
    REQUIRE(tasks.ok());
    REQUIRE_FALSE(tasks->empty());
    auto digest = report::build_digest(tasks->front().project_id, "demo", *tasks, std::nullopt, rig.now());
    std::map<std::string, core::ServerSet> out;
    for (auto& set : digest.sets) out.emplace(set.server_name, std::move(set));
    return out;
}

ConductorRig& in_snapshot_mode(ConductorRig& rig) {
    rig.config.conductor.backup_mode = "snapshot";
    return rig;
}

}  // namespace

TEST_CASE("a three-volume server in snapshot mode gets three backups with one data time, and no snapshot is left") {
    ConductorRig rig(snapshot_scenario());
    in_snapshot_mode(rig);
    ConductorRig::next_second();  // the snapshots of one server within one second of Cinder's clock
    rig.reset_counters();
    auto result = rig.backup_cycle();
    // Per volume one snapshot create and one delete; the snapshots are checked by listings, never
    // one GET each, and the clean-up reuses the last of them.
    json requests = rig.counters()["requests"];
    CHECK(requests["POST /volume/v3/{project_id}/snapshots"] == 5);
    CHECK(requests["DELETE /volume/v3/{project_id}/snapshots/{id}"] == 5);
    CHECK_FALSE(requests.contains("GET /volume/v3/{project_id}/snapshots/{id}"));
    int listings = requests["GET /volume/v3/{project_id}/snapshots/detail"];
    MESSAGE("snapshot listings: " << listings);
    CHECK(listings >= 1);
    CHECK(listings <= 3);  // 0.1 s to create, polled every 0.1 s
    REQUIRE_MESSAGE(result.outcome.succeeded == 5, all_of(result.outcome.problems));
    CHECK_MESSAGE(result.outcome.problems.empty(), all_of(result.outcome.problems));
    CHECK_MESSAGE(result.outcome.warnings.empty(), all_of(result.outcome.warnings));

    std::set<std::string> data_times;
    for (const auto& volume : kWebVolumes) {
        auto backups = rig.staffeln_backups(volume);
        REQUIRE(backups.size() == 1);
        CHECK(backups[0]["status"] == "available");
        CHECK(backups[0]["snapshot_id"].is_string());
        data_times.insert(backups[0]["data_timestamp"].get<std::string>());
    }
    CHECK(data_times.size() == 1);

    // The store and the report know them as one set: web-1's three volumes, one data time.
    auto sets = report_sets(rig);
    REQUIRE(sets.contains("web-1"));
    const auto& web = sets["web-1"];
    CHECK_FALSE(web.set_id.empty());
    CHECK(web.mode == core::BackupMode::snapshot);
    CHECK(web.volumes.size() == 3);
    CHECK(core::data_spread(web) == std::chrono::seconds(0));
    CHECK_MESSAGE(!web.partial, all_of(web.reasons));
    // One set per server backed up, in every project: each task names one, each set has tasks.
    CHECK(rig.db.sql().execAndGet("SELECT count(*) FROM tasks WHERE set_id = ''").getInt() == 0);
    CHECK(rig.db.sql().execAndGet("SELECT count(DISTINCT set_id) FROM tasks").getInt() ==
          rig.db.sql().execAndGet("SELECT count(*) FROM server_sets WHERE mode = 'snapshot'").getInt());
    SQLite::Statement volumes(rig.db.sql(), "SELECT volumes FROM server_sets WHERE id = ?");
    volumes.bind(1, web.set_id);
    REQUIRE(volumes.executeStep());
    CHECK(volumes.getColumn(0).getInt() == 3);

    // The spread of the snapshots' own times (microseconds), which Cinder rounds to the second.
    auto all = rig.sim.call("GET", "/_sim/snapshots").body["snapshots"];
    std::int64_t first = INT64_MAX, last = INT64_MIN;
    for (const auto& s : all)
        if (std::ranges::find(kWebVolumes, s["volume_id"].get<std::string>()) != kWebVolumes.end()) {
            first = std::min(first, s["created_at_micros"].get<std::int64_t>());
            last = std::max(last, s["created_at_micros"].get<std::int64_t>());
        }
    MESSAGE("spread of web-1's snapshot times: " << (last - first) << " us");
    CHECK(last - first < 1'000'000);

    for (const auto& s : all) CHECK(s["status"] == "deleting");  // every one of them staffeln's, being deleted
    CHECK(all.size() == 5);
    rig.settle();
    CHECK(live_snapshots(rig).empty());
}

TEST_CASE("an incremental from a snapshot chains onto the previous snapshot backup") {
    ConductorRig rig(snapshot_scenario());
    in_snapshot_mode(rig);
    REQUIRE(rig.backup_cycle().outcome.succeeded == 5);
    ConductorRig::next_second();
    auto second = rig.backup_cycle();
    REQUIRE_MESSAGE(second.outcome.succeeded == 5, all_of(second.outcome.problems));
    for (const auto& volume : kWebVolumes) {
        auto chain = rig.staffeln_backups(volume);  // newest first
        REQUIRE(chain.size() == 2);
        CHECK(chain[0]["is_incremental"] == true);
        CHECK(chain[0]["parent_id"] == chain[1]["id"]);
        CHECK(chain[0]["snapshot_id"].is_string());
        CHECK(chain[0]["data_timestamp"] > chain[1]["data_timestamp"]);
    }
    rig.settle();
    CHECK(live_snapshots(rig).empty());
}

TEST_CASE("a snapshot the project's quota refuses falls back to a backup straight from the volume, said so") {
    ConductorRig rig(snapshot_scenario(1));  // demo may hold one snapshot: web-1 and db-1 want four
    in_snapshot_mode(rig);
    auto result = rig.backup_cycle();
    REQUIRE_MESSAGE(result.outcome.succeeded == 5, all_of(result.outcome.problems));
    CHECK_MESSAGE(result.outcome.problems.empty(), all_of(result.outcome.problems));
    REQUIRE(result.outcome.warnings.size() == 3);
    for (const auto& line : result.outcome.warnings) CHECK(line.find("snapshot refused (") != std::string::npos);
    CHECK(result.outcome.warnings[0].find("SnapshotLimitExceeded: Maximum number of snapshots allowed (1) exceeded") !=
          std::string::npos);
    CHECK(result.outcome.warnings[0].ends_with("; backed up straight from the volume"));

    int from_snapshot = 0, from_volume = 0;
    for (const auto& volume : {d::kWebRoot, d::kWebData, kWebLogs, d::kDbRoot}) {
        auto backups = rig.staffeln_backups(volume);
        REQUIRE(backups.size() == 1);
        CHECK(backups[0]["status"] == "available");
        (backups[0]["snapshot_id"].is_null() ? from_volume : from_snapshot) += 1;
    }
    CHECK(from_snapshot == 1);
    CHECK(from_volume == 3);
    int noted = 0;
    for (const auto& task : rig.tasks()) {  // the report's reason for the task
        CHECK(task.status == core::TaskStatus::succeeded);
        if (task.last_error.find("backed up straight from the volume") != std::string::npos) ++noted;
    }
    CHECK(noted == 3);
    // In the report's server sets, each fallback is a reason the set is partial.
    auto sets = report_sets(rig);
    REQUIRE(sets.contains("web-1"));
    CHECK(sets["web-1"].partial);
    std::size_t reasons = 0;
    for (const auto& [name, set] : sets) {
        CAPTURE(name);
        CHECK(set.partial == !set.reasons.empty());
        for (const auto& reason : set.reasons)
            CHECK(reason.find("backed up straight from the volume") != std::string::npos);
        reasons += set.reasons.size();
    }
    CHECK(reasons == 3);
    rig.settle();
    CHECK(live_snapshots(rig).empty());
}

TEST_CASE("a server's metadata puts it alone in snapshot mode, and a user's snapshot is never touched") {
    json s = snapshot_scenario();
    s["snapshots"] = json::array({{{"id", "5e6f7a8b-9c0d-4e1f-8a2b-3c4d5e6f7a8b"}, {"volume", "db-1-root"}}});
    ConductorRig rig(s);
    rig.set_server_metadata(d::kDb1, "__staffeln_backup_mode", "SNAPSHOT");
    rig.reset_counters();
    auto result = rig.backup_cycle();
    REQUIRE_MESSAGE(result.outcome.succeeded == 5, all_of(result.outcome.problems));
    CHECK(rig.staffeln_backups(d::kDbRoot)[0]["snapshot_id"].is_string());
    CHECK(rig.staffeln_backups(d::kWebRoot)[0]["snapshot_id"].is_null());
    // Each server's set carries its own mode; web-1's, in volume mode, is complete whatever its spread.
    auto sets = report_sets(rig);
    REQUIRE(sets.contains("web-1"));
    CHECK(sets["web-1"].mode == core::BackupMode::volume);
    CHECK(sets["web-1"].volumes.size() == 3);
    CHECK_FALSE(sets["web-1"].partial);
    CHECK(rig.db.sql()
              .execAndGet("SELECT group_concat(mode, ',') FROM (SELECT DISTINCT mode FROM server_sets ORDER BY mode)")
              .getString() == "snapshot,volume");
    json requests = rig.counters()["requests"];
    CHECK(requests["POST /volume/v3/{project_id}/snapshots"] == 1);
    CHECK(requests["DELETE /volume/v3/{project_id}/snapshots/{id}"] == 1);
    rig.settle();
    auto left = live_snapshots(rig);
    REQUIRE(left.size() == 1);
    CHECK(left[0]["id"] == "5e6f7a8b-9c0d-4e1f-8a2b-3c4d5e6f7a8b");
    CHECK(left[0]["status"] == "available");
}

TEST_CASE("a snapshot that ends in error falls back to a backup straight from the volume, and is deleted") {
    json s = snapshot_scenario();
    s["settings"]["snapshot_error_rate"] = 1.0;
    ConductorRig rig(s);
    in_snapshot_mode(rig);
    auto result = rig.backup_cycle();
    REQUIRE_MESSAGE(result.outcome.succeeded == 5, all_of(result.outcome.problems));
    CHECK_MESSAGE(result.outcome.problems.empty(), all_of(result.outcome.problems));
    REQUIRE(result.outcome.warnings.size() == 5);
    for (const auto& line : result.outcome.warnings) {
        CHECK(line.find("snapshot ") != std::string::npos);
        CHECK(line.find(" is error; backed up straight from the volume") != std::string::npos);
    }
    for (const auto& volume : kWebVolumes) {
        auto backups = rig.staffeln_backups(volume);
        REQUIRE(backups.size() == 1);
        CHECK(backups[0]["status"] == "available");
        CHECK(backups[0]["snapshot_id"].is_null());
    }
    for (const auto& task : rig.tasks()) {
        CHECK(task.status == core::TaskStatus::succeeded);
        CHECK(task.last_error.find("backed up straight from the volume") != std::string::npos);
    }
    rig.settle();
    CHECK(live_snapshots(rig).empty());  // the error snapshots, staffeln's, were deleted in the cycle
}

TEST_CASE("a snapshot still creating at the cycle timeout falls back, and its backup is timed from its own create") {
    json s = snapshot_scenario();
    s["settings"]["snapshot_create_seconds"] = 60;
    ConductorRig rig(s);
    in_snapshot_mode(rig);
    rig.config.conductor.backup_cycle_timeout = std::chrono::seconds(1);
    auto result = rig.backup_cycle();
    // Timed from the task's start, which includes the second spent waiting for the snapshots,
    // each fallback backup would be cancelled as soon as it was sent.
    REQUIRE_MESSAGE(result.outcome.succeeded == 5, all_of(result.outcome.problems));
    CHECK(result.outcome.cancelled == 0);
    REQUIRE(result.outcome.warnings.size() == 5);
    for (const auto& line : result.outcome.warnings)
        CHECK(line.find("still creating after backup_cycle_timout; backed up straight from the volume") !=
              std::string::npos);
    for (const auto& volume : kWebVolumes) {
        auto backups = rig.staffeln_backups(volume);
        REQUIRE(backups.size() == 1);
        CHECK(backups[0]["status"] == "available");
        CHECK(backups[0]["snapshot_id"].is_null());
    }
    CHECK(live_snapshots(rig).size() == 5);  // still creating: Cinder refuses to delete them yet
    rig.sim_config({{"snapshot_create_seconds", 0.1}});
    rig.settle();
    rig.backup_cycle();
    CHECK(live_snapshots(rig).empty());  // once available, the next cycle deletes them
}
